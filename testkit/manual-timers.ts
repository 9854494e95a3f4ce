/**
 * Timers a test moves by hand (`advance(ms)` runs what falls due, in time order), and a wake-up
 * source it publishes to: the agent's WakeupTimers and WakeupSource (packages/agent/src/wakeup.ts),
 * matched by shape.
 */
export class ManualTimers {
  now = 0;
  #next = 1;
  readonly #due = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#due.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#due.delete(handle as number);
  }
  get pending(): number {
    return this.#due.size;
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const [id, first] = [...this.#due.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0] ?? [];
      if (id === undefined || !first) break;
      this.#due.delete(id);
      this.now = first.at;
      first.fn();
    }
    this.now = until;
  }
}

/** A wake-up source the test publishes to (what the MQTT subscription does on each message). */
export class ManualWakeupSource {
  readonly listeners = new Set<() => void>();
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
  emit(): void {
    for (const l of this.listeners) l();
  }
  async close(): Promise<void> {}
}
