/**
 * Resumable, bounded downloads (attack and fault cases 12–15).
 *
 *  - Bytes stream into `<destination>.part` (0600) while being hashed; the file appears under its
 *    name only when complete (and, given `expectedSha256`, hash-checked), by rename.
 *  - A connection cut or a response that ends early is resumed with `Range: bytes=N-` and
 *    `If-Range` (the strong ETag, else Last-Modified). A server that answers 200 to a resume (it
 *    ignores ranges, or the file changed) restarts the file from zero.
 *  - Never more than `maxBytes` (default: the signed length) is written: the transfer stops at
 *    exactly that limit. An announced length (Content-Length, Content-Range) above it is refused
 *    before any byte is read.
 *  - A transfer that moves less than `minBytesPerSecond` over any `stallTimeoutMs` window (waiting
 *    for headers included) is aborted: AGENT_DOWNLOAD_STALLED.
 *  - A hash mismatch after a resume throws the partial file away and downloads once more from
 *    zero; a second mismatch is final.
 *
 * The partial file survives failures that may heal (stalled, connection kept breaking, 5xx after
 * some progress) so a later call resumes it; every other failure removes it: nothing is left behind.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Backoff, sleep, type BackoffOptions } from '../ddi/backoff.js';
import { AgentError, failureOf, isAgentError } from '../verify/errors.js';
import { fetchTransport, type HttpResponse, type HttpTransport } from './transport.js';

export interface DownloadOptions {
  /** Final path of the file. `<destination>.part` and `<destination>.part.json` are used meanwhile. */
  destination: string;
  /** The signed length of the file. */
  expectedLength: number;
  /** Hard limit of bytes written (default and at least: expectedLength). */
  maxBytes?: number;
  /** Lowercase hex SHA-256 to check the complete file against (AGENT_DOWNLOAD_HASH_MISMATCH). */
  expectedSha256?: string;
  /** Request headers, e.g. the DDI Authorization. */
  headers?: Record<string, string>;
  /** Length of the throughput window (ms). Default 30 s. */
  stallTimeoutMs?: number;
  /** Minimum throughput over each window. Default 1024 B/s. */
  minBytesPerSecond?: number;
  /** Resumes after connection cuts before giving up with AGENT_DOWNLOAD_INCOMPLETE. Default 5. */
  maxResumes?: number;
  /** Delays between resumes. Default 0.5 s doubling to 10 s, with jitter. */
  retry?: BackoffOptions;
  onProgress?: (received: number, total: number) => void;
  transport?: HttpTransport;
  /** Aborts the download (AGENT_DOWNLOAD_ABORTED); the partial file is removed. */
  signal?: AbortSignal;
}

export interface DownloadResult {
  file: string;
  length: number;
  sha256: string;
  /** Requests that continued a partial file with Range. */
  resumes: number;
}

interface PartMeta {
  url: string;
  expectedLength: number;
  expectedSha256?: string;
  /** Strong ETag or Last-Modified of the partial bytes, for If-Range. */
  validator?: string;
}

/** A break in the transfer that a Range request can continue. */
class Cut extends Error {}

const partPath = (destination: string) => `${destination}.part`;
const metaPath = (destination: string) => `${destination}.part.json`;

/** Remove a partial download of `destination`, if any. */
export async function discardPartial(destination: string): Promise<void> {
  await rm(partPath(destination), { force: true });
  await rm(metaPath(destination), { force: true });
}

async function hashFile(path: string): Promise<Hash> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash;
}

export function parseContentRange(value: string | undefined): { start: number; end: number; total: number | undefined } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value?.trim() ?? '');
  if (!match) return undefined;
  return { start: Number(match[1]), end: Number(match[2]), total: match[3] === '*' ? undefined : Number(match[3]) };
}

export function validatorOf(res: HttpResponse): string | undefined {
  const etag = res.header('etag');
  if (etag && !etag.startsWith('W/')) return etag;
  return res.header('last-modified');
}

