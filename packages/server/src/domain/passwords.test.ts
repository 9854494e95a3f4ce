/**
 * The bound on password hashing (issue 12: a flood of wrong logins slowed artifact downloads from
 * milliseconds to seconds, because scrypt filled libuv's thread pool). Proven without measuring
 * time: at most N hashes run at once however many are asked for, and file reads finish while
 * hashes still wait — without the bound they would queue behind them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServerError } from '../errors.js';
import { hashingLimit, hashPassword, kdfSlots, Semaphore, threadPoolSize, verifyPassword } from './passwords.js';

describe('password hashing', () => {
  it('hashes and verifies', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('wrong horse battery', stored)).toBe(false);
    expect(await verifyPassword('anything', 'not-a-hash')).toBe(false);
  });

  it('leaves at least half of the thread pool to file I/O', () => {
    expect(threadPoolSize({})).toBe(4);
    expect(threadPoolSize({ UV_THREADPOOL_SIZE: '16' })).toBe(16);
    expect(threadPoolSize({ UV_THREADPOOL_SIZE: 'lots' })).toBe(4);
    for (const pool of [1, 2, 3, 4, 8, 64]) {
      expect(hashingLimit(pool)).toBeGreaterThanOrEqual(1);
      if (pool >= 2) expect(hashingLimit(pool)).toBeLessThanOrEqual(pool / 2);
    }
    expect(kdfSlots.limit).toBe(hashingLimit(threadPoolSize()));
  });

  it('runs at most N at once while M are requested, in order, and refuses beyond the queue', async () => {
    const slots = new Semaphore(2, 20, () => new ServerError('LOGIN_THROTTLED', 'full', { retryAfterSeconds: 1 }));
    let running = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    const started: number[] = [];
    const tasks = Array.from({ length: 12 }, (_, i) =>
      slots.run(async () => {
        started.push(i);
        peak = Math.max(peak, ++running);
        await new Promise<void>((resolve) => release.push(resolve));
        running--;
        return i;
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(slots.stats()).toMatchObject({ running: 2, waiting: 10 });
    while (release.length > 0 || running > 0) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(tasks)).toEqual([...Array(12).keys()]);
    expect(peak).toBe(2);
    expect(started).toEqual([...Array(12).keys()]);
    expect(slots.stats()).toEqual({ running: 0, waiting: 0, peak: 2 });

    // Beyond the queue: refused at once with a 429 that says when to retry.
    const tiny = new Semaphore(1, 1, () => new ServerError('LOGIN_THROTTLED', 'full', { retryAfterSeconds: 1 }));
    let open!: () => void;
    const first = tiny.run(() => new Promise<void>((resolve) => (open = resolve)));
    const second = tiny.run(async () => undefined);
    await expect(tiny.run(async () => undefined)).rejects.toMatchObject({ code: 'LOGIN_THROTTLED', retryAfterSeconds: 1 });
    open();
    await Promise.all([first, second]);
  });

  it('keeps real scrypt calls within the bound, so file reads finish while hashes still wait', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'osprey-kdf-'));
    try {
      const file = join(dir, 'artifact.bin');
      writeFileSync(file, Buffer.alloc(64 * 1024, 7));
      const M = 4 * Math.max(2, threadPoolSize());
      let done = 0;
      const hashes = Array.from({ length: M }, (_, i) => hashPassword(`guess-${i}-0123456789`).then(() => done++));
      await new Promise((r) => setImmediate(r));
      expect(kdfSlots.stats().running).toBeLessThanOrEqual(kdfSlots.limit);
      expect(kdfSlots.stats().waiting).toBe(M - kdfSlots.limit);
      // Four reads, each several thread-pool jobs (open, stat, read, close). Without the bound they
      // would queue behind the M - poolSize hashes waiting for a thread.
      for (let i = 0; i < 4; i++) expect((await readFile(file)).length).toBe(64 * 1024);
      expect(done).toBeLessThan(M - threadPoolSize());
      await Promise.all(hashes);
      expect(kdfSlots.stats().peak).toBeLessThanOrEqual(kdfSlots.limit);
      expect(kdfSlots.limit).toBeLessThan(threadPoolSize() + (threadPoolSize() === 1 ? 1 : 0));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
