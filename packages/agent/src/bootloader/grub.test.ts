/**
 * GRUB backend tests with the real `grub-editenv` (Debian `grub-common`). GRUB itself is played by
 * `simulateGrubBoot` (RAUC's grub.cfg logic), whose `save_env` is applied with `grub-editenv` too.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasCommand } from '../../../../testkit/tools.js';
import { tempDirEachTest } from '../../../../testkit/temp-dir.js';
import type { SlotId } from '../slots/types.js';
import { GrubEnvBootloader, simulateGrubBoot, viewGrubEnv } from './grub.js';
import { execCommand, parseEnvLines, type CommandRunner, type SystemProbe } from './system.js';
import { isBootloaderError, type BootStatus } from './types.js';
import { settledCode } from '../../../../testkit/errors.js';

let dir: string;
let envFile: string;
tempDirEachTest('osprey-grub-', (d) => {
  dir = d;
  envFile = join(dir, 'grubenv');
});

const code = (promise: Promise<unknown>): Promise<string> => settledCode(promise, (e) => isBootloaderError(e));

describe('simulateGrubBoot (RAUC contrib/grub.conf)', () => {
  const boot = (vars: Record<string, string>) => simulateGrubBoot(new Map(Object.entries(vars)));

  it('boots the first slot in ORDER that is OK and not yet tried, and marks it tried', () => {
    expect(boot({ ORDER: 'A B', A_OK: '1', B_OK: '1', A_TRY: '0', B_TRY: '0' })).toEqual({ boot: 'a', save: { A_TRY: '1', B_TRY: '0' } });
    expect(boot({ ORDER: 'B A', A_OK: '1', B_OK: '1', A_TRY: '0', B_TRY: '0' })).toEqual({ boot: 'b', save: { A_TRY: '0', B_TRY: '1' } });
    // B was tried and not confirmed: skipped (and stays tried), A boots.
    expect(boot({ ORDER: 'B A', A_OK: '1', B_OK: '1', A_TRY: '0', B_TRY: '1' })).toEqual({ boot: 'a', save: { A_TRY: '1', B_TRY: '1' } });
    expect(boot({ ORDER: 'A B', A_OK: '0', B_OK: '1', A_TRY: '0', B_TRY: '0' })).toEqual({ boot: 'b', save: { A_TRY: '1', B_TRY: '1' } });
  });

  it('with no bootable slot boots the rescue entry and resets the tried flags', () => {
    expect(boot({ ORDER: 'A B', A_OK: '1', B_OK: '1', A_TRY: '1', B_TRY: '1' })).toEqual({ boot: 'rescue', save: { A_TRY: '0', B_TRY: '0' } });
    // An empty or unreadable environment: grub.cfg's defaults (nothing OK).
    expect(boot({})).toEqual({ boot: 'rescue', save: { A_TRY: '1', B_TRY: '1' } });
  });

  it('viewGrubEnv rejects what it does not understand', () => {
    expect(() => viewGrubEnv(new Map([['ORDER', 'A X']]))).toThrow(expect.objectContaining({ code: 'ENV_INVALID' }));
    expect(() => viewGrubEnv(new Map([['OSPREY_TRIAL', 'C']]))).toThrow(expect.objectContaining({ code: 'ENV_INVALID' }));
  });
});

const haveGrubEditenv = hasCommand('grub-editenv', 'apt-get install grub-common');

describe.skipIf(!haveGrubEditenv)('GrubEnvBootloader with the real grub-editenv', () => {
  /** A device: the real tool for the agent's writes, GRUB's boot logic played through the same tool. */
  function device() {
    const run = execCommand({ timeoutMs: 10_000 });
    const calls: string[][] = [];
    const recording: CommandRunner = async (command, args) => {
      calls.push([command, ...args]);
      return run(command, args);
    };
    let booted: SlotId | 'rescue' = 'a';
    let seq = 0;
    const probe: SystemProbe = {
      bootedSlot: async () => {
        if (booted === 'rescue') throw new Error('rescue system');
        return booted;
      },
      bootId: async () => `grub-boot-${seq}`,
    };
    const bl = new GrubEnvBootloader({ envFile, run: recording, probe });
    const list = () => parseEnvLines(execFileSync('grub-editenv', [envFile, 'list'], { encoding: 'utf8' }));
    /** GRUB at power-on: load_env, the slot loop, save_env A_TRY B_TRY (written with grub-editenv, in place as GRUB does). */
    const powerOn = (): SlotId | 'rescue' => {
      const result = simulateGrubBoot(list());
      execFileSync('grub-editenv', [envFile, 'set', `A_TRY=${result.save.A_TRY}`, `B_TRY=${result.save.B_TRY}`]);
      booted = result.boot;
      seq++;
      return booted;
    };
    return { bl, list, powerOn, calls };
  }
  async function summary(bl: GrubEnvBootloader): Promise<Omit<BootStatus, 'bootId'>> {
    const { bootId: _bootId, ...rest } = await bl.status();
    return rest;
  }

  it('provisioning: markGood on slot A creates a valid 1 KiB environment block', async () => {
    const { bl, list } = device();
    expect(await bl.environment()).toEqual(new Map());
    await bl.markGood();
    expect(statSync(envFile).size).toBe(1024);
    expect(readFileSync(envFile, 'latin1').startsWith('# GRUB Environment Block\n')).toBe(true);
    expect(Object.fromEntries(list())).toEqual({ ORDER: 'A B', A_OK: '1', A_TRY: '0' });
    expect(await summary(bl)).toEqual({ active: 'a', booted: 'a', trial: false, pendingTry: null });
    expect(bl.kind).toBe('grub');
  });

  it('try once, then commit', async () => {
    const { bl, list, powerOn } = device();
    await bl.markGood();
    await bl.setTryOnce('b');
    expect(Object.fromEntries(list())).toEqual({ ORDER: 'B A', A_OK: '1', A_TRY: '0', B_OK: '1', B_TRY: '0', OSPREY_TRIAL: 'B' });
    expect(await summary(bl)).toEqual({ active: 'a', booted: 'a', trial: false, pendingTry: 'b' });
    expect(powerOn()).toBe('b');
    expect(await summary(bl)).toEqual({ active: 'a', booted: 'b', trial: true, pendingTry: null });
    await bl.markGood();
    expect(await summary(bl)).toEqual({ active: 'b', booted: 'b', trial: false, pendingTry: null });
    // A committed slot boots again as long as it is confirmed at every boot.
    for (let i = 0; i < 3; i++) {
      expect(powerOn()).toBe('b');
      await bl.markGood();
    }
  });

  it('an unconfirmed try falls back to the committed slot, which then disables the failed slot', async () => {
    const { bl, list, powerOn } = device();
    await bl.markGood();
    await bl.setTryOnce('b');
    expect(powerOn()).toBe('b');
    // Crash loop: no markGood in B.
    expect(powerOn()).toBe('a');
    expect(await summary(bl)).toEqual({ active: 'a', booted: 'a', trial: false, pendingTry: null });
    await bl.markGood();
    expect(Object.fromEntries(list())).toMatchObject({ ORDER: 'A B', A_OK: '1', A_TRY: '0', B_OK: '0', OSPREY_TRIAL: '' });
    expect(powerOn()).toBe('a');
  });

  it('markBad ends a trial; a pending try survives the committed slot being confirmed', async () => {
    const { bl, powerOn } = device();
    await bl.markGood();
    await bl.setTryOnce('b');
    await bl.markGood();
    expect(await bl.pendingTry()).toBe('b');
    powerOn();
    await bl.markBad('b');
    expect(await code(bl.markGood())).toBe('ILLEGAL_OPERATION');
    expect(powerOn()).toBe('a');
    await bl.markGood();
    expect(await summary(bl)).toEqual({ active: 'a', booted: 'a', trial: false, pendingTry: null });
  });

  it('refuses what makes no sense, and rewrites nothing that is already so', async () => {
    const { bl, calls, powerOn } = device();
    await bl.markGood();
    expect(await code(bl.setTryOnce('a'))).toBe('ILLEGAL_OPERATION');
    expect(await code(bl.markBad('a'))).toBe('ILLEGAL_OPERATION');
    await bl.setTryOnce('b');
    const sets = () => calls.filter((c) => c[2] === 'set').length;
    const before = sets();
    await bl.setTryOnce('b');
    await bl.markGood();
    expect(sets()).toBe(before);
    powerOn();
    expect(await code(bl.setTryOnce('b'))).toBe('ILLEGAL_OPERATION');
  });

  it('writes atomically: a new file renamed into place, no temp file left, never a torn block', async () => {
    const { bl } = device();
    await bl.markGood();
    const inode = statSync(envFile).ino;
    await bl.setTryOnce('b');
    expect(statSync(envFile).ino).not.toBe(inode);
    expect(readdirSync(dir)).toEqual(['grubenv']);
    // grub-editenv fails on the temp copy (here: a command that does not exist): the environment is untouched.
    const before = readFileSync(envFile);
    const broken = new GrubEnvBootloader({
      envFile,
      command: join(dir, 'no-grub-editenv'),
      probe: { bootedSlot: async () => 'a', bootId: async () => 'x' },
    });
    expect(await code(broken.markBad('b'))).toBe('COMMAND_FAILED');
    expect(readFileSync(envFile)).toEqual(before);
    expect(readdirSync(dir)).toEqual(['grubenv']);
  });

  it('reads an environment written by hand with grub-editenv', async () => {
    execFileSync('grub-editenv', [envFile, 'create']);
    execFileSync('grub-editenv', [envFile, 'set', 'ORDER=B A', 'A_OK=1', 'B_OK=1', 'saved_entry=0']);
    const { bl } = device();
    expect((await bl.status()).active).toBe('b');
    expect((await bl.environment()).get('saved_entry')).toBe('0');
  });
});
