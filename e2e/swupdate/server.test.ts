/**
 * Debian's SWUpdate (suricatta, hawkBit mode) — a DDI client nobody on this team wrote — against
 * the Osprey server on 127.0.0.1: it polls, sends its attributes, downloads a CMS-signed .swu,
 * installs it into files, and the action ends FINISHED with its feedback stored; a second scenario
 * cancels an action, a third reports a failure. The server's state is checked afterwards.
 *
 * Twice: with downloads through the server, and with direct downloads (#16) — the server on its S3
 * blob store in a Ceph RGW, the .swu fetched by SWUpdate from a presigned URL through a recording
 * proxy in front of RGW.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seed } from '@osprey/server';
import { tempDirForFile } from '../../testkit/temp-dir.js';
import { cancelAction } from '../../packages/server/src/domain/deployments.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { cephOrFail, startDirectStorage, type DirectStorage } from '../../testkit/direct-storage.js';
import {
  buildSwu,
  createSigner,
  describeResult,
  hasSwupdate,
  startSuricatta,
  stopAllSwupdate,
  writeSwupdateConfig,
  type Signer,
} from '../../testkit/swupdate.js';

const work = tempDirForFile('osprey-swu-server-');
const TIMEOUT = 45_000;

const swupdate = hasSwupdate();
const modes = ['through the server', ...(swupdate && cephOrFail() ? (['presigned from RGW'] as const) : [])] as const;

describe.runIf(swupdate).each(modes)('SWUpdate suricatta against the Osprey server, downloads %s', (mode) => {
  let server: TestServer;
  let signer: Signer;
  let storage: DirectStorage | undefined;
  const direct = mode === 'presigned from RGW';

  beforeAll(async () => {
    signer = createSigner(join(work, direct ? 'direct' : 'server'));
    if (direct) {
      // SWUpdate sends its TargetToken with every request, downloads from storage too: the proxy in
      // front of RGW drops it, as a deployment's must (docs/operations.md, "Direct downloads").
      storage = await startDirectStorage({ dropForeignAuthorization: true });
      server = await startTestServer('pglite', { blobStore: storage.blobStoreConfig('proxy'), directDownloads: 'presigned' }, { listen: true });
    } else {
      server = await startTestServer('pglite', {}, { listen: true });
    }
    await seed(server.database.db, server.blobs, server.keys, { config: { pollingTime: '00:00:01' } });
  }, 120_000);
  afterEach(() => stopAllSwupdate());
  afterAll(async () => {
    await server?.stop();
    await storage?.stop();
  });

  /** What SWUpdate fetched from storage (presigned GETs through the proxy). */
  const storageGets = () => (storage?.proxy.requests ?? []).filter((r) => r.method === 'GET' && r.url.includes('X-Amz-Signature='));

  const db = () => server.database.db;
  const action = (id: number) => db().selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const messages = async (id: number) =>
    (await db().selectFrom('action_statuses').selectAll().where('action_id', '=', id).orderBy('id').execute()).flatMap((s) => s.messages);
  const target = (cid: string) => db().selectFrom('targets').selectAll().where('controller_id', '=', cid).executeTakeFirstOrThrow();

  /** A flag refreshed from the database every 200 ms, for SWUpdate's synchronous `until`. */
  function watch(check: () => Promise<boolean>): { get: () => boolean; stop: () => void } {
    let value = false;
    const timer = setInterval(() => {
      check().then(
        (v) => (value = v),
        () => undefined,
      );
    }, 200);
    return { get: () => value, stop: () => clearInterval(timer) };
  }

  /** Seed a target with a .swu release assigned; returns the action and where the image lands. */
  async function deploy(controllerId: string, options: { tamper?: boolean } = {}) {
    const dir = join(work, direct ? 'direct' : 'server', controllerId);
    mkdirSync(join(dir, 'target'), { recursive: true });
    const data = randomBytes(80_000);
    const installPath = join(dir, 'target', 'app.bin');
    const swu = buildSwu({
      dir,
      signer,
      hardware: ['1.0'],
      version: '2.0.0',
      name: 'app',
      images: [{ filename: 'app.bin', data, type: 'rawfile', path: installPath }],
      ...(options.tamper ? { beforePack: (staging: string) => writeFileSync(join(staging, 'app.bin'), randomBytes(80_000)) } : {}),
    });
    const token = `token-${controllerId}-${randomBytes(4).toString('hex')}`;
    const result = await seed(server.database.db, server.blobs, server.keys, {
      targets: [{ controllerId, securityToken: token }],
      modules: [{ key: 'm', type: 'os', name: `app-${controllerId}`, version: '2.0.0', artifacts: [{ file: swu, filename: `${controllerId}.swu` }] }],
      distributionSets: [{ key: 'ds', name: `app-${controllerId}`, version: '2.0.0', modules: ['m'] }],
      assignments: [{ target: controllerId, ds: 'ds', type: 'forced' }],
    });
    const config = writeSwupdateConfig({ dir, url: server.url, tenant: 'DEFAULT', controllerId, targetToken: token, publicKeyFile: signer.cert, pollDelay: 1 });
    return { actionId: result.actions[0]!.actionId, dsId: result.distributionSets.ds!, data, installPath, config };
  }

  it('installs a signed .swu and ends the action FINISHED, with attributes and feedback stored', async () => {
    const d = await deploy('swu-ok');
    const installed = watch(async () => (await messages(d.actionId)).some((m) => m.includes('All Chunks Installed')));
    try {
      const run = await startSuricatta({ config: d.config, hardware: 'sim:1.0', timeoutMs: TIMEOUT, until: installed.get }).done;
      expect(run.stopped, describeResult(run)).toBe(true);
    } finally {
      installed.stop();
    }
    expect(readFileSync(d.installPath).equals(d.data)).toBe(true);
    expect((await target('swu-ok')).attributes).toMatchObject({ board: 'sim', hw_rev: '1.0' });
    expect((await action(d.actionId)).active).toBe(true); // bootloader "none": SWUpdate waits to be told
    const all = await messages(d.actionId);
    expect(all.some((m) => m.startsWith('Update Server: Target retrieved'))).toBe(true);
    if (direct) {
      // The bytes came from storage, not through the server (which then records no download).
      expect(storageGets().length).toBeGreaterThan(0);
      expect(storageGets().every((r) => r.status === 200 || r.status === 206)).toBe(true);
      expect(all.some((m) => m.startsWith('Update Server: Target downloads'))).toBe(false);
      // SWUpdate's token reached the proxy (its behaviour, not Osprey's), never RGW.
      expect(storageGets().some((r) => r.headers.authorization?.startsWith('TargetToken '))).toBe(true);
      expect(storage!.proxy.requests.filter((r) => r.forwardedAuthorization?.startsWith('TargetToken '))).toEqual([]);
    } else {
      expect(all.some((m) => m.startsWith('Update Server: Target downloads'))).toBe(true);
    }

    // Restarted with "-c 2" it reports the outcome: closed/success.
    const closed = watch(async () => !(await action(d.actionId)).active);
    try {
      const run = await startSuricatta({ config: d.config, hardware: 'sim:1.0', extraSuricattaArgs: '-c 2', timeoutMs: TIMEOUT, until: closed.get }).done;
      expect(run.stopped, describeResult(run)).toBe(true);
    } finally {
      closed.stop();
    }
    expect(await action(d.actionId)).toMatchObject({ status: 'FINISHED', active: false });
    const t = await target('swu-ok');
    expect(Number(t.installed_ds_id)).toBe(d.dsId);
    expect(t.update_status).toBe('IN_SYNC');
    expect(await messages(d.actionId)).toContain('Update Installed.');
  });

  it('follows a cancellation: the device confirms and the action ends CANCELED', async () => {
    const d = await deploy('swu-cancel');
    await cancelAction(server.database.db, 'DEFAULT', d.actionId);
    const canceled = watch(async () => !(await action(d.actionId)).active);
    try {
      const run = await startSuricatta({ config: d.config, hardware: 'sim:1.0', timeoutMs: TIMEOUT, until: canceled.get }).done;
      expect(run.stopped, describeResult(run)).toBe(true);
    } finally {
      canceled.stop();
    }
    expect(await action(d.actionId)).toMatchObject({ status: 'CANCELED', active: false });
    expect(existsSync(d.installPath)).toBe(false);
    expect((await target('swu-cancel')).assigned_ds_id).toBeNull();
  });

  it('reports a failed install (tampered image): the action ends ERROR and nothing is installed', async () => {
    const d = await deploy('swu-bad', { tamper: true });
    const closed = watch(async () => !(await action(d.actionId)).active);
    try {
      const run = await startSuricatta({ config: d.config, hardware: 'sim:1.0', timeoutMs: TIMEOUT, until: closed.get }).done;
      expect(run.stopped, describeResult(run)).toBe(true);
    } finally {
      closed.stop();
    }
    expect(await action(d.actionId)).toMatchObject({ status: 'ERROR', active: false });
    expect((await target('swu-bad')).update_status).toBe('ERROR');
    expect(existsSync(d.installPath)).toBe(false);
    expect((await messages(d.actionId)).join('\n')).toMatch(/HASH mismatch/);
  });
});
