import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirEachTest } from '../../../../testkit/temp-dir.js';
import { SimulatedBootloader } from '../bootloader/simulated.js';
import { idleState, type InstallState } from './machine.js';
import { loadOrRecover, recoverFromCorruptState } from './recovery.js';
import { StateStore } from './store.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
let dir: string;
let store: StateStore;
let bl: SimulatedBootloader;
tempDirEachTest('osprey-recovery-', (d) => {
  dir = d;
  store = new StateStore(join(dir, 'state.json'), { now: () => NOW });
  bl = new SimulatedBootloader(join(dir, 'bootenv'), { bootlimit: 3 });
});

const trial: InstallState = {
  phase: 'trial',
  actionId: 'act-1',
  targetSlot: 'b',
  previousSlot: 'a',
  release: { name: 'os', version: '2', securityVersion: 1, sha256: 'ef'.repeat(32), length: 10 },
  attempts: 1,
  bootId: 'x',
  reason: null,
  updatedAt: NOW.toISOString(),
};

/** Corrupts the state file the way a torn sector would: the second half is gone. */
function corrupt(): void {
  const text = readFileSync(store.path, 'utf8');
  writeFileSync(store.path, text.slice(0, text.length / 2));
}

describe('falling back to the last committed slot when the state file is corrupted', () => {
  it('during a trial: the trial slot is marked bad and a reboot returns to the committed slot', async () => {
    await bl.setTryOnce('b');
    await bl.boot();
    store.save(trial);
    corrupt();
    const { state, recovery } = await loadOrRecover(store, bl);
    expect(state).toEqual(idleState(NOW.toISOString()));
    expect(recovery).toMatchObject({
      corruption: { kind: 'StateCorrupted', reason: 'json' },
      committedSlot: 'a',
      bootedSlot: 'b',
      disarmedTry: null,
      rebootRequired: true,
      state: idleState(NOW.toISOString()),
    });
    // The file is kept for diagnosis, and a clean idle state replaces it.
    expect(existsSync(recovery?.quarantinedTo ?? '')).toBe(true);
    expect(store.load()).toMatchObject({ ok: true, state: { phase: 'idle' } });
    // With bootlimit 3, B would have been tried again; marked bad, it is not.
    expect(await bl.boot()).toMatchObject({ slot: 'a', kind: 'normal' });
    expect(await bl.status()).toMatchObject({ active: 'a', booted: 'a', trial: false, pendingTry: null });
  });

  it('with a try armed but not booted: the try is disarmed', async () => {
    store.save({ ...trial, phase: 'activating', attempts: 0 });
    await bl.setTryOnce('b');
    corrupt();
    const { recovery } = await loadOrRecover(store, bl);
    expect(recovery).toMatchObject({ committedSlot: 'a', bootedSlot: 'a', disarmedTry: 'b', rebootRequired: false });
    expect(await bl.boot()).toMatchObject({ slot: 'a', kind: 'normal' });
  });

  it('with nothing in progress: the committed slot is confirmed and the state reset', async () => {
    store.save(idleState(NOW.toISOString()));
    writeFileSync(store.path, '\0\0\0\0');
    const { recovery } = await loadOrRecover(store, bl);
    expect(recovery).toMatchObject({ committedSlot: 'a', bootedSlot: 'a', disarmedTry: null, rebootRequired: false });
    expect(await bl.boot()).toMatchObject({ slot: 'a' });
  });

  it('is idempotent: a crash after the bootloader steps and before the state reset is recovered the same way', async () => {
    await bl.setTryOnce('b');
    await bl.boot();
    store.save(trial);
    corrupt();
    const loaded = store.load();
    if (loaded.ok) throw new Error('expected corruption');
    // First attempt: bootloader handled, then the process dies before the state file is replaced.
    await bl.markBad('b');
    const again = await recoverFromCorruptState(store, bl, loaded);
    expect(again).toMatchObject({ committedSlot: 'a', bootedSlot: 'b', rebootRequired: true });
    expect(await bl.boot()).toMatchObject({ slot: 'a' });
  });

  it('a sound state file is returned as is', async () => {
    store.save(trial);
    expect(await loadOrRecover(store, bl)).toEqual({ state: trial, recovery: null });
  });
});
