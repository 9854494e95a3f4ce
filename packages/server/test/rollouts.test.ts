/**
 * Rollouts and auto-assignments on the management API, as an attacker with valid credentials of
 * another tenant tries them (issue 12), on PGlite:
 *   - every id that enters a request (distribution set, rollback set, target filter, rollout,
 *     group) is resolved inside the caller's tenant: another tenant's id and a missing one get the
 *     same 404, and the refused request changes nothing (no rollout, no audit entry);
 *   - integers beyond what a column holds (times, counts, percentages, RSQL values) and NUL bytes
 *     in text are a 400 with an error code, never a 500;
 *   - the scheduler's abort still rolls back to the tenant's own set, and audits as before;
 *   - commands, assignments and cancels take their times from the injected clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../src/domain/audit.js';
import { assignDistributionSet, cancelAction } from '../src/domain/deployments.js';
import { tickRollouts } from '../src/domain/rollouts.js';
import { compileTargetFilter } from '../src/db/fields.js';
import { restClient } from '../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';

const basic = (login: string, password: string) => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;
const ADMIN = basic('admin', 'admin-password');
const B = 'ROLLOUT_B';
const BADMIN = basic(`${B}\\admin`, 'rollout-b-admin-password');
const NOT_FOUND = 'hawkbit.server.error.repo.entitiesNotFound';

describe('rollouts across tenants and at the edges of their input', () => {
  let server: TestServer;
  const api = restClient(() => server.url, ADMIN);
  const a = { ds: 0, rollout: 0, group: 0, filter: 0 };
  const b = { ds: 0, rollback: 0, filter: 0, rollout: 0, group: 0 };

  const distributionSet = async (auth: string, name: string) => {
    const [m] = (await api('POST', '/softwaremodules', [{ name, version: '1', type: 'os' }], auth)).json;
    const res = await api('POST', '/distributionsets', [{ name, version: '1', modules: [{ id: m.id }] }], auth);
    expect(res.status, res.text).toBe(201);
    return res.json[0].id as number;
  };

  beforeAll(async () => {
    server = await startTestServer('pglite', { rolloutTickMs: 0 }, { listen: true });
    expect((await api('POST', '/tenants', { id: B, adminPassword: 'rollout-b-admin-password' })).status).toBe(201);
    expect((await api('POST', '/targets', [{ controllerId: 'ra-1' }, { controllerId: 'ra-2' }])).status).toBe(201);
    expect((await api('POST', '/targets', [{ controllerId: 'rb-1' }, { controllerId: 'rb-2' }, { controllerId: 'rb-3' }], BADMIN)).status).toBe(201);
    a.ds = await distributionSet(ADMIN, 'ra-fw');
    b.ds = await distributionSet(BADMIN, 'rb-fw');
    b.rollback = await distributionSet(BADMIN, 'rb-fw-old');
    const ar = await api('POST', '/rollouts', { name: 'ra', distributionSetId: a.ds, targetFilterQuery: 'controllerId==ra-*', amountGroups: 1 });
    expect(ar.status, ar.text).toBe(201);
    a.rollout = ar.json.id;
    a.group = (await api('GET', `/rollouts/${a.rollout}/deploygroups`)).json.content[0].id;
    a.filter = (await api('POST', '/targetfilters', [{ name: 'ra-filter', query: 'controllerId==ra-*' }])).json[0].id;
    b.filter = (await api('POST', '/targetfilters', [{ name: 'rb-filter', query: 'controllerId==rb-*' }], BADMIN)).json[0].id;
  });
  afterAll(() => server?.stop());

  const rolloutOfB = (extra: Record<string, unknown>) => ({
    name: 'rb',
    distributionSetId: b.ds,
    targetFilterQuery: 'controllerId==rb-*',
    amountGroups: 1,
    ...extra,
  });

  it("answers 404 for another tenant's distribution set or rollback set exactly as for a missing one, and creates nothing", async () => {
    const auditBefore = (await readAudit(server.database.db, B)).length;
    for (const [field, id] of [
      ['rollbackDistributionSetId', a.ds],
      ['rollbackDistributionSetId', 999_999],
      ['distributionSetId', a.ds],
      ['distributionSetId', 999_999],
    ] as const) {
      const res = await api('POST', '/rollouts', rolloutOfB({ [field]: id }), BADMIN);
      expect(res.status, `${field}=${id}: ${res.text}`).toBe(404);
      expect(res.json).toMatchObject({ errorCode: NOT_FOUND, message: `distribution set ${id} not found` });
    }
    expect((await api('GET', '/rollouts', undefined, BADMIN)).json.total).toBe(0);
    expect((await readAudit(server.database.db, B)).length).toBe(auditBefore);
  });

  it("an abort rolls the reached devices back to the tenant's own rollback set", async () => {
    const created = await api(
      'POST',
      '/rollouts',
      rolloutOfB({
        rollbackDistributionSetId: b.rollback,
        abortCriteria: [{ failureType: 'failed', minExecutedCount: 1, thresholdPercentage: 1 }],
        errorCondition: { expression: '100' },
      }),
      BADMIN,
    );
    expect(created.status, created.text).toBe(201);
    b.rollout = created.json.id;
    b.group = (await api('GET', `/rollouts/${b.rollout}/deploygroups`, undefined, BADMIN)).json.content[0].id;
    expect((await api('POST', `/rollouts/${b.rollout}/start`, undefined, BADMIN)).status).toBe(200);
    const now = Date.now() + 10_000;
    await tickRollouts(server.database.db, new Date(now), { compileFilter: compileTargetFilter });
    // rb-1 fails its install: 1 of 1 executed failed → abort, rollback.
    const action = (await api('GET', '/targets/rb-1/actions', undefined, BADMIN)).json.content[0];
    await server.database.db.updateTable('actions').set({ status: 'ERROR', active: false }).where('id', '=', action.id).execute();
    await tickRollouts(server.database.db, new Date(now + 5000), { compileFilter: compileTargetFilter });
    expect((await api('GET', `/rollouts/${b.rollout}`, undefined, BADMIN)).json.status).toBe('stopped');
    for (const t of ['rb-1', 'rb-2', 'rb-3']) expect((await api('GET', `/targets/${t}/assignedDS`, undefined, BADMIN)).json.id).toBe(b.rollback);
    const abort = (await readAudit(server.database.db, B)).filter((e) => e.action === 'rollout.abort');
    expect(abort).toHaveLength(1);
    expect(abort[0]).toMatchObject({
      actor: 'system:scheduler',
      subject: { type: 'rollout', id: String(b.rollout) },
      before: null,
      at: new Date(now + 5000).toISOString(),
    });
    expect(abort[0]!.after).toMatchObject({ reason: expect.stringMatching(/^1 of 1 executed actions failed/) });
    // Tenant A's targets were never touched.
    expect((await api('GET', '/targets/ra-1/assignedDS')).status).toBe(204);
  });

  it('answers 404 to every rollout, group and target filter id of another tenant', async () => {
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', `/rollouts/${a.rollout}`],
      ['GET', `/rollouts/${a.rollout}/deploygroups`],
      ['GET', `/rollouts/${a.rollout}/deploygroups/${a.group}/targets`],
      ['GET', `/rollouts/${b.rollout}/deploygroups/${a.group}/targets`],
      ['GET', `/rollouts/${b.rollout}/deploygroups/999999/targets`],
      ['GET', '/rollouts/999999/deploygroups'],
      ['POST', `/rollouts/${a.rollout}/start`],
      ['POST', `/rollouts/${a.rollout}/retry`],
      ['DELETE', `/rollouts/${a.rollout}`],
      ['GET', `/targetfilters/${a.filter}/autoAssignDS`],
      ['POST', `/targetfilters/${a.filter}/autoAssignDS`, { id: b.ds }],
      ['POST', `/targetfilters/${b.filter}/autoAssignDS`, { id: a.ds }],
      ['POST', `/targetfilters/${b.filter}/autoAssignDS`, { id: 999_999 }],
      ['POST', `/targetfilters/${a.filter}/autoAssignDS/pause`],
      ['DELETE', `/targetfilters/${a.filter}/autoAssignDS`],
    ];
    for (const [method, path, body] of attempts) {
      const res = await api(method, path, body, BADMIN);
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(404);
      expect(res.json.errorCode).toBe(NOT_FOUND);
    }
    // B's own group under B's rollout is found.
    expect((await api('GET', `/rollouts/${b.rollout}/deploygroups/${b.group}/targets`, undefined, BADMIN)).json.size).toBe(3);
    const none = await api('GET', `/targetfilters/${b.filter}/autoAssignDS`, undefined, BADMIN);
    expect([none.status, none.text]).toEqual([204, '']);
  });

  it('answers 400 with an error code for numbers beyond what the columns hold and for NUL bytes', async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['forcetime', { type: 'timeforced', forcetime: 8_640_000_000_000_001 }],
      ['startAt', { startAt: 9_007_199_254_740_991 }],
      ['weight', { weight: 2 ** 31 }],
      ['amountGroups', { amountGroups: 2 ** 31 }],
      ['minExecutedCount', { abortCriteria: [{ failureType: 'failed', minExecutedCount: 2 ** 31, thresholdPercentage: 10 }] }],
      ['thresholdPercentage', { abortCriteria: [{ failureType: 'failed', minExecutedCount: 1, thresholdPercentage: 1e300 }] }],
      ['maxPerMinute', { rateLimit: { maxPerMinute: 2 ** 31 } }],
      ['maxRetries', { maxRetries: 2 ** 31 }],
      ['targetPercentage', { amountGroups: undefined, groups: [{ name: 'g', targetPercentage: 1e300 }] }],
      ['successCondition', { successCondition: { expression: '99999999999' } }],
      ['targetCount', { dynamic: true, dynamicGroupTemplate: { targetCount: 2 ** 31 } }],
      ['RSQL timestamp', { targetFilterQuery: 'lastControllerRequestAt=lt=-8640000000000000' }],
      ['RSQL timestamp', { targetFilterQuery: 'createdAt=gt=8640000000000000' }],
      ['RSQL timestamp', { targetFilterQuery: 'createdAt=gt=99999-01-01' }],
      ['group RSQL', { amountGroups: undefined, groups: [{ name: 'g', targetFilterQuery: 'lastModifiedAt=le=-62198755200001' }] }],
      ['NUL in name', { name: 'rb\u0000x' }],
      ['NUL in description', { description: 'a\u0000b' }],
      ['NUL in filter', { targetFilterQuery: 'controllerId==rb-\u0000' }],
      ['NUL in group name', { amountGroups: undefined, groups: [{ name: 'g\u0000' }] }],
      ['NUL in group filter', { amountGroups: undefined, groups: [{ name: 'g', targetFilterQuery: 'name==\u0000' }] }],
      ['NUL in schedule', { maintenanceWindow: { schedule: '0 0 1 * * ?\u0000', duration: '00:10:00' } }],
      ['NUL in timezone', { maintenanceWindow: { schedule: '0 0 1 * * ?', duration: '00:10:00', timezone: 'UTC\u0000' } }],
      ['NUL in name suffix', { dynamic: true, dynamicGroupTemplate: { nameSuffix: '-x\u0000', targetCount: 5 } }],
    ];
    const failures: string[] = [];
    const check = (what: string, res: { status: number; text: string; json: { errorCode?: string } | undefined }) => {
      if (res.status !== 400 || !/^hawkbit\.server\.error\./.test(res.json?.errorCode ?? '')) failures.push(`${what}: ${res.status} ${res.text}`);
    };
    for (const [what, extra] of cases) check(what, await api('POST', '/rollouts', rolloutOfB({ name: `edge-${what}`, ...extra }), BADMIN));
    check('NUL in remark', await api('POST', `/rollouts/${b.rollout}/approve?remark=${encodeURIComponent('ok\u0000')}`, undefined, BADMIN));
    for (const body of [{ id: b.ds, weight: 2 ** 31 }, { id: 2 ** 53 }]) {
      check(`auto-assignment ${JSON.stringify(body)}`, await api('POST', `/targetfilters/${b.filter}/autoAssignDS`, body, BADMIN));
    }
    expect(failures).toEqual([]);
    expect((await api('GET', '/rollouts', undefined, BADMIN)).json.content.map((r: { name: string }) => r.name)).toEqual(['rb']);
  });
});

describe('rollout commands and deployments on the injected clock', () => {
  const T = Date.UTC(2031, 0, 1, 12, 0, 0, 123);
  let server: TestServer;
  const api = restClient(() => server.url, ADMIN);
  beforeAll(async () => {
    server = await startTestServer('pglite', { rolloutTickMs: 0 }, { listen: true, clock: () => new Date(T) });
  });
  afterAll(() => server?.stop());

  it('stamps a command, the actions it changes and its audit entry with the server clock, not the wall clock', async () => {
    expect((await api('POST', '/targets', [{ controllerId: 'clock-1' }, { controllerId: 'clock-2' }])).status).toBe(201);
    const [m] = (await api('POST', '/softwaremodules', [{ name: 'clock-fw', version: '1', type: 'os' }])).json;
    const ds = (await api('POST', '/distributionsets', [{ name: 'clock-fw', version: '1', modules: [{ id: m.id }] }])).json[0].id;
    const created = await api('POST', '/rollouts', { name: 'clock', distributionSetId: ds, targetFilterQuery: 'controllerId==clock-*' });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ createdAt: T, createdBy: 'user:admin' });
    expect((await api('POST', `/rollouts/${created.json.id}/start`)).status).toBe(200);
    await tickRollouts(server.database.db, new Date(T + 1000));
    expect((await api('POST', `/rollouts/${created.json.id}/stop`)).json.status).toBe('stopped');
    const actions = (await api('GET', '/targets/clock-1/actions')).json.content;
    expect(actions.map((a: { status: string; lastModifiedAt: number }) => [a.status, a.lastModifiedAt])).toEqual([['canceling', T]]);
    const entries = (await readAudit(server.database.db, 'DEFAULT')).filter((e) => e.action.startsWith('rollout.'));
    expect(entries.map((e) => [e.action, e.at])).toEqual([
      ['rollout.create', new Date(T).toISOString()],
      ['rollout.start', new Date(T).toISOString()],
      ['rollout.stop', new Date(T).toISOString()],
    ]);
  });

  it('retries a finished rollout over the devices that failed, in a new rollout', async () => {
    const ds = (await api('GET', '/distributionsets')).json.content[0].id;
    const created = await api('POST', '/rollouts', { name: 'retry-me', distributionSetId: ds, targetFilterQuery: 'controllerId==clock-*' });
    const id = created.json.id;
    expect((await api('POST', `/rollouts/${id}/retry`)).status).toBe(400); // ready, not finished
    await api('POST', `/rollouts/${id}/start`);
    await tickRollouts(server.database.db, new Date(T + 2000));
    const db = server.database.db;
    for (const [controllerId, status] of [
      ['clock-1', 'ERROR'],
      ['clock-2', 'FINISHED'],
    ] as const) {
      const target = await db.selectFrom('targets').select('id').where('controller_id', '=', controllerId).executeTakeFirstOrThrow();
      await db.updateTable('actions').set({ status, active: false }).where('rollout_id', '=', id).where('target_id', '=', target.id).execute();
    }
    await tickRollouts(server.database.db, new Date(T + 3000));
    expect((await api('GET', `/rollouts/${id}`)).json.status).toBe('finished');
    // Each group counts its own actions, as the rollout counts all of them.
    const [finishedGroup] = (await api('GET', `/rollouts/${id}/deploygroups`)).json.content;
    expect(finishedGroup).toMatchObject({
      totalTargets: 2,
      totalTargetsPerStatus: { running: 0, scheduled: 0, notstarted: 0, cancelled: 0, finished: 1, error: 1 },
    });
    const retry = await api('POST', `/rollouts/${id}/retry`);
    expect(retry.status, retry.text).toBe(201);
    expect(retry.json).toMatchObject({ name: 'retry-me_retry', targetFilterQuery: `failedrollout==${id}`, totalTargets: 1, totalGroups: 1, status: 'ready' });
    const group = (await api('GET', `/rollouts/${retry.json.id}/deploygroups`)).json.content[0];
    const members = (await api('GET', `/rollouts/${retry.json.id}/deploygroups/${group.id}/targets`)).json.content;
    expect(members).toEqual([{ controllerId: 'clock-1', name: 'clock-1', actionId: expect.any(Number), actionStatus: 'scheduled' }]);
    expect(group.totalTargetsPerStatus).toMatchObject({ scheduled: 1, finished: 0, error: 0 });
  });

  it('assigns and cancels with the time it is given', async () => {
    const db = server.database.db;
    const target = await db.selectFrom('targets').select('id').where('controller_id', '=', 'clock-2').executeTakeFirstOrThrow();
    const ds = await db.selectFrom('distribution_sets').select('id').where('name', '=', 'clock-fw').executeTakeFirstOrThrow();
    const clock = () => new Date(T + 7);
    const first = await assignDistributionSet(db, 'DEFAULT', target.id, ds.id, {}, undefined, clock);
    const second = await assignDistributionSet(db, 'DEFAULT', target.id, ds.id, {}, undefined, clock);
    await cancelAction(db, 'DEFAULT', second.actionId, undefined, () => new Date(T + 9));
    const rows = await db
      .selectFrom('actions')
      .select(['id', 'status', 'updated_at'])
      .where('id', 'in', [first.actionId, second.actionId])
      .orderBy('id')
      .execute();
    expect(rows.map((r) => [r.status, new Date(r.updated_at).getTime()])).toEqual([
      ['CANCELING', T + 7],
      ['CANCELING', T + 9],
    ]);
  });
});
