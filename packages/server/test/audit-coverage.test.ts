/**
 * Every mutating management operation writes exactly one audit entry (issue 10): the walk below
 * calls each POST/PUT/DELETE of the generated OpenAPI document under /rest/v1 as the admin, in an
 * order where each works, and checks the entries it added. The fixture table must name exactly the
 * document's operations, so a new route cannot go unaudited. A refused request adds no entry.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildRoot,
  DEFAULT_EXPIRY_DAYS,
  expiresAfter,
  KeyObjectSigner,
  nextRoot,
  parseMetadata,
  signMetadata,
  verifyAuditChain,
  type Signer,
} from '@osprey/core';
import { Key } from '@tufjs/models';
import { generateOpenApi } from '../../../scripts/openapi.js';
import { readAudit } from '../src/domain/audit.js';
import { tickRollouts } from '../src/domain/rollouts.js';
import { basicAuth as basic, restClient, type RestResponse } from '../../../testkit/rest.js';
import { hasPostgres, startTestServer, type DbKind, type TestServer } from '../../../testkit/server.js';

const kinds: DbKind[] = ['pglite', ...((await hasPostgres()) ? (['postgres'] as const) : [])];
const ADMIN = basic('admin', 'admin-password');
const BOB = basic('bob', 'bob-password-123');
const OTHER = 'AUDITWALK';
const OTHER_ADMIN = basic(`${OTHER}\\admin`, 'auditwalk-tenant-password');
const PASSPHRASE = 'offline ceremony passphrase';

/** Operations that change nothing by design (none so far): each with why. */
const NOT_A_CHANGE: Record<string, string> = {};

function ed25519(): { key: KeyObject; signer: Signer } {
  const key = generateKeyPairSync('ed25519').privateKey;
  return { key, signer: new KeyObjectSigner(key) };
}
const encryptedPem = (key: KeyObject) => key.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }).toString();

/** What a walk step calls and the one entry it must add. */
interface Fixture {
  /** The tenant whose log gets the entry. */
  tenant?: string;
  auth?: string;
  request: () => [method: string, path: string, body?: unknown];
  /** The entry's action; several: the entries in order (a documented exception to one). */
  action: string | string[];
  subjectType: string;
  /** The subject's id, where the walk knows it (after `keep`). */
  subjectId?: () => string;
  /** Keeps what later steps need from the answer. */
  keep?: (res: RestResponse) => void;
  /** Setup for this step that is not itself checked (runs first). */
  before?: () => Promise<void>;
}

/** The mutating operations of the document: `METHOD /rest/v1/path/{param}`. */
async function mutatingOperations(): Promise<string[]> {
  const doc = JSON.parse(await generateOpenApi()) as { paths: Record<string, Record<string, unknown>> };
  const ops: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/rest/v1/')) continue;
    for (const method of Object.keys(item)) if (['post', 'put', 'delete'].includes(method)) ops.push(`${method.toUpperCase()} ${path}`);
  }
  return ops.sort();
}

