/**
 * A stream whose link storage refuses (403: a presigned URL that expired) continues on a fresh
 * link with Range from where it was, without the first link's headers; without `refresh` a 403
 * stays AGENT_DOWNLOAD_HTTP.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../../../testkit/errors.js';
import { closeServer, listenOnLoopback } from '../../../../testkit/http.js';
import { streamDownload } from './stream.js';

const DATA = randomBytes(700_000);
const FAST_RETRY = { baseMs: 1, maxMs: 5 };

let server: Server;
let base: string;
let seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url!, headers: req.headers });
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (req.url === '/old') {
      if (range) return void res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code></Error>');
      // The first answer breaks off after a third of the file.
      res.writeHead(200, { 'Content-Length': DATA.length, ETag: '"storage-etag"' });
      res.write(DATA.subarray(0, 250_000), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    const start = range ? Number(range[1]) : 0;
    res.writeHead(range ? 206 : 200, {
      'Content-Length': DATA.length - start,
      ETag: '"another-etag"',
      ...(range ? { 'Content-Range': `bytes ${start}-${DATA.length - 1}/${DATA.length}` } : {}),
    });
    res.end(DATA.subarray(start));
  });
  base = await listenOnLoopback(server);
});
afterAll(() => closeServer(server));

async function collect(stream: AsyncGenerator<Buffer, { resumes: number }>): Promise<{ bytes: Buffer; resumes: number }> {
  const parts: Buffer[] = [];
  for (;;) {
    const next = await stream.next();
    if (next.done) return { bytes: Buffer.concat(parts), resumes: next.value.resumes };
    parts.push(next.value);
  }
}

describe('streamDownload with a link storage refuses', () => {
  it('fetches a fresh link on a 403 and continues there with Range', async () => {
    seen = [];
    let refreshes = 0;
    const { bytes, resumes } = await collect(
      streamDownload(`${base}/old`, {
        expectedLength: DATA.length,
        headers: { 'x-old': '1' },
        retry: FAST_RETRY,
        refresh: () => {
          refreshes++;
          return Promise.resolve({ url: `${base}/new`, headers: { 'x-new': '1' } });
        },
      }),
    );
    expect(bytes.equals(DATA)).toBe(true);
    expect(refreshes).toBe(1);
    expect(resumes).toBe(2);
    expect(seen.map((s) => s.url)).toEqual(['/old', '/old', '/new']);
    const last = seen.at(-1)!.headers;
    const start = Number(/^bytes=(\d+)-$/.exec(last.range ?? '')?.[1]);
    expect(start).toBeGreaterThan(0);
    expect(start).toBe(Number(/^bytes=(\d+)-$/.exec(seen[1]!.headers.range ?? '')?.[1]));
    // The old link's validator and headers do not follow to the new link.
    expect(last['if-range']).toBeUndefined();
    expect(last['x-old']).toBeUndefined();
    expect(last['x-new']).toBe('1');
  });

  it('without refresh, a 403 is AGENT_DOWNLOAD_HTTP', async () => {
    seen = [];
    const error = await rejection(collect(streamDownload(`${base}/old`, { expectedLength: DATA.length, retry: FAST_RETRY })));
    expect(error).toMatchObject({ code: 'AGENT_DOWNLOAD_HTTP', details: { status: 403 } });
  });
});