export async function downloadResumable(url: string, options: DownloadOptions): Promise<DownloadResult> {
  const { destination, expectedLength } = options;
  if (!Number.isSafeInteger(expectedLength) || expectedLength < 0) throw new RangeError('expectedLength must be a non-negative integer');
  const maxBytes = options.maxBytes ?? expectedLength;
  if (maxBytes < expectedLength) throw new RangeError('maxBytes must be at least expectedLength');
  const stallTimeoutMs = options.stallTimeoutMs ?? 30_000;
  const minBytesPerWindow = Math.max(1, ((options.minBytesPerSecond ?? 1024) * stallTimeoutMs) / 1000);
  const maxResumes = options.maxResumes ?? 5;
  const transport = options.transport ?? fetchTransport;
  const backoff = new Backoff({ baseMs: 500, maxMs: 10_000, ...options.retry });
  const part = partPath(destination);
  const metaFile = metaPath(destination);
  const expectedSha256 = options.expectedSha256?.toLowerCase();

  await mkdir(dirname(destination), { recursive: true });

  // A partial file of this very download (same URL, same signed length and hash) is continued.
  let meta: PartMeta = { url, expectedLength, ...(expectedSha256 ? { expectedSha256 } : {}) };
  let offset = 0;
  let hash = createHash('sha256');
  try {
    const stored = JSON.parse(await readFile(metaFile, 'utf8')) as PartMeta;
    const size = (await stat(part)).size;
    if (stored.url === url && stored.expectedLength === expectedLength && stored.expectedSha256 === meta.expectedSha256 && size <= expectedLength) {
      meta = stored;
      offset = size;
      hash = await hashFile(part);
    } else {
      await discardPartial(destination);
    }
  } catch {
    await discardPartial(destination);
  }
  const startedFromPartial = offset > 0;
  const saveMeta = () => writeFile(metaFile, JSON.stringify(meta), { mode: 0o600 });

  let fh: FileHandle | undefined;
  let resumes = 0;
  let cuts = 0;
  let restartedFromZero = false;

  const restartFromZero = async () => {
    await fh!.truncate(0);
    offset = 0;
    hash = createHash('sha256');
    delete meta.validator;
    await saveMeta();
  };

  /** One request: resolves when the body ended (complete or not); throws Cut or a typed error. */
  const attempt = async (): Promise<void> => {
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    let windowBytes = 0;
    let stalled = false;
    let res: HttpResponse | undefined;
    const timer = setInterval(() => {
      if (windowBytes < minBytesPerWindow) {
        stalled = true;
        controller.abort();
        res?.cancel();
      }
      windowBytes = 0;
    }, stallTimeoutMs);
    const interrupted = (cause: unknown): Error => {
      if (options.signal?.aborted) return new AgentError('AGENT_DOWNLOAD_ABORTED', undefined, { cause: options.signal.reason });
      if (stalled) {
        return new AgentError('AGENT_DOWNLOAD_STALLED', `the download of ${url} moved less than ${minBytesPerWindow} bytes in ${stallTimeoutMs} ms (at byte ${offset} of ${expectedLength})`, {
          details: { offset, expectedLength, stallTimeoutMs },
        });
      }
      if (isAgentError(cause)) return cause;
      return new Cut((cause as Error)?.message ?? String(cause), { cause });
    };
    try {
      const headers: Record<string, string> = { ...options.headers };
      if (offset > 0) {
        headers.range = `bytes=${offset}-`;
        if (meta.validator) headers['if-range'] = meta.validator;
      }
      try {
        res = await transport({ url, headers, signal });
      } catch (e) {
        throw interrupted(e);
      }
      const validator = validatorOf(res);
      if (res.status === 200) {
        const declared = Number(res.header('content-length') ?? NaN);
        if (Number.isFinite(declared) && declared > maxBytes) {
          throw new AgentError('AGENT_DOWNLOAD_TOO_LARGE', `${url} announces ${declared} bytes; the signed length is ${expectedLength}`, { details: { declared, maxBytes } });
        }
        if (Number.isFinite(declared) && declared !== expectedLength) {
          throw new AgentError('AGENT_DOWNLOAD_LENGTH_MISMATCH', `${url} announces ${declared} bytes; the signed length is ${expectedLength}`, { details: { declared, expectedLength } });
        }
        if (offset > 0) await restartFromZero();
      } else if (res.status === 206) {
        const range = parseContentRange(res.header('content-range'));
        if (!range || range.start !== offset || range.end < range.start) {
          throw new AgentError('AGENT_DOWNLOAD_RANGE_INVALID', `asked ${url} for bytes ${offset}-, got ${res.header('content-range') ?? 'no Content-Range'}`);
        }
        if (range.total !== undefined && range.total > maxBytes) {
          throw new AgentError('AGENT_DOWNLOAD_TOO_LARGE', `${url} is ${range.total} bytes long; the signed length is ${expectedLength}`, { details: { declared: range.total, maxBytes } });
        }
        if (range.total !== undefined && range.total !== expectedLength) {
          throw new AgentError('AGENT_DOWNLOAD_LENGTH_MISMATCH', `${url} is ${range.total} bytes long; the signed length is ${expectedLength}`, { details: { declared: range.total, expectedLength } });
        }
        // A server that ignored If-Range and serves a changed file: start over.
        if (meta.validator && validator && validator !== meta.validator && meta.validator.startsWith('"')) {
          res.cancel();
          await restartFromZero();
          throw new Cut('the file changed on the server during the download');
        }
      } else if (res.status === 416 && offset > 0) {
        // Our partial bytes are not a prefix of what the server has: start over.
        res.cancel();
        await restartFromZero();
        throw new Cut('the server refused the range of the partial file');
      } else {
        res.cancel();
        throw new AgentError('AGENT_DOWNLOAD_HTTP', `${url} answered HTTP ${res.status}`, { details: { status: res.status, url } });
      }
      if (validator && validator !== meta.validator) {
        meta.validator = validator;
        await saveMeta();
      }
      try {
        for await (const chunk of res.body) {
          let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          const room = maxBytes - offset;
          const over = buf.length > room;
          if (over) buf = buf.subarray(0, room);
          if (buf.length > 0) {
            try {
              await fh!.write(buf, 0, buf.length, offset);
            } catch (cause) {
              throw new AgentError('AGENT_DOWNLOAD_IO', `cannot write ${part}: ${(cause as Error).message}`, { cause });
            }
            hash.update(buf);
            offset += buf.length;
            windowBytes += buf.length;
            options.onProgress?.(offset, expectedLength);
          }
          if (over) {
            throw new AgentError('AGENT_DOWNLOAD_TOO_LARGE', `${url} sent more than the signed length of ${maxBytes} bytes; stopped at the limit`, { details: { maxBytes } });
          }
        }
      } catch (e) {
        throw interrupted(e);
      }
      if (stalled || options.signal?.aborted) throw interrupted(undefined);
      if (offset > expectedLength) {
        throw new AgentError('AGENT_DOWNLOAD_TOO_LARGE', `${url} sent ${offset} bytes; the signed length is ${expectedLength}`, { details: { maxBytes } });
      }
      if (offset < expectedLength) throw new Cut(`the response ended at byte ${offset} of ${expectedLength}`);
    } finally {
      clearInterval(timer);
    }
  };

  try {
    await saveMeta();
    fh = await open(part, offset > 0 ? 'r+' : 'w', 0o600);
    for (;;) {
      while (offset < expectedLength) {
        if (options.signal?.aborted) throw new AgentError('AGENT_DOWNLOAD_ABORTED', undefined, { cause: options.signal.reason });
        const resuming = offset > 0;
        try {
          await attempt();
          if (resuming) resumes++;
        } catch (e) {
          if (!(e instanceof Cut)) throw e;
          if (resuming) resumes++;
          if (++cuts > maxResumes) {
            throw new AgentError('AGENT_DOWNLOAD_INCOMPLETE', `the download of ${url} broke off ${cuts} times; ${offset} of ${expectedLength} bytes received`, {
              cause: e.cause ?? e,
              details: { offset, expectedLength },
            });
          }
          try {
            await sleep(backoff.next(), options.signal);
          } catch (cause) {
            throw new AgentError('AGENT_DOWNLOAD_ABORTED', undefined, { cause });
          }
        }
      }
      const sha256 = hash.copy().digest('hex');
      if (!expectedSha256 || sha256 === expectedSha256) {
        await fh.sync();
        await fh.close();
        fh = undefined;
        await rename(part, destination);
        await rm(metaFile, { force: true });
        return { file: destination, length: offset, sha256, resumes };
      }
      // A corrupted partial file (from a resume, or left by an earlier run) is thrown away once.
      if ((resumes > 0 || startedFromPartial) && !restartedFromZero) {
        restartedFromZero = true;
        await restartFromZero();
        continue;
      }
      throw new AgentError('AGENT_DOWNLOAD_HASH_MISMATCH', `${url} has SHA-256 ${sha256}; expected ${expectedSha256}`, { details: { sha256, expectedSha256 } });
    }
  } catch (e) {
    await fh?.close().catch(() => undefined);
    fh = undefined;
    const keep = failureOf(e).retryable && offset > 0 && !isAgentError(e, 'AGENT_DOWNLOAD_ABORTED');
    if (!keep) await discardPartial(destination);
    if (isAgentError(e)) throw e;
    throw new AgentError('AGENT_DOWNLOAD_IO', `the download of ${url} failed: ${(e as Error).message}`, { cause: e });
  }
}
