/**
 * MQTT wake-up (#16) against a real Mosquitto of the test's own (testkit/mosquitto.ts): the ACL
 * lets each device hear only its own topic and write none, and the server publishes "poll now"
 * to a device's topic once an assignment or a cancel made through the management API committed.
 * A broker that is down fails no assignment; the wake-up is counted as failed.
 */
import { Writable } from 'node:stream';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wakeupTopic } from '@osprey/protocol';
import { loadConfig, type MqttWakeupPublisher } from '@osprey/server';
import { hasMosquitto, startMosquitto, type TestBroker } from '../../../testkit/mosquitto.js';
import { freePort } from '../../../testkit/ports.js';
import { restClient, TEST_ADMIN as ADMIN } from '../../../testkit/rest.js';
import { hasPostgres, startTestServer, type DbKind, type TestServer } from '../../../testkit/server.js';

const mosquitto = hasMosquitto();
// On both databases: the bulk paths resolve controller ids with SQL of their own.
const kinds: DbKind[] = ['pglite', ...((await hasPostgres()) ? (['postgres'] as const) : [])];
const TENANT = 'DEFAULT';
// `+` and `:` are allowed in controller ids: they must be escaped into one safe topic level.
const DEVICES = ['wk-dev-1', 'wk-dev-2', 'wk+gw:3', 'wk-ro-1', 'wk-ro-2', 'wk-auto-1'];

interface Inbox {
  client: MqttClient;
  messages: Array<{ topic: string; payload: unknown }>;
  /** Resolves with the next message (or one already waiting). */
  next(): Promise<{ topic: string; payload: unknown }>;
}

async function listen(broker: TestBroker, login: { username: string; password: string }, topics: string[]): Promise<Inbox> {
  const client = await connectAsync(broker.url, { ...login, reconnectPeriod: 0, clean: true });
  const messages: Inbox['messages'] = [];
  let read = 0;
  let waiter: (() => void) | undefined;
  client.on('message', (topic, payload) => {
    messages.push({ topic, payload: JSON.parse(payload.toString()) });
    waiter?.();
  });
  await client.subscribeAsync(topics, { qos: 1 });
  return {
    client,
    messages,
    async next() {
      while (messages.length <= read) await new Promise<void>((r) => (waiter = r));
      return messages[read++]!;
    },
  };
}

