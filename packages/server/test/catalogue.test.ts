/**
 * The catalogue resources of the management API: tags and their assignments, target filters,
 * target/software-module/distribution-set types, and metadata — with bad input and audit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../src/domain/audit.js';
import { restClient } from '../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';

const ADMIN = `Basic ${Buffer.from('admin:admin-password').toString('base64')}`;

describe('catalogue resources', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', {}, { listen: true });
  });
  afterAll(() => server?.stop());

  const api = restClient(() => server.url, ADMIN);

  it('target tags: create, assign, list assigned, unassign, delete', async () => {
    await api('POST', '/targets', [{ controllerId: 'cat-1' }, { controllerId: 'cat-2' }]);
    const [tag] = (await api('POST', '/targettags', [{ name: 'prod', colour: '#ff0000' }])).json;
    expect(tag).toMatchObject({ name: 'prod', colour: '#ff0000' });
    expect((await api('POST', '/targettags', [{ name: 'prod' }])).status).toBe(409);
    expect((await api('POST', '/targettags', [{ name: 'x', shape: 'round' }])).status).toBe(400);
    expect((await api('POST', `/targettags/${tag.id}/assigned`, ['cat-1', 'cat-2'])).status).toBe(200);
    expect((await api('POST', `/targettags/${tag.id}/assigned`, ['nope'])).status).toBe(404);
    expect((await api('GET', `/targettags/${tag.id}/assigned`)).json.total).toBe(2);
    expect((await api('DELETE', `/targettags/${tag.id}/assigned/cat-2`)).status).toBe(204);
    expect((await api('GET', `/targettags/${tag.id}/assigned`)).json.content.map((t: { controllerId: string }) => t.controllerId)).toEqual(['cat-1']);
    expect((await api('PUT', `/targettags/${tag.id}`, { description: 'production fleet' })).json.description).toBe('production fleet');
    expect((await api('DELETE', `/targettags/${tag.id}`)).status).toBe(204);
    expect((await api('GET', `/targettags/${tag.id}`)).status).toBe(404);
  });

  it('target filters keep a valid RSQL query', async () => {
    const [filter] = (await api('POST', '/targetfilters', [{ name: 'errors', query: 'updateStatus==error' }])).json;
    expect(filter.query).toBe('updateStatus==error');
    const bad = await api('POST', '/targetfilters', [{ name: 'broken', query: 'name==(' }]);
    expect(bad.status).toBe(400);
    expect(bad.json.errorCode).toBe('hawkbit.server.error.rest.param.rsqlSearchSyntax');
    expect((await api('GET', '/targetfilters')).json.total).toBe(1);
  });

  it('types: hawkBit defaults exist, new ones validate references', async () => {
    const sm = (await api('GET', '/softwaremoduletypes')).json.content;
    expect(sm.map((t: { key: string }) => t.key).sort()).toEqual(['application', 'os', 'runtime']);
    const ds = (await api('GET', '/distributionsettypes')).json.content;
    expect(ds.map((t: { key: string }) => t.key).sort()).toEqual(['app', 'os', 'os_app']);
    const os = sm.find((t: { key: string }) => t.key === 'os');
    const [custom] = (await api('POST', '/distributionsettypes', [{ key: 'gw', name: 'Gateway', mandatorymodules: [{ id: os.id }] }])).json;
    expect(custom.mandatorymodules).toEqual([{ id: os.id }]);
    expect((await api('POST', '/distributionsettypes', [{ key: 'bad', name: 'Bad', mandatorymodules: [{ id: 999999 }] }])).status).toBe(404);
    const [tt] = (await api('POST', '/targettypes', [{ name: 'Gateway board', key: 'gw-board' }])).json;
    expect((await api('POST', `/targettypes/${tt.id}/compatibledistributionsettypes`, [{ id: custom.id }])).status).toBe(200);
    expect((await api('GET', `/targettypes/${tt.id}/compatibledistributionsettypes`)).json).toEqual([{ id: custom.id, key: 'gw', name: 'Gateway' }]);
  });

  it('metadata on targets, software modules (target-visible, seen over DDI) and distribution sets', async () => {
    expect((await api('POST', '/targets/cat-1/metadata', [{ key: 'site', value: 'Berlin' }])).status).toBe(201);
    expect((await api('POST', '/targets/cat-1/metadata', [{ key: 'site', value: 'again' }])).status).toBe(409);
    expect((await api('POST', '/targets/cat-1/metadata', [{ key: 'x', value: 'y', targetVisible: true }])).status).toBe(400);
    expect((await api('PUT', '/targets/cat-1/metadata/site', { value: 'Hamburg' })).json).toEqual({ key: 'site', value: 'Hamburg' });
    expect((await api('GET', '/targets/cat-1/metadata')).json.content).toEqual([{ key: 'site', value: 'Hamburg' }]);
    const [module] = (await api('POST', '/softwaremodules', [{ name: 'meta', version: '1', type: 'os' }])).json;
    await api('POST', `/softwaremodules/${module.id}/metadata`, [
      { key: 'install.hint', value: 'reboot', targetVisible: true },
      { key: 'internal', value: 'secret' },
    ]);
    const [ds] = (await api('POST', '/distributionsets', [{ name: 'meta', version: '1', modules: [{ id: module.id }] }])).json;
    expect((await api('POST', `/distributionsets/${ds.id}/metadata`, [{ key: 'ticket', value: 'OPS-1' }])).status).toBe(201);
    const target = (await api('GET', '/targets/cat-1')).json;
    await api('POST', `/distributionsets/${ds.id}/assignedTargets`, [{ id: 'cat-1' }]);
    await server.ddi.settle();
    const poll = (await (
      await fetch(`${server.url}/DEFAULT/controller/v1/cat-1`, { headers: { authorization: `TargetToken ${target.securityToken}` } })
    ).json()) as any;
    const deployment = (await (
      await fetch(poll._links.deploymentBase.href, { headers: { authorization: `TargetToken ${target.securityToken}` } })
    ).json()) as any;
    expect(deployment.deployment.chunks[0].metadata).toEqual([{ key: 'install.hint', value: 'reboot' }]);
    expect((await api('DELETE', '/targets/cat-1/metadata/site')).status).toBe(204);
    expect((await api('GET', '/targets/cat-1/metadata/site')).status).toBe(404);
  });

  it('lists take q, sort and paging; a tag lists its targets a page at a time', async () => {
    await api('POST', '/distributionsettags', [{ name: 'beta', colour: 'blue' }, { name: 'alpha' }, { name: 'gamma', description: 'last' }]);
    const sorted = (await api('GET', '/distributionsettags?sort=name:DESC&limit=2')).json;
    expect([sorted.total, sorted.size, sorted.content.map((t: { name: string }) => t.name)]).toEqual([3, 2, ['gamma', 'beta']]);
    expect((await api('GET', `/distributionsettags?q=${encodeURIComponent('colour==blue')}`)).json.content.map((t: { name: string }) => t.name)).toEqual([
      'beta',
    ]);
    expect((await api('GET', '/distributionsettags?q=shape==round')).json.errorCode).toBe('hawkbit.server.error.rest.param.rsqlInvalidField');
    const [tag] = (await api('POST', '/targettags', [{ name: 'paged' }])).json;
    await api('POST', '/targets', [{ controllerId: 'cat-3' }]);
    await api('POST', `/targettags/${tag.id}/assigned`, ['cat-1', 'cat-3', 'cat-1']);
    const first = (await api('GET', `/targettags/${tag.id}/assigned?limit=1&sort=controllerId:DESC`)).json;
    expect([first.total, first.size, first.content[0].controllerId]).toEqual([2, 1, 'cat-3']);
  });

  it('target types: compatible set types given at creation are kept; renaming keeps the key', async () => {
    const [ds] = (await api('POST', '/distributionsettypes', [{ key: 'edge', name: 'Edge' }])).json;
    const [tt] = (await api('POST', '/targettypes', [{ name: 'Edge box', compatibledistributionsettypes: [{ id: ds.id }] }])).json;
    expect(tt.key).toBe('edge_box');
    expect((await api('GET', `/targettypes/${tt.id}/compatibledistributionsettypes`)).json).toEqual([{ id: ds.id, key: 'edge', name: 'Edge' }]);
    const renamed = (await api('PUT', `/targettypes/${tt.id}`, { name: 'Edge gateway' })).json;
    expect([renamed.name, renamed.key]).toEqual(['Edge gateway', 'edge_box']);
    expect((await api('PUT', `/softwaremoduletypes/${ds.id}`, { name: 'renamed' })).json.message).toBe('unknown field name');
  });

  it('audits catalogue changes', async () => {
    const actions = (await readAudit(server.database.db, 'DEFAULT')).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'targettag.create',
        'targettag.assign',
        'targettag.unassign',
        'targetfilter.create',
        'distributionsettype.create',
        'targettype.update',
        'targets.metadata.create',
        'software_modules.metadata.create',
      ]),
    );
  });
});
