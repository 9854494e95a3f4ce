/**
 * Rollout features beyond the basic staged run, against a real server with simulated devices:
 * maintenance windows, dynamic groups, auto-assignment with pause/resume, rate limits, abort with
 * a rollback set, per-device retries, and four-eyes approval of rollouts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickAutoAssignments } from '../../packages/server/src/domain/auto-assign.js';
import { hashPassword } from '../../packages/server/src/domain/bootstrap.js';
import { tickRollouts } from '../../packages/server/src/domain/rollouts.js';
import { compileTargetFilter } from '../../packages/server/src/db/fields.js';
import { restClient } from '../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';

const ADMIN = `Basic ${Buffer.from('admin:admin-password').toString('base64')}`;

describe('rollout features', () => {
  let server: TestServer;
  let now = Date.now();
  const api = restClient(() => server.url, ADMIN);
  let dsId: number;
  let rollbackDsId: number;

  beforeAll(async () => {
    server = await startTestServer('pglite', { rolloutTickMs: 0 }, { listen: true });
    const [m] = (await api('POST', '/softwaremodules', [{ name: 'feat', version: '1', type: 'os' }])).json;
    const [m0] = (await api('POST', '/softwaremodules', [{ name: 'feat', version: '0', type: 'os' }])).json;
    dsId = (await api('POST', '/distributionsets', [{ name: 'feat', version: '1', modules: [{ id: m.id }] }])).json[0].id;
    rollbackDsId = (await api('POST', '/distributionsets', [{ name: 'feat', version: '0', modules: [{ id: m0.id }] }])).json[0].id;
  });
  afterAll(() => server?.stop());

  const tick = async (advanceMs = 5000) => {
    now += advanceMs;
    await tickRollouts(server.database.db, new Date(now), { compileFilter: compileTargetFilter });
    await tickAutoAssignments(server.database.db, compileTargetFilter, new Date(now));
    await server.ddi.settle();
  };
  const devices = async (prefix: string, n: number, from = 0) => {
    const targets = Array.from({ length: n }, (_, i) => ({ controllerId: `${prefix}-${i + from}`, securityToken: `${prefix}-token-${i + from}` }));
    expect((await api('POST', '/targets', targets)).status).toBe(201);
    return targets.map((t) => t.controllerId);
  };
  /** Poll as the device; report `finished` if it got a deployment. Returns the deployment or undefined. */
  const device = async (id: string, finished: 'success' | 'failure' | null = 'success') => {
    const prefix = id.slice(0, id.lastIndexOf('-'));
    const headers = { authorization: `TargetToken ${prefix}-token-${id.slice(id.lastIndexOf('-') + 1)}` };
    const poll = (await server.app.inject({ method: 'GET', url: `/DEFAULT/controller/v1/${id}`, headers })).json();
    const href = poll._links?.deploymentBase?.href;
    if (!href) return undefined;
    const path = new URL(href).pathname;
    const body = (await server.app.inject({ method: 'GET', url: path, headers })).json();
    if (finished)
      await server.app.inject({
        method: 'POST',
        url: `${path}/feedback`,
        headers: { ...headers, 'content-type': 'application/json' },
        payload: JSON.stringify({ status: { execution: 'closed', result: { finished } } }),
      });
    return body;
  };
  const rollout = async (body: Record<string, unknown>) => {
    const res = await api('POST', '/rollouts', {
      distributionSetId: dsId,
      amountGroups: 1,
      successCondition: { expression: '100' },
      successAction: { action: 'NEXTGROUP' },
      ...body,
    });
    expect(res.status, res.text).toBe(201);
    return res.json.id as number;
  };

  it('maintenance window: devices download but update only inside it', async () => {
    const [id] = await devices('mw', 1);
    const h = (new Date(now).getUTCHours() + 12) % 24;
    const r = await rollout({
      name: 'mw',
      targetFilterQuery: 'controllerId==mw-*',
      maintenanceWindow: { schedule: `0 0 ${h} * * ?`, duration: '00:30:00', timezone: 'UTC' },
    });
    await api('POST', `/rollouts/${r}/start`);
    await tick();
    const d = await device(id!, null);
    expect(d.deployment).toMatchObject({ download: 'forced', update: 'skip', maintenanceWindow: 'unavailable' });
  });

  it('dynamic rollout: devices registered later join trailing groups', async () => {
    await devices('dyn', 3);
    const r = await rollout({
      name: 'dyn',
      targetFilterQuery: 'controllerId==dyn-*',
      dynamic: true,
      dynamicGroupTemplate: { nameSuffix: '-late', targetCount: 4 },
    });
    await api('POST', `/rollouts/${r}/start`);
    await tick();
    for (const id of ['dyn-0', 'dyn-1', 'dyn-2']) expect(await device(id)).toBeDefined();
    const late = await devices('dyn', 6, 3);
    await tick();
    await tick();
    const groups = (await api('GET', `/rollouts/${r}/deploygroups`)).json.content;
    expect(groups.map((g: { totalTargets: number }) => g.totalTargets)).toEqual([3, 4, 2]);
    expect(groups[1].name).toBe('dyn-late-2');
    let offered = 0;
    for (let round = 0; round < 4; round++) {
      for (const id of late) if (await device(id)) offered++;
      await tick();
    }
    expect(offered).toBe(6);
  });

  it('auto-assignment assigns matching targets, and pauses and resumes', async () => {
    await devices('auto', 3);
    const [filter] = (await api('POST', '/targetfilters', [{ name: 'auto', query: 'controllerId==auto-*' }])).json;
    expect((await api('POST', `/targetfilters/${filter.id}/autoAssignDS`, { id: dsId, type: 'soft' })).status).toBe(200);
    await tick();
    for (const id of ['auto-0', 'auto-1', 'auto-2']) expect((await device(id))?.deployment.download).toBe('attempt');
    await api('POST', `/targetfilters/${filter.id}/autoAssignDS/pause`);
    await devices('auto', 1, 3);
    await tick();
    expect(await device('auto-3')).toBeUndefined();
    await api('POST', `/targetfilters/${filter.id}/autoAssignDS/resume`);
    await tick();
    expect(await device('auto-3')).toBeDefined();
    await tick();
    expect(await device('auto-0')).toBeUndefined(); // assigned once only
  });

  it('rate limit: at most N devices released per minute', async () => {
    await devices('rate', 25);
    const r = await rollout({ name: 'rate', targetFilterQuery: 'controllerId==rate-*', rateLimit: { maxPerMinute: 10 } });
    await api('POST', `/rollouts/${r}/start`);
    await tick();
    await tick();
    const running = async () => (await api('GET', `/rollouts/${r}`)).json.totalTargetsPerStatus;
    expect(await running()).toMatchObject({ running: 10, scheduled: 15 });
    await tick(5_000);
    expect((await running()).running).toBe(10);
    await tick(61_000);
    expect(await running()).toMatchObject({ running: 20, scheduled: 5 });
  });

  it('abort criteria stop the rollout and send the reached devices the rollback set', async () => {
    const ids = await devices('abort', 10);
    const r = await rollout({
      name: 'abort',
      targetFilterQuery: 'controllerId==abort-*',
      abortCriteria: [{ failureType: 'failed', minExecutedCount: 4, thresholdPercentage: 50 }],
      rollbackDistributionSetId: rollbackDsId,
      errorCondition: { expression: '100' },
    });
    await api('POST', `/rollouts/${r}/start`);
    await tick();
    for (const id of ids.slice(0, 4)) await device(id, 'failure');
    await tick();
    expect((await api('GET', `/rollouts/${r}`)).json.status).toBe('stopped');
    const rolledBack = (await api('GET', '/targets/abort-0/assignedDS')).json;
    expect(rolledBack.id).toBe(rollbackDsId);
  });

  it('retries a failed install per device, up to maxRetries', async () => {
    const [id] = await devices('retry', 1);
    const r = await rollout({ name: 'retry', targetFilterQuery: 'controllerId==retry-*', maxRetries: 1, errorCondition: { expression: '100' } });
    await api('POST', `/rollouts/${r}/start`);
    await tick();
    expect(await device(id!, 'failure')).toBeDefined();
    await tick();
    expect(await device(id!, 'success')).toBeDefined(); // offered again, once
    await tick();
    await tick();
    expect((await api('GET', `/rollouts/${r}`)).json).toMatchObject({ status: 'finished', totalTargetsPerStatus: { finished: 1, error: 0 } });
  });

  it('four-eyes: a rollout waits for approval by someone else', async () => {
    await server.database.db
      .insertInto('users')
      .values({ tenant: 'DEFAULT', username: 'dora', password_hash: await hashPassword('dora-password-1'), roles: JSON.stringify(['ROLLOUT_ADMIN']) })
      .execute();
    expect((await api('PUT', '/system/configs/rollout.approval.enabled', { value: true })).status).toBe(200);
    try {
      await devices('approve', 1);
      const r = await rollout({ name: 'approve', targetFilterQuery: 'controllerId==approve-*' });
      expect((await api('GET', `/rollouts/${r}`)).json.status).toBe('waiting_for_approval');
      expect((await api('POST', `/rollouts/${r}/start`)).status).toBe(400);
      const self = await api('POST', `/rollouts/${r}/approve`);
      expect(self.status).toBe(403);
      const dora = `Basic ${Buffer.from('dora:dora-password-1').toString('base64')}`;
      const approved = await api('POST', `/rollouts/${r}/approve?remark=ok`, undefined, dora);
      expect(approved.status, approved.text).toBe(200);
      expect(approved.json).toMatchObject({ status: 'ready', approveDecidedBy: 'user:dora', approvalRemark: 'ok' });
    } finally {
      await api('PUT', '/system/configs/rollout.approval.enabled', { value: false });
    }
  });
});
