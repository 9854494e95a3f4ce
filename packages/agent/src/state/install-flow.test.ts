/**
 * The state machine, store, slots, simulated bootloader and security version store together, driven
 * by a minimal agent loop that follows the resume rules documented in machine.ts. Every side
 * effect is a crash point; for each one the install is crashed there (agent restart in the same
 * boot, or power cut and reboot) and then driven to the end. Whatever the crash point, the device
 * ends committed to the new image or rolled back to the old one, consistently, and after a power
 * cut it always boots a slot that holds a complete image.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirEachTest } from '../../../../testkit/temp-dir.js';
import { imageDigest } from '../../../../testkit/hash.js';
import { FileSecurityVersionStore } from '../bootloader/security-version.js';
import { SimulatedBootloader } from '../bootloader/simulated.js';
import { AbSlots } from '../slots/ab.js';
import { FileSlot } from '../slots/image-slot.js';
import { otherSlot, type SlotDigest, type SlotId } from '../slots/types.js';
import type { InstallEvent, ReleaseInfo } from './machine.js';
import { loadOrRecover } from './recovery.js';
import { StateStore } from './store.js';

const KEY = randomBytes(32);
const OLD_IMAGE = randomBytes(20_000);
const NEW_IMAGE = randomBytes(30_000);
const digest = (b: Uint8Array): SlotDigest => imageDigest(b);
const RELEASE: ReleaseInfo = { name: 'osprey-os', version: '2.0.0', securityVersion: 5, ...digest(NEW_IMAGE) };

class Crash extends Error {}
type Point = (name: string) => void;

let dir: string;
tempDirEachTest('osprey-flow-', (d) => (dir = d));

/** The device's objects, opened afresh from its files (as after a restart). */
function open() {
  const bl = new SimulatedBootloader(join(dir, 'bootenv'));
  const slots = new AbSlots({ a: new FileSlot('a', join(dir, 'a.img')), b: new FileSlot('b', join(dir, 'b.img')) }, bl);
  return { bl, slots, store: new StateStore(join(dir, 'state.json')), secver: new FileSecurityVersionStore(join(dir, 'secver'), KEY) };
}

async function provision(): Promise<void> {
  const { slots } = open();
  await slots.get('a').write(
    (async function* () {
      yield OLD_IMAGE;
    })(),
    digest(OLD_IMAGE),
  );
  FileSecurityVersionStore.provision(join(dir, 'secver'), KEY, 1);
}

interface Server {
  pending: boolean;
  reports: string[];
}

/** One agent run: from start-up until it needs a reboot or has nothing left to do. */
async function agent(server: Server, healthy: boolean, point: Point): Promise<'reboot' | 'idle'> {
  const { bl, slots, store, secver } = open();
  await loadOrRecover(store, bl);
  const boot = await bl.status();
  const apply = (event: InstallEvent) => {
    const r = store.apply(event);
    if (!r.ok) throw new Error(`${event.type} refused: ${'refusal' in r ? r.refusal.message : r.message}`);
    point(`applied ${event.type}`);
    return r;
  };
  apply({ type: 'reboot_observed', bootedSlot: boot.booted, bootId: boot.bootId });
  for (;;) {
    const loaded = store.load();
    if (!loaded.ok) throw new Error('state corrupted');
    const s = loaded.state;
    const target = s.targetSlot as SlotId;
    switch (s.phase) {
      case 'idle': {
        if (!server.pending) {
          await bl.markGood();
          return 'idle';
        }
        const slot = (await slots.inactive()).id;
        apply({ type: 'start', actionId: 'act-1', release: RELEASE, targetSlot: slot, previousSlot: otherSlot(slot) });
        break;
      }
      case 'downloading':
        apply({ type: 'download_complete' });
        break;
      case 'downloaded':
        apply({ type: 'install_begin' });
        break;
      case 'installing':
        await slots.get(target).write(
          (async function* () {
            yield NEW_IMAGE.subarray(0, 12_345);
            point('mid-write');
            yield NEW_IMAGE.subarray(12_345);
          })(),
          digest(NEW_IMAGE),
        );
        point('slot written');
        apply({ type: 'install_complete' });
        break;
      case 'installed':
        await bl.setTryOnce(target);
        point('armed');
        apply({ type: 'activate', bootId: boot.bootId });
        return 'reboot';
      case 'activating':
        // Restarted in the same boot after arming: re-arm (idempotent) and reboot.
        await bl.setTryOnce(target);
        return 'reboot';
      case 'trial':
        if (healthy) {
          await bl.markGood();
          point('marked good');
          await secver.raise(RELEASE.securityVersion);
          point('security version raised');
          apply({ type: 'health_ok' });
        } else {
          apply({ type: 'health_failed', reason: 'probe failed' });
        }
        break;
      case 'rolling_back':
        if (boot.booted === target) {
          await bl.markBad(target);
          point('marked bad');
          return 'reboot';
        }
        await bl.markGood();
        point('previous confirmed');
        apply({ type: 'rollback_complete' });
        break;
      case 'committed':
      case 'rolled_back':
      case 'failed':
      case 'canceled':
        server.reports.push(s.phase);
        server.pending = false;
        point('reported');
        apply({ type: 'reported' });
        break;
    }
  }
}

