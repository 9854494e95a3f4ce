/**
 * Security suite — Server: tenant B's administrator with tenant A's ids, on EVERY management
 * route with an id, the routes read from the generated OpenAPI document (not listed by hand, so a
 * new route is covered the day it is added). A's ids must be as invisible to B as ids that exist
 * nowhere: the same answer, a 404 where nothing but the id is asked (GET, DELETE), never a 2xx or
 * a 5xx; and tenant A's data is unchanged afterwards.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth as basic, restClient } from '../../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../../testkit/server.js';

const ADMIN = basic('admin', 'admin-password');
const B = 'XTENANT_B';
const BADMIN = basic(`${B}\\admin`, 'xtenant-b-admin-password');
const openapi = JSON.parse(readFileSync(new URL('../../../../docs/openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string; required?: boolean; schema?: { type?: string } }> }>>;
};
/** Parameters that name a tenant-wide setting, not a row: B has its own of each. */
const NOT_IDS = new Set(['/rest/v1/system/configs/{key}', '/rest/v1/tuf/keys/{role}']);
/**
 * Reads that have nothing to show for A's rows as set up here (no install finished, no
 * auto-assignment, no encrypted released artifact), so even A does not get a 200 from them; B's
 * answer is still compared with a missing id's.
 */
const EMPTY_FOR_A = new Set([
  '/rest/v1/targets/{controllerId}/installedDS',
  '/rest/v1/targetfilters/{id}/autoAssignDS',
  '/rest/v1/targets/{controllerId}/ageheader',
]);

