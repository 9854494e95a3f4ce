/**
 * Timing of the poll loop, pure: exponential backoff with jitter after errors (so a fleet that lost
 * its server does not come back in lockstep), the server's polling interval with a small spread,
 * and hawkBit's `HH:MM:SS` sleep format.
 */
import { AgentError } from '../errors.js';

export interface BackoffOptions {
  /** Delay scale of the first retry (ms). Default 1 s. */
  baseMs?: number;
  /** Upper bound of any delay (ms). Default 5 min. */
  maxMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /**
   * `full`: uniform in [0, cap]; `equal`: uniform in [cap/2, cap] (never hammers at ~0 ms).
   * Default `equal`.
   */
  jitter?: 'full' | 'equal' | 'none';
  /** Random source in [0, 1). Default Math.random. */
  random?: () => number;
}

/** Delay before retry number `attempt` (0 = the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 1000;
  const max = options.maxMs ?? 300_000;
  const factor = options.factor ?? 2;
  const n = Math.max(0, Math.floor(attempt));
  // Computed in a way that cannot overflow to Infinity for large attempts.
  const cap = Math.min(max, base * Math.pow(factor, Math.min(n, 64)));
  const r = Math.min(Math.max((options.random ?? Math.random)(), 0), 1);
  switch (options.jitter ?? 'equal') {
    case 'none':
      return Math.round(cap);
    case 'full':
      return Math.round(cap * r);
    case 'equal':
      return Math.round(cap / 2 + (cap / 2) * r);
  }
}

/** Stateful retry counter around backoffDelay: `next()` after each failure, `reset()` on success. */
export class Backoff {
  private failures = 0;

  constructor(private readonly options: BackoffOptions = {}) {}

  get attempts(): number {
    return this.failures;
  }

  /**
   * The delay before the next try. A server's Retry-After (seconds) is honoured when longer,
   * bounded by one hour so that a hostile value cannot park the device forever.
   */
  next(retryAfterSeconds?: number): number {
    const delay = backoffDelay(this.failures++, this.options);
    if (retryAfterSeconds === undefined || !Number.isFinite(retryAfterSeconds) || retryAfterSeconds <= 0) return delay;
    return Math.max(delay, Math.min(retryAfterSeconds * 1000, 3_600_000));
  }

  reset(): void {
    this.failures = 0;
  }
}

/** hawkBit's `config.polling.sleep`, `HH:MM:SS`, in seconds. */
export function parsePollingSleep(value: string): number {
  const match = /^(\d{1,3}):([0-5]\d):([0-5]\d)$/.exec(value);
  if (!match) throw new AgentError('AGENT_DDI_RESPONSE_INVALID', `polling sleep ${JSON.stringify(value)} is not HH:MM:SS`);
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

/**
 * The wait before the next regular poll: the server's interval, spread by ±`spread` (default 10 %)
 * so that devices started together drift apart; at least `minMs` (default 1 s).
 */
export function pollDelayMs(sleepSeconds: number, options: { spread?: number; random?: () => number; minMs?: number } = {}): number {
  const spread = Math.min(Math.max(options.spread ?? 0.1, 0), 1);
  const r = Math.min(Math.max((options.random ?? Math.random)(), 0), 1);
  const ms = sleepSeconds * 1000 * (1 - spread + 2 * spread * r);
  return Math.max(options.minMs ?? 1000, Math.round(ms));
}

/** Retry-After as seconds (delta-seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | undefined, now: Date = new Date()): number | undefined {
  if (!value) return undefined;
  if (/^\d{1,9}$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/** A promise that resolves after `ms`, or rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
