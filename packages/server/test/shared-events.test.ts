/**
 * Live events across instances (domain/events.ts SharedEventBus): what one instance publishes
 * reaches the listeners of the others through PostgreSQL's NOTIFY, in batches PostgreSQL accepts;
 * an instance does not hear its own events twice; an interrupted listener makes every console
 * reload. On a real PostgreSQL, two servers on one database: a console connected to B hears of a
 * change made through A.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mayHear } from '../src/domain/event-permissions.js';
import { ChangeBuffer, RESYNC_EVENT, SharedEventBus, type ChangeEvent } from '../src/domain/events.js';
import type { Permission } from '../src/domain/permissions.js';
import { startServer, type RunningServer } from '../src/main.js';
import { restClient, TEST_ADMIN as ADMIN } from '../../../testkit/rest.js';
import { hasPostgres, startTestServer, type TestServer } from '../../../testkit/server.js';
import { EventStream } from '../../../testkit/sse.js';

/** Two buses wired to each other as NOTIFY would: every announced payload reaches both listeners. */
function pair() {
  const payloads: string[] = [];
  const errors: string[] = [];
  const buses: SharedEventBus[] = [];
  const announce = async (payload: string) => {
    payloads.push(payload);
    for (const bus of buses) bus.handlers.onMessage(payload);
  };
  for (const instanceId of ['one', 'two']) buses.push(new SharedEventBus({ instanceId, announce, onError: (m) => errors.push(m) }));
  const heard = buses.map((bus) => {
    const events: ChangeEvent[] = [];
    bus.subscribe((e) => events.push(e));
    return events;
  });
  return { buses: buses as [SharedEventBus, SharedEventBus], heard: heard as [ChangeEvent[], ChangeEvent[]], payloads, errors };
}

const event = (id: string): ChangeEvent => ({ tenant: 'DEFAULT', kind: 'target', id, action: 'target.update' });

describe('SharedEventBus', () => {
  it('delivers here at once and to the other instance once, never twice to the publisher', () => {
    const { buses, heard } = pair();
    buses[0].publish([event('a'), event('b')]);
    expect(heard[0]).toEqual([event('a'), event('b')]);
    expect(heard[1]).toEqual([event('a'), event('b')]);
  });

  it('splits many events into payloads below PostgreSQL’s 8000-byte limit, losing none', () => {
    const { buses, heard, payloads } = pair();
    // Multi-byte ids: the limit is in bytes, not characters.
    const many = Array.from({ length: 600 }, (_, i) => event(`gerät-ü-${String(i).padStart(4, '0')}-${'x'.repeat(40)}`));
    buses[0].publish(many);
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    expect(heard[1]).toEqual(many);
  });

  it('replaces an event too large for any payload with a resync', () => {
    const { buses, heard } = pair();
    buses[0].publish([event('small'), event('y'.repeat(9000))]);
    expect(heard[1]).toEqual([event('small'), RESYNC_EVENT]);
  });

  it('ignores an unreadable announcement and says so', () => {
    const { buses, heard, errors } = pair();
    buses[1].handlers.onMessage('not json');
    buses[1].handlers.onMessage(JSON.stringify({ o: 'one', e: [['DEFAULT', 'target']] }));
    expect(heard[1]).toEqual([]);
    expect(errors).toEqual(['an unreadable live-event announcement was ignored', 'an unreadable live-event announcement was ignored']);
  });

  it('makes every listener reload when delivery from the others was interrupted, and when it resumes', () => {
    const { buses, heard } = pair();
    buses[1].handlers.onLost();
    buses[1].handlers.onResumed();
    expect(heard[1]).toEqual([RESYNC_EVENT, RESYNC_EVENT]);
    expect(heard[0]).toEqual([]);
  });

  it('tells onRemote what other instances changed, and of a resync, before the listeners hear it', () => {
    const remote: ChangeEvent[] = [];
    const order: string[] = [];
    const bus = new SharedEventBus({ instanceId: 'me', announce: async () => undefined, onRemote: (events) => (remote.push(...events), order.push('remote')) });
    bus.subscribe(() => order.push('listener'));
    bus.publish([event('mine')]);
    bus.handlers.onMessage(JSON.stringify({ o: 'other', e: [['DEFAULT', 'tuf-key', 'timestamp/ab', 'tuf-key.add']] }));
    bus.handlers.onMessage(JSON.stringify({ o: 'me', e: [['DEFAULT', 'target', 'mine', 'target.update']] }));
    bus.handlers.onLost();
    expect(remote).toEqual([{ tenant: 'DEFAULT', kind: 'tuf-key', id: 'timestamp/ab', action: 'tuf-key.add' }, RESYNC_EVENT]);
    expect(order).toEqual(['listener', 'remote', 'listener', 'remote', 'listener']);
  });

  it('reports a failed announce instead of throwing at the publisher', async () => {
    const errors: string[] = [];
    const bus = new SharedEventBus({ instanceId: 'x', announce: () => Promise.reject(new Error('database down')), onError: (m) => errors.push(m) });
    const heard: ChangeEvent[] = [];
    bus.subscribe((e) => heard.push(e));
    expect(() => bus.publish([event('a')])).not.toThrow();
    await new Promise((r) => setImmediate(r));
    expect(heard).toEqual([event('a')]);
    expect(errors).toEqual(['announcing live events to the other instances failed; their consoles miss this change until they reload']);
  });

  it('a resync is heard by any console (it names nothing) and becomes "reload everything"', () => {
    const viewer = { tenant: 'OTHER', permissions: new Set<Permission>(['READ_ROLLOUT']) };
    expect(mayHear(viewer, RESYNC_EVENT)).toBe(true);
    expect(mayHear(viewer, { ...RESYNC_EVENT, tenant: 'DEFAULT' })).toBe(false);
    const buffer = new ChangeBuffer(100);
    buffer.add('target', 'a');
    buffer.add(RESYNC_EVENT.kind, RESYNC_EVENT.id);
    buffer.add('target', 'b');
    expect(buffer.take()).toEqual([{ kind: '*' }]);
    expect(buffer.take()).toBeUndefined();
  });
});

