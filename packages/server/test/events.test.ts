/**
 * The live channel GET /rest/v1/events (http/mgmt/events.ts, domain/events.ts) on a real server:
 * a change made over the API reaches a connected console after commit, named by kind and id;
 * tenants and permissions filter what each connection hears; events are coalesced per flush
 * (the flush and heartbeat timers are driven by the test); a closed connection leaves no
 * subscriber behind, and connections per caller are bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeBuffer, type ChangeEvent, type Ticker } from '../src/domain/events.js';
import { basicAuth, restClient, TEST_ADMIN as ADMIN } from '../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';
import { EventStream as Stream } from '../../../testkit/sse.js';

/** Timers the test fires: every(ms, fn) is recorded; fire(ms) runs the callbacks of that period. */
class ManualTicker implements Ticker {
  private readonly timers = new Set<{ ms: number; fn: () => void }>();
  every(ms: number, fn: () => void): () => void {
    const timer = { ms, fn };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }
  fire(ms: number): void {
    for (const t of [...this.timers]) if (t.ms === ms) t.fn();
  }
  get active(): number {
    return this.timers.size;
  }
}

const FLUSH = 500;
const HEARTBEAT = 15_000;

describe('live events', () => {
  let server: TestServer;
  const ticker = new ManualTicker();
  beforeAll(async () => {
    server = await startTestServer(
      'pglite',
      { rolloutTickMs: 0 },
      { listen: true, liveEvents: { ticker, flushMs: FLUSH, heartbeatMs: HEARTBEAT, maxBuffered: 5, maxConnectionsPerCaller: 3 } },
    );
    expect((await api('POST', '/tenants', { id: 'EV_B', adminPassword: 'tenant-b-password' })).status).toBe(201);
    expect((await api('POST', '/users', { username: 'viewer', password: 'viewer-password-1', roles: ['READ_TARGET'] })).status).toBe(201);
    expect((await api('POST', '/users', { username: 'nobody', password: 'nobody-password-1', roles: ['READ_AUDIT'] })).status).toBe(201);
  });
  afterAll(() => server?.stop());

  const api = restClient(() => server.url, ADMIN);
  const B_ADMIN = basicAuth('EV_B\\admin', 'tenant-b-password');
  const VIEWER = basicAuth('viewer', 'viewer-password-1');
  const streams: Stream[] = [];
  const connect = async (authorization: string) => {
    const abort = new AbortController();
    const response = await fetch(`${server.url}/rest/v1/events`, { headers: { authorization }, signal: abort.signal });
    const stream = new Stream(response, abort);
    if (response.ok) {
      streams.push(stream);
      await stream.until(/: connected\n/);
    }
    return stream;
  };
  const closeAll = async () => {
    for (const s of streams.splice(0)) {
      s.abort.abort();
      await s.finished();
    }
    // The server notices the closed sockets: wait until the bus has no subscriber left.
    for (let i = 0; server.events.subscribers > 0 && i < 200; i++) await new Promise((r) => setImmediate(r));
  };

  it('sends a change made over the API at the next flush, as text/event-stream', async () => {
    const s = await connect(ADMIN);
    expect(s.response.status).toBe(200);
    expect(s.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(s.response.headers.get('cache-control')).toBe('no-cache');
    expect(s.response.headers.get('x-accel-buffering')).toBe('no');
    expect((await api('POST', '/targets', [{ controllerId: 'ev-1' }])).status).toBe(201);
    // Not before the flush.
    expect(s.changes()).toEqual([]);
    ticker.fire(FLUSH);
    await s.until(/event: change/);
    expect(s.changes()).toEqual([[{ kind: 'target', id: 'ev-1' }]]);
    // Nothing new: a flush sends nothing; a heartbeat sends a comment.
    s.reset();
    ticker.fire(FLUSH);
    ticker.fire(HEARTBEAT);
    await s.until(/: heartbeat\n\n/);
    expect(s.changes()).toEqual([]);
    await closeAll();
  });

  it('coalesces: one event per (kind, id) per flush, and "*" past the bound', async () => {
    const s = await connect(ADMIN);
    await api('PUT', '/targets/ev-1', { name: 'one' });
    await api('PUT', '/targets/ev-1', { name: 'two' });
    await api('POST', '/targets', [{ controllerId: 'ev-2' }]);
    ticker.fire(FLUSH);
    await s.until(/event: change/);
    expect(s.changes()).toEqual([
      [
        { kind: 'target', id: 'ev-1' },
        { kind: 'target', id: 'ev-2' },
      ],
    ]);
    s.reset();
    // Six distinct changes with a bound of 5: one "everything changed".
    expect(
      (
        await api(
          'POST',
          '/targets',
          [1, 2, 3, 4, 5, 6].map((i) => ({ controllerId: `ev-many-${i}` })),
        )
      ).status,
    ).toBe(201);
    ticker.fire(FLUSH);
    await s.until(/event: change/);
    expect(s.changes()).toEqual([[{ kind: '*' }]]);
    await closeAll();
  });

  it('sends each tenant only its own changes', async () => {
    const a = await connect(ADMIN);
    const b = await connect(B_ADMIN);
    expect((await api('POST', '/targets', [{ controllerId: 'in-b' }], B_ADMIN)).status).toBe(201);
    expect((await api('POST', '/targets', [{ controllerId: 'in-a' }])).status).toBe(201);
    ticker.fire(FLUSH);
    await a.until(/event: change/);
    await b.until(/event: change/);
    expect(a.changes()).toEqual([[{ kind: 'target', id: 'in-a' }]]);
    expect(b.changes()).toEqual([[{ kind: 'target', id: 'in-b' }]]);
    await closeAll();
  });

  it('sends only kinds the caller may read, and refuses a caller that may read none', async () => {
    const viewer = await connect(VIEWER);
    expect(viewer.response.status).toBe(200);
    const admin = await connect(ADMIN);
    expect((await api('POST', '/softwaremodules', [{ name: 'ev-mod', version: '1', type: 'os' }])).status).toBe(201);
    expect((await api('POST', '/users', { username: 'ev-user', password: 'ev-user-password-1', roles: [] })).status).toBe(201);
    expect((await api('POST', '/targets', [{ controllerId: 'ev-seen' }])).status).toBe(201);
    ticker.fire(FLUSH);
    await viewer.until(/event: change/);
    await admin.until(/event: change/);
    expect(viewer.changes()).toEqual([[{ kind: 'target', id: 'ev-seen' }]]);
    expect(admin.changes()[0]!.map((c) => c.kind)).toEqual(['softwaremodule', 'user', 'target']);

    const refused = await connect(basicAuth('nobody', 'nobody-password-1'));
    expect(refused.response.status).toBe(403);
    expect((await refused.json()).errorCode).toBe('hawkbit.server.error.insufficientpermission');
    const anonymous = await fetch(`${server.url}/rest/v1/events`);
    expect(anonymous.status).toBe(401);
    await closeAll();
  });

  it('does not announce a refused change', async () => {
    const s = await connect(ADMIN);
    expect((await api('POST', '/targets', [{ controllerId: 'ev-1' }])).status).toBe(409);
    expect((await api('PUT', '/targets/ev-1', { name: 'x' }, VIEWER)).status).toBe(403);
    ticker.fire(FLUSH);
    ticker.fire(HEARTBEAT);
    await s.until(/: heartbeat/);
    expect(s.changes()).toEqual([]);
    await closeAll();
  });

  it('ends the stream of a session that is signed out or demoted, at the next heartbeat', async () => {
    const token = (await api('POST', '/sessions', { username: 'viewer', password: 'viewer-password-1' }, '')).json.token as string;
    const s = await connect(`Bearer ${token}`);
    expect(s.response.status).toBe(200);
    expect((await api('PUT', '/users/viewer', { roles: ['READ_AUDIT'] })).status).toBe(200);
    ticker.fire(HEARTBEAT);
    await s.finished();
    expect(await s.until(/event: end/)).toMatch(/event: end\ndata: \{"reason":"forbidden"\}\n\n$/);
    expect((await api('PUT', '/users/viewer', { roles: ['READ_TARGET'] })).status).toBe(200);
    await closeAll();
  });

  it('bounds connections per caller with a 429, and closing cleans up the subscription and timers', async () => {
    const baseline = ticker.active;
    expect(server.events.subscribers).toBe(0);
    await connect(ADMIN);
    await connect(ADMIN);
    await connect(ADMIN);
    expect(server.events.subscribers).toBe(3);
    const fourth = await connect(ADMIN);
    expect(fourth.response.status).toBe(429);
    expect((await fourth.json()).errorCode).toBe('osprey.server.error.events.tooManyConnections');
    // Another caller is not counted against this one.
    expect((await connect(VIEWER)).response.status).toBe(200);
    await closeAll();
    expect(server.events.subscribers).toBe(0);
    expect(ticker.active).toBe(baseline);
    // Slots are free again.
    expect((await connect(ADMIN)).response.status).toBe(200);
    await closeAll();
  });

  it('publishes after the outermost transaction commits, never for a rollback, and refuses a transaction it did not open', async () => {
    const heard: ChangeEvent[] = [];
    const off = server.events.subscribe((e) => heard.push(e));
    const { changes } = server.management;
    const who = { tenant: 'DEFAULT', actor: 'user:admin' };
    const entry = (id: string) => async () => ({
      result: undefined,
      audit: { action: 'target.update', subject: { type: 'target', id }, before: null, after: null },
    });
    try {
      await changes.transaction(async (trx) => {
        await changes.applyIn(trx, who, entry('tx-1'));
        await changes.applyIn(trx, who, entry('tx-2'));
        // Not yet committed: nobody has heard.
        expect(heard).toEqual([]);
      });
      expect(heard).toEqual([
        { tenant: 'DEFAULT', kind: 'target', id: 'tx-1', action: 'target.update' },
        { tenant: 'DEFAULT', kind: 'target', id: 'tx-2', action: 'target.update' },
      ]);
      await expect(
        changes.transaction(async (trx) => {
          await changes.applyIn(trx, who, entry('tx-rolled-back'));
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      await expect(server.database.db.transaction().execute((trx) => changes.applyIn(trx, who, entry('tx-foreign')))).rejects.toThrow(/Changes\.transaction/);
      expect(heard.map((e) => e.id)).toEqual(['tx-1', 'tx-2']);
    } finally {
      off();
    }
  });

  it('is in the OpenAPI document as text/event-stream', async () => {
    const doc = (await api('GET', '/openapi.json', undefined, '')).json;
    expect(Object.keys(doc.paths['/rest/v1/events'].get.responses['200'].content)).toEqual(['text/event-stream']);
    expect(doc.paths['/rest/v1/sessions'].post.security).toEqual([]);
  });

  it('ends open streams when the server closes', async () => {
    const other = await startTestServer('pglite', { rolloutTickMs: 0 }, { listen: true });
    try {
      const abort = new AbortController();
      const res = await fetch(`${other.url}/rest/v1/events`, { headers: { authorization: ADMIN }, signal: abort.signal });
      const s = new Stream(res, abort);
      await s.until(/: connected/);
      expect(other.events.subscribers).toBe(1);
      await other.close();
      await s.finished();
      expect(s.ended).toBe(true);
      expect(other.events.subscribers).toBe(0);
    } finally {
      await other.stop();
    }
  });
});

describe('ChangeBuffer', () => {
  it('deduplicates, empties on take, and collapses past its bound', () => {
    const b = new ChangeBuffer(2);
    expect(b.take()).toBeUndefined();
    b.add('target', 'a');
    b.add('target', 'a');
    b.add('rollout', 'a');
    expect(b.take()).toEqual([
      { kind: 'target', id: 'a' },
      { kind: 'rollout', id: 'a' },
    ]);
    expect(b.take()).toBeUndefined();
    b.add('target', 'a');
    b.add('target', 'b');
    b.add('target', 'c');
    b.add('target', 'd');
    expect(b.take()).toEqual([{ kind: '*' }]);
    expect(b.take()).toBeUndefined();
  });
});
