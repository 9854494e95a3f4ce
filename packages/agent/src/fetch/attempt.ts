/**
 * What the two downloaders (download.ts to a file, stream.ts consumed as it arrives) share for one
 * HTTP request: the throughput watchdog, the mapping of an interruption to a typed failure or a
 * continuable cut, and the checks of what the server announces against the signed length.
 */
import { AgentError, isAgentError } from '../errors.js';
import { Backoff, sleep, type BackoffOptions } from '../ddi/backoff.js';
import { nodeTransport, type HttpResponse, type HttpTransport } from './transport.js';
import { redactUrl } from './redact.js';

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

/** Settings of a transfer, shared by downloadResumable and streamDownload. */
export interface TransferOptions {
  /** The signed length. */
  expectedLength: number;
  /** Request headers, e.g. the DDI Authorization. */
  headers?: Record<string, string>;
  /** Length of the throughput window (ms). Default 30 s. */
  stallTimeoutMs?: number;
  /** Minimum throughput over each window. Default 1024 B/s. */
  minBytesPerSecond?: number;
  /** Continuations after connection cuts before giving up with AGENT_DOWNLOAD_INCOMPLETE. Default 5. */
  maxResumes?: number;
  /** Delays between continuations. Default 0.5 s doubling to 10 s, with jitter. */
  retry?: BackoffOptions;
  onProgress?: (received: number, total: number) => void;
  /** Default: node:http(s) (nodeTransport). */
  transport?: HttpTransport;
  /** Aborts the transfer (AGENT_DOWNLOAD_ABORTED). */
  signal?: AbortSignal;
  /**
   * A fresh link to the same bytes, for when storage answers 403 (a presigned URL expired, #16):
   * the transfer continues there with Range from where it was (counted as a resume). Without it,
   * a 403 is AGENT_DOWNLOAD_HTTP.
   */
  refresh?: () => Promise<FreshLink>;
}

/** Where a transfer continues after its link was refused: the URL, its headers and transport. */
export interface FreshLink {
  url: string;
  headers: Record<string, string>;
  transport?: HttpTransport;
}

/** The settings with their defaults applied. */
export function transferDefaults(options: TransferOptions) {
  const stallTimeoutMs = options.stallTimeoutMs ?? 30_000;
  return {
    stallTimeoutMs,
    minBytesPerWindow: Math.max(1, ((options.minBytesPerSecond ?? 1024) * stallTimeoutMs) / 1000),
    maxResumes: options.maxResumes ?? 5,
    transport: options.transport ?? nodeTransport(),
    backoff: new Backoff({ baseMs: 500, maxMs: 10_000, ...options.retry }),
  };
}

/** A break in the transfer that a Range request can continue. */
export class Cut extends Error {}

export interface AttemptOptions {
  url: string;
  /** The caller's abort signal. */
  signal?: AbortSignal;
  stallTimeoutMs: number;
  minBytesPerWindow: number;
  expectedLength: number;
  /** Bytes received so far (for messages). */
  position: () => number;
}

export function downloadAborted(signal: AbortSignal | undefined): AgentError {
  return new AgentError('AGENT_DOWNLOAD_ABORTED', undefined, { cause: signal?.reason });
}

/**
 * One request under a watchdog: a window of `stallTimeoutMs` that moves fewer than
 * `minBytesPerWindow` bytes aborts it. `stop()` when the request is over.
 */
