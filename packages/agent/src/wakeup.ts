/**
 * "Poll now" (#16): the server publishes a small message to this device's MQTT topic when an
 * action was created or canceled for it (@osprey/protocol wakeup.ts has the scheme), and the
 * idle agent polls at once instead of at its next interval. The message is only a hint and is
 * never trusted: the device learns what to do through DDI as always, so a forged wake-up costs
 * one poll. Without MQTT, or while the broker is unreachable, the agent polls on its interval.
 *
 * Two parts, each injected: a `WakeupSource` (the MQTT subscription, or a test's own) calls its
 * listeners on each message; `PollSignal` turns those calls into early ends of the idle wait — a
 * burst within the debounce window is one, and a poll brought forward by a wake-up comes at least
 * `minGapMs` after the poll before it. Whoever can publish to the topic (a broker that lets
 * anonymous clients publish, an ACL like `readwrite osprey/#`) can then make the device poll
 * once per gap at most, not ten times a second. Because `Agent.run` is one sequential loop,
 * never more than one poll is in flight.
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { AgentLogger } from './log.js';

export interface WakeupSource {
  /** Calls `listener` for each wake-up received; returns the function that stops that. */
  subscribe(listener: () => void): () => void;
  close(): Promise<void>;
}

/** The timers the signal uses, injected so that tests drive debounce and waits themselves. */
export interface WakeupTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The least time between the polls wake-ups bring forward, and from the poll before (ms). */
export const DEFAULT_WAKEUP_GAP_MS = 5000;

export const realTimers: WakeupTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The idle wait of the poll loop, ended early by a wake-up. A wake-up that arrives while the agent
 * is busy (a poll in flight) is remembered and ends the next wait: that message may name an
 * action committed after the poll read. One that arrives before a poll starts is covered by it
 * (`polling()` forgets it).
 *
 * Each poll (`polling()`) opens a gap of `minGapMs`: a wake-up within it is remembered, not
 * dropped, and ends the wait when the gap is over — so a stream of wake-ups brings forward at
 * most one poll per gap, and the last of them is still answered.
 */
export class PollSignal {
  readonly #timers: WakeupTimers;
  readonly #debounceMs: number;
  readonly #minGapMs: number;
  #debounce: unknown = undefined;
  /** Runs from the start of the last poll for `minGapMs`. */
  #gap: unknown = undefined;
  /** A wake-up came during the gap: served when it ends. */
  #deferred = false;
  #pending = false;
  #wake: (() => void) | undefined;
  #unsubscribe: () => void;
  /** Wake-ups that ended (or would have ended) a wait, for tests and logs. */
  received = 0;

  constructor(source: WakeupSource, options: { debounceMs?: number; minGapMs?: number; timers?: WakeupTimers } = {}) {
    this.#timers = options.timers ?? realTimers;
    this.#debounceMs = options.debounceMs ?? 100;
    this.#minGapMs = options.minGapMs ?? DEFAULT_WAKEUP_GAP_MS;
    this.#unsubscribe = source.subscribe(() => this.#onMessage());
  }

  #onMessage(): void {
    // The first message of a burst opens the window; the others in it add nothing.
    if (this.#debounce !== undefined) return;
    this.#debounce = this.#timers.setTimeout(() => {
      this.#debounce = undefined;
      if (this.#gap !== undefined) this.#deferred = true;
      else this.#fire();
    }, this.#debounceMs);
  }

