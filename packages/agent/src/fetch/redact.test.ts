/**
 * A presigned storage link is a working download link until it expires: none of its query
 * (X-Amz-Signature, X-Amz-Credential) may reach an error's message or details, which the agent
 * reports as DDI feedback stored in the action history.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../../../testkit/errors.js';
import { closeServer, listenOnLoopback } from '../../../../testkit/http.js';
import { failureDetails } from '../errors.js';
import { downloadResumable } from './download.js';
import { redactUrl } from './redact.js';
import { streamDownload } from './stream.js';

const SECRET = 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261206%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=deadbeefcafe';
const FAST_RETRY = { baseMs: 1, maxMs: 5 };

let server: Server;
let base: string;
const dir = mkdtempSync(join(tmpdir(), 'osprey-redact-'));

beforeAll(async () => {
  // Storage as the agent meets it: a refused link (403), a missing object (404), a cut transfer.
  server = createServer((req, res) => {
    const path = req.url!.split('?')[0];
    if (path === '/bucket/denied') return void res.writeHead(403).end('<Error><Code>SignatureDoesNotMatch</Code></Error>');
    if (path === '/bucket/cut') {
      res.writeHead(200, { 'Content-Length': 1000 });
      res.write(Buffer.alloc(100), () => res.socket?.destroy());
      return;
    }
    res.writeHead(404).end();
  });
  base = await listenOnLoopback(server);
});
afterAll(async () => {
  await closeServer(server);
  rmSync(dir, { recursive: true, force: true });
});

async function drain(stream: AsyncGenerator<Buffer, unknown>): Promise<void> {
  for await (const chunk of stream) void chunk;
}

/** Everything of the error that reaches feedback and logs. */
function shown(e: unknown): string {
  const { message, details } = e as { message: string; details: unknown };
  return JSON.stringify({ message, details, feedback: failureDetails(e) });
}

describe('download errors name the link without its query', () => {
  it('redactUrl keeps scheme, host and path only', () => {
    expect(redactUrl(`https://s3.example:8443/bucket/a%20b.img?${SECRET}#frag`)).toBe('https://s3.example:8443/bucket/a%20b.img');
    expect(redactUrl(`https://user:pw@s3.example/o?${SECRET}`)).toBe('https://s3.example/o');
    expect(redactUrl(`/relative/o?${SECRET}`)).toBe('/relative/o');
  });

  for (const [name, path, streamCode, fileCode] of [
    ['a refused presigned link (403)', 'denied', 'AGENT_DOWNLOAD_HTTP', 'AGENT_DOWNLOAD_HTTP'],
    ['a missing object (404)', 'missing', 'AGENT_DOWNLOAD_HTTP', 'AGENT_DOWNLOAD_HTTP'],
    // The stream may not take the whole file again without a validator; the file download starts over.
    ['a cut transfer', 'cut', 'AGENT_DOWNLOAD_RESTART', 'AGENT_DOWNLOAD_INCOMPLETE'],
  ] as const) {
    it(`streamDownload: ${name}`, async () => {
      const code = streamCode;
      const error = await rejection(drain(streamDownload(`${base}/bucket/${path}?${SECRET}`, { expectedLength: 1000, maxResumes: 1, retry: FAST_RETRY })));
      expect(error).toMatchObject({ code });
      expect(shown(error)).toContain(`${base}/bucket/${path}`);
      expect(shown(error)).not.toMatch(/X-Amz|\?/);
    });

    it(`downloadResumable: ${name}`, async () => {
      const code = fileCode;
      const destination = join(dir, `${path}.part`);
      const error = await rejection(
        downloadResumable(`${base}/bucket/${path}?${SECRET}`, { destination, expectedLength: 1000, maxResumes: 1, retry: FAST_RETRY }),
      );
      expect(error).toMatchObject({ code });
      expect(shown(error)).toContain(`${base}/bucket/${path}`);
      expect(shown(error)).not.toMatch(/X-Amz|\?/);
    });
  }
});