export function watchAttempt(o: AttemptOptions) {
  const controller = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, controller.signal]) : controller.signal;
  let windowBytes = 0;
  let stalled = false;
  let response: HttpResponse | undefined;
  const timer = setInterval(() => {
    if (windowBytes < o.minBytesPerWindow) {
      stalled = true;
      controller.abort();
      response?.cancel();
    }
    windowBytes = 0;
  }, o.stallTimeoutMs);
  return {
    /** For the request. */
    signal,
    /** The response, to cancel it on a stall. */
    started(res: HttpResponse): void {
      response = res;
    },
    moved(bytes: number): void {
      windowBytes += bytes;
    },
    /** The caller aborted, or the watchdog fired. */
    ended(): boolean {
      return stalled || Boolean(o.signal?.aborted);
    },
    /** What an interruption means: aborted, stalled, a typed failure as it is, else a cut to continue. */
    interrupted(cause: unknown): Error {
      if (o.signal?.aborted) return downloadAborted(o.signal);
      if (stalled) {
        return new AgentError(
          'AGENT_DOWNLOAD_STALLED',
          `the download of ${redactUrl(o.url)} moved less than ${o.minBytesPerWindow} bytes in ${o.stallTimeoutMs} ms (at byte ${o.position()} of ${o.expectedLength})`,
          {
            details: { offset: o.position(), expectedLength: o.expectedLength, stallTimeoutMs: o.stallTimeoutMs },
          },
        );
      }
      if (isAgentError(cause)) return cause;
      return new Cut((cause as Error)?.message ?? String(cause), { cause });
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}

/**
 * After a cut: give up once `cuts` exceeds `maxResumes` (AGENT_DOWNLOAD_INCOMPLETE), else wait the
 * backoff delay (an abort meanwhile is AGENT_DOWNLOAD_ABORTED).
 */
export async function pauseAfterCut(
  cut: Cut,
  o: { url: string; cuts: number; maxResumes: number; offset: number; expectedLength: number; backoff: Backoff; signal?: AbortSignal },
): Promise<void> {
  if (o.cuts > o.maxResumes) {
    throw new AgentError(
      'AGENT_DOWNLOAD_INCOMPLETE',
      `the download of ${redactUrl(o.url)} broke off ${o.cuts} times; ${o.offset} of ${o.expectedLength} bytes received`,
      {
        cause: cut.cause ?? cut,
        details: { offset: o.offset, expectedLength: o.expectedLength },
      },
    );
  }
  try {
    await sleep(o.backoff.next(), o.signal);
  } catch {
    throw downloadAborted(o.signal);
  }
}

/** A 200's Content-Length against the signed length: refused before a byte is read. */
export function checkFullAnswer(res: HttpResponse, url: string, expectedLength: number, maxBytes: number): void {
  const declared = Number(res.header('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new AgentError('AGENT_DOWNLOAD_TOO_LARGE', `${redactUrl(url)} announces ${declared} bytes; the signed length is ${expectedLength}`, {
      details: { declared, maxBytes },
    });
  }
  if (Number.isFinite(declared) && declared !== expectedLength) {
    throw new AgentError('AGENT_DOWNLOAD_LENGTH_MISMATCH', `${redactUrl(url)} announces ${declared} bytes; the signed length is ${expectedLength}`, {
      details: { declared, expectedLength },
    });
  }
}

/** A 206's Content-Range: it must continue at `offset`, and its total be the signed length. */
export function checkPartialAnswer(res: HttpResponse, url: string, offset: number, expectedLength: number, maxBytes: number): void {
  const range = parseContentRange(res.header('content-range'));
  if (!range || range.start !== offset || range.end < range.start) {
    throw new AgentError(
      'AGENT_DOWNLOAD_RANGE_INVALID',
      `asked ${redactUrl(url)} for bytes ${offset}-, got ${res.header('content-range') ?? 'no Content-Range'}`,
    );
  }
  if (range.total !== undefined && range.total > maxBytes) {
    throw new AgentError('AGENT_DOWNLOAD_TOO_LARGE', `${redactUrl(url)} is ${range.total} bytes long; the signed length is ${expectedLength}`, {
      details: { declared: range.total, maxBytes },
    });
  }
  if (range.total !== undefined && range.total !== expectedLength) {
    throw new AgentError('AGENT_DOWNLOAD_LENGTH_MISMATCH', `${redactUrl(url)} is ${range.total} bytes long; the signed length is ${expectedLength}`, {
      details: { declared: range.total, expectedLength },
    });
  }
}