describe.each(kinds)('audit coverage of the management API (%s)', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind, { rolloutTickMs: 0 }, { listen: true });
  });
  afterAll(() => server?.stop());

  const rest = restClient(() => server.url, ADMIN);
  const ok = async (method: string, path: string, body?: unknown, auth = ADMIN) => {
    const res = await rest(method, path, body, auth);
    expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
    return res;
  };
  const entries = (tenant = 'DEFAULT') => readAudit(server.database.db, tenant);

  let clock = Date.now();
  /** One scheduler pass, a second later each time (the test server's own is off). */
  const tick = async () => {
    clock += 1000;
    await tickRollouts(server.database.db, new Date(clock));
  };
  // Ids the walk creates and later steps use.
  const ids: Record<string, number> = {};
  let sessionToken = '';
  const form = () => {
    const f = new FormData();
    f.append('file', new Blob([Buffer.from('audit walk image')]), 'image.bin');
    return f;
  };
  const root1 = ed25519();
  const root2 = ed25519();
  const targetsKey = ed25519();
  const snapshotKey = ed25519();
  const timestampKey = ed25519();
  const otherRoot = buildRoot({
    roles: {
      root: { keys: [root1.signer.key], threshold: 1 },
      targets: { keys: [targetsKey.signer.key], threshold: 1 },
      snapshot: { keys: [snapshotKey.signer.key], threshold: 1 },
      timestamp: { keys: [timestampKey.signer.key], threshold: 1 },
    },
    expires: expiresAfter(new Date(), DEFAULT_EXPIRY_DAYS.root),
  });
  const signedPending = async () => {
    const pending = await ok('GET', '/tuf/targets/pending', undefined, OTHER_ADMIN);
    const signed = parseMetadata('targets', Buffer.from(pending.text));
    await signMetadata(signed, [targetsKey.signer]);
    return signed.toJSON();
  };
  let nextRootBody: unknown;

  const FIXTURES: Record<string, Fixture> = {
    'PUT /rest/v1/system/configs/{key}': {
      request: () => ['PUT', '/system/configs/release.approval.enabled', { value: true }],
      action: 'config.update',
      subjectType: 'config',
    },
    'POST /rest/v1/targets': {
      request: () => ['POST', '/targets', [{ controllerId: 'aw-1' }]],
      action: 'target.create',
      subjectType: 'target',
      subjectId: () => 'aw-1',
    },
    'PUT /rest/v1/targets/{controllerId}': {
      request: () => ['PUT', '/targets/aw-1', { name: 'Renamed' }],
      action: 'target.update',
      subjectType: 'target',
      subjectId: () => 'aw-1',
    },
    'POST /rest/v1/softwaremodules': {
      request: () => ['POST', '/softwaremodules', [{ name: 'aw', version: '1', type: 'os' }]],
      action: 'softwaremodule.create',
      subjectType: 'softwaremodule',
      subjectId: () => String(ids.module),
      keep: (res) => (ids.module = res.json[0].id),
    },
    'POST /rest/v1/softwaremodules/{id}/artifacts': {
      request: () => ['POST', `/softwaremodules/${ids.module}/artifacts`, form()],
      action: 'artifact.create',
      subjectType: 'artifact',
    },
    'POST /rest/v1/distributionsets': {
      request: () => ['POST', '/distributionsets', [{ name: 'aw', version: '1', type: 'os', modules: [{ id: ids.module }] }]],
      action: 'distributionset.create',
      subjectType: 'distributionset',
      subjectId: () => String(ids.ds),
      keep: (res) => (ids.ds = res.json[0].id),
    },
    'POST /rest/v1/targets/{controllerId}/assignedDS': {
      request: () => ['POST', '/targets/aw-1/assignedDS', { id: ids.ds, type: 'soft' }],
      action: 'distributionset.assign',
      subjectType: 'target',
      keep: (res) => (ids.action = res.json.assignedActions[0].id),
    },
    'POST /rest/v1/distributionsets/{id}/assignedTargets': {
      request: () => ['POST', `/distributionsets/${ids.ds}/assignedTargets`, [{ id: 'aw-2' }]],
      action: 'distributionset.assign',
      subjectType: 'target',
    },
    'PUT /rest/v1/targets/{controllerId}/actions/{actionId}': {
      request: () => ['PUT', `/targets/aw-1/actions/${ids.action}`, { forceType: 'forced' }],
      action: 'action.force',
      subjectType: 'action',
      subjectId: () => String(ids.action),
    },
    'DELETE /rest/v1/targets/{controllerId}/actions/{actionId}': {
      request: () => ['DELETE', `/targets/aw-1/actions/${ids.action}`],
      action: 'action.cancel',
      subjectType: 'action',
      subjectId: () => String(ids.action),
    },
    'DELETE /rest/v1/actions/{id}': {
      request: () => ['DELETE', `/actions/${ids.action}?force=true`],
      action: 'action.forcequit',
      subjectType: 'action',
      subjectId: () => String(ids.action),
    },
    'POST /rest/v1/distributionsets/{id}/release': {
      request: () => ['POST', `/distributionsets/${ids.ds}/release`, { securityVersion: 1, hardware: ['aw-board'] }],
      action: 'distributionset.release.request',
      subjectType: 'distributionset',
      subjectId: () => String(ids.ds),
    },
    'POST /rest/v1/distributionsets/{id}/release/approve': {
      auth: BOB,
      request: () => ['POST', `/distributionsets/${ids.ds}/release/approve`],
      // The second approval publishes the release: its own entry, in the same change.
      action: ['distributionset.release.approve', 'distributionset.release'],
      subjectType: 'distributionset',
      subjectId: () => String(ids.ds),
    },
    'POST /rest/v1/targettags': {
      request: () => ['POST', '/targettags', [{ name: 'aw-tag' }]],
      action: 'targettag.create',
      subjectType: 'targettag',
      subjectId: () => String(ids.targetTag),
      keep: (res) => (ids.targetTag = res.json[0].id),
    },
    'PUT /rest/v1/targettags/{id}': {
      request: () => ['PUT', `/targettags/${ids.targetTag}`, { description: 'walked' }],
      action: 'targettag.update',
      subjectType: 'targettag',
    },
    'POST /rest/v1/targettags/{id}/assigned': {
      request: () => ['POST', `/targettags/${ids.targetTag}/assigned`, ['aw-1']],
      action: 'targettag.assign',
      subjectType: 'targettag',
    },
    'DELETE /rest/v1/targettags/{id}/assigned/{controllerId}': {
      request: () => ['DELETE', `/targettags/${ids.targetTag}/assigned/aw-1`],
      action: 'targettag.unassign',
      subjectType: 'targettag',
    },
    'DELETE /rest/v1/targettags/{id}': {
      request: () => ['DELETE', `/targettags/${ids.targetTag}`],
      action: 'targettag.delete',
      subjectType: 'targettag',
      subjectId: () => String(ids.targetTag),
    },
    'POST /rest/v1/distributionsettags': {
      request: () => ['POST', '/distributionsettags', [{ name: 'aw-dstag' }]],
      action: 'distributionsettag.create',
      subjectType: 'distributionsettag',
      keep: (res) => (ids.dsTag = res.json[0].id),
    },
    'PUT /rest/v1/distributionsettags/{id}': {
      request: () => ['PUT', `/distributionsettags/${ids.dsTag}`, { description: 'walked' }],
      action: 'distributionsettag.update',
      subjectType: 'distributionsettag',
    },
    'DELETE /rest/v1/distributionsettags/{id}': {
      request: () => ['DELETE', `/distributionsettags/${ids.dsTag}`],
      action: 'distributionsettag.delete',
      subjectType: 'distributionsettag',
    },
    'POST /rest/v1/softwaremoduletypes': {
      request: () => ['POST', '/softwaremoduletypes', [{ key: 'aw-smt', name: 'AW module type' }]],
      action: 'softwaremoduletype.create',
      subjectType: 'softwaremoduletype',
      keep: (res) => (ids.smType = res.json[0].id),
    },
    'PUT /rest/v1/softwaremoduletypes/{id}': {
      request: () => ['PUT', `/softwaremoduletypes/${ids.smType}`, { description: 'walked' }],
      action: 'softwaremoduletype.update',
      subjectType: 'softwaremoduletype',
    },
    'DELETE /rest/v1/softwaremoduletypes/{id}': {
      request: () => ['DELETE', `/softwaremoduletypes/${ids.smType}`],
      action: 'softwaremoduletype.delete',
      subjectType: 'softwaremoduletype',
    },
    'POST /rest/v1/distributionsettypes': {
      request: () => ['POST', '/distributionsettypes', [{ key: 'aw-dst', name: 'AW set type' }]],
      action: 'distributionsettype.create',
      subjectType: 'distributionsettype',
      keep: (res) => (ids.dsType = res.json[0].id),
    },
    'PUT /rest/v1/distributionsettypes/{id}': {
      request: () => ['PUT', `/distributionsettypes/${ids.dsType}`, { description: 'walked' }],
      action: 'distributionsettype.update',
      subjectType: 'distributionsettype',
    },
    'POST /rest/v1/targettypes': {
      request: () => ['POST', '/targettypes', [{ key: 'aw-tt', name: 'AW board' }]],
      action: 'targettype.create',
      subjectType: 'targettype',
      keep: (res) => (ids.targetType = res.json[0].id),
    },
    'PUT /rest/v1/targettypes/{id}': {
      request: () => ['PUT', `/targettypes/${ids.targetType}`, { name: 'AW board v2' }],
      action: 'targettype.update',
      subjectType: 'targettype',
    },
    'POST /rest/v1/targettypes/{id}/compatibledistributionsettypes': {
      request: () => ['POST', `/targettypes/${ids.targetType}/compatibledistributionsettypes`, [{ id: ids.dsType }]],
      action: 'targettype.compatibility.add',
      subjectType: 'targettype',
    },
    'DELETE /rest/v1/targettypes/{id}': {
      request: () => ['DELETE', `/targettypes/${ids.targetType}`],
      action: 'targettype.delete',
      subjectType: 'targettype',
    },
    'DELETE /rest/v1/distributionsettypes/{id}': {
      request: () => ['DELETE', `/distributionsettypes/${ids.dsType}`],
      action: 'distributionsettype.delete',
      subjectType: 'distributionsettype',
    },
    'POST /rest/v1/targetfilters': {
      request: () => ['POST', '/targetfilters', [{ name: 'aw-filter', query: 'controllerId==aw-*' }]],
      action: 'targetfilter.create',
      subjectType: 'targetfilter',
      subjectId: () => String(ids.filter),
      keep: (res) => (ids.filter = res.json[0].id),
    },
    'PUT /rest/v1/targetfilters/{id}': {
      request: () => ['PUT', `/targetfilters/${ids.filter}`, { name: 'aw-filter-2' }],
      action: 'targetfilter.update',
      subjectType: 'targetfilter',
    },
    'POST /rest/v1/targetfilters/{id}/autoAssignDS': {
      request: () => ['POST', `/targetfilters/${ids.filter}/autoAssignDS`, { id: ids.ds }],
      action: 'autoassign.set',
      subjectType: 'targetfilter',
      subjectId: () => String(ids.filter),
    },
    'POST /rest/v1/targetfilters/{id}/autoAssignDS/pause': {
      request: () => ['POST', `/targetfilters/${ids.filter}/autoAssignDS/pause`],
      action: 'autoassign.pause',
      subjectType: 'targetfilter',
    },
    'POST /rest/v1/targetfilters/{id}/autoAssignDS/resume': {
      request: () => ['POST', `/targetfilters/${ids.filter}/autoAssignDS/resume`],
      action: 'autoassign.resume',
      subjectType: 'targetfilter',
    },
    'DELETE /rest/v1/targetfilters/{id}/autoAssignDS': {
      request: () => ['DELETE', `/targetfilters/${ids.filter}/autoAssignDS`],
      action: 'autoassign.remove',
      subjectType: 'targetfilter',
    },
    'DELETE /rest/v1/targetfilters/{id}': {
      request: () => ['DELETE', `/targetfilters/${ids.filter}`],
      action: 'targetfilter.delete',
      subjectType: 'targetfilter',
      subjectId: () => String(ids.filter),
    },
    ...Object.fromEntries(
      (
        [
          ['targets', () => 'aw-1', 'targets'],
          ['softwaremodules', () => String(ids.module), 'software_modules'],
          ['distributionsets', () => String(ids.ds), 'distribution_sets'],
        ] as const
      ).flatMap(([path, owner, type]): Array<[string, Fixture]> => [
        [
          `POST /rest/v1/${path}/{owner}/metadata`,
          { request: () => ['POST', `/${path}/${owner()}/metadata`, [{ key: 'aw', value: '1' }]], action: `${type}.metadata.create`, subjectType: type },
        ],
        [
          `PUT /rest/v1/${path}/{owner}/metadata/{key}`,
          { request: () => ['PUT', `/${path}/${owner()}/metadata/aw`, { value: '2' }], action: `${type}.metadata.update`, subjectType: type },
        ],
        [
          `DELETE /rest/v1/${path}/{owner}/metadata/{key}`,
          { request: () => ['DELETE', `/${path}/${owner()}/metadata/aw`], action: `${type}.metadata.delete`, subjectType: type },
        ],
      ]),
    ),
    'POST /rest/v1/rollouts': {
      request: () => ['POST', '/rollouts', { name: 'aw-r1', distributionSetId: ids.ds, targetFilterQuery: 'controllerId==aw-*', amountGroups: 2 }],
      action: 'rollout.create',
      subjectType: 'rollout',
      subjectId: () => String(ids.rollout),
      keep: (res) => (ids.rollout = res.json.id),
    },
    'POST /rest/v1/rollouts/{id}/start': {
      request: () => ['POST', `/rollouts/${ids.rollout}/start`],
      action: 'rollout.start',
      subjectType: 'rollout',
      subjectId: () => String(ids.rollout),
    },
    'POST /rest/v1/rollouts/{id}/pause': {
      before: tick,
      request: () => ['POST', `/rollouts/${ids.rollout}/pause`],
      action: 'rollout.pause',
      subjectType: 'rollout',
    },
    'POST /rest/v1/rollouts/{id}/resume': {
      request: () => ['POST', `/rollouts/${ids.rollout}/resume`],
      action: 'rollout.resume',
      subjectType: 'rollout',
    },
    'POST /rest/v1/rollouts/{id}/triggerNextGroup': {
      before: tick,
      request: () => ['POST', `/rollouts/${ids.rollout}/triggerNextGroup`],
      action: 'rollout.triggerNextGroup',
      subjectType: 'rollout',
    },
    'POST /rest/v1/rollouts/{id}/stop': {
      request: () => ['POST', `/rollouts/${ids.rollout}/stop`],
      action: 'rollout.stop',
      subjectType: 'rollout',
      subjectId: () => String(ids.rollout),
    },
    'POST /rest/v1/rollouts/{id}/retry': {
      // A finished rollout: started, its devices' actions closed (one failed), ticked to finished.
      before: async () => {
        ids.finished = (
          await ok('POST', '/rollouts', { name: 'aw-r4', distributionSetId: ids.ds, targetFilterQuery: 'controllerId==aw-*', amountGroups: 1 })
        ).json.id;
        await ok('POST', `/rollouts/${ids.finished}/start`);
        await tick();
        const db = server.database.db;
        await db.updateTable('actions').set({ status: 'FINISHED', active: false }).where('rollout_id', '=', ids.finished!).execute();
        const failed = await db.selectFrom('targets').select('id').where('controller_id', '=', 'aw-2').executeTakeFirstOrThrow();
        await db.updateTable('actions').set({ status: 'ERROR' }).where('rollout_id', '=', ids.finished!).where('target_id', '=', failed.id).execute();
        await tick();
        expect((await ok('GET', `/rollouts/${ids.finished}`)).json.status).toBe('finished');
      },
      request: () => ['POST', `/rollouts/${ids.finished}/retry`],
      // A retry is a new rollout over the failed devices: its entry is that rollout's creation.
      action: 'rollout.create',
      subjectType: 'rollout',
    },
    'DELETE /rest/v1/rollouts/{id}': {
      request: () => ['DELETE', `/rollouts/${ids.rollout}`],
      action: 'rollout.delete',
      subjectType: 'rollout',
      subjectId: () => String(ids.rollout),
    },
    'POST /rest/v1/rollouts/{id}/approve': {
      before: async () => {
        await ok('PUT', '/system/configs/rollout.approval.enabled', { value: true });
        ids.approveRollout = (
          await ok('POST', '/rollouts', { name: 'aw-r2', distributionSetId: ids.ds, targetFilterQuery: 'controllerId==aw-*', amountGroups: 1 })
        ).json.id;
        ids.denyRollout = (
          await ok('POST', '/rollouts', { name: 'aw-r3', distributionSetId: ids.ds, targetFilterQuery: 'controllerId==aw-*', amountGroups: 1 })
        ).json.id;
      },
      auth: BOB,
      request: () => ['POST', `/rollouts/${ids.approveRollout}/approve`],
      action: 'rollout.approve',
      subjectType: 'rollout',
      subjectId: () => String(ids.approveRollout),
    },
    'POST /rest/v1/rollouts/{id}/deny': {
      auth: BOB,
      request: () => ['POST', `/rollouts/${ids.denyRollout}/deny`],
      action: 'rollout.deny',
      subjectType: 'rollout',
      subjectId: () => String(ids.denyRollout),
    },
    'POST /rest/v1/users': {
      request: () => ['POST', '/users', { username: 'aw-user', password: 'aw-user-password-1', roles: ['VIEWER'] }],
      action: 'user.create',
      subjectType: 'user',
      subjectId: () => 'aw-user',
    },
    'PUT /rest/v1/users/{username}': {
      request: () => ['PUT', '/users/aw-user', { roles: ['TARGET_ADMIN'] }],
      action: 'user.roles',
      subjectType: 'user',
    },
    'PUT /rest/v1/users/{username}/password': {
      request: () => ['PUT', '/users/aw-user/password', { password: 'aw-user-password-2' }],
      action: 'user.password',
      subjectType: 'user',
    },
    'POST /rest/v1/sessions': {
      auth: '',
      request: () => ['POST', '/sessions', { username: 'aw-user', password: 'aw-user-password-2' }],
      action: 'session.create',
      subjectType: 'session',
      keep: (res) => (sessionToken = res.json.token),
    },
    'DELETE /rest/v1/sessions/current': {
      get auth() {
        return `Bearer ${sessionToken}`;
      },
      request: () => ['DELETE', '/sessions/current'],
      action: 'session.delete',
      subjectType: 'session',
    },
    'DELETE /rest/v1/users/{username}': {
      request: () => ['DELETE', '/users/aw-user'],
      action: 'user.delete',
      subjectType: 'user',
      subjectId: () => 'aw-user',
    },
    'POST /rest/v1/apitokens': {
      request: () => ['POST', '/apitokens', { name: 'aw-token', roles: ['VIEWER'] }],
      action: 'apitoken.create',
      subjectType: 'apitoken',
      subjectId: () => String(ids.token),
      keep: (res) => (ids.token = res.json.id),
    },
    'DELETE /rest/v1/apitokens/{id}': {
      request: () => ['DELETE', `/apitokens/${ids.token}`],
      action: 'apitoken.revoke',
      subjectType: 'apitoken',
      subjectId: () => String(ids.token),
    },
    'DELETE /rest/v1/distributionsets/{id}': {
      request: () => ['DELETE', `/distributionsets/${ids.spareDs}`],
      action: 'distributionset.delete',
      subjectType: 'distributionset',
      subjectId: () => String(ids.spareDs),
    },
    'DELETE /rest/v1/softwaremodules/{id}/artifacts/{artifactId}': {
      request: () => ['DELETE', `/softwaremodules/${ids.spareModule}/artifacts/${ids.spareArtifact}`],
      action: 'artifact.delete',
      subjectType: 'artifact',
      subjectId: () => String(ids.spareArtifact),
    },
    'DELETE /rest/v1/softwaremodules/{id}': {
      request: () => ['DELETE', `/softwaremodules/${ids.spareModule}`],
      action: 'softwaremodule.delete',
      subjectType: 'softwaremodule',
      subjectId: () => String(ids.spareModule),
    },
    'DELETE /rest/v1/targets/{controllerId}': {
      request: () => ['DELETE', '/targets/aw-spare'],
      action: 'target.delete',
      subjectType: 'target',
      subjectId: () => 'aw-spare',
    },
    'POST /rest/v1/tenants': {
      request: () => ['POST', '/tenants', { id: OTHER, adminPassword: 'auditwalk-tenant-password' }],
      action: 'tenant.create',
      subjectType: 'tenant',
      subjectId: () => OTHER,
    },
    // The TUF operations, in the new tenant (it has not released, so its root can be imported).
    'POST /rest/v1/tuf/root/import': {
      tenant: OTHER,
      auth: OTHER_ADMIN,
      before: async () => {
        await signMetadata(otherRoot, [root1.signer]);
      },
      request: () => [
        'POST',
        '/tuf/root/import',
        { root: otherRoot.toJSON(), keys: { snapshot: [encryptedPem(snapshotKey.key)], timestamp: [encryptedPem(timestampKey.key)] }, passphrase: PASSPHRASE },
      ],
      action: 'tuf.root.import',
      subjectType: 'tuf',
    },
    'PUT /rest/v1/tuf/targets': {
      tenant: OTHER,
      auth: OTHER_ADMIN,
      before: async () => {
        pendingBody = await signedPending();
      },
      request: () => ['PUT', '/tuf/targets', pendingBody],
      action: 'tuf.targets.submit',
      subjectType: 'tuf',
    },
    'DELETE /rest/v1/tuf/targets/pending': {
      tenant: OTHER,
      auth: OTHER_ADMIN,
      // A release in offline targets mode leaves pending targets metadata to discard.
      before: async () => {
        const module = (await ok('POST', '/softwaremodules', [{ name: 'aw-other', version: '1', type: 'os' }], OTHER_ADMIN)).json[0].id;
        await ok('POST', `/softwaremodules/${module}/artifacts`, form(), OTHER_ADMIN);
        const set = (await ok('POST', '/distributionsets', [{ name: 'aw-other', version: '1', type: 'os', modules: [{ id: module }] }], OTHER_ADMIN)).json[0]
          .id;
        await ok('POST', `/distributionsets/${set}/release`, { securityVersion: 1, hardware: ['aw-board'] }, OTHER_ADMIN);
      },
      request: () => ['DELETE', '/tuf/targets/pending'],
      action: 'tuf.targets.discard',
      subjectType: 'tuf',
    },
    'POST /rest/v1/tuf/keys/{role}': {
      tenant: OTHER,
      auth: OTHER_ADMIN,
      request: () => ['POST', '/tuf/keys/timestamp'],
      action: 'tuf.key.add',
      subjectType: 'tuf-key',
      keep: (res) => (stagedKey = res.json),
    },
    'PUT /rest/v1/tuf/root': {
      tenant: OTHER,
      auth: OTHER_ADMIN,
      before: async () => {
        const current = parseMetadata('root', Buffer.from((await ok('GET', '/tuf/root', undefined, OTHER_ADMIN)).text));
        const next = nextRoot(current, {
          roles: { root: { keys: [root2.signer.key], threshold: 1 }, timestamp: { keys: [Key.fromJSON(stagedKey.keyid, stagedKey.key)], threshold: 1 } },
          expires: expiresAfter(new Date(), DEFAULT_EXPIRY_DAYS.root),
        });
        await signMetadata(next, [root1.signer, root2.signer]);
        nextRootBody = next.toJSON();
      },
      request: () => ['PUT', '/tuf/root', nextRootBody],
      action: 'tuf.root.rotate',
      subjectType: 'tuf',
    },
  };
  let pendingBody: unknown;
  let stagedKey: { keyid: string; key: Parameters<typeof Key.fromJSON>[1] } = { keyid: '', key: {} };

  it('has a fixture for every mutating operation of the OpenAPI document, and none for an operation it lacks', async () => {
    const ops = await mutatingOperations();
    expect(ops.length).toBeGreaterThan(60);
    const covered = [...Object.keys(FIXTURES), ...Object.keys(NOT_A_CHANGE)].sort();
    expect(
      ops.filter((op) => !covered.includes(op)),
      'operations without a fixture',
    ).toEqual([]);
    expect(
      covered.filter((op) => !ops.includes(op)),
      'fixtures for operations the document lacks',
    ).toEqual([]);
  });

  it('writes exactly one audit entry per mutating operation, with its action and subject; the chain verifies', async () => {
    // The seeded tenant: a second user who approves, and what later steps consume.
    await ok('POST', '/users', {
      username: 'bob',
      password: 'bob-password-123',
      roles: ['APPROVE_RELEASE', 'APPROVE_ROLLOUT', 'READ_DISTRIBUTION_SET', 'READ_ROLLOUT'],
    });
    await ok('POST', '/targets', [{ controllerId: 'aw-2' }, { controllerId: 'aw-spare' }]);
    ids.spareModule = (await ok('POST', '/softwaremodules', [{ name: 'aw-spare', version: '1', type: 'os' }])).json[0].id;
    ids.spareArtifact = (await ok('POST', `/softwaremodules/${ids.spareModule}/artifacts`, form())).json.id;
    const spareSetModule = (await ok('POST', '/softwaremodules', [{ name: 'aw-spare-set', version: '1', type: 'os' }])).json[0].id;
    ids.spareDs = (await ok('POST', '/distributionsets', [{ name: 'aw-spare', version: '1', type: 'os', modules: [{ id: spareSetModule }] }])).json[0].id;

    const failures: string[] = [];
    for (const [op, fixture] of Object.entries(FIXTURES)) {
      await fixture.before?.();
      const tenant = fixture.tenant ?? 'DEFAULT';
      const before = (await entries(tenant)).length;
      const [method, path, body] = fixture.request();
      const res = await rest(method, path, body, fixture.auth ?? ADMIN);
      if (res.status >= 300) {
        failures.push(`${op}: ${res.status} ${res.text.slice(0, 200)}`);
        continue;
      }
      fixture.keep?.(res);
      const added = (await entries(tenant)).slice(before);
      const expected = typeof fixture.action === 'string' ? [fixture.action] : fixture.action;
      const summary = added.map((e) => `${e.action} ${e.subject.type}:${e.subject.id}`).join(', ');
      const subjectId = fixture.subjectId?.();
      if (
        added.length !== expected.length ||
        added.some((e, i) => e.action !== expected[i] || e.subject.type !== fixture.subjectType || (subjectId !== undefined && e.subject.id !== subjectId))
      )
        failures.push(`${op}: expected [${expected.join(', ')}] on ${fixture.subjectType}:${subjectId ?? '*'}, got [${summary}]`);
    }
    expect(failures).toEqual([]);
    for (const tenant of ['DEFAULT', OTHER]) expect(verifyAuditChain(await entries(tenant)).ok, tenant).toBe(true);
  });

  it('adds no audit entry for a refused request (bad body, unknown id)', async () => {
    const refused: Array<[method: string, path: string, body?: unknown]> = [
      ['POST', '/targets', [{ controllerId: 'bad id' }]],
      ['PUT', '/targets/no-such-target', { name: 'x' }],
      ['DELETE', '/targets/no-such-target'],
      ['POST', '/softwaremodules', []],
      ['DELETE', '/softwaremodules/999999'],
      ['POST', '/distributionsets', [{ name: 'x', version: '1', modules: [{ id: 999999 }] }]],
      ['POST', '/distributionsets/999999/assignedTargets', [{ id: 'aw-2' }]],
      ['POST', '/distributionsets/999999/release', { securityVersion: 1, hardware: ['aw-board'] }],
      ['PUT', '/system/configs/no.such.key', { value: 1 }],
      ['POST', '/targettags/999999/assigned', ['aw-2']],
      ['POST', '/targetfilters', [{ name: 'broken', query: 'name==(' }]],
      ['POST', '/rollouts', { name: 'x', distributionSetId: 999999, targetFilterQuery: 'controllerId==aw-*' }],
      ['POST', '/rollouts/999999/start'],
      ['POST', '/users', { username: 'shorty', password: 'short', roles: [] }],
      ['DELETE', '/apitokens/999999'],
      ['PUT', '/tuf/root', { signed: {}, signatures: [] }],
    ];
    const before = await entries();
    for (const [method, path, body] of refused) {
      const res = await rest(method, path, body);
      expect(res.status, `${method} ${path}: ${res.text}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(500);
      expect(res.json?.errorCode, `${method} ${path}`).toEqual(expect.any(String));
      expect(res.json?.message, `${method} ${path}`).toEqual(expect.any(String));
    }
    expect(await entries()).toEqual(before);
  });
});
