/**
 * A download consumed as it arrives (the streaming install: network → decrypt → slot), with the
 * same bounds and fault handling as {@link downloadResumable} but nothing written to local storage:
 *
 *  - a connection cut or an early end is continued with `Range: bytes=N-` and `If-Range`, where N
 *    is the count of bytes already yielded, so the consumer sees one gap-free byte sequence;
 *  - a server that ignores the range (200) is fine while the file is the same one (its strong ETag
 *    or Last-Modified did not change): the first N bytes of its answer are skipped; a file that
 *    changed, or a 416, cannot be continued: AGENT_DOWNLOAD_RESTART (retryable: start over);
 *  - never more than the signed length is yielded, and an announced length above it is refused
 *    before any byte is read (AGENT_DOWNLOAD_TOO_LARGE / _LENGTH_MISMATCH);
 *  - a transfer slower than `minBytesPerSecond` over a `stallTimeoutMs` window is aborted
 *    (AGENT_DOWNLOAD_STALLED); cuts beyond `maxResumes` give AGENT_DOWNLOAD_INCOMPLETE;
 *  - `signal` aborts at once (AGENT_DOWNLOAD_ABORTED); so does the consumer leaving the loop.
 */
import { Backoff, sleep, type BackoffOptions } from '../ddi/backoff.js';
import { AgentError, isAgentError } from '../verify/errors.js';
import { parseContentRange, validatorOf } from './download.js';
import { nodeTransport, type HttpResponse, type HttpTransport } from './transport.js';

export interface StreamDownloadOptions {
  /** The signed length: exactly this many bytes are yielded, or the generator throws. */
  expectedLength: number;
  /** Request headers, e.g. the DDI Authorization. */
  headers?: Record<string, string>;
  /** Length of the throughput window (ms). Default 30 s. */
  stallTimeoutMs?: number;
  /** Minimum throughput over each window. Default 1024 B/s. */
  minBytesPerSecond?: number;
  /** Continuations after connection cuts before giving up. Default 5. */
  maxResumes?: number;
  /** Delays between continuations. Default 0.5 s doubling to 10 s, with jitter. */
  retry?: BackoffOptions;
  onProgress?: (received: number, total: number) => void;
  transport?: HttpTransport;
  signal?: AbortSignal;
}

/** What the stream did, once it completed. */
export interface StreamDownloadSummary {
  length: number;
  /** Requests that continued the stream (Range, or skipping a repeated prefix). */
  resumes: number;
}

/** A break that a continuation may heal. */
class Cut extends Error {}

const restart = (url: string, why: string) =>
  new AgentError('AGENT_DOWNLOAD_RESTART', `the download of ${url} cannot be continued (${why}); it starts over`, { details: { url } });

