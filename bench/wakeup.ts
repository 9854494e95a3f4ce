/**
 * `npm run bench -- wakeup [--devices N (20)] [--interval S (5)]`
 *
 * How long a device takes to learn of a new action: from the assignment's HTTP response
 * (POST /distributionsets/{id}/assignedTargets) to the device's first deploymentBase request.
 *
 * One server (PGlite, in this process) with MQTT wake-up on a Mosquitto of the run's own
 * (testkit/mosquitto.ts, the documented ACL), the tenant's polling interval at --interval, and N
 * real agents (`Agent.run`, simulated slots) in this process:
 *   - with MQTT: each device subscribed to its topic; the devices are assigned one after the
 *     other (each waits for the previous one's fetch), so each sample is one device's wake-up;
 *   - polling only: the same agents without a wake-up source; each device is assigned at a random
 *     moment of its interval, as an operator's click would fall, so the expected median is
 *     interval / 2 (the agent spreads each interval by ±10 %).
 * The time of the fetch is taken where the agent's DDI client sends the deploymentBase request.
 * The sets are not released, so each agent refuses the action after fetching it (no download):
 * the benchmark measures the wake-up, not an install. Prints a table and `result: {json}`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  AbSlots,
  Agent,
  DdiClient,
  FileSecurityVersionStore,
  FileSlot,
  MqttWakeupSource,
  SimulatedBootloader,
  StateStore,
  silentLogger,
  type AgentLogger,
  type Deployment,
} from '@osprey/agent';
import { wakeupTopic } from '@osprey/protocol';
import type { MqttWakeupPublisher } from '@osprey/server';
import { startMosquitto } from '../testkit/mosquitto.js';
import { basicAuth } from '../testkit/rest.js';
import { startTestServer } from '../testkit/server.js';
import { median, parseOrExplain, positive, round1, scratchDir, verdict } from './common.js';

const GOAL_MS = 1000;
const USAGE = 'usage: npm run bench -- wakeup [--devices N (20)] [--interval S (5)]';
const ADMIN = basicAuth('admin', 'admin-password');
const TENANT = 'DEFAULT';

interface Options {
  devices: number;
  interval: number;
}

function parseOptions(args: string[]): Options | undefined {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      devices: { type: 'string', default: '20' },
      interval: { type: 'string', default: '5' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  const interval = positive(values.interval, '--interval', true);
  if (interval > 3600) throw new Error('--interval is at most 3600 seconds');
  return { devices: positive(values.devices, '--devices', true), interval };
}

/** The device's DDI client, noting when it sends its first deploymentBase request. */
class TimedDdi extends DdiClient {
  firstFetch: number | undefined;
  override async deployment(href: string): Promise<Deployment> {
    this.firstFetch ??= performance.now();
    return super.deployment(href);
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 5));
}

