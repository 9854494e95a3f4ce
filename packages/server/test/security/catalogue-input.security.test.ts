/**
 * Bad input and cross-tenant references on the catalogue, actions and audit routes (issue 12):
 * NUL bytes and integers beyond a column's range are a 400 with an error code, never a 500;
 * a repeated query parameter is a 400 that names it; every id in a body is resolved inside the
 * caller's tenant (another tenant's id is a 404, worded as for an id that exists nowhere), and
 * every join over tenant data keeps to the caller's tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restClient } from '../../../../testkit/rest.js';
import { hasPostgres, startTestServer, type DbKind, type TestServer } from '../../../../testkit/server.js';

const basic = (login: string, password: string) => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;
const ADMIN = basic('admin', 'admin-password');
const B = 'CAT_B';
const BADMIN = basic(`${B}\\admin`, 'cat-b-admin-password');
const INVALID = 'hawkbit.server.error.rest.param.invalid';
const NOT_FOUND = 'hawkbit.server.error.repo.entitiesNotFound';

// Both databases: the out-of-range and NUL cases are PostgreSQL's refusals, which PGlite shares.
const kinds: DbKind[] = ['pglite', ...((await hasPostgres()) ? (['postgres'] as const) : [])];

describe.each(kinds)('catalogue, actions and audit: hostile input on %s', (kind) => {
  let server: TestServer;
  const a = { module: 0, ds: 0, tag: 0, smType: 0, dsType: 0, targetType: 0 };
  const b = { tag: 0, targetType: 0 };
  beforeAll(async () => {
    server = await startTestServer(kind, {}, { listen: true });
    const api = restClient(() => server.url, ADMIN);
    expect((await api('POST', '/tenants', { id: B, adminPassword: 'cat-b-admin-password' })).status).toBe(201);
    await api('POST', '/targets', [{ controllerId: 'sec-a-1' }]);
    a.module = (await api('POST', '/softwaremodules', [{ name: 'sec', version: '1', type: 'os' }])).json[0].id;
    a.ds = (await api('POST', '/distributionsets', [{ name: 'sec', version: '1', modules: [{ id: a.module }] }])).json[0].id;
    a.tag = (await api('POST', '/targettags', [{ name: 'sec-a' }])).json[0].id;
    a.smType = (await api('POST', '/softwaremoduletypes', [{ key: 'sec-a', name: 'A only' }])).json[0].id;
    a.dsType = (await api('POST', '/distributionsettypes', [{ key: 'sec-a', name: 'A only' }])).json[0].id;
    a.targetType = (await api('POST', '/targettypes', [{ key: 'sec-a', name: 'A only' }])).json[0].id;
    const bApi = restClient(() => server.url, BADMIN);
    await bApi('POST', '/targets', [{ controllerId: 'sec-b-1' }]);
    b.tag = (await bApi('POST', '/targettags', [{ name: 'sec-b' }])).json[0].id;
    b.targetType = (await bApi('POST', '/targettypes', [{ key: 'sec-b', name: 'B only' }])).json[0].id;
  });
  afterAll(() => server?.stop());

  const api = restClient(() => server.url, ADMIN);
  const bApi = restClient(() => server.url, BADMIN);

  it('refuses NUL bytes in names, keys, values and path segments with a 400, never a 500', async () => {
    const nul = 'a\u0000b';
    const cases: Array<[string, string, unknown?]> = [
      ['POST', '/targettags', [{ name: nul }]],
      ['POST', '/targettags', [{ name: 'fine', description: nul }]],
      ['POST', '/distributionsettags', [{ name: 'fine', colour: nul }]],
      ['PUT', `/targettags/${a.tag}`, { name: nul }],
      ['POST', '/targetfilters', [{ name: nul, query: 'name==x' }]],
      ['POST', '/targetfilters', [{ name: 'fine', query: `name==${nul}` }]],
      ['POST', '/softwaremoduletypes', [{ key: 'fine', name: nul }]],
      ['POST', '/distributionsettypes', [{ key: 'fine', name: 'fine', description: nul }]],
      ['POST', '/targettypes', [{ name: nul }]],
      ['POST', `/targettags/${a.tag}/assigned`, [nul]],
      ['POST', '/targets/sec-a-1/metadata', [{ key: nul, value: 'v' }]],
      ['POST', '/targets/sec-a-1/metadata', [{ key: 'k', value: nul }]],
      ['POST', `/softwaremodules/${a.module}/metadata`, [{ key: 'k', value: nul }]],
      ['POST', `/distributionsets/${a.ds}/metadata`, [{ key: nul, value: 'v' }]],
      ['PUT', '/targets/sec-a-1/metadata/k', { value: nul }],
      ['GET', '/targets/a%00b/metadata'],
      ['GET', '/targets/sec-a-1/metadata/a%00b'],
      ['DELETE', `/targettags/${a.tag}/assigned/a%00b`],
      ['PUT', '/targets/a%00b/actions/1', { forceType: 'forced' }],
    ];
    for (const [method, path, body] of cases) {
      const res = await api(method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`).toBe(400);
      expect(res.json.errorCode, `${method} ${path}`).toBe(INVALID);
    }
    // A number beyond the column's range is compared exactly (as bigint), not refused: it matches nothing, or everything.
    expect((await api('GET', '/actions?q=weight==99999999999')).json).toMatchObject({ total: 0, content: [] });
    const all = (await api('GET', '/actions')).json.total;
    expect((await api('GET', '/actions?q=weight=gt=-99999999999;weight=lt=99999999999')).status).toBe(200);
    expect((await api('GET', '/actions?q=weight=gt=-99999999999')).json.total).toBeLessThanOrEqual(all);
  });

  it('refuses integers beyond the column range (counts, ids, RSQL numbers and times, paging) with a 400', async () => {
    const cases: Array<[string, string, unknown?]> = [
      ['POST', '/softwaremoduletypes', [{ key: 'big', name: 'Big', maxAssignments: 2 ** 31 }]],
      ['POST', '/softwaremoduletypes', [{ key: 'big', name: 'Big', minArtifacts: 2 ** 31 }]],
      ['POST', '/distributionsettypes', [{ key: 'big', name: 'Big', mandatorymodules: [{ id: 2 ** 53 }] }]],
      ['POST', '/targettypes/1/compatibledistributionsettypes', [{ id: 1e300 }]],
      ['GET', '/actions?q=createdAt=gt=8640000000000000'],
      ['GET', '/actions?q=lastModifiedAt=lt=-8640000000000000'],
      ['GET', '/actions?offset=9999999999999999'],
      ['GET', '/actions?limit=99999999999999999'],
      ['GET', '/targettags?offset=9999999999999999'],
      ['GET', '/audit?offset=9999999999999999'],
      ['GET', '/actions/9999999999999999'],
      ['GET', '/targettags/9999999999999999'],
    ];
    for (const [method, path, body] of cases) {
      const res = await api(method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`).toBe(400);
      expect(res.json.errorCode, `${method} ${path}`).toMatch(/^hawkbit\.server\.error\.rest\.param\./);
    }
    // In range, the same queries are answered.
    expect((await api('GET', '/actions?q=weight=lt=2147483647')).status).toBe(200);
    expect((await api('GET', '/targettags?q=id==99999999999999999999')).status).toBe(200);
  });

  it('refuses a repeated query parameter with a 400 that names it', async () => {
    const cases: Array<[string, string]> = [
      ['/actions?limit=1&limit=2', 'limit'],
      ['/actions?offset=0&offset=1', 'offset'],
      ['/actions?q=id==1&q=id==2', 'q'],
      ['/actions?sort=id:ASC&sort=id:DESC', 'sort'],
      ['/audit?limit=1&limit=2', 'limit'],
      ['/audit?format=json&format=jsonl', 'format'],
      ['/targettags?limit=1&limit=2', 'limit'],
      ['/distributionsettags?q=name==a&q=name==b', 'q'],
      ['/targetfilters?offset=1&offset=2', 'offset'],
      ['/softwaremoduletypes?limit=1&limit=2', 'limit'],
      ['/distributionsettypes?sort=id:ASC&sort=name:ASC', 'sort'],
      ['/targettypes?limit=1&limit=2', 'limit'],
      [`/targettags/${a.tag}/assigned?limit=1&limit=2`, 'limit'],
    ];
    for (const [path, parameter] of cases) {
      const res = await api('GET', path);
      expect(res.status, `${path}: ${res.text}`).toBe(400);
      expect(res.json.errorCode, path).toBe(INVALID);
      expect(res.json.message, path).toMatch(new RegExp(`^invalid ${parameter}\\b`));
    }
  });

  it("answers another tenant's ids in a body with a 404, worded as for ids that exist nowhere", async () => {
    const pairs: Array<[string, (id: number) => unknown, number, string]> = [
      ['/distributionsettypes', (id) => [{ key: 'steal-1', name: 'Steal 1', mandatorymodules: [{ id }] }], a.smType, 'software module type'],
      ['/distributionsettypes', (id) => [{ key: 'steal-2', name: 'Steal 2', optionalmodules: [{ id }] }], a.smType, 'software module type'],
      ['/targettypes', (id) => [{ key: 'steal-3', name: 'Steal 3', compatibledistributionsettypes: [{ id }] }], a.dsType, 'distribution set type'],
      [`/targettypes/${b.targetType}/compatibledistributionsettypes`, (id) => [{ id }], a.dsType, 'distribution set type'],
    ];
    for (const [path, body, foreign, what] of pairs) {
      const missing = 999_999;
      const theirs = await bApi('POST', path, body(foreign));
      const nowhere = await bApi('POST', path, body(missing));
      expect(theirs.status, `${path}: ${theirs.text}`).toBe(404);
      expect(nowhere.status, `${path}: ${nowhere.text}`).toBe(404);
      expect(theirs.json.errorCode).toBe(NOT_FOUND);
      expect(theirs.json.message).toBe(`${what} ${foreign} not found`);
      expect(nowhere.json.message).toBe(`${what} ${missing} not found`);
    }
    // Tag assignments name controller ids: tenant A's target is unknown in tenant B.
    const tagged = await bApi('POST', `/targettags/${b.tag}/assigned`, ['sec-a-1']);
    expect([tagged.status, tagged.json.message]).toEqual([404, 'target sec-a-1 not found']);
    // Nothing of that reached tenant B.
    expect((await bApi('GET', '/distributionsettypes?limit=500')).json.content.map((t: { key: string }) => t.key)).not.toContain('steal-1');
    expect((await bApi('GET', '/targettypes?limit=500')).json.content.map((t: { key: string }) => t.key)).toEqual(['sec-b']);
    expect((await bApi('GET', `/targettypes/${b.targetType}/compatibledistributionsettypes`)).json).toEqual([]);
  });

  it("keeps joins inside the caller's tenant even when a link row points across tenants", async () => {
    // Rows no route can make: a tenant B tag on tenant A's target, a tenant B target type
    // compatible with tenant A's set type. Reading them must not reveal tenant A's rows.
    const db = server.database.db;
    const aTarget = await db
      .selectFrom('targets')
      .select('id')
      .where('tenant', '=', 'DEFAULT')
      .where('controller_id', '=', 'sec-a-1')
      .executeTakeFirstOrThrow();
    await db.insertInto('target_tag_assignments').values({ tag_id: b.tag, target_id: aTarget.id }).execute();
    await db.insertInto('target_type_compatibility').values({ target_type_id: b.targetType, ds_type_id: a.dsType }).execute();
    const assigned = await bApi('GET', `/targettags/${b.tag}/assigned`);
    expect(assigned.status).toBe(200);
    expect(assigned.json).toMatchObject({ content: [], total: 0 });
    expect((await bApi('GET', `/targettypes/${b.targetType}/compatibledistributionsettypes`)).json).toEqual([]);
    await db.deleteFrom('target_tag_assignments').where('tag_id', '=', b.tag).execute();
    await db.deleteFrom('target_type_compatibility').where('target_type_id', '=', b.targetType).execute();
  });
});
