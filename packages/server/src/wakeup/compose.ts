/**
 * The MQTT wake-up publisher from the server's configuration, with its Prometheus counter
 * (registered by the composition root on the server's registry).
 */
import { readFileSync } from 'node:fs';
import { Counter } from 'prom-client';
import { ConfigError, type ServerConfig } from '../config.js';
import { MqttWakeupPublisher } from './mqtt.js';

export function wakeupPublisherOf(
  config: NonNullable<ServerConfig['mqtt']>,
  warn: (message: string, err?: unknown) => void,
): { publisher: MqttWakeupPublisher; counter: Counter<'result'> } {
  const counter = new Counter({
    name: 'osprey_wakeups_total',
    help: 'MQTT device wake-ups: sent (acknowledged by the broker) or failed (dropped while the broker was unreachable, or refused).',
    labelNames: ['result'] as const,
    registers: [],
  });
  for (const result of ['sent', 'failed']) counter.inc({ result }, 0);
  let ca: string | undefined;
  try {
    if (config.ca !== undefined) ca = readFileSync(config.ca, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read the MQTT CA bundle ${config.ca} (OSPREY_MQTT_CA): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      cause: e,
    });
  }
  const publisher = new MqttWakeupPublisher(
    {
      url: config.url,
      topicPrefix: config.topicPrefix,
      ...(config.username === undefined ? {} : { username: config.username }),
      ...(config.password === undefined ? {} : { password: config.password }),
      ...(ca === undefined ? {} : { ca }),
    },
    warn,
    { inc: (result) => counter.inc({ result }) },
  );
  return { publisher, counter };
}