export async function* streamDownload(url: string, options: StreamDownloadOptions): AsyncGenerator<Buffer, StreamDownloadSummary> {
  const { expectedLength } = options;
  if (!Number.isSafeInteger(expectedLength) || expectedLength < 0) throw new RangeError('expectedLength must be a non-negative integer');
  const stallTimeoutMs = options.stallTimeoutMs ?? 30_000;
  const minBytesPerWindow = Math.max(1, ((options.minBytesPerSecond ?? 1024) * stallTimeoutMs) / 1000);
  const maxResumes = options.maxResumes ?? 5;
  const transport = options.transport ?? nodeTransport();
  const backoff = new Backoff({ baseMs: 500, maxMs: 10_000, ...options.retry });
  const aborted = () => new AgentError('AGENT_DOWNLOAD_ABORTED', undefined, { cause: options.signal?.reason });

  let offset = 0;
  let validator: string | undefined;
  let resumes = 0;
  let cuts = 0;

  while (offset < expectedLength || (offset === 0 && cuts === 0 && expectedLength === 0)) {
    if (options.signal?.aborted) throw aborted();
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
      if (options.signal?.aborted) return aborted();
      if (stalled) {
        return new AgentError('AGENT_DOWNLOAD_STALLED', `the download of ${url} moved less than ${minBytesPerWindow} bytes in ${stallTimeoutMs} ms (at byte ${offset} of ${expectedLength})`, {
          details: { offset, expectedLength, stallTimeoutMs },
        });
      }
      if (isAgentError(cause)) return cause;
      return new Cut((cause as Error)?.message ?? String(cause), { cause });
    };
    const continuing = offset > 0;
    let completed = false;
    try {
      const headers: Record<string, string> = { ...options.headers };
      if (continuing) {
        headers.range = `bytes=${offset}-`;
        if (validator) headers['if-range'] = validator;
      }
      try {
        res = await transport({ url, headers, signal });
      } catch (e) {
        throw interrupted(e);
      }
      const now = validatorOf(res);
      let skip = 0;
      if (res.status === 200) {
        const declared = Number(res.header('content-length') ?? NaN);
        if (Number.isFinite(declared) && declared > expectedLength) {
          throw new AgentError('AGENT_DOWNLOAD_TOO_LARGE', `${url} announces ${declared} bytes; the signed length is ${expectedLength}`, { details: { declared, maxBytes: expectedLength } });
        }
        if (Number.isFinite(declared) && declared !== expectedLength) {
          throw new AgentError('AGENT_DOWNLOAD_LENGTH_MISMATCH', `${url} announces ${declared} bytes; the signed length is ${expectedLength}`, { details: { declared, expectedLength } });
        }
        if (continuing) {
          if (!validator || !now || now !== validator) throw restart(url, 'the server sent the whole file again, and it may have changed');
          skip = offset; // the same file from its start: skip what was yielded already
        }
      } else if (res.status === 206) {
        const range = parseContentRange(res.header('content-range'));
        if (!range || range.start !== offset || range.end < range.start) {
          throw new AgentError('AGENT_DOWNLOAD_RANGE_INVALID', `asked ${url} for bytes ${offset}-, got ${res.header('content-range') ?? 'no Content-Range'}`);
        }
        if (range.total !== undefined && range.total > expectedLength) {
          throw new AgentError('AGENT_DOWNLOAD_TOO_LARGE', `${url} is ${range.total} bytes long; the signed length is ${expectedLength}`, { details: { declared: range.total, maxBytes: expectedLength } });
        }
        if (range.total !== undefined && range.total !== expectedLength) {
          throw new AgentError('AGENT_DOWNLOAD_LENGTH_MISMATCH', `${url} is ${range.total} bytes long; the signed length is ${expectedLength}`, { details: { declared: range.total, expectedLength } });
        }
        if (validator && now && now !== validator && validator.startsWith('"')) throw restart(url, 'the file changed on the server');
      } else if (res.status === 416 && continuing) {
        throw restart(url, 'the server refused the range');
      } else {
        throw new AgentError('AGENT_DOWNLOAD_HTTP', `${url} answered HTTP ${res.status}`, { details: { status: res.status, url } });
      }
      validator ??= now;
      try {
        for await (const chunk of res.body) {
          let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          windowBytes += buf.length;
          if (skip > 0) {
            const dropped = Math.min(skip, buf.length);
            skip -= dropped;
            buf = buf.subarray(dropped);
            if (buf.length === 0) continue;
          }
          if (buf.length > expectedLength - offset) {
            throw new AgentError('AGENT_DOWNLOAD_TOO_LARGE', `${url} sent more than the signed length of ${expectedLength} bytes; stopped at the limit`, { details: { maxBytes: expectedLength } });
          }
          offset += buf.length;
          options.onProgress?.(offset, expectedLength);
          yield buf;
          if (options.signal?.aborted) throw aborted();
        }
      } catch (e) {
        throw interrupted(e);
      }
      if (stalled || options.signal?.aborted) throw interrupted(undefined);
      if (offset < expectedLength) throw new Cut(`the response ended at byte ${offset} of ${expectedLength}`);
      completed = true;
    } catch (e) {
      if (!(e instanceof Cut)) throw e;
      if (continuing) resumes++;
      if (++cuts > maxResumes) {
        throw new AgentError('AGENT_DOWNLOAD_INCOMPLETE', `the download of ${url} broke off ${cuts} times; ${offset} of ${expectedLength} bytes received`, {
          cause: e.cause ?? e,
          details: { offset, expectedLength },
        });
      }
      try {
        await sleep(backoff.next(), options.signal);
      } catch {
        throw aborted();
      }
      continue;
    } finally {
      clearInterval(timer);
      // The consumer left early (or an error): release the connection.
      if (!completed) res?.cancel();
    }
    if (continuing) resumes++;
    if (expectedLength === 0) break;
  }
  return { length: offset, resumes };
}
