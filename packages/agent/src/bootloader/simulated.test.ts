import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ATOMIC_WRITE_STEPS } from '@osprey/fs';
import { tempDirEachTest } from '../../../../testkit/temp-dir.js';
import { SimulatedBootloader, SimulatedPowerCut } from './simulated.js';
import { isBootloaderError, type BootStatus } from './types.js';
import { settledCode } from '../../../../testkit/errors.js';

let dir: string;
let envPath: string;
tempDirEachTest('osprey-simboot-', (d) => {
  dir = d;
  envPath = join(dir, 'bootenv');
});

type Summary = Omit<BootStatus, 'bootId'>;
async function summary(bl: SimulatedBootloader): Promise<Summary> {
  const { bootId: _bootId, ...rest } = await bl.status();
  return rest;
}
const committedOn = (slot: 'a' | 'b'): Summary => ({ active: slot, booted: slot, trial: false, pendingTry: null });

const code = (promise: Promise<unknown>): Promise<string> => settledCode(promise, (e) => isBootloaderError(e));

describe('SimulatedBootloader', () => {
  it('starts on the committed slot with nothing armed', async () => {
    const bl = new SimulatedBootloader(envPath, { initialSlot: 'b' });
    expect(await summary(bl)).toEqual(committedOn('b'));
    expect(bl.environment()).toMatchObject({ active: 'b', booted: 'b', try: '', upgrade_available: '0', boot_count: '0', bootlimit: '1' });
    expect(bl.kind).toBe('simulated');
  });

  it('try once, then commit', async () => {
    const bl = new SimulatedBootloader(envPath);
    await bl.setTryOnce('b');
    expect(await summary(bl)).toEqual({ active: 'a', booted: 'a', trial: false, pendingTry: 'b' });
    expect(await bl.boot()).toMatchObject({ slot: 'b', kind: 'try' });
    expect(await summary(bl)).toEqual({ active: 'a', booted: 'b', trial: true, pendingTry: null });
    expect(await bl.isTrial()).toBe(true);
    await bl.markGood();
    expect(await summary(bl)).toEqual(committedOn('b'));
    expect(await bl.boot()).toMatchObject({ slot: 'b', kind: 'normal' });
    expect(await bl.boot()).toMatchObject({ slot: 'b', kind: 'normal' });
  });

  it('an unconfirmed try falls back to the committed slot at the next boot (crash loop)', async () => {
    const bl = new SimulatedBootloader(envPath);
    await bl.setTryOnce('b');
    expect((await bl.boot()).kind).toBe('try');
    // The new slot crashes (or hangs and the watchdog resets) before markGood.
    expect(await bl.boot()).toMatchObject({ slot: 'a', kind: 'fallback' });
    expect(await summary(bl)).toEqual(committedOn('a'));
    expect(await bl.boot()).toMatchObject({ slot: 'a', kind: 'normal' });
    // The agent confirms the committed slot; trying again is possible.
    await bl.markGood();
    await bl.setTryOnce('b');
    expect(await bl.pendingTry()).toBe('b');
  });

  it('with bootlimit 3 the new slot gets three boots, then falls back', async () => {
    const bl = new SimulatedBootloader(envPath, { bootlimit: 3 });
    await bl.setTryOnce('b');
    expect((await bl.boot()).kind).toBe('try');
    expect((await bl.boot()).kind).toBe('try');
    expect((await bl.boot()).kind).toBe('try');
    expect(bl.environment().boot_count).toBe('3');
    expect(await bl.boot()).toMatchObject({ slot: 'a', kind: 'fallback' });
  });

  it('markBad ends a trial (next boot: committed slot) and disarms a pending try', async () => {
    const bl = new SimulatedBootloader(envPath, { bootlimit: 5 });
    await bl.setTryOnce('b');
    await bl.boot();
    await bl.markBad('b');
    expect(await summary(bl)).toEqual({ active: 'a', booted: 'b', trial: false, pendingTry: null });
    expect(await code(bl.markGood())).toBe('ILLEGAL_OPERATION');
    expect(await bl.boot()).toMatchObject({ slot: 'a', kind: 'normal' });
    await bl.setTryOnce('b');
    await bl.markBad('b');
    expect(await summary(bl)).toEqual(committedOn('a'));
    expect(await bl.boot()).toMatchObject({ slot: 'a', kind: 'normal' });
  });

  it('refuses what makes no sense', async () => {
    const bl = new SimulatedBootloader(envPath);
    expect(await code(bl.setTryOnce('a'))).toBe('ILLEGAL_OPERATION');
    expect(await code(bl.markBad('a'))).toBe('ILLEGAL_OPERATION');
    await bl.setTryOnce('b');
    await bl.boot();
    // On trial: no new try until committed or rolled back.
    expect(await code(bl.setTryOnce('b'))).toBe('ILLEGAL_OPERATION');
  });

  it('every operation is idempotent', async () => {
    const bl = new SimulatedBootloader(envPath);
    await bl.markGood();
    await bl.markGood();
    expect(await summary(bl)).toEqual(committedOn('a'));
    await bl.setTryOnce('b');
    const armed = readFileSync(envPath, 'utf8');
    await bl.setTryOnce('b');
    expect(readFileSync(envPath, 'utf8')).toBe(armed);
    // markGood on the committed slot keeps a try that was armed but not yet booted.
    await bl.markGood();
    expect(await bl.pendingTry()).toBe('b');
    await bl.boot();
    await bl.markGood();
    const committed = readFileSync(envPath, 'utf8');
    await bl.markGood();
    expect(readFileSync(envPath, 'utf8')).toBe(committed);
    await bl.markBad('a');
    await bl.markBad('a');
    expect(await summary(bl)).toEqual(committedOn('b'));
  });

  it('every boot has a new boot id', async () => {
    const bl = new SimulatedBootloader(envPath);
    const ids = new Set([await bl.bootId()]);
    for (let i = 0; i < 5; i++) ids.add((await bl.boot()).bootId);
    expect(ids.size).toBe(6);
    expect(await bl.bootId()).toBe([...ids].at(-1));
  });

  describe('power cuts: the environment is old or new, never torn', () => {
    for (const step of ATOMIC_WRITE_STEPS) {
      const survives = step === 'renamed' || step === 'dir-synced';
      it(`cut after ${step} while arming: the next boot ${survives ? 'tries the new slot' : 'starts the committed slot'}`, async () => {
        const bl = new SimulatedBootloader(envPath);
        bl.failNextWriteAt(step);
        await expect(bl.setTryOnce('b')).rejects.toThrow(SimulatedPowerCut);
        expect(await bl.reset()).toMatchObject({ slot: survives ? 'b' : 'a', kind: survives ? 'try' : 'normal' });
        expect(readdirSync(dir)).toEqual(['bootenv']);
      });

      it(`cut after ${step} while committing: ${survives ? 'committed' : 'the commit is lost and the trial falls back'}`, async () => {
        const bl = new SimulatedBootloader(envPath);
        await bl.setTryOnce('b');
        await bl.boot();
        bl.failNextWriteAt(step);
        await expect(bl.markGood()).rejects.toThrow(SimulatedPowerCut);
        expect(await bl.reset()).toMatchObject(survives ? { slot: 'b', kind: 'normal' } : { slot: 'a', kind: 'fallback' });
      });
    }

    it('a power cut during the boot-time write itself repeats that boot', async () => {
      const bl = new SimulatedBootloader(envPath);
      await bl.setTryOnce('b');
      bl.failNextWriteAt('temp-synced');
      await expect(bl.boot()).rejects.toThrow(SimulatedPowerCut);
      expect(await bl.reset()).toMatchObject({ slot: 'b', kind: 'try' });
    });
  });

  it('a damaged environment is reported, not guessed at', async () => {
    const bl = new SimulatedBootloader(envPath);
    const text = readFileSync(envPath, 'utf8');
    writeFileSync(envPath, text.replace('active=a', 'active=b'));
    expect(await code(bl.status())).toBe('ENV_CORRUPTED');
    writeFileSync(envPath, text.slice(0, 40));
    expect(await code(bl.boot())).toBe('ENV_CORRUPTED');
  });
});
