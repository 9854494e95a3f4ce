/**
 * Security suite — Server, device side: a replayed feedback is applied at most once, and a
 * device's token (stolen by another device, or used on another device's path) reaches nothing of
 * that other device; in every case the action is left as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth as basic, restClient } from '../../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../../testkit/server.js';

const ADMIN = basic('admin', 'admin-password');
const TOKENS = { 'sec-a': 'sec-a-token-0123456789', 'sec-b': 'sec-b-token-0123456789' } as const;

describe('security: server, device reports', () => {
  let server: TestServer;
  const api = restClient(() => server.url, ADMIN);
  const ddi = (method: string, controllerId: string, path: string, token: string, body?: unknown) =>
    fetch(`${server.url}/DEFAULT/controller/v1/${controllerId}${path}`, {
      method,
      headers: { authorization: `TargetToken ${token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const feedback = (execution: string, finished: string) => ({ status: { execution, result: { finished } } });
  const action = async (id: number) => (await api('GET', `/actions/${id}`)).json;
  const statusCount = async (controllerId: string, id: number) =>
    (await api('GET', `/targets/${controllerId}/actions/${id}/status?limit=500`)).json.total as number;
  let ds = 0;

  const assign = async (controllerId: string): Promise<number> => {
    const res = await api('POST', `/distributionsets/${ds}/assignedTargets`, [{ id: controllerId }]);
    expect(res.status, res.text).toBe(200);
    return res.json.assignedActions[0].id as number;
  };

  beforeAll(async () => {
    server = await startTestServer('pglite', {}, { listen: true });
    const targets = await api(
      'POST',
      '/targets',
      Object.entries(TOKENS).map(([controllerId, securityToken]) => ({ controllerId, securityToken })),
    );
    expect(targets.status, targets.text).toBe(201);
    const [module] = (await api('POST', '/softwaremodules', [{ name: 'sec-fw', version: '1', type: 'os' }])).json;
    const sets = await api('POST', '/distributionsets', [{ name: 'sec-ds', version: '1', modules: [{ id: module.id }] }]);
    expect(sets.status, sets.text).toBe(201);
    ds = sets.json[0].id;
  });
  afterAll(() => server?.stop());

  it('replayed feedback: a closed/success sent again, or concurrently, is applied once (then 410) and a later failure cannot overwrite it', async () => {
    const id = await assign('sec-a');
    const path = `/deploymentBase/${id}/feedback`;
    const answers = await Promise.all([1, 2, 3].map(() => ddi('POST', 'sec-a', path, TOKENS['sec-a'], feedback('closed', 'success'))));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 410, 410]);
    const after = await action(id);
    expect(after).toMatchObject({ status: 'finished' });
    const statuses = await statusCount('sec-a', id);
    const replay = await ddi('POST', 'sec-a', path, TOKENS['sec-a'], feedback('closed', 'success'));
    expect(replay.status).toBe(410);
    const overwrite = await ddi('POST', 'sec-a', path, TOKENS['sec-a'], feedback('closed', 'failure'));
    expect(overwrite.status).toBe(410);
    expect(await action(id)).toEqual(after);
    expect(await statusCount('sec-a', id)).toBe(statuses);
    expect((await api('GET', '/targets/sec-a/installedDS')).json).toMatchObject({ id: ds });
  });

  it("stolen token of another target: device B's token on device A's paths is 401, and B's own path with A's action is 404; A's action unchanged", async () => {
    const id = await assign('sec-a');
    const before = await action(id);
    const statuses = await statusCount('sec-a', id);
    expect((await ddi('GET', 'sec-a', '', TOKENS['sec-a'])).status).toBe(200);
    expect((await ddi('GET', 'sec-a', '', TOKENS['sec-b'])).status).toBe(401);
    expect((await ddi('GET', 'sec-a', `/deploymentBase/${id}`, TOKENS['sec-b'])).status).toBe(401);
    expect((await ddi('POST', 'sec-a', `/deploymentBase/${id}/feedback`, TOKENS['sec-b'], feedback('closed', 'failure'))).status).toBe(401);
    expect((await ddi('GET', 'sec-b', `/deploymentBase/${id}`, TOKENS['sec-b'])).status).toBe(404);
    expect((await ddi('POST', 'sec-b', `/deploymentBase/${id}/feedback`, TOKENS['sec-b'], feedback('closed', 'failure'))).status).toBe(404);
    expect(await action(id)).toEqual(before);
    expect(await statusCount('sec-a', id)).toBe(statuses);
  });
});