describe.runIf(mosquitto).each(kinds)('MQTT wake-up with Mosquitto on %s', (kind) => {
  let broker: TestBroker;
  let server: TestServer;
  const api = restClient(() => server.url, ADMIN);
  const clients: MqttClient[] = [];
  let dsId: number;
  let otherDsId: number;

  beforeAll(async () => {
    broker = await startMosquitto();
    await broker.addDevice(...DEVICES.map((controllerId) => ({ tenant: TENANT, controllerId })));
    server = await startTestServer(
      kind,
      // The server's own scheduler ticks (every 200 ms): the rollout's wake-ups come the way they do in production.
      { rolloutTickMs: 200, mqtt: { url: broker.url, username: broker.server.username, password: broker.server.password, topicPrefix: broker.prefix } },
      { listen: true },
    );
    await (server.wakeups as MqttWakeupPublisher).connected();
    expect(
      (
        await api(
          'POST',
          '/targets',
          DEVICES.map((controllerId) => ({ controllerId, securityToken: `token-${controllerId}-0123456789` })),
        )
      ).status,
    ).toBe(201);
    const [module] = (await api('POST', '/softwaremodules', [{ name: 'wk-app', version: '1', type: 'application' }])).json;
    const [ds] = (await api('POST', '/distributionsets', [{ name: 'wk-ds', version: '1', type: 'app', modules: [{ id: module.id }] }])).json;
    dsId = ds.id;
    const [other] = (await api('POST', '/distributionsets', [{ name: 'wk-ds', version: '2', type: 'app', modules: [{ id: module.id }] }])).json;
    otherDsId = other.id;
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await server?.stop();
    await broker?.stop();
  });

  const device = async (controllerId: string, topics = [wakeupTopic(TENANT, controllerId)]) => {
    const inbox = await listen(broker, broker.device(TENANT, controllerId), topics);
    clients.push(inbox.client);
    return inbox;
  };
  const asServer = async () => {
    const client = await connectAsync(broker.url, { ...broker.server, reconnectPeriod: 0 });
    clients.push(client);
    return client;
  };

  it('lets a device hear only its own topic and publish to none', async () => {
    const one = await device('wk-dev-1');
    // Device 2 tries to eavesdrop: device 1's topic, and everything.
    const two = await device('wk-dev-2', [wakeupTopic(TENANT, 'wk-dev-1'), `${broker.prefix}/#`, wakeupTopic(TENANT, 'wk-dev-2')]);
    // …and to forge a wake-up for device 1 (Mosquitto drops a denied publish silently, PUBACK and all).
    await two.client.publishAsync(wakeupTopic(TENANT, 'wk-dev-1'), JSON.stringify({ reason: 'forged' }), { qos: 1 });
    // The server's wake-ups for device 1, then device 2: each client gets messages in the order the
    // broker handled them, so the first thing either sees shows what came before.
    const server = await asServer();
    await server.publishAsync(wakeupTopic(TENANT, 'wk-dev-1'), JSON.stringify({ reason: 'action', actionId: 1 }), { qos: 1 });
    await server.publishAsync(wakeupTopic(TENANT, 'wk-dev-2'), JSON.stringify({ reason: 'action', actionId: 2 }), { qos: 1 });
    expect(await one.next()).toEqual({ topic: wakeupTopic(TENANT, 'wk-dev-1'), payload: { reason: 'action', actionId: 1 } });
    expect(await two.next()).toEqual({ topic: wakeupTopic(TENANT, 'wk-dev-2'), payload: { reason: 'action', actionId: 2 } });
    // Neither the forged message reached device 1 nor device 1's wake-up reached device 2.
    expect(one.messages).toHaveLength(1);
    expect(two.messages).toHaveLength(1);
  });

  it('refuses logins without the right password', async () => {
    const wrong = connectAsync(broker.url, { username: broker.device(TENANT, 'wk-dev-1').username, password: 'not-the-password', reconnectPeriod: 0 });
    await expect(wrong).rejects.toThrow(/Not authorized|Bad username or password/i);
    const anonymous = connectAsync(broker.url, { reconnectPeriod: 0 });
    await expect(anonymous).rejects.toThrow(/Not authorized|Bad username or password/i);
  });

  it('wakes the device after an assignment and after a cancel, through the management API', async () => {
    const one = await device('wk-dev-1');
    const special = await device('wk+gw:3');
    expect(wakeupTopic(TENANT, 'wk+gw:3')).toBe('osprey/DEFAULT/wk%2Bgw%3A3/wakeup');
    const assigned = await api('POST', `/distributionsets/${dsId}/assignedTargets`, [{ id: 'wk-dev-1' }, { id: 'wk+gw:3' }]);
    expect(assigned.json).toMatchObject({ assigned: 2 });
    const [first, second] = assigned.json.assignedActions.map((a: { id: number }) => a.id) as [number, number];
    expect(await one.next()).toEqual({ topic: wakeupTopic(TENANT, 'wk-dev-1'), payload: { reason: 'action', actionId: first } });
    expect(await special.next()).toEqual({ topic: 'osprey/DEFAULT/wk%2Bgw%3A3/wakeup', payload: { reason: 'action', actionId: second } });

    expect((await api('DELETE', `/targets/wk-dev-1/actions/${first}`)).status).toBe(204);
    expect(await one.next()).toEqual({ topic: wakeupTopic(TENANT, 'wk-dev-1'), payload: { reason: 'cancel', actionId: first } });
    // Canceling again changes nothing, and wakes nobody: the next message device 1 gets is the next assignment's.
    expect((await api('DELETE', `/targets/wk-dev-1/actions/${first}`)).status).toBe(204);
    const again = await api('POST', `/distributionsets/${otherDsId}/assignedTargets`, [{ id: 'wk-dev-1' }]);
    expect(again.json).toMatchObject({ assigned: 1 });
    expect(await one.next()).toEqual({ topic: wakeupTopic(TENANT, 'wk-dev-1'), payload: { reason: 'action', actionId: again.json.assignedActions[0].id } });
    expect(one.messages).toHaveLength(3);
  });

  it('wakes the devices a rollout releases, and those its stop cancels', async () => {
    const ro1 = await device('wk-ro-1');
    const ro2 = await device('wk-ro-2');
    const created = await api('POST', '/rollouts', {
      name: 'wk-rollout',
      distributionSetId: dsId,
      targetFilterQuery: 'controllerId==wk-ro-*',
      amountGroups: 1,
    });
    expect(created.status, created.text).toBe(201);
    // Created, the rollout offers nothing yet: the first wake-up each device gets is the release's.
    expect((await api('POST', `/rollouts/${created.json.id}/start`)).status).toBe(200);
    expect(await ro1.next()).toEqual({ topic: wakeupTopic(TENANT, 'wk-ro-1'), payload: { reason: 'action' } });
    expect(await ro2.next()).toEqual({ topic: wakeupTopic(TENANT, 'wk-ro-2'), payload: { reason: 'action' } });
    const offered = await api('GET', '/targets/wk-ro-1/actions');
    expect(offered.json.content[0]).toMatchObject({ status: 'running' });
    expect((await api('POST', `/rollouts/${created.json.id}/stop`)).status).toBe(200);
    expect(await ro1.next()).toEqual({ topic: wakeupTopic(TENANT, 'wk-ro-1'), payload: { reason: 'cancel' } });
    expect(await ro2.next()).toEqual({ topic: wakeupTopic(TENANT, 'wk-ro-2'), payload: { reason: 'cancel' } });
  });

  it('wakes the devices an auto-assignment reaches', async () => {
    const auto = await device('wk-auto-1');
    const created = await api('POST', '/targetfilters', [{ name: 'wk-auto', query: 'controllerId==wk-auto-*' }]);
    expect(created.status, created.text).toBe(201);
    const filterId = (created.json[0] ?? created.json).id as number;
    expect((await api('POST', `/targetfilters/${filterId}/autoAssignDS`, { id: otherDsId })).status).toBe(200);
    expect(await auto.next()).toEqual({ topic: wakeupTopic(TENANT, 'wk-auto-1'), payload: { reason: 'action' } });
    const actions = await api('GET', '/targets/wk-auto-1/actions');
    expect(actions.json.content).toHaveLength(1);
  });
});