  #fire(): void {
    this.received++;
    this.#pending = true;
    this.#wake?.();
  }

  /**
   * A poll starts now: it sees every action committed before, so earlier wake-ups are answered;
   * and the next poll a wake-up brings forward comes `minGapMs` after this one at the earliest.
   */
  polling(): void {
    this.#pending = false;
    this.#deferred = false;
    if (this.#gap !== undefined) this.#timers.clearTimeout(this.#gap);
    this.#gap = undefined;
    if (this.#minGapMs <= 0) return;
    this.#gap = this.#timers.setTimeout(() => {
      this.#gap = undefined;
      if (!this.#deferred) return;
      this.#deferred = false;
      this.#fire();
    }, this.#minGapMs);
  }

  /**
   * Wait `ms`, or less if a wake-up comes (then resolves `true`); rejects when `signal` aborts.
   * One waiter at a time: the agent's idle wait and its cancel watch (inside a step) never overlap.
   */
  wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      if (this.#pending) {
        this.#pending = false;
        return resolve(true);
      }
      const done = (woken: boolean) => {
        this.#timers.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#wake = undefined;
        if (woken) this.#pending = false;
        resolve(woken);
      };
      const timer = this.#timers.setTimeout(() => done(false), ms);
      const onAbort = () => {
        this.#timers.clearTimeout(timer);
        this.#wake = undefined;
        reject(signal!.reason);
      };
      this.#wake = () => done(true);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.#unsubscribe();
    if (this.#debounce !== undefined) this.#timers.clearTimeout(this.#debounce);
    if (this.#gap !== undefined) this.#timers.clearTimeout(this.#gap);
    this.#debounce = undefined;
    this.#gap = undefined;
  }
}

export interface MqttWakeupOptions {
  /** mqtt://host:port or mqtts://host:port */
  url: string;
  username?: string;
  password?: string;
  /** This device's topic, e.g. `osprey/DEFAULT/dev01/wakeup` (@osprey/protocol wakeupTopic). */
  topic: string;
  /** CA certificates (PEM) to trust for mqtts://. */
  ca?: string | Buffer;
}

/**
 * The device's subscription: a reconnecting mqtt.js client (it subscribes again after each
 * reconnect), QoS 1. A message on another topic is ignored. Broker trouble is logged once per
 * outage, without the password; polling goes on meanwhile.
 */
export class MqttWakeupSource implements WakeupSource {
  readonly #client: MqttClient;
  readonly #topic: string;
  readonly #listeners = new Set<() => void>();
  #outage = false;

  constructor(options: MqttWakeupOptions, log: AgentLogger) {
    this.#topic = options.topic;
    const clientOptions: IClientOptions = {
      // 5–10 s, a different period per device: a fleet whose broker restarted does not reconnect in lockstep.
      reconnectPeriod: 5000 + Math.floor(Math.random() * 5000),
      connectTimeout: 15_000,
      clean: true,
      resubscribe: true,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    };
    let broker: string;
    try {
      const u = new URL(options.url);
      broker = `${u.protocol}//${u.host}`;
    } catch {
      broker = '(invalid MQTT URL)';
    }
    this.#client = connect(options.url, clientOptions);
    this.#client.on('connect', () => {
      if (this.#outage) log.info('MQTT wake-up: broker reachable again', { broker });
      this.#outage = false;
      this.#client.subscribe(this.#topic, { qos: 1 }, (err, granted) => {
        // MQTT 3.1.1 brokers say "refused" as SUBACK code 128 (Mosquitto: the ACL denies the topic).
        if (err || granted?.some((g) => g.qos === 128))
          log.warn('MQTT wake-up: the broker refused the subscription; polling on the interval only', { broker, topic: this.#topic, error: err?.message });
      });
    });
    const outage = (message: string, fields: Record<string, unknown>) => {
      if (this.#outage) return;
      this.#outage = true;
      log.warn(message, { broker, ...fields });
    };
    this.#client.on('error', (err) => outage('MQTT wake-up: broker error; polling on the interval meanwhile', { error: err.message }));
    this.#client.on('offline', () => outage('MQTT wake-up: broker unreachable; polling on the interval meanwhile', {}));
    this.#client.on('message', (topic) => {
      if (topic !== this.#topic) return;
      for (const listener of [...this.#listeners]) listener();
    });
  }

  /** Resolves once subscribed (tests wait for it; the agent never does). */
  async subscribed(): Promise<void> {
    if (this.#client.connected) {
      await this.#client.subscribeAsync(this.#topic, { qos: 1 });
      return;
    }
    await new Promise<void>((resolve) => this.#client.once('connect', () => resolve()));
    await this.#client.subscribeAsync(this.#topic, { qos: 1 });
  }

  subscribe(listener: () => void): () => void {
    const entry = () => listener();
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    await this.#client.endAsync(true).catch(() => undefined);
  }
}