export async function main(args: string[]): Promise<void> {
  const options = parseOrExplain(parseOptions, USAGE, args);
  if (!options) return;
  const scratch = scratchDir('osprey-bench-wakeup-');
  const work = scratch.dir;
  const broker = await startMosquitto();
  const server = await startTestServer(
    'pglite',
    { mqtt: { url: broker.url, username: broker.server.username, password: broker.server.password, topicPrefix: broker.prefix } },
    { listen: true },
  );
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/rest/v1${path}`, {
      method,
      headers: { authorization: ADMIN, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as any) : undefined;
  };
  const stops: Array<() => Promise<void>> = [];
  try {
    await (server.wakeups as MqttWakeupPublisher).connected();
    const seconds = String(options.interval % 60).padStart(2, '0');
    const minutes = String(Math.floor(options.interval / 60) % 60).padStart(2, '0');
    await api('PUT', '/system/configs/pollingTime', { value: `${String(Math.floor(options.interval / 3600)).padStart(2, '0')}:${minutes}:${seconds}` });
    const rootJson = await (await fetch(`${server.url}/rest/v1/tuf/root`, { headers: { authorization: ADMIN } })).text();
    const [module] = await api('POST', '/softwaremodules', [{ name: 'wakeup-bench', version: '1', type: 'os' }]);
    const [ds] = await api('POST', '/distributionsets', [{ name: 'wakeup-bench', version: '1', type: 'os', modules: [{ id: module.id }] }]);

    /** N devices running Agent.run, with or without a wake-up source; resolves once each has polled. */
    const fleet = async (mode: 'mqtt' | 'poll') => {
      const ids = Array.from({ length: options.devices }, (_, i) => `wk-${mode}-${i}`);
      await api(
        'POST',
        '/targets',
        ids.map((controllerId) => ({ controllerId, securityToken: `token-${controllerId}-0123456789` })),
      );
      if (mode === 'mqtt') await broker.addDevice(...ids.map((controllerId) => ({ tenant: TENANT, controllerId })));
      return Promise.all(
        ids.map(async (id) => {
          const dir = join(work, id);
          mkdirSync(join(dir, 'tuf'), { recursive: true });
          writeFileSync(join(dir, 'tuf', 'root.json'), rootJson);
          const bootloader = new SimulatedBootloader(join(dir, 'bootenv'), { initialSlot: 'a' });
          const slots = new AbSlots({ a: new FileSlot('a', join(dir, 'a.img')), b: new FileSlot('b', join(dir, 'b.img')) }, bootloader);
          const key = Buffer.alloc(32, 7);
          FileSecurityVersionStore.provision(join(dir, 'secver.json'), key, 1);
          const ddi = new TimedDdi({ server: server.url, tenant: TENANT, controllerId: id, targetToken: `token-${id}-0123456789` });
          let wakeups: MqttWakeupSource | undefined;
          if (mode === 'mqtt') {
            wakeups = new MqttWakeupSource({ url: broker.url, ...broker.device(TENANT, id), topic: wakeupTopic(TENANT, id, broker.prefix) }, silentLogger);
            await wakeups.subscribed();
          }
          let polled = false;
          const logger: AgentLogger = { ...silentLogger, info: (message) => void (message === 'polled' && (polled = true)) };
          const agent = new Agent({
            ddi,
            slots,
            bootloader,
            store: new StateStore(join(dir, 'state.json')),
            securityVersion: new FileSecurityVersionStore(join(dir, 'secver.json'), key),
            metadataDir: join(dir, 'tuf'),
            workDir: join(dir, 'work'),
            hardware: 'board-a',
            logger,
            ...(wakeups ? { wakeups } : {}),
            // This measures how soon a wake-up is answered, not the gap that keeps a stream of
            // them to one early poll per 5 s (the devices polled just before their assignment).
            minPollMs: 1,
            wakeupMinGapMs: 1,
          });
          const abort = new AbortController();
          const running = agent.run(abort.signal);
          stops.push(async () => {
            abort.abort();
            await running;
            await wakeups?.close();
          });
          await until(() => polled);
          return { id, ddi };
        }),
      );
    };

    const assign = async (id: string): Promise<number> => {
      const result = await api('POST', `/distributionsets/${ds.id}/assignedTargets`, [{ id }]);
      if (result.assigned !== 1) throw new Error(`assignment to ${id}: ${JSON.stringify(result)}`);
      return performance.now();
    };

    // With MQTT: one device after the other.
    const withMqtt: number[] = [];
    for (const device of await fleet('mqtt')) {
      const answered = await assign(device.id);
      await until(() => device.ddi.firstFetch !== undefined);
      withMqtt.push(device.ddi.firstFetch! - answered);
    }

    // Polling only: each device assigned at a random moment of its interval.
    const pollingOnly = await Promise.all(
      (await fleet('poll')).map(async (device) => {
        await new Promise((r) => setTimeout(r, Math.random() * options.interval * 1000));
        const answered = await assign(device.id);
        await until(() => device.ddi.firstFetch !== undefined);
        return device.ddi.firstFetch! - answered;
      }),
    );

    const mqttMedian = median(withMqtt);
    const pollMedian = median(pollingOnly);
    const result = {
      devices: options.devices,
      intervalSeconds: options.interval,
      mqtt: { medianMs: round1(mqttMedian), p95Ms: round1(percentile(withMqtt, 95)), maxMs: round1(Math.max(...withMqtt)) },
      polling: {
        expectedMedianMs: (options.interval * 1000) / 2,
        medianMs: round1(pollMedian),
        p95Ms: round1(percentile(pollingOnly, 95)),
        maxMs: round1(Math.max(...pollingOnly)),
      },
      ratio: round1(pollMedian / mqttMedian),
      goalMs: GOAL_MS,
      goalMet: percentile(withMqtt, 95) < GOAL_MS,
    };
    console.log(`wake-up: assignment response → first deploymentBase request, ${options.devices} devices, polling interval ${options.interval} s`);
    console.log(
      `  with MQTT      median ${result.mqtt.medianMs} ms, p95 ${result.mqtt.p95Ms} ms, max ${result.mqtt.maxMs} ms  (goal p95 < ${GOAL_MS} ms: ${verdict(result.goalMet)}; includes the agent's 100 ms debounce window)`,
    );
    console.log(
      `  polling only   median ${result.polling.medianMs} ms, p95 ${result.polling.p95Ms} ms, max ${result.polling.maxMs} ms  (expected median interval/2 = ${result.polling.expectedMedianMs} ms)`,
    );
    console.log(`  ratio          polling median / MQTT median = ${result.ratio}×`);
    console.log(`result: ${JSON.stringify(result)}`);
    if (!result.goalMet) process.exitCode = 1;
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    await server.stop();
    await broker.stop();
    scratch.release();
  }
}
