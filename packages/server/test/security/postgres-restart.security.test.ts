/**
 * Fault (issue 12): PostgreSQL restarted while devices poll and report. On a cluster of the test's
 * own (the shared server is never touched), devices keep polling and sending feedback through a
 * fast restart. While the database is away they get 503 with Retry-After — never a 500 — and retry;
 * afterwards the server has recovered by itself (ready again, no restart), every action is finished
 * and every report was applied exactly once: none lost, none doubled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restClient } from '../../../../testkit/rest.js';
import { hasPostgresBinaries, startPostgresCluster, type PostgresCluster } from '../../../../testkit/postgres-cluster.js';
import { startTestServer, type TestServer } from '../../../../testkit/server.js';
import { hasTool } from '../../../../testkit/tools.js';

const ADMIN = `Basic ${Buffer.from('admin:admin-password').toString('base64')}`;
const DEVICES = ['pgr-1', 'pgr-2', 'pgr-3', 'pgr-4'];
const run = hasTool('PostgreSQL server binaries', hasPostgresBinaries, 'apt-get install postgresql');

describe.runIf(run)('PostgreSQL restarted under device traffic', () => {
  let cluster: PostgresCluster;
  let server: TestServer;
  const api = restClient(() => server.url, ADMIN);

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    server = await startTestServer('pglite', { databaseUrl: cluster.url, deviceCacheSize: 0 }, { listen: true });
  });
  afterAll(async () => {
    await server?.stop().catch(() => undefined);
    cluster?.destroy();
  });

  /** One device call, retried as a device does: on 503 (and only then) after a short pause; anything else is final. */
  async function device(id: string, path: string, body?: unknown, seen: { unavailable: number; fivehundred: number } = { unavailable: 0, fivehundred: 0 }) {
    for (let attempt = 0; attempt < 200; attempt++) {
      let status: number;
      let text = '';
      try {
        const res = await fetch(`${server.url}/DEFAULT/controller/v1/${id}${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: { authorization: `TargetToken token-${id}-0123456789`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        status = res.status;
        text = await res.text();
        if (status === 503) expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      } catch {
        status = 0; // the connection itself failed: retry as for 503
      }
      if (status >= 500 && status !== 503) seen.fivehundred++;
      if (status !== 503 && status !== 0) return { status, json: text ? JSON.parse(text) : undefined };
      seen.unavailable++;
      await new Promise((resolve) => setTimeout(resolve, 50)); // real time: the database restarts in real time
    }
    throw new Error(`${id} ${path}: the server did not recover`);
  }

  it('devices see 503 and retry; nothing is lost or applied twice; the server recovers by itself', async () => {
    // A distribution set assigned to every device.
    expect(
      (
        await api(
          'POST',
          '/targets',
          DEVICES.map((controllerId) => ({ controllerId, securityToken: `token-${controllerId}-0123456789` })),
        )
      ).status,
    ).toBe(201);
    const ds = await api('POST', '/distributionsets', [{ name: 'pgr', version: '1.0', type: 'os' }]);
    expect(ds.status).toBe(201);
    const assigned = await api(
      'POST',
      `/distributionsets/${ds.json[0].id}/assignedTargets`,
      DEVICES.map((id) => ({ id })),
    );
    expect(assigned.json.assigned).toBe(DEVICES.length);

    const seen = { unavailable: 0, fivehundred: 0 };
    const actionOf = async (id: string) => {
      const poll = await device(id, '', undefined, seen);
      expect(poll.status).toBe(200);
      const href: string = poll.json._links.deploymentBase.href;
      return Number(/deploymentBase\/(\d+)/.exec(href)![1]);
    };
    const actions = new Map<string, number>();
    for (const id of DEVICES) actions.set(id, await actionOf(id));

    // Each device reports three progress steps and then success; the database restarts in the middle.
    const report = async (id: string) => {
      const action = actions.get(id)!;
      for (const step of [1, 2, 3]) {
        const res = await device(
          id,
          `/deploymentBase/${action}/feedback`,
          { status: { execution: 'proceeding', result: { finished: 'none' }, details: [`step ${step}`] } },
          seen,
        );
        expect(res.status).toBe(200);
      }
      const done = await device(
        id,
        `/deploymentBase/${action}/feedback`,
        { status: { execution: 'closed', result: { finished: 'success' }, details: ['done'] } },
        seen,
      );
      expect(done.status).toBe(200);
    };
    const reports = Promise.all(DEVICES.map(report));
    cluster.restart();
    await reports;

    expect(seen.fivehundred).toBe(0);
    // The restart was felt unless every report landed before or after it: either way no 500 and no loss.
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    for (const id of DEVICES) {
      const action = actions.get(id)!;
      const a = await api('GET', `/targets/${id}/actions/${action}`);
      expect(a.json.status).toBe('finished');
      const history = await api('GET', `/targets/${id}/actions/${action}/status?limit=100`);
      const messages: string[] = history.json.content.flatMap((s: { messages?: string[] }) => s.messages ?? []);
      for (const step of ['step 1', 'step 2', 'step 3', 'done'])
        expect(
          messages.filter((m) => m === step),
          `${id}: "${step}"`,
        ).toHaveLength(1);
    }
  });

  it('while the database is down, a management call is a 503 with Retry-After, and readiness says so', async () => {
    cluster.stop();
    try {
      const res = await api('GET', '/targets');
      expect(res.status).toBe(503);
      expect(res.json.errorCode).toBe('osprey.server.error.unavailable');
      expect(res.headers.get('retry-after')).toBe('5');
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    } finally {
      cluster.start();
    }
    let ready = 0;
    for (let i = 0; i < 100 && ready !== 200; i++) {
      ready = (await fetch(`${server.url}/readyz`)).status;
      if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(ready).toBe(200);
    expect((await api('GET', '/targets')).status).toBe(200);
  });
});
