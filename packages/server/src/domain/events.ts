/**
 * Live change events for the operator console (GET /rest/v1/events): "target dev01 changed", so
 * an open page reloads what it shows instead of polling.
 *
 * The bus is an interface: LocalEventBus reaches this process's listeners, SharedEventBus also the
 * consoles connected to other instances, over the database's NOTIFY channel `osprey_events` (a
 * browser's live channel may land on any instance behind the proxy). Events are published only after the
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

/**
 * "Something may have changed that you did not hear of": sent to every listener when delivery
 * from other instances was interrupted. It names no tenant and nothing that changed, so every
 * connection may hear it (event-permissions.ts) and answers it with a full reload.
 */
export const RESYNC_EVENT: ChangeEvent = Object.freeze({ tenant: '*', kind: '*', id: '*', action: 'events.resync' });

/** Whether an event is the resync (as sent, or as received from another instance). */
export const isResync = (event: ChangeEvent): boolean => event.kind === RESYNC_EVENT.kind && event.tenant === RESYNC_EVENT.tenant;

/** The NOTIFY channel the instances share their events on. */
export const EVENTS_CHANNEL = 'osprey_events';

/**
 * PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; events are sent in batches below this
 * (measured in UTF-8 bytes), and an event too large for any batch is replaced by a resync.
 */
const MAX_PAYLOAD_BYTES = 7900;

interface WirePayload {
  /** The instance that published (it delivered to its own listeners already). */
  o: string;
  /** [tenant, kind, id, action] per event. */
  e: Array<[string, string, string, string]>;
}

function isWirePayload(value: unknown): value is WirePayload {
  if (typeof value !== 'object' || value === null) return false;
  const { o, e } = value as Partial<WirePayload>;
  return typeof o === 'string' && Array.isArray(e) && e.every((x) => Array.isArray(x) && x.length === 4 && x.every((f) => typeof f === 'string'));
}

export interface SharedEventBusOptions {
  /** This instance's name on the channel (random per process): its own events come back and are skipped. */
  instanceId: string;
  /** NOTIFY `payload` on EVENTS_CHANNEL (AnnouncementStore.announce). */
  announce: (payload: string) => Promise<void>;
  /** A failed announce or an unreadable payload: the operator hears of it; nothing else breaks. */
  onError?: (message: string, err?: unknown) => void;
  /**
   * What other instances changed (or RESYNC_EVENT when their news may have been missed), before
   * this instance's listeners hear it: for caches of this process that another instance's change
   * makes stale (the file key store's).
   */
  onRemote?: (events: readonly ChangeEvent[]) => void;
}

/**
 * The bus of several instances: delivered here at once, and announced to the others through the
 * database. PostgreSQL delivers a notification only after the publishing transaction — here a
 * transaction of its own, after the change's has committed — so a listener on another instance that
 * reads on receipt sees the change. Subscribe with DatabaseHandle.listen(EVENTS_CHANNEL, bus.handlers).
 */
export class SharedEventBus implements EventBus {
  private readonly local: LocalEventBus;

  constructor(private readonly options: SharedEventBusOptions) {
    this.local = new LocalEventBus((err) => options.onError?.('a live-event listener failed', err));
  }

  publish(events: readonly ChangeEvent[]): void {
    if (events.length === 0) return;
    this.local.publish(events);
    for (const payload of this.batches(events)) {
      this.options.announce(payload).catch((err: unknown) => {
        this.options.onError?.('announcing live events to the other instances failed; their consoles miss this change until they reload', err);
      });
    }
  }

  subscribe(listener: ChangeListener): () => void {
    return this.local.subscribe(listener);
  }

  get subscribers(): number {
    return this.local.subscribers;
  }

  /** Handlers for DatabaseHandle.listen(EVENTS_CHANNEL, …). */
  readonly handlers = {
    onMessage: (payload: string): void => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(payload);
      } catch {
        parsed = undefined;
      }
      if (!isWirePayload(parsed)) {
        this.options.onError?.('an unreadable live-event announcement was ignored');
        return;
      }
      if (parsed.o === this.options.instanceId) return;
      this.remote(parsed.e.map(([tenant, kind, id, action]) => ({ tenant, kind, id, action })));
    },
    // Announcements may have been missed while the listener was away: every console reloads.
    onLost: (): void => this.remote([RESYNC_EVENT]),
    onResumed: (): void => this.remote([RESYNC_EVENT]),
  };

  private remote(events: readonly ChangeEvent[]): void {
    try {
      this.options.onRemote?.(events);
    } catch (err) {
      this.options.onError?.('handling another instance’s live events failed', err);
    }
    this.local.publish(events);
  }

  private *batches(events: readonly ChangeEvent[]): Generator<string> {
    const head = `{"o":${JSON.stringify(this.options.instanceId)},"e":[`;
    let body: string[] = [];
    let bytes = Buffer.byteLength(head) + 2;
    const flush = () => `${head}${body.join(',')}]}`;
    for (const event of events) {
      let entry = JSON.stringify([event.tenant, event.kind, event.id, event.action]);
      let size = Buffer.byteLength(entry) + 1;
      if (Buffer.byteLength(head) + 2 + size > MAX_PAYLOAD_BYTES) {
        entry = JSON.stringify([RESYNC_EVENT.tenant, RESYNC_EVENT.kind, RESYNC_EVENT.id, RESYNC_EVENT.action]);
        size = Buffer.byteLength(entry) + 1;
      }
      if (bytes + size > MAX_PAYLOAD_BYTES && body.length > 0) {
        yield flush();
        body = [];
        bytes = Buffer.byteLength(head) + 2;
      }
      body.push(entry);
      bytes += size;
    }
    if (body.length > 0) yield flush();
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
    if (kind === RESYNC_EVENT.kind) {
      // A resync (or a kind of that name, which would mean the same): reload everything.
      this.overflowed = true;
      this.refs.clear();
      return;
    }
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
