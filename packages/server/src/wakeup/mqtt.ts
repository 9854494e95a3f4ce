/**
 * The MQTT implementation of WakeupPublisher (domain/wakeups.ts): one reconnecting mqtt.js client
 * per server instance, QoS 1, not retained (docs/architecture.md, "Wake-up over MQTT", says why).
 *
 * A wake-up is only a hint, so while the broker is unreachable wake-ups are dropped, not queued:
 * the devices poll on their interval as they would without MQTT, memory stays bounded through an
 * outage, and an assignment never waits for or fails on the broker. Each drop is counted; the
 * warning is logged once per outage, not once per device. The password never reaches a log line:
 * messages name the broker by its origin only.
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { wakeupPayload, wakeupTopic, type WakeupReason } from '@osprey/protocol';
import type { WakeupPublisher } from '../domain/wakeups.js';

export interface MqttWakeupOptions {
  /** mqtt://host:port or mqtts://host:port */
  url: string;
  username?: string;
  password?: string;
  topicPrefix: string;
  /** A CA bundle (PEM) for mqtts:// to a broker the system trust store does not know. */
  ca?: string;
}

export interface WakeupCounters {
  /** `sent`: the broker acknowledged (PUBACK); `failed`: dropped or refused. */
  inc(result: 'sent' | 'failed'): void;
}

/** The broker as logs may name it: scheme, host and port, never credentials. */
export function brokerName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid MQTT URL)';
  }
}

export class MqttWakeupPublisher implements WakeupPublisher {
  readonly #client: MqttClient;
  readonly #prefix: string;
  readonly #warn: (message: string, err?: unknown) => void;
  readonly #counters: WakeupCounters;
  /** Whether this outage was reported already (reset when the broker is back). */
  #outageReported = false;

  constructor(options: MqttWakeupOptions, warn: (message: string, err?: unknown) => void, counters: WakeupCounters = { inc: () => undefined }) {
    this.#prefix = options.topicPrefix;
    this.#warn = warn;
    this.#counters = counters;
    const clientOptions: IClientOptions = {
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      clean: true,
      clientId: `osprey-server-${process.pid}-${Math.random().toString(16).slice(2, 10)}`,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    };
    this.#client = connect(options.url, clientOptions);
    const name = brokerName(options.url);
    this.#client.on('connect', () => {
      if (this.#outageReported) this.#warn(`MQTT broker ${name} reachable again: devices are woken at once again`);
      this.#outageReported = false;
    });
    // mqtt.js reconnects by itself; an error (refused login, unreachable) is reported once per outage.
    this.#client.on('error', (err) =>
      this.#outage(`MQTT broker ${name}: ${err.message}; wake-ups are dropped until it is back (devices poll on their interval)`),
    );
    this.#client.on('offline', () =>
      this.#outage(`MQTT broker ${name} is unreachable; wake-ups are dropped until it is back (devices poll on their interval)`),
    );
  }

  #outage(message: string): void {
    if (this.#outageReported) return;
    this.#outageReported = true;
    this.#warn(message);
  }

  publish(tenant: string, controllerId: string, reason: { reason: WakeupReason; actionId?: number }): void {
    let topic: string;
    try {
      topic = wakeupTopic(tenant, controllerId, this.#prefix);
    } catch (err) {
      this.#counters.inc('failed');
      this.#warn(`no wake-up for device ${JSON.stringify(controllerId)}: its id is no MQTT topic level`, err);
      return;
    }
    if (!this.#client.connected) {
      this.#counters.inc('failed');
      this.#outage(`MQTT broker not connected; wake-ups are dropped until it is back (devices poll on their interval)`);
      return;
    }
    this.#client.publish(topic, wakeupPayload(reason), { qos: 1, retain: false }, (err) => {
      this.#counters.inc(err ? 'failed' : 'sent');
      if (err) this.#outage(`a wake-up was not acknowledged by the MQTT broker: ${err.message}`);
    });
  }

  /** Resolves once connected (tests and the benchmark wait for it; the server never does). */
  async connected(): Promise<void> {
    if (this.#client.connected) return;
    await new Promise<void>((resolve) => this.#client.once('connect', () => resolve()));
  }

  async close(): Promise<void> {
    // In-flight QoS 1 messages get their chance to be acknowledged; then the client stops reconnecting.
    await this.#client.endAsync(false).catch(() => this.#client.endAsync(true).catch(() => undefined));
  }
}
