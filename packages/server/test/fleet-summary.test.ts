/**
 * What the console's dashboard reads, over HTTP on PGlite with an injected clock:
 *   - GET /targetsummary: counts by update status, overdue (hawkBit: the last poll is older than
 *     pollingTime + pollingOverdueTime) and never polled, for the caller's tenant only;
 *   - GET /rollouts with q and sort (the running rollouts, without paging through them all).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, restClient, TEST_ADMIN as ADMIN } from '../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';

const T0 = Date.UTC(2031, 5, 1, 8, 0, 0);
const B = 'SUMMARY_B';
const BADMIN = basicAuth(`${B}\\admin`, 'summary-b-admin-password');

describe('the fleet summary and filtered rollouts', () => {
  let server: TestServer;
  let now = T0;
  const api = restClient(() => server.url, ADMIN);
  const ddi = async (id: string, method: 'GET' | 'POST', path = '', body?: unknown) => {
    await server.ddi.settle();
    return server.app.inject({
      method,
      url: `/DEFAULT/controller/v1/${id}${path}`,
      headers: { authorization: `TargetToken token-${id}-0123456789`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
  };

  beforeAll(async () => {
    server = await startTestServer('pglite', { rolloutTickMs: 0 }, { listen: true, clock: () => new Date(now) });
    expect((await api('POST', '/tenants', { id: B, adminPassword: 'summary-b-admin-password' })).status).toBe(201);
  });
  afterAll(() => server?.stop());

  it('counts targets by update status, overdue and never polled, in the tenant only', async () => {
    const ids = ['sum-1', 'sum-2', 'sum-3', 'sum-4'];
    expect(
      (
        await api(
          'POST',
          '/targets',
          ids.map((controllerId) => ({ controllerId, securityToken: `token-${controllerId}-0123456789` })),
        )
      ).status,
    ).toBe(201);
    expect((await api('POST', '/targets', [{ controllerId: 'other-tenant-1' }], BADMIN)).status).toBe(201);
    expect((await api('PUT', '/system/configs/pollingTime', { value: '00:01:00' })).status).toBe(200);

    // sum-1 and sum-2 poll at T0; sum-2 then fails its update; sum-3 never polls.
    expect((await ddi('sum-1', 'GET')).statusCode).toBe(200);
    expect((await ddi('sum-2', 'GET')).statusCode).toBe(200);
    const [m] = (await api('POST', '/softwaremodules', [{ name: 'sum-fw', version: '1', type: 'os' }])).json;
    const [ds] = (await api('POST', '/distributionsets', [{ name: 'sum-fw', version: '1', modules: [{ id: m.id }] }])).json;
    const assigned = await api('POST', '/targets/sum-2/assignedDS', { id: ds.id });
    const actionId = assigned.json.assignedActions[0].id;
    const failed = await ddi('sum-2', 'POST', `/deploymentBase/${actionId}/feedback`, { status: { execution: 'closed', result: { finished: 'failure' } } });
    expect(failed.statusCode, failed.body).toBe(200);

    // 7 minutes on: past 1 min polling + 5 min overdue (the default) for sum-1 and sum-2; sum-4 polls now.
    now = T0 + 7 * 60_000;
    expect((await ddi('sum-4', 'GET')).statusCode).toBe(200);

    const summary = await api('GET', '/targetsummary');
    expect(summary.status, summary.text).toBe(200);
    expect(summary.json).toEqual({
      total: 4,
      // A target created over the API stays UNKNOWN when it polls (only self-registered ones are REGISTERED).
      byUpdateStatus: { UNKNOWN: 3, REGISTERED: 0, PENDING: 0, IN_SYNC: 0, ERROR: 1 },
      overdue: 2,
      neverPolled: 1,
      pollingTime: '00:01:00',
      pollingOverdueTime: '00:05:00',
      overdueBefore: now - 6 * 60_000,
    });

    // A longer overdue time: nobody is overdue any more.
    expect((await api('PUT', '/system/configs/pollingOverdueTime', { value: '00:10:00' })).status).toBe(200);
    expect((await api('GET', '/targetsummary')).json).toMatchObject({ overdue: 0, pollingOverdueTime: '00:10:00' });

    const other = await api('GET', '/targetsummary', undefined, BADMIN);
    expect(other.json).toMatchObject({ total: 1, byUpdateStatus: { UNKNOWN: 1 }, overdue: 0, neverPolled: 1 });
  });

  it('refuses the summary without READ_TARGET, and a bad overdue time', async () => {
    const password = 'summary-no-targets-password';
    expect((await api('POST', '/users', { username: 'summary-norights', password, roles: ['READ_ROLLOUT'] })).status).toBe(201);
    const refused = await api('GET', '/targetsummary', undefined, basicAuth('summary-norights', password));
    expect(refused.status).toBe(403);
    const bad = await api('PUT', '/system/configs/pollingOverdueTime', { value: '5 minutes' });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain('pollingOverdueTime');
  });

  it('filters and sorts rollouts by status and name', async () => {
    const [m] = (await api('POST', '/softwaremodules', [{ name: 'ro-fw', version: '1', type: 'os' }])).json;
    const [ds] = (await api('POST', '/distributionsets', [{ name: 'ro-fw', version: '1', modules: [{ id: m.id }] }])).json;
    const ids: number[] = [];
    for (const name of ['ro-a', 'ro-b']) {
      const created = await api('POST', '/rollouts', { name, distributionSetId: ds.id, targetFilterQuery: 'controllerId==sum-*', amountGroups: 1 });
      expect(created.status, created.text).toBe(201);
      ids.push(created.json.id);
    }
    expect((await api('POST', `/rollouts/${ids[0]}/start`)).status).toBe(200);
    const started = (await api('GET', `/rollouts/${ids[0]}`)).json.status;
    expect(['starting', 'running']).toContain(started);

    const running = await api('GET', `/rollouts?q=${encodeURIComponent(`status=in=(starting,running);name==ro-*`)}`);
    expect(running.status, running.text).toBe(200);
    expect(running.json.content.map((r: { id: number }) => r.id)).toEqual([ids[0]]);
    expect(running.json.total).toBe(1);
    const sorted = await api('GET', '/rollouts?sort=name:DESC&q=name==ro-*');
    expect(sorted.json.content.map((r: { name: string }) => r.name)).toEqual(['ro-b', 'ro-a']);
    const bad = await api('GET', '/rollouts?q=colour==red');
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain('colour');
    expect((await api('GET', '/rollouts?q=name==ro-*', undefined, BADMIN)).json.total).toBe(0);
  });
});
