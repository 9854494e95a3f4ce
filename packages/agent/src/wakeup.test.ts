import { describe, expect, it } from 'vitest';
import { ManualTimers, ManualWakeupSource } from '../../../testkit/manual-timers.js';
import { PollSignal } from './wakeup.js';

/** Whether the promise has settled after the microtasks queued so far. */
async function settled<T>(p: Promise<T>): Promise<{ done: boolean; value?: T }> {
  let state: { done: boolean; value?: T } = { done: false };
  void p.then((value) => (state = { done: true, value }));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return state;
}

describe('PollSignal', () => {
  const setup = () => {
    const timers = new ManualTimers();
    const source = new ManualWakeupSource();
    const signal = new PollSignal(source, { debounceMs: 100, minGapMs: 5000, timers });
    return { timers, source, signal };
  };

  it('waits out the interval when no wake-up comes', async () => {
    const { timers, signal } = setup();
    const waiting = signal.wait(60_000);
    timers.advance(59_999);
    expect((await settled(waiting)).done).toBe(false);
    timers.advance(1);
    expect(await settled(waiting)).toEqual({ done: true, value: false });
  });

  it('ends the wait once for a burst of wake-ups', async () => {
    const { timers, source, signal } = setup();
    const waiting = signal.wait(3_600_000);
    for (let i = 0; i < 20; i++) source.emit();
    timers.advance(99);
    expect((await settled(waiting)).done).toBe(false);
    timers.advance(1);
    expect(await settled(waiting)).toEqual({ done: true, value: true });
    expect(signal.received).toBe(1);
    // The burst is answered: the next wait is a whole interval again.
    const next = signal.wait(3_600_000);
    timers.advance(1_000_000);
    expect((await settled(next)).done).toBe(false);
  });

  it('remembers a wake-up that came while a poll was in flight, and forgets one a poll answered', async () => {
    const { timers, source, signal } = setup();
    signal.polling();
    source.emit(); // during the poll: the action may have been committed after it read
    timers.advance(5000); // the gap after that poll
    expect(await settled(signal.wait(3_600_000))).toEqual({ done: true, value: true });
    source.emit(); // before the next poll starts: that poll sees it
    timers.advance(100);
    signal.polling();
    const waiting = signal.wait(3_600_000);
    timers.advance(1_000_000);
    expect((await settled(waiting)).done).toBe(false);
  });

  it('serves a wake-up that comes within the gap after a poll when the gap ends, not before and not never', async () => {
    const { timers, source, signal } = setup();
    signal.polling();
    const waiting = signal.wait(3_600_000);
    timers.advance(1000);
    source.emit();
    timers.advance(3999); // 4999 ms after the poll
    expect((await settled(waiting)).done).toBe(false);
    timers.advance(1);
    expect(await settled(waiting)).toEqual({ done: true, value: true });
    expect(signal.received).toBe(1);
  });

  it('a wake-up after the gap ends the wait at once (after the debounce)', async () => {
    const { timers, source, signal } = setup();
    signal.polling();
    const waiting = signal.wait(3_600_000);
    timers.advance(10_000);
    source.emit();
    timers.advance(100);
    expect(await settled(waiting)).toEqual({ done: true, value: true });
  });

  it('a stream of wake-ups brings forward at most one poll per gap, and is still served', async () => {
    const { timers, source, signal } = setup();
    // The agent's idle loop: poll, wait for the interval (an hour) or a wake-up, poll again.
    const polls: number[] = [];
    const stop = new AbortController();
    const loop = (async () => {
      for (;;) {
        signal.polling();
        polls.push(timers.now);
        try {
          await signal.wait(3_600_000, stop.signal);
        } catch {
          return;
        }
      }
    })();
    // Ten wake-ups a second for a minute (a publisher the broker should not have let in).
    for (let t = 0; t < 60_000; t += 100) {
      source.emit();
      timers.advance(100);
      await settled(Promise.resolve());
    }
    stop.abort(new Error('stop'));
    await loop;
    const gaps = polls.slice(1).map((at, i) => at - polls[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(5000);
    // One poll at the start, then one per gap: the stream is answered, only not at 10 Hz.
    expect(polls.length).toBe(1 + 60_000 / 5000);
  });

  it('stops listening when closed, and a wait rejects on abort', async () => {
    const { timers, source, signal } = setup();
    const abort = new AbortController();
    const waiting = signal.wait(3_600_000, abort.signal);
    abort.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    signal.close();
    expect(source.listeners.size).toBe(0);
    source.emit();
    timers.advance(1000);
    expect(timers.pending).toBe(0);
  });
});
