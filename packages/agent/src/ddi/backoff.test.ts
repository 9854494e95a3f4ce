import { describe, expect, it } from 'vitest';
import { isAgentError } from '../errors.js';
import { Backoff, backoffDelay, parsePollingSleep, parseRetryAfter, pollDelayMs, sleep } from './backoff.js';

describe('backoff with jitter', () => {
  it('doubles from the base up to the cap, without jitter', () => {
    const delays = [0, 1, 2, 3, 10, 100].map((n) => backoffDelay(n, { baseMs: 1000, maxMs: 60_000, jitter: 'none' }));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 60_000, 60_000]);
    expect(backoffDelay(10_000, { jitter: 'none' })).toBe(300_000);
    expect(backoffDelay(-3, { jitter: 'none' })).toBe(1000);
  });

  it('equal jitter stays in [cap/2, cap]; full jitter in [0, cap]', () => {
    expect(backoffDelay(3, { baseMs: 1000, random: () => 0 })).toBe(4000);
    expect(backoffDelay(3, { baseMs: 1000, random: () => 0.999999 })).toBe(8000);
    expect(backoffDelay(3, { baseMs: 1000, jitter: 'full', random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { baseMs: 1000, jitter: 'full', random: () => 0.5 })).toBe(4000);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(i % 12, { baseMs: 100, maxMs: 10_000 });
      const cap = Math.min(10_000, 100 * 2 ** (i % 12));
      expect(d).toBeGreaterThanOrEqual(cap / 2);
      expect(d).toBeLessThanOrEqual(cap);
    }
  });

  it('spreads a fleet: devices failing together do not retry together', () => {
    const delays = new Set(Array.from({ length: 100 }, () => backoffDelay(5, { baseMs: 1000 })));
    expect(delays.size).toBeGreaterThan(50);
  });

  it('counts attempts, resets on success, honours a longer Retry-After up to one hour', () => {
    const b = new Backoff({ baseMs: 1000, jitter: 'none' });
    expect([b.next(), b.next(), b.next()]).toEqual([1000, 2000, 4000]);
    expect(b.attempts).toBe(3);
    expect(b.next(120)).toBe(120_000);
    expect(b.next(1)).toBe(16_000);
    expect(b.next(10 ** 9)).toBe(3_600_000);
    b.reset();
    expect(b.next()).toBe(1000);
  });

  it('parses hawkBit sleep, spreads poll intervals and reads Retry-After', () => {
    expect(parsePollingSleep('00:05:00')).toBe(300);
    expect(parsePollingSleep('12:00:01')).toBe(43_201);
    for (const bad of ['5:00', '00:60:00', 'xx:00:00', '']) {
      let error: unknown;
      try {
        parsePollingSleep(bad);
      } catch (e) {
        error = e;
      }
      expect(isAgentError(error, 'AGENT_DDI_RESPONSE_INVALID')).toBe(true);
    }
    expect(pollDelayMs(300, { random: () => 0 })).toBe(270_000);
    expect(pollDelayMs(300, { random: () => 1 })).toBe(330_000);
    expect(pollDelayMs(300, { spread: 0 })).toBe(300_000);
    expect(pollDelayMs(0)).toBe(1000);
    expect(parseRetryAfter('30')).toBe(30);
    expect(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 1)).toUTCString(), new Date(Date.UTC(2030, 0, 1)))).toBe(60);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('sleeps, and stops sleeping when aborted', async () => {
    await sleep(1);
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});
