/**
 * Password hashing: scrypt (memory-hard, N=2^15, r=8 → 32 MiB per hash), never more at once than
 * a small bound.
 *
 * Why the bound: Node runs scrypt on libuv's thread pool (UV_THREADPOOL_SIZE threads, 4 by
 * default), the same pool that serves every file read of an artifact download. A flood of wrong
 * logins would otherwise occupy every thread with ~100 ms hashes and make downloads wait behind
 * them (milliseconds became seconds). With at most `limit` hashes running — below the pool size —
 * file reads always find a free thread; further logins wait in a bounded queue, and beyond that
 * are refused at once with 429 (the client retries; a remembered credential needs no hash at all).
 * A bigger pool alone is no fix: the flood grows to fill it.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { ServerError } from '../errors.js';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;
const PARAMS = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** A counting semaphore with a bounded queue; `stats` says how many run and wait (tests read `peak`). */
export class Semaphore {
  private running = 0;
  private peak = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly limit: number,
    /** Callers waiting beyond this are refused (`run` throws `whenFull()`). */
    readonly maxQueue: number,
    private readonly whenFull: () => Error,
  ) {
    if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError('limit must be a whole number of at least 1');
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      if (this.waiting.length >= this.maxQueue) throw this.whenFull();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    this.peak = Math.max(this.peak, this.running);
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter (running stays the same), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  stats(): { running: number; waiting: number; peak: number } {
    return { running: this.running, waiting: this.waiting.length, peak: this.peak };
  }
}

/** Threads in libuv's pool: UV_THREADPOOL_SIZE, read by libuv at its first use (default 4). */
export function threadPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.UV_THREADPOOL_SIZE);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 1024) : 4;
}

/** Half the pool, at least 1 and at most 4: the other half stays free for file I/O. */
export const hashingLimit = (poolSize: number) => Math.max(1, Math.min(4, Math.floor(poolSize / 2)));

/** Every scrypt call of the process goes through this one semaphore (the thread pool is per process). */
export const kdfSlots = new Semaphore(
  hashingLimit(threadPoolSize()),
  64,
  () => new ServerError('LOGIN_THROTTLED', 'too many password checks at once; try again in a moment', { retryAfterSeconds: 1 }),
);

async function kdf(password: string, salt: Buffer, keylen: number, params: typeof PARAMS): Promise<Buffer> {
  return kdfSlots.run(() => scryptAsync(password, salt, keylen, params));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await kdf(password, salt, 32, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await kdf(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: PARAMS.maxmem });
  return timingSafeEqual(actual, expected);
}