async function drive(server: Server, healthy: boolean, point: Point): Promise<void> {
  for (let boots = 0; boots < 10; boots++) {
    if ((await agent(server, healthy, point)) === 'idle') return;
    await open().bl.boot();
  }
  throw new Error('the install did not converge');
}

/** The booted slot holds a complete image: the old one, or (slot b) the new one. */
async function bootsValidImage(): Promise<void> {
  const { bl, slots } = open();
  const booted = await bl.bootedSlot();
  await slots.get(booted).verify(booted === 'a' ? digest(OLD_IMAGE) : digest(NEW_IMAGE));
}

async function finalState() {
  const { bl, store, secver } = open();
  const status = await bl.status();
  const state = store.load();
  return {
    active: status.active,
    booted: status.booted,
    trial: status.trial,
    phase: state.ok ? state.state.phase : 'corrupted',
    secver: await secver.current(),
  };
}

const COMMITTED = { active: 'b', booted: 'b', trial: false, phase: 'idle', secver: 5 };
const ROLLED_BACK = { active: 'a', booted: 'a', trial: false, phase: 'idle', secver: 1 };

describe('install flow with a crash at every step', () => {
  it('without crashes: healthy commits, unhealthy rolls back', async () => {
    await provision();
    const server = { pending: true, reports: [] as string[] };
    await drive(server, true, () => {});
    expect(server.reports).toEqual(['committed']);
    expect(await finalState()).toEqual(COMMITTED);
    await bootsValidImage();

    rmSync(dir, { recursive: true, force: true });
    await provision();
    const again = { pending: true, reports: [] as string[] };
    await drive(again, false, () => {});
    expect(again.reports).toEqual(['rolled_back']);
    expect(await finalState()).toEqual(ROLLED_BACK);
  });

  for (const mode of ['agent restart', 'power cut'] as const) {
    for (const healthy of [true, false]) {
      it(`${mode}, ${healthy ? 'healthy' : 'failing health check'}: every crash point ends committed or rolled back, consistently`, async () => {
        const outcomes = new Map<string, string>();
        for (let k = 1; ; k++) {
          rmSync(dir, { recursive: true, force: true });
          await provision();
          const server = { pending: true, reports: [] as string[] };
          let n = 0;
          let crashedAt: string | null = null;
          try {
            await drive(server, healthy, (name) => {
              if (++n === k) {
                crashedAt = name;
                throw new Crash(name);
              }
            });
          } catch (e) {
            if (!(e instanceof Crash)) throw e;
          }
          if (crashedAt === null) break; // k is past the last crash point
          if (mode === 'power cut') {
            await open().bl.reset();
            await bootsValidImage();
          }
          await drive(server, healthy, () => {});
          const final = await finalState();
          const outcome = server.reports.at(-1);
          outcomes.set(`${k}: ${crashedAt}`, outcome ?? 'none');
          expect({ k, crashedAt, final }).toEqual({ k, crashedAt, final: outcome === 'committed' ? COMMITTED : ROLLED_BACK });
          // Reported at least once, possibly again after a crash between report and `reported`; never both outcomes.
          expect(new Set(server.reports).size).toBe(1);
          if (!healthy) expect(outcome).toBe('rolled_back');
          // Without a power cut nothing forces a rollback: a healthy install always commits. With one,
          // only a cut during the trial boot (before markGood) rolls back: to a try-once bootloader
          // an unconfirmed boot is an unconfirmed boot, whether it crashed or lost power.
          if (healthy && mode === 'agent restart') expect(outcome).toBe('committed');
          if (healthy && mode === 'power cut') expect({ k, outcome }).toEqual({ k, outcome: k === 10 ? 'rolled_back' : 'committed' });
          await bootsValidImage();
        }
        const install = [
          'applied reboot_observed',
          'applied start',
          'applied download_complete',
          'applied install_begin',
          'mid-write',
          'slot written',
          'applied install_complete',
          'armed',
          'applied activate',
          'applied reboot_observed',
        ];
        const finish = ['reported', 'applied reported'];
        const points = healthy
          ? [...install, 'marked good', 'security version raised', 'applied health_ok', ...finish]
          : [...install, 'applied health_failed', 'marked bad', 'applied reboot_observed', 'previous confirmed', 'applied rollback_complete', ...finish];
        expect([...outcomes.keys()]).toEqual(points.map((p, i) => `${i + 1}: ${p}`));
        if (process.env.OSPREY_PRINT_OUTCOMES) console.log(mode, healthy, Object.fromEntries(outcomes));
      });
    }
  }
});
