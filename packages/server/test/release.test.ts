/**
 * Sign, on the server: every tenant's TUF repository (generated, or imported from an offline root
 * ceremony), releases of distribution sets into it (verified by tuf-js over HTTP, delivered over
 * DDI with the device's own age header), four-eyes approval, root rotation signed offline,
 * offline targets signing, and timestamp re-signing before expiry. PGlite, and PostgreSQL when
 * reachable.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Key, type Metadata, type Root } from '@tufjs/models';
import { Updater } from 'tuf-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AGE_CHUNK_SIZE,
  buildRoot,
  decrypt,
  DEFAULT_EXPIRY_DAYS,
  expiresAfter,
  isOspreyError,
  KeyObjectSigner,
  nextRoot,
  parseMetadata,
  releaseCustomOf,
  signMetadata,
  verifyAuditChain,
  X25519Identity,
  type Signer,
} from '@osprey/core';
import { sha256Hex as sha256 } from '../../../testkit/hash.js';
import { readAudit } from '../src/domain/audit.js';
import { hashPassword } from '../src/domain/bootstrap.js';
import { basicAuth as basic, restClient } from '../../../testkit/rest.js';
import { hasPostgres, startTestServer, type DbKind, type TestServer } from '../../../testkit/server.js';
import { hasCommand } from '../../../testkit/tools.js';

const kinds: DbKind[] = ['pglite', ...((await hasPostgres()) ? (['postgres'] as const) : [])];
const ADMIN = basic('admin', 'admin-password');
const BOB = basic('bob', 'bob-password');
const CAROL = basic('carol', 'carol-password');
const ACME = basic('ACME\\acme-admin', 'acme-password');
const PASSPHRASE = 'offline ceremony passphrase';
const HOUR = 60 * 60 * 1000;

function ed25519(): { key: KeyObject; signer: Signer } {
  const key = generateKeyPairSync('ed25519').privateKey;
  return { key, signer: new KeyObjectSigner(key) };
}
function p256(): { key: KeyObject; signer: Signer } {
  const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  return { key, signer: new KeyObjectSigner(key) };
}
const encryptedPem = (key: KeyObject) => key.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }).toString();

describe.each(kinds)('Sign: releases into the tenant TUF repository on %s', (kind) => {
  let server: TestServer;
  const work = mkdtempSync(join(tmpdir(), `osprey-release-${kind}-`));
  let clients = 0;

  beforeAll(async () => {
    server = await startTestServer(kind, { maxArtifactBytes: 4 * 1024 * 1024 }, { listen: true });
    const db = server.database.db;
    await db
      .insertInto('users')
      .values({ tenant: 'DEFAULT', username: 'bob', password_hash: await hashPassword('bob-password'), roles: JSON.stringify(['TENANT_ADMIN']) })
      .execute();
    // May request releases (UPDATE_DISTRIBUTION_SET), never approve them.
    await db
      .insertInto('users')
      .values({ tenant: 'DEFAULT', username: 'carol', password_hash: await hashPassword('carol-password'), roles: JSON.stringify(['REPOSITORY_ADMIN']) })
      .execute();
    await db
      .insertInto('tenants')
      .values({ id: 'ACME', config: JSON.stringify({}) })
      .execute();
    await db
      .insertInto('users')
      .values({ tenant: 'ACME', username: 'acme-admin', password_hash: await hashPassword('acme-password'), roles: JSON.stringify(['TENANT_ADMIN']) })
      .execute();
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const api = restClient(() => server.url, ADMIN);
  const upload = (moduleId: number, bytes: Uint8Array, filename: string, authorization = ADMIN) => {
    const form = new FormData();
    form.append('file', new Blob([bytes]), filename);
    return api('POST', `/softwaremodules/${moduleId}/artifacts`, form, authorization);
  };
  /** A module with artifacts in a new distribution set; returns the set's and the module's ids. */
  const makeSet = async (name: string, version: string, files: Array<[string, Uint8Array]>, options: { encrypted?: boolean; authorization?: string } = {}) => {
    const authorization = options.authorization ?? ADMIN;
    const modules = await api('POST', '/softwaremodules', [{ name, version, type: 'os', encrypted: options.encrypted ?? false }], authorization);
    expect(modules.status).toBe(201);
    const moduleId = modules.json[0].id as number;
    for (const [filename, bytes] of files) expect((await upload(moduleId, bytes, filename, authorization)).status).toBe(201);
    const sets = await api('POST', '/distributionsets', [{ name, version, type: 'os', modules: [{ id: moduleId }] }], authorization);
    expect(sets.status).toBe(201);
    return { dsId: sets.json[0].id as number, moduleId };
  };
  /** A device's TUF client that trusts `root` (bytes of N.root.json) and refreshes from the server. */
  const tufClient = async (tenant: string, root: Uint8Array) => {
    const dir = join(work, `client-${++clients}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'root.json'), root);
    const updater = new Updater({
      metadataDir: dir,
      metadataBaseUrl: `${server.url}/${tenant}/tuf/metadata`,
      targetBaseUrl: `${server.url}/${tenant}/tuf/targets`,
      targetDir: dir,
    });
    await updater.refresh();
    return { updater, dir };
  };
  const file = async (tenant: string, name: string) => {
    const row = await server.database.db.selectFrom('tuf_files').select('bytes').where('tenant', '=', tenant).where('name', '=', name).executeTakeFirst();
    return row ? Buffer.from(row.bytes) : undefined;
  };
  const defaultRoot = async () => Buffer.from((await api('GET', '/tuf/root')).text);

  it('gives the default tenant a repository on first start that tuf-js refreshes', async () => {
    const root = await api('GET', '/tuf/root');
    expect(root.status).toBe(200);
    expect(root.json.signed).toMatchObject({ _type: 'root', version: 1, consistent_snapshot: true });
    const { updater } = await tufClient('DEFAULT', Buffer.from(root.text));
    expect(await updater.getTargetInfo('nothing-released-yet.img')).toBeUndefined();
    // The server holds all four keys of a repository it generated.
    const keys = await api('GET', '/tuf/keys');
    expect(
      keys.json
        .filter((k: { inRoot: boolean }) => k.inRoot)
        .map((k: { role: string }) => k.role)
        .sort(),
    ).toEqual(['root', 'snapshot', 'targets', 'timestamp']);
  });

  it('creates one repository under concurrent first calls', async () => {
    await server.database.db
      .insertInto('tenants')
      .values({ id: 'RACE', config: JSON.stringify({}) })
      .execute();
    const results = await Promise.all([1, 2, 3, 4].map(() => server.tuf.ensureRepository('RACE')));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const files = await server.database.db.selectFrom('tuf_files').select('name').where('tenant', '=', 'RACE').orderBy('name').execute();
    expect(files.map((f) => f.name)).toEqual(['1.root.json', '1.snapshot.json', '1.targets.json', 'root.json', 'timestamp.json']);
    expect(await server.tuf.ensureRepository('RACE')).toEqual({ created: false });
  });

  it('replaces a generated repository that released nothing with an offline root; given the targets key, signs targets online', async () => {
    const RACE = basic('RACE\\race-admin', 'race-password');
    await server.database.db
      .insertInto('users')
      .values({ tenant: 'RACE', username: 'race-admin', password_hash: await hashPassword('race-password'), roles: JSON.stringify(['TENANT_ADMIN']) })
      .execute();
    const [rootKey, targetsKey, snapshotKey, timestampKey] = [p256(), p256(), p256(), ed25519()];
    const root = buildRoot({
      roles: {
        root: { keys: [rootKey.signer.key], threshold: 1 },
        targets: { keys: [targetsKey.signer.key], threshold: 1 },
        snapshot: { keys: [snapshotKey.signer.key], threshold: 1 },
        timestamp: { keys: [timestampKey.signer.key], threshold: 1 },
      },
      expires: expiresAfter(new Date(), DEFAULT_EXPIRY_DAYS.root),
    });
    await signMetadata(root, [rootKey.signer]);
    const keys = { targets: [encryptedPem(targetsKey.key)], snapshot: [encryptedPem(snapshotKey.key)], timestamp: [encryptedPem(timestampKey.key)] };
    expect((await api('POST', '/tuf/root/import', { root: root.toJSON(), keys, passphrase: 'wrong passphrase' }, RACE)).json.message).toMatch(
      /keys\.targets\[0\].*passphrase/,
    );
    const imported = await api('POST', '/tuf/root/import', { root: root.toJSON(), keys, passphrase: PASSPHRASE }, RACE);
    expect(imported.status).toBe(200);
    expect(imported.json).toEqual({ rootVersion: 1, targetsOffline: false, published: { targets: 1, snapshot: 1, timestamp: 1 } });
    // The generated keys are retired: the server holds exactly the three online keys the new root lists.
    const held = (await api('GET', '/tuf/keys', undefined, RACE)).json as Array<{ role: string; inRoot: boolean }>;
    expect(held.map((k) => [k.role, k.inRoot])).toEqual([
      ['targets', true],
      ['snapshot', true],
      ['timestamp', true],
    ]);
    // Importing again is a rotation's job now.
    expect((await api('POST', '/tuf/root/import', { root: root.toJSON(), keys, passphrase: PASSPHRASE }, RACE)).status).toBe(409);
    const { dsId } = await makeSet('race-fw', '1.0.0', [['fw.bin', randomBytes(1000)]], { authorization: RACE });
    expect((await api('POST', `/distributionsets/${dsId}/release`, { securityVersion: 0, hardware: ['x'] }, RACE)).json).toMatchObject({
      state: 'released',
      published: { targets: 2 },
    });
    const { updater } = await tufClient('RACE', Buffer.from(JSON.stringify(root.toJSON())));
    expect(releaseCustomOf((await updater.getTargetInfo('race-fw-1.0.0.img'))!)).toMatchObject({ name: 'race-fw', encryption: { format: 'none' } });
  });

  it('releases an encrypted set: DDI names the TUF target, tuf-js verifies it, only the device opens its header', async () => {
    const image = randomBytes(300_000);
    const device = X25519Identity.generate();
    const stranger = X25519Identity.generate();
    const { dsId } = await makeSet('gw-os', '4.2.0', [['gw-os.img', image]], { encrypted: true });
    expect((await api('POST', `/distributionsets/${dsId}/release`, { securityVersion: 5, hardware: ['board-a', 'board-b'], colour: 'red' })).status).toBe(400);
    // Without APPROVE_RELEASE (four-eyes off) nobody releases.
    const carol = await api('POST', `/distributionsets/${dsId}/release`, { securityVersion: 5, hardware: ['board-a'] }, CAROL);
    expect(carol.status).toBe(403);
    expect(carol.json.message).toMatch(/APPROVE_RELEASE/);

    const released = await api('POST', `/distributionsets/${dsId}/release`, { securityVersion: 5, hardware: ['board-a', 'board-b'], installType: 'image' });
    expect(released.status).toBe(200);
    expect(released.json).toMatchObject({ id: dsId, state: 'released', releasedBy: 'user:admin', published: { targets: 2, snapshot: 2, timestamp: 2 } });
    expect(released.json.targets.map((t: { path: string }) => t.path)).toEqual(['gw-os-4.2.0.age']);
    const again = await api('POST', `/distributionsets/${dsId}/release`, { securityVersion: 5, hardware: ['board-a'] });
    expect(again.status).toBe(409);
    expect(again.json.message).toMatch(/released already/);

    // Assign it to a device whose key the operator registered.
    const created = await api('POST', '/targets', [{ controllerId: 'dev-sign-1', securityToken: 'token-dev-sign-1', publicKey: device.recipient.toString() }]);
    expect(created.status).toBe(201);
    expect((await api('POST', `/distributionsets/${dsId}/assignedTargets`, [{ id: 'dev-sign-1' }])).json.assigned).toBe(1);
    await server.ddi.settle();
    const headers = { authorization: 'TargetToken token-dev-sign-1' };
    const poll = (await (await fetch(`${server.url}/DEFAULT/controller/v1/dev-sign-1`, { headers })).json()) as {
      _links: { deploymentBase: { href: string } };
    };
    const deployment = (await (await fetch(poll._links.deploymentBase.href, { headers })).json()) as any;
    const artifact = deployment.deployment.chunks[0].artifacts[0];
    expect(artifact.osprey.tufTarget).toBe('gw-os-4.2.0.age');
    expect(deployment.osprey.tuf.metadata).toBe(`${server.url}/DEFAULT/tuf/metadata`);

    // The device: TUF from its provisioned root, then the target's custom metadata.
    const { updater, dir } = await tufClient('DEFAULT', await defaultRoot());
    const target = await updater.getTargetInfo(artifact.osprey.tufTarget);
    expect(target).toBeDefined();
    expect(releaseCustomOf(target!)).toEqual({
      name: 'gw-os',
      version: '4.2.0',
      securityVersion: 5,
      hardware: ['board-a', 'board-b'],
      installType: 'image',
      plaintext: { length: image.length, sha256: sha256(image) },
      encryption: { format: 'age-v1', chunkSize: AGE_CHUNK_SIZE },
    });
    const payload = Buffer.from(await (await fetch(artifact._links['download-http'].href, { headers })).arrayBuffer());
    expect(payload.length).toBe(target!.length);
    expect(sha256(payload)).toBe(target!.hashes.sha256);
    expect(readFileSync(await updater.downloadTarget(target!, join(dir, 'payload'))).equals(payload)).toBe(true);
    const header = Buffer.from(artifact.osprey.encryption.header, 'base64');
    expect((await decrypt(Buffer.concat([header, payload]), [device])).equals(image)).toBe(true);
    const refusal = await decrypt(Buffer.concat([header, payload]), [stranger]).catch((e: unknown) => e);
    expect(isOspreyError(refusal, 'AGE_NO_MATCHING_KEY')).toBe(true);

    // For an offline bundle the operator asks for the same kind of header without a deployment:
    // with the payload it is an age file the reference implementation (Debian `age`) decrypts.
    const ageHeader = await fetch(`${server.url}/rest/v1/targets/dev-sign-1/ageheader?tufTarget=gw-os-4.2.0.age`, { headers: { authorization: ADMIN } });
    expect(ageHeader.status).toBe(200);
    expect(ageHeader.headers.get('content-type')).toMatch(/application\/octet-stream/);
    const bundleHeader = Buffer.from(await ageHeader.arrayBuffer());
    if (hasCommand('age')) {
      const identityFile = join(work, 'dev-sign-1.key');
      writeFileSync(identityFile, `${device.toString()}\n`, { mode: 0o600 });
      expect(execFileSync('age', ['-d', '-i', identityFile], { input: Buffer.concat([bundleHeader, payload]) }).equals(image)).toBe(true);
    }
    expect((await decrypt(Buffer.concat([bundleHeader, payload]), [device])).equals(image)).toBe(true);
    expect((await api('GET', '/targets/dev-sign-1/ageheader?tufTarget=gw-os-9.9.9.age')).status).toBe(404);
    expect((await api('GET', '/targets/dev-sign-1/ageheader')).json).toMatchObject({ errorCode: 'hawkbit.server.error.rest.param.invalid' });
    expect((await api('POST', '/targets', [{ controllerId: 'dev-sign-nokey', securityToken: 'token-dev-sign-nokey' }])).status).toBe(201);
    const noKey = await api('GET', '/targets/dev-sign-nokey/ageheader?tufTarget=gw-os-4.2.0.age');
    expect(noKey.status).toBe(409);
    expect(noKey.json).toMatchObject({ errorCode: 'osprey.server.error.target.publicKeyMissing' });
    expect(noKey.json.message).toMatch(/no registered public key/);

    // Recorded: state, artifact target, and an audit entry in an intact chain.
    const status = await api('GET', `/distributionsets/${dsId}/release`);
    expect(status.json).toMatchObject({ state: 'released', releasedBy: 'user:admin', targets: [{ path: 'gw-os-4.2.0.age' }] });
    const audit = await readAudit(server.database.db, 'DEFAULT');
    expect(audit.map((e) => e.action)).toContain('distributionset.release');
    expect(() => verifyAuditChain(audit)).not.toThrow();
  });

  it('names each target of a set with several plain artifacts after module, version and file', async () => {
    const a = randomBytes(5000);
    const b = randomBytes(7000);
    const { dsId } = await makeSet('app-bundle', '1.0.1', [
      ['app.tar', a],
      ['config.json', b],
    ]);
    const released = await api('POST', `/distributionsets/${dsId}/release`, { securityVersion: 2, hardware: ['board-a'], installType: 'archive' });
    expect(released.status).toBe(200);
    expect(released.json.targets.map((t: { path: string }) => t.path)).toEqual(['app-bundle-1.0.1-app.tar', 'app-bundle-1.0.1-config.json']);
    const { updater } = await tufClient('DEFAULT', await defaultRoot());
    const target = await updater.getTargetInfo('app-bundle-1.0.1-config.json');
    expect(target?.hashes.sha256).toBe(sha256(b));
    expect(releaseCustomOf(target!)).toMatchObject({
      installType: 'archive',
      plaintext: { length: b.length, sha256: sha256(b) },
      encryption: { format: 'none' },
    });
    // Earlier releases stay targets.
    expect(await updater.getTargetInfo('gw-os-4.2.0.age')).toBeDefined();
  });

  it('four-eyes: the requester cannot approve their own release, a second user can', async () => {
    expect((await api('PUT', '/system/configs/release.approval.enabled', { value: true })).status).toBe(200);
    try {
      const { dsId } = await makeSet('gw-os', '4.3.0', [['gw-os.img', randomBytes(10_000)]], { encrypted: true });
      // carol may request (UPDATE_DISTRIBUTION_SET) ...
      const requested = await api('POST', `/distributionsets/${dsId}/release`, { securityVersion: 6, hardware: ['board-a'] }, CAROL);
      expect(requested.status).toBe(202);
      expect(requested.json).toMatchObject({ state: 'pending_approval', requestedBy: 'user:carol' });
      // ... but not approve; nor may she approve her own request if she could.
      expect((await api('POST', `/distributionsets/${dsId}/release/approve`, undefined, CAROL)).status).toBe(403);
      expect((await api('POST', `/distributionsets/${dsId}/release`, { securityVersion: 6, hardware: ['board-a'] })).status).toBe(409);
      expect((await api('GET', `/distributionsets/${dsId}/release`)).json).toMatchObject({
        state: 'pending_approval',
        request: { securityVersion: 6, hardware: ['board-a'] },
      });
      // The list says which sets await approval, and filters by it (the console's list of pending releases).
      const pending = (await api('GET', `/distributionsets?q=${encodeURIComponent('releaseState==pending_approval')}`)).json;
      expect(pending.content.map((d: { id: number; releaseState: string }) => [d.id, d.releaseState])).toEqual([[dsId, 'pending_approval']]);
      expect((await api('POST', `/distributionsets/${dsId}/release/approve`, undefined, BOB)).json).toMatchObject({
        state: 'released',
        requestedBy: 'user:carol',
        releasedBy: 'user:bob',
      });
      expect((await api('GET', `/distributionsets/${dsId}`)).json.releaseState).toBe('released');

      // admin requests; admin cannot approve, bob can.
      const second = await makeSet('gw-os', '4.4.0', [['gw-os.img', randomBytes(10_000)]], { encrypted: true });
      expect((await api('POST', `/distributionsets/${second.dsId}/release`, { securityVersion: 7, hardware: ['board-a'] })).status).toBe(202);
      const own = await api('POST', `/distributionsets/${second.dsId}/release/approve`);
      expect(own.status).toBe(403);
      expect(own.json.message).toMatch(/four-eyes.*user:admin.*cannot approve/);
      expect((await api('GET', `/distributionsets/${second.dsId}/release`)).json.state).toBe('pending_approval');
      const approved = await api('POST', `/distributionsets/${second.dsId}/release/approve`, undefined, BOB);
      expect(approved.status).toBe(200);
      expect(approved.json).toMatchObject({ state: 'released', requestedBy: 'user:admin', releasedBy: 'user:bob' });
      expect((await api('POST', `/distributionsets/${second.dsId}/release/approve`, undefined, BOB)).status).toBe(409);
      const { updater } = await tufClient('DEFAULT', await defaultRoot());
      expect(releaseCustomOf((await updater.getTargetInfo('gw-os-4.4.0.age'))!).securityVersion).toBe(7);
      const actions = (await readAudit(server.database.db, 'DEFAULT')).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['distributionset.release.request', 'distributionset.release.approve']));
    } finally {
      await api('PUT', '/system/configs/release.approval.enabled', { value: false });
    }
  });

  it('refuses to replace the root of a tenant that has released', async () => {
    const [rootKey, snapshotKey, timestampKey] = [ed25519(), ed25519(), ed25519()];
    const root = buildRoot({
      roles: {
        root: { keys: [rootKey.signer.key], threshold: 1 },
        targets: { keys: [ed25519().signer.key], threshold: 1 },
        snapshot: { keys: [snapshotKey.signer.key], threshold: 1 },
        timestamp: { keys: [timestampKey.signer.key], threshold: 1 },
      },
      expires: expiresAfter(new Date(), 365),
    });
    await signMetadata(root, [rootKey.signer]);
    const res = await api('POST', '/tuf/root/import', {
      root: root.toJSON(),
      keys: { snapshot: [encryptedPem(snapshotKey.key)], timestamp: [encryptedPem(timestampKey.key)] },
      passphrase: PASSPHRASE,
    });
    expect(res.status).toBe(409);
    expect(res.json.message).toMatch(/released/);
  });

  it('re-signs the timestamp when it expires within half its lifetime, the snapshot when it is due', async () => {
    const before = parseMetadata('timestamp', (await file('DEFAULT', 'timestamp.json'))!);
    expect(await server.tuf.refreshTimestamp('DEFAULT', new Date())).toEqual({ refreshed: [] });
    const later = new Date(Date.now() + 13 * HOUR);
    expect(await server.tuf.refreshTimestamp('DEFAULT', later)).toEqual({ refreshed: ['timestamp'] });
    const after = parseMetadata('timestamp', (await file('DEFAULT', 'timestamp.json'))!);
    expect(after.signed.version).toBe(before.signed.version + 1);
    expect(after.signed.snapshotMeta.version).toBe(before.signed.snapshotMeta.version);
    expect(new Date(after.signed.expires).getTime()).toBeGreaterThan(later.getTime() + 23 * HOUR);
    // Once refreshed, nothing is due at that time any more.
    expect(await server.tuf.refreshTimestamp('DEFAULT', later)).toEqual({ refreshed: [] });
    // Four days on, the snapshot (7 days) is due too.
    expect(await server.tuf.refreshTimestamp('DEFAULT', new Date(Date.now() + 4 * 24 * HOUR))).toEqual({ refreshed: ['snapshot', 'timestamp'] });
    const { updater } = await tufClient('DEFAULT', await defaultRoot());
    expect(await updater.getTargetInfo('gw-os-4.2.0.age')).toBeDefined();
    // Half a year on, the root the server generated renews itself (and online targets are re-signed); a device with root v1 follows.
    const v1 = await file('DEFAULT', '1.root.json');
    expect((await server.tuf.refreshTimestamp('DEFAULT', new Date(Date.now() + 190 * 24 * HOUR))).refreshed).toEqual([
      'root',
      'targets',
      'snapshot',
      'timestamp',
    ]);
    expect((await api('GET', '/tuf/root')).json.signed.version).toBe(2);
    expect(await (await tufClient('DEFAULT', v1!)).updater.getTargetInfo('gw-os-4.2.0.age')).toBeDefined();
  });

  describe('a tenant with an offline root ceremony', () => {
    const root1 = ed25519();
    const root2 = p256();
    const targetsKey = ed25519();
    const snapshotKey = p256();
    const timestampKey = ed25519();
    let root: Metadata<Root>;
    let rootV2: Metadata<Root>;

    it('imports root v1 given the snapshot and timestamp keys, naming what is missing', async () => {
      root = buildRoot({
        roles: {
          root: { keys: [root1.signer.key], threshold: 1 },
          targets: { keys: [targetsKey.signer.key], threshold: 1 },
          snapshot: { keys: [snapshotKey.signer.key], threshold: 1 },
          timestamp: { keys: [timestampKey.signer.key], threshold: 1 },
        },
        expires: expiresAfter(new Date(), DEFAULT_EXPIRY_DAYS.root),
      });
      await signMetadata(root, [root1.signer]);
      const withoutTimestamp = await api(
        'POST',
        '/tuf/root/import',
        { root: root.toJSON(), keys: { snapshot: [encryptedPem(snapshotKey.key)] }, passphrase: PASSPHRASE },
        ACME,
      );
      expect(withoutTimestamp.status).toBe(400);
      expect(withoutTimestamp.json.message).toMatch(/timestamp key.*keys\.timestamp/);
      const wrongKey = await api(
        'POST',
        '/tuf/root/import',
        { root: root.toJSON(), keys: { snapshot: [encryptedPem(ed25519().key)], timestamp: [encryptedPem(timestampKey.key)] }, passphrase: PASSPHRASE },
        ACME,
      );
      expect(wrongKey.status).toBe(400);
      expect(wrongKey.json.message).toMatch(/keys\.snapshot\[0\].*not a snapshot key/);
      const imported = await api(
        'POST',
        '/tuf/root/import',
        { root: root.toJSON(), keys: { snapshot: [encryptedPem(snapshotKey.key)], timestamp: [encryptedPem(timestampKey.key)] }, passphrase: PASSPHRASE },
        ACME,
      );
      expect(imported.status).toBe(200);
      // The targets key stayed offline: the tenant now signs targets offline, starting with v1.
      expect(imported.json).toEqual({ rootVersion: 1, targetsOffline: true, pendingTargetsVersion: 1 });
      expect((await api('GET', '/system/configs', undefined, ACME)).json['tuf.targets.offline'].value).toBe(true);
      expect((await api('GET', '/tuf/root', undefined, ACME)).json.signatures).toEqual(root.toJSON().signatures);
      // The server kept no root key of this tenant.
      expect((await api('GET', '/tuf/keys', undefined, ACME)).json.filter((k: { role: string }) => k.role === 'root')).toEqual([]);
    });

    it('publishes targets only when the offline targets key signed exactly the pending metadata', async () => {
      const pending = await api('GET', '/tuf/targets/pending', undefined, ACME);
      expect(pending.status).toBe(200);
      const bySnapshotKey = parseMetadata('targets', Buffer.from(pending.text));
      await signMetadata(bySnapshotKey, [snapshotKey.signer]);
      const refused = await api('PUT', '/tuf/targets', bySnapshotKey.toJSON(), ACME);
      expect(refused.status).toBe(400);
      expect(refused.json.message).toMatch(/not signed by the targets key/);
      const signed = parseMetadata('targets', Buffer.from(pending.text));
      await signMetadata(signed, [targetsKey.signer]);
      const published = await api('PUT', '/tuf/targets', signed.toJSON(), ACME);
      expect(published.status).toBe(200);
      expect(published.json.published).toEqual({ targets: 1, snapshot: 1, timestamp: 1 });
      expect((await api('GET', '/tuf/targets/pending', undefined, ACME)).status).toBe(404);
      await tufClient('ACME', Buffer.from(JSON.stringify(root.toJSON())));
    });

    it('releases in offline targets mode: 202, pending targets, and tuf-js sees the release once signed offline', async () => {
      const image = randomBytes(20_000);
      const { dsId } = await makeSet('acme-fw', '2.0.0', [['fw.bin', image]], { encrypted: true, authorization: ACME });
      const res = await api('POST', `/distributionsets/${dsId}/release`, { securityVersion: 1, hardware: ['acme-board'] }, ACME);
      expect(res.status).toBe(202);
      expect(res.json).toMatchObject({ state: 'pending_signature', pendingTargetsVersion: 2 });
      expect(res.json._links.pendingTargets.href).toMatch(/\/rest\/v1\/tuf\/targets\/pending$/);
      expect((await api('GET', `/distributionsets/${dsId}/release`, undefined, ACME)).json).toMatchObject({
        state: 'pending_signature',
        pendingTargetsVersion: 2,
        targets: [{ path: 'acme-fw-2.0.0.age' }],
      });
      // Nothing is published (or named to devices) before the offline signature; internal files are never served.
      expect(await file('ACME', '2.targets.json')).toBeUndefined();
      for (const name of ['pending.targets.json', 'pending.release.json']) expect((await fetch(`${server.url}/ACME/tuf/metadata/${name}`)).status).toBe(400);
      const other = await makeSet('acme-fw', '2.0.1', [['fw.bin', randomBytes(100)]], { authorization: ACME });
      expect((await api('POST', `/distributionsets/${other.dsId}/release`, { securityVersion: 1, hardware: ['acme-board'] }, ACME)).status).toBe(409);

      const pendingText = (await api('GET', '/tuf/targets/pending', undefined, ACME)).text;
      // Signed by the right key, but not what is pending.
      const alteredJson = JSON.parse(pendingText);
      alteredJson.signed.expires = expiresAfter(new Date(), 60);
      const altered = parseMetadata('targets', Buffer.from(JSON.stringify(alteredJson)));
      await signMetadata(altered, [targetsKey.signer]);
      const mismatch = await api('PUT', '/tuf/targets', altered.toJSON(), ACME);
      expect(mismatch.status).toBe(409);
      expect(mismatch.json.message).toMatch(/differs from the pending/);
      // Unsigned: refused.
      expect((await api('PUT', '/tuf/targets', JSON.parse(pendingText), ACME)).status).toBe(400);
      const signed = parseMetadata('targets', Buffer.from(pendingText));
      await signMetadata(signed, [targetsKey.signer]);
      const published = await api('PUT', '/tuf/targets', signed.toJSON(), ACME);
      expect(published.status).toBe(200);
      expect(published.json).toEqual({ published: { targets: 2, snapshot: 2, timestamp: 2 }, released: [dsId] });
      expect((await api('GET', `/distributionsets/${dsId}/release`, undefined, ACME)).json).toMatchObject({
        state: 'released',
        releasedBy: 'user:acme-admin',
        targets: [{ path: 'acme-fw-2.0.0.age' }],
      });

      const { updater } = await tufClient('ACME', Buffer.from(JSON.stringify(root.toJSON())));
      const target = await updater.getTargetInfo('acme-fw-2.0.0.age');
      expect(releaseCustomOf(target!)).toMatchObject({
        name: 'acme-fw',
        version: '2.0.0',
        hardware: ['acme-board'],
        plaintext: { length: image.length, sha256: sha256(image) },
      });
    });

    it('rotates the root when signed by the old and the new root keys, not by the new ones only', async () => {
      const current = parseMetadata('root', Buffer.from((await api('GET', '/tuf/root', undefined, ACME)).text));
      rootV2 = nextRoot(current, { roles: { root: { keys: [root2.signer.key], threshold: 1 } }, expires: expiresAfter(new Date(), DEFAULT_EXPIRY_DAYS.root) });
      await signMetadata(rootV2, [root2.signer]);
      const newOnly = await api('PUT', '/tuf/root', rootV2.toJSON(), ACME);
      expect(newOnly.status).toBe(400);
      expect(newOnly.json.message).toMatch(/not signed by the keys of root v1/);
      expect((await api('GET', '/tuf/root', undefined, ACME)).json.signed.version).toBe(1);
      await signMetadata(rootV2, [root1.signer]);
      const rotated = await api('PUT', '/tuf/root', rootV2.toJSON(), ACME);
      expect(rotated.status).toBe(200);
      expect(rotated.json).toEqual({ rootVersion: 2, changedRoles: ['root'], republished: [] });
      expect((await api('GET', '/tuf/root', undefined, ACME)).json.signed.version).toBe(2);
      // Replaying v2, or skipping to v4, is refused.
      expect((await api('PUT', '/tuf/root', rootV2.toJSON(), ACME)).status).toBe(409);
      // A device provisioned with root v1 follows the rotation.
      const { updater } = await tufClient('ACME', Buffer.from(JSON.stringify(root.toJSON())));
      expect(await updater.getTargetInfo('acme-fw-2.0.0.age')).toBeDefined();
    });

    it('refuses a rotation to a timestamp key the server does not hold; re-signs at once with a key it holds', async () => {
      const foreign = ed25519();
      const unheld = nextRoot(rootV2, {
        roles: { timestamp: { keys: [foreign.signer.key], threshold: 1 } },
        expires: expiresAfter(new Date(), DEFAULT_EXPIRY_DAYS.root),
      });
      await signMetadata(unheld, [root2.signer]);
      const refused = await api('PUT', '/tuf/root', unheld.toJSON(), ACME);
      expect(refused.status).toBe(409);
      expect(refused.json.message).toMatch(/timestamp key.*POST \/rest\/v1\/tuf\/keys\/timestamp/);

      // The server generates the next timestamp key; the offline ceremony lists it in root v3.
      const staged = await api('POST', '/tuf/keys/timestamp', undefined, ACME);
      expect(staged.status).toBe(201);
      expect(staged.json.inRoot).toBe(false);
      const rootV3 = nextRoot(rootV2, {
        roles: { timestamp: { keys: [Key.fromJSON(staged.json.keyid, staged.json.key)], threshold: 1 } },
        expires: expiresAfter(new Date(), DEFAULT_EXPIRY_DAYS.root),
      });
      await signMetadata(rootV3, [root2.signer]);
      const rotated = await api('PUT', '/tuf/root', rootV3.toJSON(), ACME);
      expect(rotated.status).toBe(200);
      expect(rotated.json).toEqual({ rootVersion: 3, changedRoles: ['timestamp'], republished: ['snapshot', 'timestamp'] });
      const timestamp = parseMetadata('timestamp', (await file('ACME', 'timestamp.json'))!);
      expect(Object.keys(timestamp.signatures)).toEqual([staged.json.keyid]);
      // The retired timestamp key is no longer held.
      const held = (await api('GET', '/tuf/keys', undefined, ACME)).json as Array<{ role: string; keyid: string }>;
      expect(held.filter((k) => k.role === 'timestamp').map((k) => k.keyid)).toEqual([staged.json.keyid]);
      // A device from root v1 walks v2 and v3 and verifies the new timestamp key.
      const { updater } = await tufClient('ACME', Buffer.from(JSON.stringify(root.toJSON())));
      expect(await updater.getTargetInfo('acme-fw-2.0.0.age')).toBeDefined();
      // The periodic job re-signs it with that key too.
      await server.tuf.refreshAll(new Date(Date.now() + 13 * HOUR));
      expect(parseMetadata('timestamp', (await file('ACME', 'timestamp.json'))!).signed.version).toBe(timestamp.signed.version + 1);
    });

    it('audits the ceremony in an intact chain', async () => {
      const audit = await readAudit(server.database.db, 'ACME');
      expect(audit.map((e) => e.action)).toEqual(
        expect.arrayContaining([
          'tuf.root.import',
          'tuf.targets.submit',
          'distributionset.release.pending',
          'distributionset.release',
          'tuf.root.rotate',
          'tuf.key.add',
        ]),
      );
      expect(() => verifyAuditChain(audit)).not.toThrow();
    });
  });
});
