/**
 * Debian's SWUpdate (suricatta, hawkBit mode) — a DDI client nobody on this team wrote — against
 * the Osprey server on 127.0.0.1: it polls, sends its attributes, downloads a CMS-signed .swu,
 * installs it into files, and the action ends FINISHED with its feedback stored; a second scenario
 * cancels an action, a third reports a failure. The server's state is checked afterwards.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seed } from '@osprey/server';
import { tempDirForFile } from '../../testkit/temp-dir.js';
import { cancelAction } from '../../packages/server/src/domain/deployments.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
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

describe.runIf(hasSwupdate())('SWUpdate suricatta against the Osprey server', () => {
  let server: TestServer;
  let signer: Signer;

  beforeAll(async () => {
    signer = createSigner(work);
    server = await startTestServer('pglite', {}, { listen: true });
    await seed(server.database.db, server.blobs, server.keys, { config: { pollingTime: '00:00:01' } });
  });
  afterEach(() => stopAllSwupdate());
  afterAll(async () => {
    await server?.stop();
  });

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
    const dir = join(work, controllerId);
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
    expect(all.some((m) => m.startsWith('Update Server: Target downloads'))).toBe(true);

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
