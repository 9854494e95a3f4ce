/**
 * Fault (issue 12): the device's disk fills during an update. Case 1: the data partition (work
 * directory with the download, the state file, TUF metadata) is a tmpfs too small for the
 * payload, so the download fails. Case 2: the inactive slot sits on a tmpfs too small for the
 * image, so the install fails. Either way the agent reports the failure to the server as the
 * action's ERROR with a code and the system's words, keeps running slot a with its bootloader
 * environment untouched, leaves a readable state and no partial download behind, and installs the
 * update once space is free again. Needs root to mount the tmpfs: CI runs as root.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftwareKeyElement } from '@osprey/agent';
import { restClient, TEST_ADMIN as ADMIN } from '../../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../../testkit/server.js';
import { tempDirForFile } from '../../../../testkit/temp-dir.js';
import { hasTool } from '../../../../testkit/tools.js';
import { deviceFiles, makeRelease, openDevice, provisionDevice, settle, sha256, type DeviceFiles } from '../device-kit.js';

const OLD = randomBytes(200_000);
const NEW = randomBytes(600_000);
const canMount = hasTool('a tmpfs mount (root)', () => process.getuid?.() === 0, 'run the tests as root, as CI does');

describe.runIf(canMount)('fault: the device disk fills during an update', () => {
  let server: TestServer;
  const work = tempDirForFile('osprey-agent-full-');
  const api = restClient(() => server.url, ADMIN);
  const mounts: string[] = [];
  let setId: number;
  let rootJson: Buffer;

  const mountTmpfs = (dir: string, size: string) => {
    mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
    mounts.push(dir);
  };
  const resize = (dir: string, size: string) => execFileSync('mount', ['-o', `remount,size=${size}`, dir]);

  beforeAll(async () => {
    server = await startTestServer('pglite', {}, { listen: true });
    rootJson = Buffer.from((await api('GET', '/tuf/root')).text);
    setId = await makeRelease(api, 'gw-os', '2.0.0', NEW, { encrypted: true, release: { securityVersion: 5, hardware: ['board-a'] } });
  });
  afterAll(async () => {
    await server?.stop();
    for (const dir of mounts.reverse()) execFileSync('umount', ['-l', dir]);
  });

  /** A provisioned device whose files are laid out by `layout` before provisioning (mounts). */
  async function device(id: string, layout: (files: DeviceFiles) => void) {
    const dir = join(work, id);
    layout(deviceFiles(dir));
    const element = new SoftwareKeyElement(join(work, `${id}.pem`));
    const { publicKeyPem } = await element.provision();
    const { files, token } = await provisionDevice(api, dir, id, { rootJson, factoryImage: OLD, securityVersion: 1, publicKeyPem });
    const open = () => openDevice(files, { server: server.url, id, token }, { element });
    return { files, open };
  }

  async function assign(id: string): Promise<number> {
    const assigned = await api('POST', `/distributionsets/${setId}/assignedTargets`, [{ id }]);
    expect(assigned.json.assigned).toBe(1);
    await server.ddi.settle();
    return (await api('GET', `/targets/${id}/actions?sort=id:DESC`)).json.content[0].id as number;
  }

  async function reported(id: string, actionId: number) {
    const status = (await api('GET', `/targets/${id}/actions/${actionId}`)).json.status as string;
    const messages = ((await api('GET', `/targets/${id}/actions/${actionId}/status`)).json.content as Array<{ messages: string[] }>).flatMap((s) => s.messages);
    return { status, messages };
  }

  async function expectStillOnSlotA(dev: ReturnType<Awaited<ReturnType<typeof device>>['open']>, files: DeviceFiles) {
    expect(sha256(readFileSync(files.slotA))).toBe(sha256(OLD));
    expect(await dev.bootloader.status()).toMatchObject({ active: 'a', booted: 'a', pendingTry: null });
    expect(dev.store.load()).toMatchObject({ ok: true, state: { phase: 'idle' } });
    expect(dev.agent.installed()?.version).not.toBe('2.0.0');
  }

  it('data partition full (state, side-files, TUF metadata): each step fails with "no space left", nothing changes, and the update proceeds once space is free', async () => {
    const dir = join(work, 'full-data');
    const { files: provisioned } = await device('full-data', () => undefined);
    // The device's data partition (state, work directory, TUF metadata) moves onto a small disk that is then filled.
    const data = join(dir, 'data');
    mountTmpfs(data, '512k');
    mkdirSync(join(data, 'tuf'), { recursive: true });
    copyFileSync(join(provisioned.metadataDir, 'root.json'), join(data, 'tuf', 'root.json'));
    const files: DeviceFiles = { ...provisioned, metadataDir: join(data, 'tuf'), workDir: join(data, 'work'), state: join(data, 'state.json') };
    const token = 'token-full-data-0123456789';
    const element = new SoftwareKeyElement(join(work, 'full-data.pem'));
    const open = () => openDevice(files, { server: server.url, id: 'full-data', token }, { element });
    const first = open();
    expect((await first.agent.step()).phase).toBe('idle'); // polls: nothing assigned yet
    const filler = join(data, 'filler');
    try {
      writeFileSync(filler, Buffer.alloc(1024 * 1024));
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    const actionId = await assign('full-data');
    const errors: string[] = [];
    const did: string[] = [];
    for (let i = 0; i < 3; i++) {
      await first.agent.step().then(
        (r) => did.push(r.did),
        (e: unknown) => errors.push(`${(e as { code?: string }).code}: ${(e as Error).message}`),
      );
    }
    expect(
      did.filter((d) => d.startsWith('failed')),
      did.join(' | '),
    ).toEqual([]);
    expect(errors.length, `${did.join(' | ')} / ${errors.join(' | ')}`).toBeGreaterThan(0);
    expect(
      errors.every((m) => /^AGENT_LOCAL_STORAGE: .*no space left/i.test(m)),
      errors.join(' | '),
    ).toBe(true);
    // Nothing changed: slot a runs, the bootloader environment is untouched, the state is readable, the action still open.
    await expectStillOnSlotA(first, files);
    expect((await reported('full-data', actionId)).status).not.toBe('error');

    rmSync(filler);
    const again = open();
    await settle(again.agent);
    expect(sha256(readFileSync(files.slotB))).toBe(sha256(NEW));
    expect((await again.bootloader.status()).active).toBe('b');
  });

  it('install: reported as ERROR with the code and "no space left", slot a running, installed once space is free', async () => {
    // Slot b is a file on a partition smaller than the image.
    const { files, open } = await device('full-slot', (f) => mountTmpfs(join(f.dir, 'slot-b'), '256k'));
    files.slotB = join(files.dir, 'slot-b', 'slot-b.img');
    const actionId = await assign('full-slot');
    const dev = open();
    const log = await settle(dev.agent);

    const failed = log.find((l) => l.startsWith('failed: '));
    expect(failed, log.join(' | ')).toMatch(/^failed: AGENT_SLOT_WRITE_FAILED: /);
    const { status, messages } = await reported('full-slot', actionId);
    expect(status).toBe('error');
    expect(messages.some((m) => m.startsWith('AGENT_SLOT_WRITE_FAILED: ') && /no space left/i.test(m))).toBe(true);
    await expectStillOnSlotA(dev, files);

    resize(join(files.dir, 'slot-b'), '4m');
    await assign('full-slot');
    const again = open();
    await settle(again.agent);
    expect(sha256(readFileSync(files.slotB))).toBe(sha256(NEW));
    expect((await again.bootloader.status()).active).toBe('b');
    rmSync(files.slotB, { force: true });
  });
});