describe('security: server, cross-tenant ids', () => {
  let server: TestServer;
  const api = restClient(() => server.url, ADMIN);
  /** Tenant A's ids by the path segment before a parameter ("targets", "softwaremodules", …). */
  const a: Record<string, string> = {};
  /** Ids of the same shapes that exist in no tenant. */
  const missing: Record<string, string> = {};

  const created = async (path: string, body: unknown) => {
    const res = await api('POST', path, body);
    expect(res.status, `${path}: ${res.text}`).toBe(201);
    return Array.isArray(res.json) ? res.json[0] : res.json;
  };

  beforeAll(async () => {
    server = await startTestServer('pglite', { rolloutTickMs: 0 }, { listen: true });
    expect((await api('POST', '/tenants', { id: B, adminPassword: 'xtenant-b-admin-password' })).status).toBe(201);
    await created('/targets', [{ controllerId: 'xa-1', securityToken: 'xa-1-token-0123456789' }]);
    const module = await created('/softwaremodules', [{ name: 'xa-fw', version: '1', type: 'os' }]);
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('tenant A firmware')]), 'a.bin');
    const artifact = await created(`/softwaremodules/${module.id}/artifacts`, form);
    const ds = await created('/distributionsets', [{ name: 'xa-ds', version: '1', modules: [{ id: module.id }] }]);
    const assigned = await api('POST', `/distributionsets/${ds.id}/assignedTargets`, [{ id: 'xa-1' }]);
    expect(assigned.status, assigned.text).toBe(200);
    for (const owner of ['/targets/xa-1', `/softwaremodules/${module.id}`, `/distributionsets/${ds.id}`]) {
      await created(`${owner}/metadata`, [{ key: 'owner', value: 'tenant A' }]);
    }
    await created('/users', { username: 'xa-alice', password: 'xa-alice-password-0123', roles: ['VIEWER'] });
    const token = await created('/apitokens', { name: 'xa-token', roles: ['VIEWER'] });
    const targetTag = await created('/targettags', [{ name: 'xa-tag' }]);
    const dsTag = await created('/distributionsettags', [{ name: 'xa-ds-tag' }]);
    const targetType = await created('/targettypes', [{ name: 'xa type', key: 'xa-type' }]);
    const moduleType = await created('/softwaremoduletypes', [{ name: 'xa module type', key: 'xa-sm-type' }]);
    const dsType = await created('/distributionsettypes', [{ name: 'xa set type', key: 'xa-ds-type' }]);
    const filter = await created('/targetfilters', [{ name: 'xa-filter', query: 'controllerId==xa-*' }]);
    const rollout = await created('/rollouts', { name: 'xa-rollout', distributionSetId: ds.id, targetFilterQuery: 'controllerId==xa-*', amountGroups: 1 });
    const group = (await api('GET', `/rollouts/${rollout.id}/deploygroups`)).json.content[0].id;
    Object.assign(a, {
      controllerId: 'xa-1',
      actionId: String(assigned.json.assignedActions[0].id),
      'softwaremodules/{id}': String(module.id),
      artifactId: String(artifact.id),
      'distributionsets/{id}': String(ds.id),
      username: 'xa-alice',
      'apitokens/{id}': String(token.id),
      'actions/{id}': String(assigned.json.assignedActions[0].id),
      'targettags/{id}': String(targetTag.id),
      'distributionsettags/{id}': String(dsTag.id),
      'targettypes/{id}': String(targetType.id),
      'softwaremoduletypes/{id}': String(moduleType.id),
      'distributionsettypes/{id}': String(dsType.id),
      'targetfilters/{id}': String(filter.id),
      'rollouts/{id}': String(rollout.id),
      groupId: String(group),
      'targets/{owner}': 'xa-1',
      'softwaremodules/{owner}': String(module.id),
      'distributionsets/{owner}': String(ds.id),
      key: 'owner',
    });
    for (const [k, v] of Object.entries(a)) missing[k] = /^\d+$/.test(v) ? '987654' : k === 'key' ? 'owner' : `nowhere-${v}`;
  });
  afterAll(() => server?.stop());

  /** The concrete path of an OpenAPI template, with ids from `ids` ("{id}" keyed by the segment before it). */
  const fill = (template: string, ids: Record<string, string>): string =>
    template.replace(/([^/]+)\/\{(\w+)\}/g, (_, segment: string, name: string) => {
      const value = ids[`${segment}/{${name}}`] ?? ids[name];
      if (value === undefined) throw new Error(`no id of tenant A for {${name}} after ${segment} in ${template}`);
      return `${segment}/${encodeURIComponent(value)}`;
    });

  const routes = Object.entries(openapi.paths)
    .filter(([path]) => path.startsWith('/rest/v1/') && path.includes('{') && !NOT_IDS.has(path))
    .flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => {
        // A required query parameter gets a plausible value, so the request reaches the id lookup.
        const query = (operation.parameters ?? [])
          .filter((p) => p.in === 'query' && p.required)
          .map((p) => `${p.name}=${p.schema?.type === 'integer' || p.schema?.type === 'number' ? '1' : 'x.age'}`);
        return [method.toUpperCase(), path, query.length ? `?${query.join('&')}` : ''] as const;
      }),
    );

  it('finds the management routes with ids in the OpenAPI document', () => {
    expect(routes.length).toBeGreaterThan(60);
  });

  it("tenant B's administrator with tenant A's ids gets what a missing id gets: a 404 on reads and deletes, never 2xx or 5xx, on every route", async () => {
    const before = await Promise.all(['/targets/xa-1', `/distributionsets/${a['distributionsets/{id}']}`, '/targets/xa-1/metadata'].map((p) => api('GET', p)));
    const wrong: string[] = [];
    const unreadByA: string[] = [];
    for (const [method, template, query] of routes) {
      const body = method === 'GET' || method === 'DELETE' ? undefined : template.endsWith('/assigned') || template.endsWith('/assignedTargets') ? [] : {};
      const path = fill(template, a).replace(/^\/rest\/v1/, '') + query;
      // The ids are real: tenant A's own administrator reads them.
      if (method === 'GET' && !EMPTY_FOR_A.has(template) && (await api('GET', path)).status !== 200) unreadByA.push(template);
      const theirs = await api(method, path, body, BADMIN);
      const nowhere = await api(method, fill(template, missing).replace(/^\/rest\/v1/, '') + query, body, BADMIN);
      const expected = body === undefined ? [404] : [nowhere.status];
      if (!expected.includes(theirs.status) || theirs.status < 400 || theirs.status >= 500 || theirs.json?.errorCode !== nowhere.json?.errorCode) {
        wrong.push(`${method} ${path}: ${theirs.status} ${theirs.text.slice(0, 120)} (missing id: ${nowhere.status})`);
      }
    }
    expect(wrong).toEqual([]);
    expect(unreadByA).toEqual([]);
    const after = await Promise.all(['/targets/xa-1', `/distributionsets/${a['distributionsets/{id}']}`, '/targets/xa-1/metadata'].map((p) => api('GET', p)));
    expect(after.map((r) => [r.status, r.json])).toEqual(before.map((r) => [r.status, r.json]));
  });
});
