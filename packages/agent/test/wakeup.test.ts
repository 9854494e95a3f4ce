/**
 * MQTT wake-up end to end (#16): the real agent (`Agent.run`, the service's loop) against a real
 * server and a real Mosquitto. With the tenant's polling interval at one hour, an assignment made
 * after the agent's first poll reaches the device at once: the server records that the device
 * fetched the action's deploymentBase (RETRIEVED, written when that request is served), and the
 * update runs to FINISHED — without the hour passing. With the broker unreachable the agent goes
 * on polling on its interval.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { DdiClient, MqttWakeupSource, PollSignal, silentLogger, type AgentLogger } from '@osprey/agent';
import { watchForCancel } from '../src/ddi/cancel-watch.js';
import { loadConfig } from '../src/config.js';
import { openAgent, provision } from '../src/device.js';
import { wakeupTopic } from '@osprey/protocol';
import type { MqttWakeupPublisher } from '@osprey/server';
import { hasMosquitto, startMosquitto, type TestBroker } from '../../../testkit/mosquitto.js';
import { freePort } from '../../../testkit/ports.js';
import { restClient, TEST_ADMIN as ADMIN } from '../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';
import { tempDirForFile } from '../../../testkit/temp-dir.js';
import { makeRelease, openDevice, provisionDevice } from './device-kit.js';

const OLD = randomBytes(100_000);
const NEW = randomBytes(2 * 65536 + 123);
const mosquitto = hasMosquitto();

/** Until `check` holds (re-checked every 50 ms; the test's timeout bounds it). */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 50));
}

/** A logger that keeps what the loop said. */
function recordingLogger(): AgentLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (message: string) => void lines.push(message);
  return { lines, info: keep, warn: keep, error: keep };
}