describe.runIf(mosquitto)('MQTT wake-up with the broker down', () => {
  let server: TestServer;
  const api = restClient(() => server.url, ADMIN);
  const PASSWORD = 'mqtt-password-never-logged';
  const log: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      log.push(chunk.toString('utf8'));
      done();
    },
  });

  beforeAll(async () => {
    // Nothing listens there: the publisher keeps reconnecting, the server works as without MQTT.
    server = await startTestServer(
      'pglite',
      { logLevel: 'warn', mqtt: { url: `mqtt://127.0.0.1:${await freePort()}`, username: 'osprey-server', password: PASSWORD, topicPrefix: 'osprey' } },
      { listen: true, logStream },
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('assigns anyway, and counts the wake-up it could not send', async () => {
    expect((await api('POST', '/targets', [{ controllerId: 'wk-down-1' }])).status).toBe(201);
    const [module] = (await api('POST', '/softwaremodules', [{ name: 'wk-down', version: '1', type: 'application' }])).json;
    const [ds] = (await api('POST', '/distributionsets', [{ name: 'wk-down', version: '1', type: 'app', modules: [{ id: module.id }] }])).json;
    const assigned = await api('POST', `/distributionsets/${ds.id}/assignedTargets`, [{ id: 'wk-down-1' }]);
    expect(assigned.status).toBe(200);
    expect(assigned.json).toMatchObject({ assigned: 1 });
    const metrics = await server.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^osprey_wakeups_total\{result="failed"\} 1$/m);
    expect(metrics.body).toMatch(/^osprey_wakeups_total\{result="sent"\} 0$/m);
    // The outage was said once, naming the broker but not the password.
    const warnings = log
      .join('')
      .split('\n')
      .filter((line) => line.includes('MQTT broker'));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(log.join('')).not.toContain(PASSWORD);
  });
});

describe('MQTT wake-up configuration', () => {
  it('is read from OSPREY_MQTT_*, and absent without them', () => {
    expect(loadConfig({}).mqtt).toBeUndefined();
    expect(
      loadConfig({ OSPREY_MQTT_URL: 'mqtts://broker.example:8883', OSPREY_MQTT_USERNAME: 'osprey-server', OSPREY_MQTT_PASSWORD: 'pw-0123456789' }).mqtt,
    ).toEqual({ url: 'mqtts://broker.example:8883', username: 'osprey-server', password: 'pw-0123456789', topicPrefix: 'osprey' });
    expect(loadConfig({ OSPREY_MQTT_URL: 'mqtt://127.0.0.1:1883', OSPREY_MQTT_TOPIC_PREFIX: 'fleet/eu' }).mqtt?.topicPrefix).toBe('fleet/eu');
  });

  it('refuses a wrong setting naming the variable, never echoing the password', () => {
    const refusal = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('expected a refusal');
    };
    const badUrl = refusal({ OSPREY_MQTT_URL: 'http://broker:1883', OSPREY_MQTT_PASSWORD: 'secret-password-1' });
    expect(badUrl).toMatch(/mqtt\.url \(OSPREY_MQTT_URL\/.*\): use mqtt:\/\/host:port or mqtts:\/\/host:port/);
    expect(badUrl).not.toContain('secret-password-1');
    expect(refusal({ OSPREY_MQTT_PASSWORD: 'secret-password-2' })).toMatch(/mqtt\.url/);
    expect(refusal({ OSPREY_MQTT_URL: 'mqtt://b:1883', OSPREY_MQTT_TOPIC_PREFIX: 'osprey/#' })).toMatch(/mqtt\.topicPrefix/);
  });
});
