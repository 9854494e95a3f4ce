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
 *  - `signal` aborts at once (AGENT_DOWNLOAD_ABORTED); so does the consumer leaving the loop;
 *  - a 403 with `refresh` (storage refused a presigned link that expired) fetches a fresh link and
 *    continues there with Range, counted among the resumes.
 */
import { AgentError } from '../errors.js';
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

/** The transfer settings (fetch/attempt.ts); `expectedLength` is the signed length, yielded exactly. */
export interface StreamDownloadOptions extends TransferOptions {
  /**
   * Start at this byte (a download continued after a restart): the first request asks for
   * `bytes=N-`; a server that answers with the whole file has the first N bytes skipped.
   */
  startAt?: number;
}

/** What the stream did, once it completed. */
export interface StreamDownloadSummary {
  length: number;
  /** Requests that continued the stream (Range, or skipping a repeated prefix). */
  resumes: number;
}

const restart = (url: string, why: string) =>
  new AgentError('AGENT_DOWNLOAD_RESTART', `the download of ${redactUrl(url)} cannot be continued (${why}); it starts over`, {
    details: { url: redactUrl(url) },
  });

export async function* streamDownload(firstUrl: string, options: StreamDownloadOptions): AsyncGenerator<Buffer, StreamDownloadSummary> {
  const { expectedLength } = options;
  if (!Number.isSafeInteger(expectedLength) || expectedLength < 0) throw new RangeError('expectedLength must be a non-negative integer');
  const defaults = transferDefaults(options);
  const { stallTimeoutMs, minBytesPerWindow, maxResumes, backoff } = defaults;
  let { transport } = defaults;
  let url = firstUrl;
  let requestHeaders = options.headers;
  /** Storage refused the link (403): a fresh one is fetched before the next request. */
  let refused = false;
  const aborted = () => downloadAborted(options.signal);

  let offset = options.startAt ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > expectedLength) throw new RangeError('startAt must be within the expected length');
  /** The first request of a stream started at `startAt`: no validator to compare yet. */
  let resumedStart = offset > 0;
  let validator: string | undefined;
  let resumes = 0;
  let cuts = 0;

  while (offset < expectedLength || (offset === 0 && cuts === 0 && expectedLength === 0)) {
    if (options.signal?.aborted) throw aborted();
    const watch = watchAttempt({
      url,
      ...(options.signal ? { signal: options.signal } : {}),
      stallTimeoutMs,
      minBytesPerWindow,
      expectedLength,
      position: () => offset,
    });
    const interrupted = (cause: unknown) => watch.interrupted(cause);
    let res: HttpResponse | undefined;
    const continuing = offset > 0;
    let completed = false;
    try {
      const headers: Record<string, string> = { ...requestHeaders };
      if (continuing) {
        headers.range = `bytes=${offset}-`;
        if (validator) headers['if-range'] = validator;
      }
      try {
        res = await transport({ url, headers, signal: watch.signal });
        watch.started(res);
      } catch (e) {
        throw interrupted(e);
      }
      const now = validatorOf(res);
      let skip = 0;
      if (res.status === 200) {
        checkFullAnswer(res, url, expectedLength, expectedLength);
        if (continuing) {
          // Within one run the validator says whether it is the same file; after a restart the
          // signed hashes of what follows will.
          if (!resumedStart && (!validator || !now || now !== validator)) throw restart(url, 'the server sent the whole file again, and it may have changed');
          skip = offset; // the same file from its start: skip what was yielded already
        }
      } else if (res.status === 206) {
        checkPartialAnswer(res, url, offset, expectedLength, expectedLength);
        if (validator && now && now !== validator && validator.startsWith('"')) throw restart(url, 'the file changed on the server');
      } else if (res.status === 416 && continuing) {
        throw restart(url, 'the server refused the range');
      } else if (res.status === 403 && options.refresh) {
        refused = true;
        throw new Cut(`${redactUrl(url)} answered HTTP 403 (an expired link?) at byte ${offset} of ${expectedLength}`);
      } else {
        throw new AgentError('AGENT_DOWNLOAD_HTTP', `${redactUrl(url)} answered HTTP ${res.status}`, {
          details: { status: res.status, url: redactUrl(url) },
        });
      }
      validator ??= now;
      resumedStart = false;
      try {
        for await (const chunk of res.body) {
          let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          watch.moved(buf.length);
          if (skip > 0) {
            const dropped = Math.min(skip, buf.length);
            skip -= dropped;
            buf = buf.subarray(dropped);
            if (buf.length === 0) continue;
          }
          if (buf.length > expectedLength - offset) {
            throw new AgentError(
              'AGENT_DOWNLOAD_TOO_LARGE',
              `${redactUrl(url)} sent more than the signed length of ${expectedLength} bytes; stopped at the limit`,
              {
                details: { maxBytes: expectedLength },
              },
            );
          }
          offset += buf.length;
          options.onProgress?.(offset, expectedLength);
          yield buf;
          if (options.signal?.aborted) throw aborted();
        }
      } catch (e) {
        throw interrupted(e);
      }
      if (watch.ended()) throw interrupted(undefined);
      if (offset < expectedLength) throw new Cut(`the response ended at byte ${offset} of ${expectedLength}`);
      completed = true;
    } catch (e) {
      if (!(e instanceof Cut)) throw e;
      if (continuing) resumes++;
      await pauseAfterCut(e, { url, cuts: ++cuts, maxResumes, offset, expectedLength, backoff, ...(options.signal ? { signal: options.signal } : {}) });
      if (refused && options.refresh) {
        refused = false;
        const fresh = await options.refresh();
        url = fresh.url;
        requestHeaders = fresh.headers;
        if (fresh.transport) transport = fresh.transport;
        // Another link may serve the same bytes under another validator (storage's ETag is not
        // the server's): the signed length and hashes, not the validator, say it is the same file.
        validator = undefined;
        resumedStart = offset > 0;
      }
      continue;
    } finally {
      watch.stop();
      // The consumer left early (or an error): release the connection.
      if (!completed) res?.cancel();
    }
    if (continuing) resumes++;
    if (expectedLength === 0) break;
  }
  return { length: offset, resumes };
}
