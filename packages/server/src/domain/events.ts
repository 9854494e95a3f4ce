/**
 * Live change events for the operator console (GET /rest/v1/events): "target dev01 changed", so
 * an open page reloads what it shows instead of polling.
 *
 * The bus is in-process and an interface, so it can later be backed by PostgreSQL LISTEN/NOTIFY
 * to reach the consoles connected to other instances (#16). Events are published only after the
 * transaction that made the change has committed (Changes.transaction, changes.ts): a listener
 * that reads on receipt sees the change, and a rolled-back change is never announced.
 *
 * An event names what changed, never how: the console re-reads it through the API, where the
 * caller's permissions apply as always.
 */

export interface ChangeEvent {
  tenant: string;
  /** The audit subject type (`target`, `action`, `rollout`, `distributionset`, …). */
  kind: string;
  /** The subject's id as the API names it (a controller id, a numeric id); `*` for "several". */
  id: string;
  /** The audit action (`target.update`), or what the system did (`rollout.tick`, `device.feedback`). */
  action: string;
}

export type ChangeListener = (event: ChangeEvent) => void;

export interface EventBus {
  publish(events: readonly ChangeEvent[]): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: ChangeListener): () => void;
  /** How many listeners are subscribed (tests check that closed connections leave none behind). */
  readonly subscribers: number;
}

/** The bus of one process. A listener that throws does not keep the others from hearing. */
export class LocalEventBus implements EventBus {
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  publish(events: readonly ChangeEvent[]): void {
    for (const event of events) {
      for (const listener of [...this.listeners]) {
        try {
          listener(event);
        } catch (err) {
          this.onListenerError(err);
        }
      }
    }
  }

  subscribe(listener: ChangeListener): () => void {
    // A wrapper per subscription: the same function subscribed twice is two subscriptions.
    const entry: ChangeListener = (event) => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}

/** The bus where nobody listens (tools that change state without a server, like `scrub`). */
export const NO_EVENTS: EventBus = { publish: () => undefined, subscribe: () => () => undefined, subscribers: 0 };

// --- what a console connection receives --------------------------------------------------------

/** One entry of a flushed `change` event; `{ kind: "*" }` alone means "everything may have changed, reload". */
export interface ChangeRef {
  kind: string;
  id?: string;
}

/**
 * A connection's buffer between flushes: deduplicated by (kind, id) and bounded; past `max`
 * distinct entries it collapses into one "everything changed", which costs the console a reload
 * instead of costing the server memory for a slow or busy connection.
 */
export class ChangeBuffer {
  private readonly refs = new Map<string, ChangeRef>();
  private overflowed = false;

  constructor(private readonly max: number) {}

  add(kind: string, id: string): void {
    if (this.overflowed) return;
    const key = `${kind}\u0000${id}`;
    if (this.refs.has(key)) return;
    if (this.refs.size >= this.max) {
      this.overflowed = true;
      this.refs.clear();
      return;
    }
    this.refs.set(key, { kind, id });
  }

  /** What to send now (and empty the buffer), or undefined when nothing changed. */
  take(): ChangeRef[] | undefined {
    if (this.overflowed) {
      this.overflowed = false;
      return [{ kind: '*' }];
    }
    if (this.refs.size === 0) return undefined;
    const out = [...this.refs.values()];
    this.refs.clear();
    return out;
  }
}

/** Repeating timers, injected so tests drive flushes and heartbeats themselves. */
export interface Ticker {
  /** Call `fn` every `ms`; returns the function that stops it. */
  every(ms: number, fn: () => void): () => void;
}

export const realTicker: Ticker = {
  every(ms, fn) {
    const handle = setInterval(fn, ms);
    handle.unref();
    return () => clearInterval(handle);
  },
};
