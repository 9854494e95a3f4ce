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
import { AgentError, failureOf, isAgentError } from '../errors.js';
import { redactUrl } from './redact.js';
import {
  checkFullAnswer,
  checkPartialAnswer,
  Cut,
  downloadAborted,
  pauseAfterCut,
  transferDefaults,
  validatorOf,
  watchAttempt,
  type TransferOptions,
} from './attempt.js';
import type { HttpResponse } from './transport.js';

export interface DownloadOptions extends TransferOptions {
  /** Final path of the file. `<destination>.part` and `<destination>.part.json` are used meanwhile. */
  destination: string;
  /** Hard limit of bytes written (default and at least: expectedLength). */
  maxBytes?: number;
  /** Lowercase hex SHA-256 to check the complete file against (AGENT_DOWNLOAD_HASH_MISMATCH). */
  expectedSha256?: string;
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

export async function downloadResumable(url: string, options: DownloadOptions): Promise<DownloadResult> {
  const { destination, expectedLength } = options;
  if (!Number.isSafeInteger(expectedLength) || expectedLength < 0) throw new RangeError('expectedLength must be a non-negative integer');
  const maxBytes = options.maxBytes ?? expectedLength;
  if (maxBytes < expectedLength) throw new RangeError('maxBytes must be at least expectedLength');
  const { stallTimeoutMs, minBytesPerWindow, maxResumes, transport, backoff } = transferDefaults(options);
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
    const watch = watchAttempt({
      url,
      ...(options.signal ? { signal: options.signal } : {}),
      stallTimeoutMs,
      minBytesPerWindow,
      expectedLength,
      position: () => offset,
    });
    const interrupted = (cause: unknown) => watch.interrupted(cause);
    let res: HttpResponse;
    try {
      const headers: Record<string, string> = { ...options.headers };
      if (offset > 0) {
        headers.range = `bytes=${offset}-`;
        if (meta.validator) headers['if-range'] = meta.validator;
      }
      try {
        res = await transport({ url, headers, signal: watch.signal });
        watch.started(res);
      } catch (e) {
        throw interrupted(e);
      }
      const validator = validatorOf(res);
      if (res.status === 200) {
        checkFullAnswer(res, url, expectedLength, maxBytes);
        if (offset > 0) await restartFromZero();
      } else if (res.status === 206) {
        checkPartialAnswer(res, url, offset, expectedLength, maxBytes);
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
        throw new AgentError('AGENT_DOWNLOAD_HTTP', `${redactUrl(url)} answered HTTP ${res.status}`, {
          details: { status: res.status, url: redactUrl(url) },
        });
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
            watch.moved(buf.length);
            options.onProgress?.(offset, expectedLength);
          }
          if (over) {
            throw new AgentError('AGENT_DOWNLOAD_TOO_LARGE', `${redactUrl(url)} sent more than the signed length of ${maxBytes} bytes; stopped at the limit`, {
              details: { maxBytes },
            });
          }
        }
      } catch (e) {
        throw interrupted(e);
      }
      if (watch.ended()) throw interrupted(undefined);
      if (offset > expectedLength) {
        throw new AgentError('AGENT_DOWNLOAD_TOO_LARGE', `${redactUrl(url)} sent ${offset} bytes; the signed length is ${expectedLength}`, {
          details: { maxBytes },
        });
      }
      if (offset < expectedLength) throw new Cut(`the response ended at byte ${offset} of ${expectedLength}`);
    } finally {
      watch.stop();
    }
  };

  try {
    await saveMeta();
    fh = await open(part, offset > 0 ? 'r+' : 'w', 0o600);
    for (;;) {
      while (offset < expectedLength) {
        if (options.signal?.aborted) throw downloadAborted(options.signal);
        const resuming = offset > 0;
        try {
          await attempt();
          if (resuming) resumes++;
        } catch (e) {
          if (!(e instanceof Cut)) throw e;
          if (resuming) resumes++;
          await pauseAfterCut(e, { url, cuts: ++cuts, maxResumes, offset, expectedLength, backoff, ...(options.signal ? { signal: options.signal } : {}) });
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
      throw new AgentError('AGENT_DOWNLOAD_HASH_MISMATCH', `${redactUrl(url)} has SHA-256 ${sha256}; expected ${expectedSha256}`, {
        details: { sha256, expectedSha256 },
      });
    }
  } catch (e) {
    await fh?.close().catch(() => undefined);
    fh = undefined;
    const keep = failureOf(e).retryable && offset > 0 && !isAgentError(e, 'AGENT_DOWNLOAD_ABORTED');
    if (!keep) await discardPartial(destination);
    if (isAgentError(e)) throw e;
    throw new AgentError('AGENT_DOWNLOAD_IO', `the download of ${redactUrl(url)} failed: ${(e as Error).message}`, { cause: e });
  }
}
