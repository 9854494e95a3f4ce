/**
 * A staged rollout over 100 simulated devices speaking DDI to a real server (in-process agents,
 * on PGlite and PostgreSQL): group 1 succeeds → group 2 starts; failures past the error threshold
 * in group 2 pause the rollout and no device of group 3 is offered the update; resume continues
 * until the rollout finishes. The scheduler ticks are driven by the test (a clock it controls).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickRollouts } from '../../packages/server/src/domain/rollouts.js';
import { restClient, TEST_ADMIN as ADMIN } from '../../testkit/rest.js';
import { hasPostgres, startTestServer, type DbKind, type TestServer } from '../../testkit/server.js';

const kinds: DbKind[] = ['pglite', ...((await hasPostgres()) ? (['postgres'] as const) : [])];
const DEVICES = 100;

describe.each(kinds)('rollout over 100 devices on %s', (kind) => {
  let server: TestServer;
  let now = Date.now();
  const api = restClient(() => server.url, ADMIN);
  const failing = new Set<string>();
  /** controllerId → how many times a deployment was offered to it. */
  const offered = new Map<string, number>();

  beforeAll(async () => {
    server = await startTestServer(kind, { rolloutTickMs: 0 }, { listen: true });
    const targets = Array.from({ length: DEVICES }, (_, i) => ({
      controllerId: `fleet-${String(i).padStart(3, '0')}`,
      securityToken: `fleet-token-${String(i).padStart(3, '0')}`,
    }));
    expect((await api('POST', '/targets', targets)).status).toBe(201);
  });
  afterAll(() => server?.stop());

  const tick = async () => {
    now += 5000;
    await tickRollouts(server.database.db, new Date(now));
    await server.ddi.settle();
  };

  /** One poll by every device; a device with a deployment installs it and reports, and counts the offer. */
  async function pollAll(): Promise<string[]> {
    const got: string[] = [];
    await Promise.all(
      Array.from({ length: DEVICES }, async (_, i) => {
        const id = `fleet-${String(i).padStart(3, '0')}`;
        const headers = { authorization: `TargetToken fleet-token-${String(i).padStart(3, '0')}` };
        const poll = await server.app.inject({ method: 'GET', url: `/DEFAULT/controller/v1/${id}`, headers });
        const href: string | undefined = poll.json()._links?.deploymentBase?.href;
        if (!href) return;
        const path = new URL(href).pathname;
        const deployment = await server.app.inject({ method: 'GET', url: path, headers });
        expect(deployment.statusCode).toBe(200);
        got.push(id);
        offered.set(id, (offered.get(id) ?? 0) + 1);
        const finished = failing.has(id) ? 'failure' : 'success';
        const feedback = await server.app.inject({
          method: 'POST',
          url: `${path.split('?')[0]}/feedback`,
          headers: { ...headers, 'content-type': 'application/json' },
          payload: JSON.stringify({ status: { execution: 'closed', result: { finished } } }),
        });
        expect(feedback.statusCode).toBe(200);
      }),
    );
    return got.sort();
  }

  it('runs group by group, pauses on errors, and resumes to the end', async () => {
    const [module] = (await api('POST', '/softwaremodules', [{ name: 'fleet-fw', version: '2', type: 'os' }])).json;
    const [ds] = (await api('POST', '/distributionsets', [{ name: 'fleet-fw', version: '2', modules: [{ id: module.id }] }])).json;
    const created = await api('POST', '/rollouts', {
      name: 'fleet-2',
      distributionSetId: ds.id,
      targetFilterQuery: 'controllerId==fleet-*',
      amountGroups: 4,
      successCondition: { condition: 'THRESHOLD', expression: '100' },
      successAction: { action: 'NEXTGROUP', expression: '' },
      errorCondition: { condition: 'THRESHOLD', expression: '10' },
      errorAction: { action: 'PAUSE', expression: '' },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ status: 'ready', totalTargets: 100, totalGroups: 4 });
    const id = created.json.id;
    const groups = (await api('GET', `/rollouts/${id}/deploygroups`)).json.content;
    expect(groups.map((g: { totalTargets: number }) => g.totalTargets)).toEqual([25, 25, 25, 25]);
    const members = async (gid: number) =>
      (await api('GET', `/rollouts/${id}/deploygroups/${gid}/targets?limit=100`)).json.content.map((t: { controllerId: string }) => t.controllerId).sort();
    const [g1, g2, g3, g4] = await Promise.all(groups.map((g: { id: number }) => members(g.id)));

    expect((await pollAll()).length).toBe(0); // nothing before the start
    expect((await api('POST', `/rollouts/${id}/start`)).status).toBe(200);
    await tick();
    expect(await pollAll()).toEqual(g1); // group 1 only, all succeed
    await tick();
    // Group 2 starts; five of its devices fail: 20 % > 10 % → group error, rollout paused.
    for (const d of g2.slice(0, 5)) failing.add(d);
    expect(await pollAll()).toEqual(g2);
    await tick();
    expect((await api('GET', `/rollouts/${id}`)).json.status).toBe('paused');
    expect((await api('GET', `/rollouts/${id}/deploygroups`)).json.content.map((g: { status: string }) => g.status)).toEqual([
      'finished',
      'error',
      'scheduled',
      'scheduled',
    ]);
    await tick();
    expect(await pollAll()).toEqual([]); // paused: no device of group 3 is offered anything
    failing.clear();
    expect((await api('POST', `/rollouts/${id}/resume`)).status).toBe(200);
    await tick();
    expect(await pollAll()).toEqual(g3);
    await tick();
    expect(await pollAll()).toEqual(g4);
    await tick();
    await tick();
    const final = (await api('GET', `/rollouts/${id}`)).json;
    expect(final.status).toBe('finished');
    expect(final.totalTargetsPerStatus).toMatchObject({ finished: 95, error: 5, scheduled: 0, running: 0 });
    // Every device was offered the update exactly once.
    expect(offered.size).toBe(DEVICES);
    expect([...offered.values()].every((n) => n === 1)).toBe(true);
  });

  it('refuses illegal commands with 400, and bad rollout bodies', async () => {
    const list = (await api('GET', '/rollouts')).json.content;
    const finished = list.find((r: { status: string }) => r.status === 'finished');
    const pause = await api('POST', `/rollouts/${finished.id}/pause`);
    expect(pause.status).toBe(400);
    expect(pause.json.message).toMatch(/finished/);
    expect(pause.json.errorCode).toBe('hawkbit.server.error.rollout.illegalState');
    expect((await api('POST', '/rollouts', { name: 'x', distributionSetId: 1, targetFilterQuery: 'name==nothing-matches-this', amountGroups: 2 })).status).toBe(
      400,
    );
    expect(
      (
        await api('POST', '/rollouts', {
          name: 'y',
          distributionSetId: 1,
          targetFilterQuery: 'controllerId==fleet-*',
          amountGroups: 2,
          groups: [{ name: 'a' }],
        })
      ).status,
    ).toBe(400);
    expect((await api('POST', '/rollouts', { name: 'z', distributionSetId: 1, targetFilterQuery: 'bogus==1', amountGroups: 2 })).json.errorCode).toBe(
      'hawkbit.server.error.rest.param.rsqlInvalidField',
    );
  });
});
