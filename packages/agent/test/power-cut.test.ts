/**
 * Power cuts against the real server. Two parts:
 *
 * 1. In-process (≥ 100 cuts): the agent "crashes" by throwing at injected crash points, spread
 *    round-robin over download / install / switch / health / report with seeded random skips; after
 *    half of the cuts the simulated bootloader is also `reset()` (power lost, device boots from the
 *    environment on disk). A fresh Agent is then built from the device's files.
 * 2. Real SIGKILLs (≥ 10): `osprey-agent run` (built CLI) as a child process, killed with SIGKILL
 *    after a seeded random delay, the bootloader reset after every other kill, then restarted.
 *
 * After every cut: the booted slot and the committed slot each hold a complete image, old or new
 * (by SHA-256), never a half-written one. At the end: the device is idle, and the server's action
 * status matches the device (FINISHED ⇔ the new image is committed, ERROR ⇔ rolled back).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, SimulatedBootloader, SoftwareKeyElement, type SlotId } from '@osprey/agent';
import { restClient, TEST_ADMIN as ADMIN } from '../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';
import { tempDirForFile } from '../../../testkit/temp-dir.js';
import { makeRelease, openDevice, provisionDevice, SECVER_KEY, settle, sha256, type DeviceFiles } from './device-kit.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'packages/agent/dist/cli.js');
const OLD = randomBytes(1024 * 1024 + 17);
const NEW = randomBytes(2 * 1024 * 1024 + 4321);
const OLD_SHA = sha256(OLD);
const NEW_SHA = sha256(NEW);

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATEGORIES = ['download', 'install', 'switch', 'health', 'report'] as const;
type Category = (typeof CATEGORIES)[number];
function categoryOf(point: string): Category {
  if (point === 'download progress' || point === 'checkpoint' || point === 'downloaded' || point === 'action recorded' || point === 'applied start')
    return 'download';
  if (
    point === 'slot write' ||
    point === 'slot written' ||
    point === 'applied download_complete' ||
    point === 'applied install_begin' ||
    point === 'applied install_complete'
  )
    return 'install';
  if (point === 'armed' || point === 're-armed' || point === 'applied activate' || point === 'applied reboot_observed') return 'switch';
  if (point === 'reported' || point === 'applied reported') return 'report';
  return 'health';
}

class Cut extends Error {}

/** The slot holds a complete image, old or new. */
function imageIn(files: DeviceFiles, slot: SlotId): 'old' | 'new' | 'other' {
  let sum: string;
  try {
    sum = sha256(readFileSync(slot === 'a' ? files.slotA : files.slotB));
  } catch {
    return 'other';
  }
  return sum === OLD_SHA ? 'old' : sum === NEW_SHA ? 'new' : 'other';
}

