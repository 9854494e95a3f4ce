/**
 * Resumable downloads against a local node:http server that misbehaves on purpose (attack and
 * fault cases 12–15): cut at 37 %, too long, dripping, 404/500, a server that ignores ranges,
 * a corrupted partial file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../../../testkit/errors.js';
import { tempDirForFile } from '../../../../testkit/temp-dir.js';
import { closeServer, listenOnLoopback } from '../../../../testkit/http.js';
import { isAgentError } from '../errors.js';
import { discardPartial, downloadResumable, type DownloadOptions } from './download.js';
import { fetchTransport } from './transport.js';

const DATA = randomBytes(1024 * 1024 + 123);
const SHA256 = createHash('sha256').update(DATA).digest('hex');
const ETAG = `"${createHash('sha1').update(DATA).digest('hex')}"`;
const FAST_RETRY = { baseMs: 1, maxMs: 5 };

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

let server: Server;
let url: string;
let handler: Handler;
let requests: IncomingHttpHeaders[] = [];
const work = tempDirForFile('osprey-agent-download-');
let dir: string;
let cases = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.headers);
    handler(req, res, requests.length);
  });
  url = `${await listenOnLoopback(server)}/artifact.bin`;
});
afterAll(async () => {
  server.closeAllConnections();
  await closeServer(server);
});
afterEach(() => {
  server.closeAllConnections();
  requests = [];
});

function freshDir(): string {
  dir = join(work, `case-${++cases}`);
  return dir;
}

/** A well-behaved artifact server (Range, If-Range, ETag), as the Osprey server is. */
function serveRange(req: IncomingMessage, res: ServerResponse, body: Buffer = DATA): void {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const ifRange = req.headers['if-range'];
  res.setHeader('ETag', ETAG);
  res.setHeader('Accept-Ranges', 'bytes');
  if (range && (!ifRange || ifRange === ETAG)) {
    const start = Number(range[1]);
    if (start >= body.length) {
      res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
      return;
    }
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`, 'Content-Length': body.length - start });
    res.end(body.subarray(start));
    return;
  }
  res.writeHead(200, { 'Content-Length': body.length });
  res.end(body);
}

function options(extra: Partial<DownloadOptions> = {}): DownloadOptions {
  return { destination: join(freshDir(), 'payload.age'), expectedLength: DATA.length, expectedSha256: SHA256, retry: FAST_RETRY, ...extra };
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; details: Readonly<Record<string, unknown>> }> {
  const error = await rejection(promise);
  if (!isAgentError(error)) throw new Error(`expected an AgentError, got ${String(error)}`);
  return { code: error.code, details: error.details };
}

const leftovers = () => (existsSync(dir) ? readdirSync(dir) : []);

describe('downloadResumable', () => {
  it('downloads a file, hash-checked, into place', async () => {
    handler = (req, res) => serveRange(req, res);
    const progress: number[] = [];
    const result = await downloadResumable(url, options({ onProgress: (n) => progress.push(n) }));
    expect(result).toMatchObject({ length: DATA.length, sha256: SHA256, resumes: 0 });
    expect(readFileSync(result.file).equals(DATA)).toBe(true);
    expect(leftovers()).toEqual(['payload.age']);
    expect(progress.at(-1)).toBe(DATA.length);
    expect(requests[0]!.range).toBeUndefined();
  });

  /** The first answer breaks off after `cut` bytes; later requests get their range. */
  const cutFirstAnswerAt =
    (cut: number): Handler =>
    (req, res, n) => {
      if (n === 1) {
        res.writeHead(200, { 'Content-Length': DATA.length, ETag: ETAG });
        res.write(DATA.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      }
      serveRange(req, res);
    };

  it('resumes a connection cut at 37 % with Range and If-Range, and checks the full hash', async () => {
    const cut = Math.floor(DATA.length * 0.37);
    handler = cutFirstAnswerAt(cut);
    const result = await downloadResumable(url, options());
    expect(result).toMatchObject({ sha256: SHA256, length: DATA.length, resumes: 1 });
    expect(readFileSync(result.file).equals(DATA)).toBe(true);
    expect(requests).toHaveLength(2);
    const start = Number(/^bytes=(\d+)-$/.exec(requests[1]!.range ?? '')?.[1]);
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThanOrEqual(cut);
    expect(requests[1]!['if-range']).toBe(ETAG);
    expect(leftovers()).toEqual(['payload.age']);
  });

  it('also resumes over the fetch transport (the default is node:http)', async () => {
    handler = cutFirstAnswerAt(Math.floor(DATA.length * 0.37));
    const result = await downloadResumable(url, options({ transport: fetchTransport }));
    expect(result).toMatchObject({ sha256: SHA256, resumes: 1 });
  });

  it('resumes a response that ends early without an error (truncated)', async () => {
    handler = (req, res, n) => {
      if (n === 1) {
        // Chunked, no Content-Length: a clean end after half the file.
        res.writeHead(200, { ETag: ETAG });
        res.end(DATA.subarray(0, DATA.length / 2));
        return;
      }
      serveRange(req, res);
    };
    const result = await downloadResumable(url, options());
    expect(result).toMatchObject({ sha256: SHA256, resumes: 1 });
  });

  it('stops at exactly the signed length when the server sends more', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { ETag: ETAG }); // no Content-Length: the excess is only seen while reading
      res.write(DATA);
      res.end(randomBytes(100_000));
    };
    let most = 0;
    const { code, details } = await failure(downloadResumable(url, options({ onProgress: (n) => (most = Math.max(most, n)) })));
    expect(code).toBe('AGENT_DOWNLOAD_TOO_LARGE');
    expect(details.maxBytes).toBe(DATA.length);
    expect(most).toBe(DATA.length);
    expect(leftovers()).toEqual([]);
  });

  it('refuses an announced length above the signed one before reading a byte', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Length': DATA.length + 1 });
      res.end(Buffer.concat([DATA, Buffer.from([0])]));
    };
    let called = false;
    expect((await failure(downloadResumable(url, options({ onProgress: () => (called = true) })))).code).toBe('AGENT_DOWNLOAD_TOO_LARGE');
    expect(called).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('refuses a file shorter than its signed length', async () => {
    handler = (req, res) => serveRange(req, res, DATA.subarray(0, 1000));
    expect((await failure(downloadResumable(url, options()))).code).toBe('AGENT_DOWNLOAD_LENGTH_MISMATCH');
    expect(leftovers()).toEqual([]);
  });

  it('aborts a transfer that drips below the minimum throughput, keeping the part for later', async () => {
    let timer: NodeJS.Timeout | undefined;
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Length': DATA.length, ETag: ETAG });
      let at = 0;
      timer = setInterval(() => res.write(DATA.subarray(at, ++at)), 20);
      res.on('close', () => clearInterval(timer));
    };
    const started = Date.now();
    const { code, details } = await failure(downloadResumable(url, options({ stallTimeoutMs: 300, minBytesPerSecond: 1024 })));
    clearInterval(timer);
    expect(code).toBe('AGENT_DOWNLOAD_STALLED');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(details.offset).toBeGreaterThan(0);
    expect(leftovers().sort()).toEqual(['payload.age.part', 'payload.age.part.json']);
    // The next attempt (the server is well again) continues the part.
    handler = (req, res) => serveRange(req, res);
    const result = await downloadResumable(url, {
      destination: join(dir, 'payload.age'),
      expectedLength: DATA.length,
      expectedSha256: SHA256,
      retry: FAST_RETRY,
    });
    expect(result.sha256).toBe(SHA256);
    expect(requests.at(-1)!.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(leftovers()).toEqual(['payload.age']);
  });

  it('aborts a server that never answers (headers included in the stall window)', async () => {
    handler = () => undefined;
    const { code } = await failure(downloadResumable(url, options({ stallTimeoutMs: 200 })));
    expect(code).toBe('AGENT_DOWNLOAD_STALLED');
    expect(leftovers()).toEqual([]);
  });

  for (const status of [404, 500]) {
    it(`fails cleanly on HTTP ${status}: typed error, nothing left behind`, async () => {
      handler = (_req, res) => res.writeHead(status, { 'Content-Type': 'application/json' }).end('{"message":"nope"}');
      const { code, details } = await failure(downloadResumable(url, options()));
      expect(code).toBe('AGENT_DOWNLOAD_HTTP');
      expect(details.status).toBe(status);
      expect(leftovers()).toEqual([]);
    });
  }

  it('gives up after too many cuts (AGENT_DOWNLOAD_INCOMPLETE) and a later call resumes', async () => {
    handler = (req, res) => {
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
      res.writeHead(start ? 206 : 200, { ETag: ETAG, ...(start ? { 'Content-Range': `bytes ${start}-${DATA.length - 1}/${DATA.length}` } : {}) });
      res.write(DATA.subarray(start, start + 100_000), () => setTimeout(() => res.socket?.destroy(), 10));
    };
    const { code, details } = await failure(downloadResumable(url, options({ maxResumes: 2 })));
    expect(code).toBe('AGENT_DOWNLOAD_INCOMPLETE');
    expect(requests).toHaveLength(3);
    expect(details.offset).toBeGreaterThan(0);
    handler = (req, res) => serveRange(req, res);
    const result = await downloadResumable(url, { destination: join(dir, 'payload.age'), expectedLength: DATA.length, expectedSha256: SHA256 });
    expect(result).toMatchObject({ sha256: SHA256, resumes: 1 });
  });

  it('restarts from zero when the server answers a resume with the whole file', async () => {
    const cut = 300_000;
    handler = (_req, res, n) => {
      res.writeHead(200, { 'Content-Length': DATA.length, ETag: ETAG });
      if (n === 1) res.write(DATA.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 10));
      else res.end(DATA); // ignores Range
    };
    const result = await downloadResumable(url, options());
    expect(result.sha256).toBe(SHA256);
    expect(readFileSync(result.file).equals(DATA)).toBe(true);
    expect(requests[1]!.range).toBeDefined();
  });

  it('throws a corrupted partial file away and downloads once more from zero', async () => {
    const opts = options();
    const destination = opts.destination;
    mkdirSync(dir);
    handler = (req, res) => serveRange(req, res);
    // A part left by an earlier run, with a flipped byte.
    const corrupt = Buffer.from(DATA.subarray(0, 500_000));
    corrupt[1234] = corrupt[1234]! ^ 0xff;
    writeFileSync(`${destination}.part`, corrupt);
    writeFileSync(`${destination}.part.json`, JSON.stringify({ url, expectedLength: DATA.length, expectedSha256: SHA256, validator: ETAG }));
    const result = await downloadResumable(url, opts);
    expect(result.sha256).toBe(SHA256);
    expect(requests.map((h) => h.range)).toEqual(['bytes=500000-', undefined]);
    expect(leftovers()).toEqual(['payload.age']);
  });

  it('refuses a file whose complete hash is wrong, leaving nothing', async () => {
    handler = (req, res) => serveRange(req, res, randomBytes(DATA.length));
    const { code } = await failure(downloadResumable(url, options()));
    expect(code).toBe('AGENT_DOWNLOAD_HASH_MISMATCH');
    expect(leftovers()).toEqual([]);
  });

  it('refuses a 206 for another range than asked', async () => {
    handler = (req, res, n) => {
      if (n === 1) {
        res.writeHead(200, { 'Content-Length': DATA.length, ETag: ETAG });
        res.write(DATA.subarray(0, 200_000), () => setTimeout(() => res.socket?.destroy(), 10));
        return;
      }
      res.writeHead(206, { 'Content-Range': `bytes 0-${DATA.length - 1}/${DATA.length}` }).end(DATA);
    };
    expect((await failure(downloadResumable(url, options()))).code).toBe('AGENT_DOWNLOAD_RANGE_INVALID');
    expect(leftovers()).toEqual([]);
  });

  it('stops when the agent aborts (a cancelled action), leaving nothing', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Length': DATA.length, ETag: ETAG });
      res.write(DATA.subarray(0, 100_000));
    };
    const controller = new AbortController();
    const pending = downloadResumable(url, options({ signal: controller.signal, onProgress: (n) => n >= 100_000 && controller.abort() }));
    expect((await failure(pending)).code).toBe('AGENT_DOWNLOAD_ABORTED');
    expect(leftovers()).toEqual([]);
  });

  it('reports a refused connection as a cut, then gives up', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { code } = await failure(downloadResumable(`http://127.0.0.1:${port}/x`, options({ maxResumes: 1 })));
    expect(code).toBe('AGENT_DOWNLOAD_INCOMPLETE');
    expect(leftovers()).toEqual([]);
  });

  it('discardPartial removes a part and its state', async () => {
    const destination = join(freshDir(), 'x');
    mkdirSync(dir);
    writeFileSync(`${destination}.part`, 'abc');
    writeFileSync(`${destination}.part.json`, '{}');
    await discardPartial(destination);
    expect(existsSync(`${destination}.part`) || existsSync(`${destination}.part.json`)).toBe(false);
  });
});