describe.runIf(await hasPostgres())('two servers on one PostgreSQL', () => {
  let a: TestServer;
  let b: RunningServer;
  let bDataDir: string;
  beforeAll(async () => {
    a = await startTestServer('postgres', { rolloutTickMs: 0 }, { listen: true });
    bDataDir = mkdtempSync(join(tmpdir(), 'osprey-server-b-'));
    b = await startServer({ ...a.config, dataDir: bDataDir }, { listen: true });
  });
  afterAll(async () => {
    await b?.close();
    rmSync(bDataDir, { recursive: true, force: true });
    await a?.stop();
  });

  it('a console connected to B hears of a change made through A, and A’s console hears it once', async () => {
    const connect = async (url: string) => {
      const abort = new AbortController();
      const response = await fetch(`${url}/rest/v1/events`, { headers: { authorization: ADMIN }, signal: abort.signal });
      expect(response.status).toBe(200);
      const stream = new EventStream(response, abort);
      await stream.until(/: connected\n/);
      return stream;
    };
    const onB = await connect(b.url);
    const onA = await connect(a.url);
    try {
      expect((await restClient(() => a.url, ADMIN)('POST', '/targets', [{ controllerId: 'shared-1' }])).status).toBe(201);
      await onB.until(/"id":"shared-1"/);
      await onA.until(/"id":"shared-1"/);
      expect(onB.changes().flat()).toContainEqual({ kind: 'target', id: 'shared-1' });
      // Through B, then: A hears it. A's own change was delivered to A locally, not again from the channel.
      expect((await restClient(() => b.url, ADMIN)('POST', '/targets', [{ controllerId: 'shared-2' }])).status).toBe(201);
      await onA.until(/"id":"shared-2"/);
      expect(
        onA
          .changes()
          .flat()
          .filter((c) => c.id === 'shared-1'),
      ).toHaveLength(1);
    } finally {
      onA.abort.abort();
      onB.abort.abort();
      await Promise.all([onA.finished(), onB.finished()]);
    }
  });
});