describe.runIf(mosquitto)('the agent woken over MQTT', () => {
  let broker: TestBroker;
  let server: TestServer;
  const api = restClient(() => server.url, ADMIN);
  const work = tempDirForFile('osprey-agent-wakeup-');
  let rootJson: Buffer;
  let setId: number;
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    broker = await startMosquitto();
    server = await startTestServer(
      'pglite',
      { mqtt: { url: broker.url, username: broker.server.username, password: broker.server.password, topicPrefix: broker.prefix } },
      { listen: true },
    );
    await (server.wakeups as MqttWakeupPublisher).connected();
    // An hour between polls: only a wake-up can bring the device in during the test.
    expect((await api('PUT', '/system/configs/pollingTime', { value: '01:00:00' })).status).toBe(200);
    rootJson = Buffer.from((await api('GET', '/tuf/root')).text);
    setId = await makeRelease(api, 'wk-os', '2.0.0', NEW, { encrypted: false, release: { securityVersion: 2, hardware: ['board-a'] } });
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    await server?.stop();
    await broker?.stop();
  });

  const statuses = async (id: string, actionId: number) =>
    ((await api('GET', `/targets/${id}/actions/${actionId}/status`)).json.content as Array<{ type: string }>).map((s) => s.type);

  /** A provisioned device running `Agent.run` with this wake-up source; stopped after the tests. */
  const runDevice = async (id: string, wakeups: MqttWakeupSource) => {
    const { files, token } = await provisionDevice(api, join(work, id), id, { rootJson, factoryImage: OLD, securityVersion: 1 });
    const logger = recordingLogger();
    const dev = openDevice(files, { server: server.url, id, token }, { wakeups, logger, healthCheck: async () => ({ ok: true }) });
    const abort = new AbortController();
    const running = dev.agent.run(abort.signal);
    stops.push(async () => {
      abort.abort();
      await running;
      await wakeups.close();
    });
    return { logger, dev };
  };

  it('polls at once when the server wakes it, while its interval is an hour', async () => {
    const id = 'wk-agent-1';
    await broker.addDevice({ tenant: 'DEFAULT', controllerId: id });
    const source = new MqttWakeupSource({ url: broker.url, ...broker.device('DEFAULT', id), topic: wakeupTopic('DEFAULT', id) }, silentLogger);
    await source.subscribed();
    const { logger } = await runDevice(id, source);
    // Its first poll found nothing: now it sleeps for about an hour. (The wake-up below is served
    // once the gap after that poll, 5 s by default, has passed: wakeup.ts.)
    await until(() => logger.lines.includes('polled'));
    const assigned = await api('POST', `/distributionsets/${setId}/assignedTargets`, [{ id }]);
    expect(assigned.json).toMatchObject({ assigned: 1 });
    const actionId = assigned.json.assignedActions[0].id as number;
    // The server served the deploymentBase (RETRIEVED), and the update ran through.
    await until(async () => (await statuses(id, actionId)).includes('retrieved'));
    await until(async () => (await api('GET', `/targets/${id}/actions/${actionId}`)).json.status === 'finished');
    // One poll before, woken, then the action started (later polls come after the report, as always).
    const woken = logger.lines.indexOf('woken by the server: polling now');
    expect(woken).toBeGreaterThan(0);
    expect(logger.lines.slice(0, woken).filter((l) => l === 'polled')).toHaveLength(1);
    expect(logger.lines.slice(woken + 1).find((l) => !l.startsWith('state '))).toBe(`started action ${actionId}`);
  });

  it("subscribes as agent.json says, with the scheme's username and topic by default", async () => {
    const id = 'wk+cfg:1';
    await broker.addDevice({ tenant: 'DEFAULT', controllerId: id });
    const { token } = await provisionDevice(api, join(work, 'cfg'), id, { rootJson, factoryImage: OLD, securityVersion: 1 });
    const dir = join(work, 'cfg');
    mkdirSync(join(dir, 'state'), { recursive: true });
    const file = join(dir, 'agent.json');
    const base = {
      server: server.url,
      controllerId: id,
      token,
      hardware: 'board-a',
      metadataDir: 'tuf',
      stateDir: 'state',
      slots: { a: 'slot-a.img', b: 'slot-b.img' },
      bootloader: { kind: 'simulated', envPath: 'bootenv' },
      key: { file: 'device.pem' },
    };
    for (const [mqtt, problem] of [
      [{ url: 'http://127.0.0.1:1883' }, /mqtt\.url: use mqtt:\/\/host:port/],
      [{ url: broker.url, topic: 'osprey/#' }, /mqtt\.topic: a topic to subscribe to, without the wildcards/],
    ] as const) {
      writeFileSync(file, JSON.stringify({ ...base, mqtt }));
      expect(() => loadConfig(file)).toThrow(problem);
    }
    writeFileSync(file, JSON.stringify({ ...base, mqtt: { url: broker.url, password: broker.device('DEFAULT', id).password } }));
    const config = loadConfig(file);
    await provision(config);
    // Only `run` subscribes: other commands open no broker connection.
    const quiet = openAgent(config);
    expect(quiet.wakeups).toBeUndefined();
    quiet.element.close();
    const { wakeups, element } = openAgent(config, { wakeups: true });
    stops.push(async () => {
      element.close();
      await wakeups?.close();
    });
    await wakeups!.subscribed();
    let heard = 0;
    wakeups!.subscribe(() => heard++);
    expect((await api('POST', `/distributionsets/${setId}/assignedTargets`, [{ id }])).json).toMatchObject({ assigned: 1 });
    await until(() => heard === 1);
  });

  it('sees a cancel at once while an update streams: the cancel watch waits for a wake-up, not an hour', async () => {
    const id = 'wk-agent-3';
    await broker.addDevice({ tenant: 'DEFAULT', controllerId: id });
    const { token } = await provisionDevice(api, join(work, id), id, { rootJson, factoryImage: OLD, securityVersion: 1 });
    const source = new MqttWakeupSource({ url: broker.url, ...broker.device('DEFAULT', id), topic: wakeupTopic('DEFAULT', id) }, silentLogger);
    stops.push(() => source.close());
    await source.subscribed();
    const assigned = await api('POST', `/distributionsets/${setId}/assignedTargets`, [{ id }]);
    const actionId = assigned.json.assignedActions[0].id as number;
    // What the agent's SlotWriter starts beside the stream, with the agent's wake-up signal as its wait.
    const signal = new PollSignal(source);
    const abort = new AbortController();
    const watch = watchForCancel({
      ddi: new DdiClient({ server: server.url, tenant: 'DEFAULT', controllerId: id, targetToken: token }),
      actionId,
      abort,
      delayMs: () => 3_600_000,
      polled: () => undefined,
      log: silentLogger,
      wait: (ms, s) => signal.wait(ms, s),
    });
    expect((await api('DELETE', `/targets/${id}/actions/${actionId}`)).status).toBe(204);
    await until(() => abort.signal.aborted);
    expect(await watch.stop()).toBe(true);
    expect(abort.signal.reason).toMatchObject({ code: 'AGENT_DOWNLOAD_ABORTED' });
    signal.close();
  });

  it('keeps polling on its interval while the broker is unreachable', async () => {
    const id = 'wk-agent-2';
    // Short interval for this test's tenant config; the broker address has nothing listening.
    expect((await api('PUT', '/system/configs/pollingTime', { value: '00:00:01' })).status).toBe(200);
    const source = new MqttWakeupSource(
      { url: `mqtt://127.0.0.1:${await freePort()}`, username: 'x', password: 'y', topic: wakeupTopic('DEFAULT', id) },
      silentLogger,
    );
    const { logger } = await runDevice(id, source);
    await until(() => logger.lines.filter((l) => l === 'polled').length >= 2);
    const assigned = await api('POST', `/distributionsets/${setId}/assignedTargets`, [{ id }]);
    const actionId = assigned.json.assignedActions[0].id as number;
    await until(async () => (await api('GET', `/targets/${id}/actions/${actionId}`)).json.status === 'finished');
    expect(logger.lines).not.toContain('woken by the server: polling now');
  });
});