describe('power cuts during an update', () => {
  let server: TestServer;
  const work = tempDirForFile('osprey-power-cut-');
  const api = restClient(() => server.url, ADMIN);
  let setId: number;
  let rootJson: Buffer;
  const outcomes: Record<string, number> = {};
  const count = (key: string) => (outcomes[key] = (outcomes[key] ?? 0) + 1);

  const newDevice = async (id: string) => {
    const element = new SoftwareKeyElement(join(work, id, 'device.pem'));
    const key = await element.provision();
    const { files, token } = await provisionDevice(api, join(work, id), id, {
      rootJson,
      factoryImage: OLD,
      securityVersion: 1,
      publicKeyPem: key.publicKeyPem,
    });
    expect((await api('POST', `/distributionsets/${setId}/assignedTargets`, [{ id }])).json.assigned).toBe(1);
    await server.ddi.settle();
    const actionId = (await api('GET', `/targets/${id}/actions`)).json.content[0].id as number;
    return { element, files, token, actionId, connection: { server: server.url, id, token } };
  };

  /** After a restart: what runs and what the bootloader falls back to are complete images. */
  const checkBootable = async (files: DeviceFiles) => {
    const status = await new SimulatedBootloader(files.bootenv).status();
    expect(imageIn(files, status.booted)).not.toBe('other');
    expect(imageIn(files, status.active)).not.toBe('other');
  };

  /** The device ended idle, and the server agrees with what it committed. */
  const checkFinal = async (id: string, files: DeviceFiles, actionId: number) => {
    const status = await new SimulatedBootloader(files.bootenv).status();
    expect(status.booted).toBe(status.active);
    const committed = imageIn(files, status.active);
    const server = (await api('GET', `/targets/${id}/actions/${actionId}`)).json.status as string;
    if (committed === 'new') {
      expect(server).toBe('finished');
      expect(status.active).toBe('b');
    } else {
      expect(committed).toBe('old');
      expect(status.active).toBe('a');
      expect(server).toBe('error');
    }
    count(`${committed === 'new' ? 'committed new' : 'rolled back to old'} (server ${server})`);
  };

  beforeAll(async () => {
    // The SIGKILL part runs the built CLI: make sure dist is current (incremental, fast when it is).
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'pipe' });
    server = await startTestServer('pglite', {}, { listen: true });
    rootJson = Buffer.from((await api('GET', '/tuf/root')).text);
    setId = await makeRelease(api, 'cut-os', '3.0.0', NEW, { encrypted: true, release: { securityVersion: 3, hardware: ['board-a'] } });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    const summary = Object.entries(outcomes)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
    console.log(`power-cut: ${summary}`);
  });

  let resumed = 0;
  const resumeCounter = { ...silentLogger, info: (message: string) => void (message === 'continuing the download from its checkpoint' && resumed++) };

  it('≥ 100 in-process cuts over download, install, switch, health and report; old or new image, right server status', async () => {
    const random = seeded(0x05b7e7);
    let cuts = 0;
    const perCategory: Record<string, number> = {};
    for (let d = 0; cuts < 100 && d < 40; d++) {
      const device = await newDevice(`cut-${d}`);
      // In install order, two cuts per phase, so that each one lands.
      const plan: Category[] = CATEGORIES.flatMap((c) => [c, c]);
      for (const wanted of plan) {
        let skip = Math.floor(random() * (wanted === 'download' || wanted === 'install' ? 16 : 2));
        let hit = '';
        const dev = openDevice(device.files, device.connection, {
          element: device.element,
          // Checkpoints every 256 KiB of the 2 MiB image, so that restarts continue downloads.
          checkpointEveryBytes: 256 * 1024,
          logger: resumeCounter,
          crashPoint: (point) => {
            if (categoryOf(point) !== wanted || skip-- > 0) return;
            hit = point;
            throw new Cut(point);
          },
        });
        try {
          await settle(dev.agent);
        } catch (e) {
          // A cut inside the download surfaces wrapped (the downloader reports it as a broken transfer).
          let cause: unknown = e;
          while (cause instanceof Error && !(cause instanceof Cut)) cause = cause.cause;
          if (!(cause instanceof Cut)) throw e;
        }
        if (!hit) continue; // that phase is over for this device
        cuts++;
        perCategory[wanted] = (perCategory[wanted] ?? 0) + 1;
        if (random() < 0.5) {
          await new SimulatedBootloader(device.files.bootenv).reset();
          count('in-process cut + power reset');
        } else {
          count('in-process cut (agent restart)');
        }
        await checkBootable(device.files);
      }
      await settle(openDevice(device.files, device.connection, { element: device.element, checkpointEveryBytes: 256 * 1024, logger: resumeCounter }).agent);
      await checkBootable(device.files);
      await checkFinal(`cut-${d}`, device.files, device.actionId);
      device.element.close();
    }
    for (const [k, v] of Object.entries(perCategory)) outcomes[`cuts during ${k}`] = v;
    outcomes['in-process cuts total'] = cuts;
    outcomes['downloads continued from a checkpoint'] = resumed;
    expect(cuts).toBeGreaterThanOrEqual(100);
    expect(resumed).toBeGreaterThan(0);
    for (const c of ['download', 'install', 'switch', 'health'] as const) expect(perCategory[c] ?? 0).toBeGreaterThanOrEqual(10);
  }, 150_000);

  it('≥ 10 real SIGKILLs of `osprey-agent run`, with power resets; then it completes', async () => {
    const random = seeded(0x51c1);
    let kills = 0;
    // A fast machine may finish a device's update after a kill or two, so take devices until the
    // count is reached (the cap only bounds a broken run).
    for (let d = 0; kills < 12 && d < 20; d++) {
      const id = `kill-${d}`;
      const device = await newDevice(id);
      device.element.close();
      const config = join(work, id, 'agent.json');
      writeFileSync(secverKeyPath(device.files), SECVER_KEY);
      writeFileSync(join(work, id, 'security-version.json'), readFileSync(device.files.secver));
      writeFileSync(
        config,
        JSON.stringify({
          server: server.url,
          controllerId: id,
          token: device.token,
          hardware: 'board-a',
          metadataDir: device.files.metadataDir,
          stateDir: join(work, id),
          slots: { a: device.files.slotA, b: device.files.slotB },
          bootloader: { kind: 'simulated', envPath: device.files.bootenv },
          key: { file: join(work, id, 'device.pem') },
          minPollMs: 100,
        }),
      );
      // As on a device: provisioning seals the TUF root the factory installed (verify/anchor.ts).
      const provisioned = spawnSync(process.execPath, [CLI, 'provision', '--config', config], { encoding: 'utf8' });
      expect(provisioned.status, provisioned.stderr).toBe(0);
      const start = () => spawn(process.execPath, [CLI, 'run', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      const done = async () => (await api('GET', `/targets/${id}/actions/${device.actionId}`)).json.status !== 'running';
      for (let k = 0; k < 8 && !(await done()); k++) {
        const child = start();
        const exited = new Promise((resolve) => child.once('exit', resolve));
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.floor(random() * 500)));
        child.kill('SIGKILL');
        await exited;
        kills++;
        if (k % 2 === 1) await new SimulatedBootloader(device.files.bootenv).reset();
        count(k % 2 === 1 ? 'SIGKILL + power reset' : 'SIGKILL');
        await checkBootable(device.files);
      }
      // Let it finish.
      const child = start();
      let stderr = '';
      child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        let phase: string;
        try {
          phase = (JSON.parse(readFileSync(join(work, id, 'state.json'), 'utf8')) as { state: { phase: string } }).state.phase;
        } catch {
          phase = '';
        }
        if ((await done()) && phase === 'idle') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      child.kill('SIGTERM');
      await exited;
      expect(await done(), stderr.slice(-2000)).toBe(true);
      await checkFinal(id, device.files, device.actionId);
    }
    expect(kills).toBeGreaterThanOrEqual(10);
  }, 120_000);
});

function secverKeyPath(files: DeviceFiles): string {
  return join(files.dir, 'secver.key');
}
