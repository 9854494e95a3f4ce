/**
 * U-Boot backend tests. A real `fw_setenv` needs `/etc/fw_env.config` and an environment device
 * (MTD, eMMC boot partition…), which CI does not have: these tests inject `UBootEnvEmulator.run` as
 * the command runner. The emulator keeps the environment in U-Boot's binary format (CRC32,
 * redundant copies with flag byte) and runs RAUC's U-Boot boot script at `boot()`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tempDirEachTest } from '../../../../testkit/temp-dir.js';
import { SimulatedPowerCut } from './simulated.js';
import { execCommand, linuxSystemProbe, parseEnvLines, slotFromCmdline, type CommandRunner } from './system.js';
import { isBootloaderError, type BootStatus } from './types.js';
import { UBootEnvBootloader, viewUBootEnv } from './uboot.js';
import { UBOOT_PROVISIONED_ENV, UBootEnvEmulator } from './uboot-emulator.js';
import { settledCode } from '../../../../testkit/errors.js';

let dir: string;
let envPath: string;
tempDirEachTest('osprey-uboot-', (d) => {
  dir = d;
  envPath = join(dir, 'uboot.env');
});

const code = (promise: Promise<unknown>): Promise<string> => settledCode(promise, (e) => isBootloaderError(e));

describe('UBootEnvEmulator: the environment format', () => {
  it('stores CRC32-protected copies in U-Boot layout', () => {
    const emu = UBootEnvEmulator.create(envPath, { BOOT_ORDER: 'A B', x: '1' }, { size: 0x1000 });
    const image = readFileSync(envPath);
    expect(image.length).toBe(0x2000);
    for (const base of [0, 0x1000]) {
      const copy = image.subarray(base, base + 0x1000);
      expect(copy.readUInt32LE(0)).toBe(crc32(copy.subarray(5)) >>> 0);
      expect(copy.subarray(5, 5 + 20).toString('latin1')).toBe('BOOT_ORDER=A B\0x=1\0\0');
    }
    expect(emu.read()).toEqual(
      new Map([
        ['BOOT_ORDER', 'A B'],
        ['x', '1'],
      ]),
    );
  });

  it('answers fw_printenv and fw_setenv like libubootenv', async () => {
    const emu = UBootEnvEmulator.create(envPath, { b: '2', a: '1' });
    expect(await emu.run('fw_printenv', [])).toEqual({ code: 0, stdout: 'a=1\nb=2\n', stderr: '' });
    expect(await emu.run('/usr/bin/fw_printenv', ['-c', '/etc/fw_env.config', 'b'])).toEqual({ code: 0, stdout: 'b=2\n', stderr: '' });
    expect(await emu.run('fw_printenv', ['-n', 'a'])).toEqual({ code: 0, stdout: '1\n', stderr: '' });
    expect(await emu.run('fw_printenv', ['nope'])).toMatchObject({ code: 1, stderr: '## Error: "nope" not defined\n' });
    expect(await emu.run('fw_setenv', ['c', 'three', 'words'])).toMatchObject({ code: 0 });
    expect(await emu.run('fw_setenv', ['a'])).toMatchObject({ code: 0 });
    expect(parseEnvLines((await emu.run('fw_printenv', [])).stdout)).toEqual(
      new Map([
        ['b', '2'],
        ['c', 'three words'],
      ]),
    );
    const script = join(dir, 'script');
    writeFileSync(script, '# comment\nb=\nd=4\ne=x=y\n\n');
    expect(await emu.run('fw_setenv', ['-s', script])).toMatchObject({ code: 0 });
    expect(emu.read()).toEqual(
      new Map([
        ['c', 'three words'],
        ['d', '4'],
        ['e', 'x=y'],
      ]),
    );
    expect(await emu.run('fw_setenv', ['-s', join(dir, 'missing')])).toMatchObject({ code: 1 });
    expect(await emu.run('rauc', ['status'])).toMatchObject({ code: 127 });
  });

  it('reads U-Boot tools/env script syntax (name value) when told to', async () => {
    const emu = UBootEnvEmulator.create(envPath, { a: '1' }, { scriptSyntax: 'u-boot' });
    const script = join(dir, 'script');
    writeFileSync(script, 'BOOT_ORDER B A\na\n');
    await emu.run('fw_setenv', ['-s', script]);
    expect(emu.read()).toEqual(new Map([['BOOT_ORDER', 'B A']]));
  });

  it('redundant: writes alternate between copies with increasing flags; a torn write leaves the previous environment', () => {
    const emu = UBootEnvEmulator.create(envPath, { v: '0' }, { size: 0x1000 });
    const flags = () => {
      const image = readFileSync(envPath);
      return [image[4], image[0x1000 + 4]];
    };
    emu.write(new Map([['v', '1']]));
    expect(flags()).toEqual([0, 1]);
    emu.write(new Map([['v', '2']]));
    expect(flags()).toEqual([2, 1]);
    for (const bytes of [0, 1, 4, 5, 100, 0x800, 0xfff]) {
      emu.tearNextWrite(bytes);
      expect(() => emu.write(new Map([['v', 'torn']]))).toThrow(SimulatedPowerCut);
      expect(emu.read()?.get('v')).toBe('2');
    }
  });

  it('redundant: the flag byte wraps from 255 to 0', () => {
    const emu = UBootEnvEmulator.create(envPath, { v: '0' }, { size: 0x1000 });
    for (let i = 1; i <= 300; i++) emu.write(new Map([['v', String(i)]]));
    expect(emu.read()?.get('v')).toBe('300');
  });

  it('non-redundant: a torn write loses the environment (U-Boot then uses its default one)', async () => {
    const emu = UBootEnvEmulator.create(envPath, UBOOT_PROVISIONED_ENV, { redundant: false });
    emu.tearNextWrite(100);
    expect(() => emu.write(new Map([['v', 'x']]))).toThrow(SimulatedPowerCut);
    expect(emu.read()).toBeNull();
    expect(await emu.run('fw_printenv', [])).toMatchObject({ code: 1, stderr: expect.stringContaining('Cannot read environment') });
    // The boot script fills in its defaults: A first, 3 attempts each.
    expect(emu.boot().slot).toBe('a');
    expect(emu.read()?.get('BOOT_A_LEFT')).toBe('2');
  });
});

describe('UBootEnvBootloader (RAUC variables, through the emulator)', () => {
  function device(vars = UBOOT_PROVISIONED_ENV) {
    const emu = UBootEnvEmulator.create(envPath, vars);
    const calls: string[][] = [];
    const run: CommandRunner = async (command, args) => {
      calls.push([command, ...args]);
      return emu.run(command, args);
    };
    const bl = new UBootEnvBootloader({ run, probe: emu.probe, config: '/etc/fw_env.config', scriptDir: dir });
    emu.boot();
    return { emu, bl, calls };
  }
  async function summary(bl: UBootEnvBootloader): Promise<Omit<BootStatus, 'bootId'>> {
    const { bootId: _bootId, ...rest } = await bl.status();
    return rest;
  }
  const env = (emu: UBootEnvEmulator) => Object.fromEntries(emu.read() ?? []);

  it('provisioned device: slot A committed', async () => {
    const { bl, emu } = device();
    expect(await summary(bl)).toEqual({ active: 'a', booted: 'a', trial: false, pendingTry: null });
    await bl.markGood();
    expect(env(emu)).toEqual({ BOOT_ORDER: 'A B', BOOT_A_LEFT: '3', BOOT_B_LEFT: '0', upgrade_available: '0', bootcount: '0' });
    expect(bl.kind).toBe('u-boot');
  });

  it('try once, then commit', async () => {
    const { bl, emu, calls } = device();
    await bl.markGood();
    await bl.setTryOnce('b');
    expect(env(emu)).toMatchObject({ BOOT_ORDER: 'B A', BOOT_B_LEFT: '1', BOOT_A_LEFT: '3', upgrade_available: '1', bootcount: '0' });
    expect(await summary(bl)).toEqual({ active: 'a', booted: 'a', trial: false, pendingTry: 'b' });
    // One fw_setenv per change, through a script, with the configured -c.
    const setenvs = calls.filter((c) => c[0] === 'fw_setenv');
    expect(setenvs.at(-1)?.slice(0, 4)).toEqual(['fw_setenv', '-c', '/etc/fw_env.config', '-s']);
    expect(emu.boot().slot).toBe('b');
    expect(env(emu)).toMatchObject({ BOOT_B_LEFT: '0', bootcount: '1' });
    expect(await summary(bl)).toEqual({ active: 'a', booted: 'b', trial: true, pendingTry: null });
    await bl.markGood();
    expect(env(emu)).toEqual({ BOOT_ORDER: 'B A', BOOT_A_LEFT: '3', BOOT_B_LEFT: '3', upgrade_available: '0', bootcount: '0' });
    expect(await summary(bl)).toEqual({ active: 'b', booted: 'b', trial: false, pendingTry: null });
    expect(emu.boot().slot).toBe('b');
    await bl.markGood();
    expect(emu.boot().slot).toBe('b');
  });

  it('an unconfirmed try falls back to the committed slot at the next boot', async () => {
    const { bl, emu } = device();
    await bl.setTryOnce('b');
    expect(emu.boot().slot).toBe('b');
    // Crash before markGood: B has no attempts left.
    expect(emu.boot().slot).toBe('a');
    expect(await summary(bl)).toEqual({ active: 'a', booted: 'a', trial: false, pendingTry: null });
    await bl.markGood();
    expect(env(emu)).toEqual({ BOOT_ORDER: 'A B', BOOT_A_LEFT: '3', BOOT_B_LEFT: '0', upgrade_available: '0', bootcount: '0' });
    expect(emu.boot().slot).toBe('a');
  });

  it('markBad ends a trial; the next boot is the committed slot', async () => {
    const { bl, emu } = device();
    await bl.setTryOnce('b');
    emu.boot();
    await bl.markBad('b');
    expect(env(emu)).toMatchObject({ BOOT_ORDER: 'A B', BOOT_B_LEFT: '0', upgrade_available: '0' });
    expect(await code(bl.markGood())).toBe('ILLEGAL_OPERATION');
    expect(emu.boot().slot).toBe('a');
    expect(await summary(bl)).toEqual({ active: 'a', booted: 'a', trial: false, pendingTry: null });
  });

  it('the committed slot is confirmed at every boot; a pending try survives that', async () => {
    const { bl, emu } = device();
    emu.boot();
    emu.boot();
    expect(env(emu).BOOT_A_LEFT).toBe('0');
    await bl.markGood();
    expect(env(emu).BOOT_A_LEFT).toBe('3');
    await bl.setTryOnce('b');
    await bl.markGood();
    expect(await bl.pendingTry()).toBe('b');
  });

  it('refuses what makes no sense, and repeats nothing', async () => {
    const { bl, emu, calls } = device();
    expect(await code(bl.setTryOnce('a'))).toBe('ILLEGAL_OPERATION');
    expect(await code(bl.markBad('a'))).toBe('ILLEGAL_OPERATION');
    await bl.setTryOnce('b');
    const writes = calls.filter((c) => c[0] === 'fw_setenv').length;
    await bl.setTryOnce('b');
    expect(calls.filter((c) => c[0] === 'fw_setenv').length).toBe(writes);
    emu.boot();
    expect(await code(bl.setTryOnce('b'))).toBe('ILLEGAL_OPERATION');
  });

  it('a power cut while arming: the redundant environment keeps the old state, the device boots the committed slot', async () => {
    const { bl, emu } = device();
    await bl.markGood();
    emu.tearNextWrite(3000);
    await expect(bl.setTryOnce('b')).rejects.toThrow(SimulatedPowerCut);
    expect(emu.boot().slot).toBe('a');
    expect(await summary(bl)).toEqual({ active: 'a', booted: 'a', trial: false, pendingTry: null });
  });

  it('a power cut while committing: the commit is lost and the trial falls back', async () => {
    const { bl, emu } = device();
    await bl.setTryOnce('b');
    emu.boot();
    emu.tearNextWrite(10);
    await expect(bl.markGood()).rejects.toThrow(SimulatedPowerCut);
    expect(emu.boot().slot).toBe('a');
  });

  it('reports a failing fw_setenv or fw_printenv as COMMAND_FAILED', async () => {
    const failing: CommandRunner = async () => ({ code: 243, stdout: '', stderr: 'Cannot initialize environment\n' });
    const bl = new UBootEnvBootloader({ run: failing, probe: { bootedSlot: async () => 'a', bootId: async () => 'x' } });
    expect(await code(bl.status())).toBe('COMMAND_FAILED');
  });

  it('rejects variables it does not understand', () => {
    expect(() => viewUBootEnv(new Map([['BOOT_ORDER', 'A C']]))).toThrow(expect.objectContaining({ code: 'ENV_INVALID' }));
    expect(() => viewUBootEnv(new Map([['BOOT_ORDER', 'A A']]))).toThrow(expect.objectContaining({ code: 'ENV_INVALID' }));
    expect(() => viewUBootEnv(new Map([['BOOT_A_LEFT', '-1']]))).toThrow(expect.objectContaining({ code: 'ENV_INVALID' }));
    // Missing variables take the boot script's defaults.
    expect(viewUBootEnv(new Map())).toEqual({ order: ['a', 'b'], left: { a: 3, b: 3 }, upgradeAvailable: false, trySlot: null, active: 'a' });
  });
});

describe('system helpers', () => {
  it('execCommand runs without a shell and reports the exit status; a missing command is COMMAND_FAILED', async () => {
    const run = execCommand({ timeoutMs: 10_000 });
    expect(await run('sh', ['-c', 'echo out; echo err >&2; exit 3'])).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(await run('echo', ['$HOME; rm -rf /'])).toEqual({ code: 0, stdout: '$HOME; rm -rf /\n', stderr: '' });
    expect(await code(run('/nonexistent/fw_printenv', []))).toBe('COMMAND_FAILED');
  });

  it('reads the booted slot from the kernel command line', async () => {
    expect(slotFromCmdline('console=ttyS0 root=/dev/mmcblk0p3 rauc.slot=B quiet')).toBe('b');
    expect(slotFromCmdline('osprey.slot=a')).toBe('a');
    expect(slotFromCmdline('rauc.slot=R')).toBeNull();
    writeFileSync(join(dir, 'cmdline'), 'root=/dev/sda2 rauc.slot=A\n');
    writeFileSync(join(dir, 'boot_id'), '3f1c9a1e-0000-4000-8000-000000000001\n');
    const probe = linuxSystemProbe({ cmdline: join(dir, 'cmdline'), bootId: join(dir, 'boot_id') });
    expect(await probe.bootedSlot()).toBe('a');
    expect(await probe.bootId()).toBe('3f1c9a1e-0000-4000-8000-000000000001');
    writeFileSync(join(dir, 'cmdline'), 'root=/dev/sda2\n');
    expect(await code(probe.bootedSlot())).toBe('BOOTED_SLOT_UNKNOWN');
  });
});
