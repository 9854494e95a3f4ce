/**
 * An emulated U-Boot environment for tests and demos, standing in for a real board where
 * `fw_printenv`/`fw_setenv` need `/etc/fw_env.config` and an environment device (MTD, eMMC
 * boot partition or a file on a FAT partition) that a CI machine does not have.
 *
 * It keeps the environment in U-Boot's binary format in a file, so that a power cut is modelled
 * where it really happens, in the write of one copy:
 * - a copy is `crc32 (LE u32) [flags u8, redundant only] name=value\0…\0` padded to the size;
 * - redundant environment: two copies back to back; the valid copy with the newer flag byte
 *   wins (255 → 0 wraps), as in U-Boot's `env_import_redund`; a write goes to the other copy
 *   with flags + 1, so a torn write leaves the previous environment in force;
 * - non-redundant: one copy rewritten in place; a torn write fails its CRC and U-Boot falls back to
 *   its default environment (which is why boards doing A/B updates use a redundant environment).
 *
 * {@link UBootEnvEmulator.run} answers `fw_printenv [-c CFG] [-n] [NAME…]` and
 * `fw_setenv [-c CFG] (-s SCRIPT | NAME [VALUE…])` like libubootenv; {@link UBootEnvEmulator.boot}
 * runs RAUC's U-Boot boot script (meta-rauc-community `boot.cmd`) plus U-Boot's environment boot
 * counter (`bootcount` counts while `upgrade_available=1`), then remembers the booted slot for
 * {@link UBootEnvEmulator.probe}, as `rauc.slot=` on a kernel command line would.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { crc32 } from 'node:zlib';
import type { SlotId } from '../slots/types.js';
import { SimulatedPowerCut } from './simulated.js';
import type { CommandRunner, SystemProbe } from './system.js';
import { BootloaderError } from './types.js';
import type { FwSetenvScriptSyntax } from './uboot.js';

export interface UBootEnvEmulatorOptions {
  /** Size of one environment copy (`CONFIG_ENV_SIZE`). Default 0x4000. */
  readonly size?: number;
  /** Two copies (`CONFIG_SYS_REDUNDAND_ENVIRONMENT`). Default true. */
  readonly redundant?: boolean;
  readonly scriptSyntax?: FwSetenvScriptSyntax;
}

/** A freshly provisioned device: slot A installed and committed, slot B empty. */
export const UBOOT_PROVISIONED_ENV: Readonly<Record<string, string>> = {
  BOOT_ORDER: 'A B',
  BOOT_A_LEFT: '3',
  BOOT_B_LEFT: '0',
  upgrade_available: '0',
  bootcount: '0',
};

interface Copy {
  readonly valid: boolean;
  readonly flags: number;
  readonly vars: Map<string, string>;
}

export class UBootEnvEmulator {
  readonly path: string;
  readonly size: number;
  readonly redundant: boolean;
  readonly #syntax: FwSetenvScriptSyntax;
  readonly #nonce = randomBytes(4).toString('hex');
  #booted: SlotId | null = null;
  #bootSeq = 0;
  #tearAfter: number | null = null;

  /** Formats a new environment image at `path` (every copy valid, same content). */
  static create(path: string, vars: Readonly<Record<string, string>> = UBOOT_PROVISIONED_ENV, options: UBootEnvEmulatorOptions = {}): UBootEnvEmulator {
    const size = options.size ?? 0x4000;
    const redundant = options.redundant ?? true;
    const map = new Map(Object.entries(vars));
    const image = redundant ? Buffer.concat([encodeCopy(map, size, true, 0), encodeCopy(map, size, true, 0)]) : encodeCopy(map, size, false, 0);
    const fd = openSync(path, 'w', 0o600);
    try {
      writeSync(fd, image);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return new UBootEnvEmulator(path, options);
  }

  constructor(path: string, options: UBootEnvEmulatorOptions = {}) {
    this.path = path;
    this.size = options.size ?? 0x4000;
    this.redundant = options.redundant ?? true;
    this.#syntax = options.scriptSyntax ?? 'libubootenv';
  }

  #copies(): Copy[] {
    const image = readFileSync(this.path);
    const count = this.redundant ? 2 : 1;
    const copies: Copy[] = [];
    for (let i = 0; i < count; i++) copies.push(decodeCopy(image.subarray(i * this.size, (i + 1) * this.size), this.size, this.redundant));
    return copies;
  }

  /** Index of the copy in force, or -1 if none is valid. */
  #current(copies: readonly Copy[]): number {
    const [c0, c1] = copies;
    if (!c1) return c0?.valid ? 0 : -1;
    if (!c0?.valid) return c1.valid ? 1 : -1;
    if (!c1.valid) return 0;
    if (c0.flags === 255 && c1.flags === 0) return 1;
    if (c1.flags === 255 && c0.flags === 0) return 0;
    return c1.flags > c0.flags ? 1 : 0;
  }

  /** The environment in force, or null when no copy is valid (U-Boot would use its default environment). */
  read(): Map<string, string> | null {
    const copies = this.#copies();
    const i = this.#current(copies);
    return i < 0 ? null : new Map(copies[i]?.vars);
  }

  /** Writes `vars` as the new environment: into the other copy (redundant) or in place. */
  write(vars: ReadonlyMap<string, string>): void {
    const copies = this.#copies();
    const current = this.#current(copies);
    const target = this.redundant ? (current === 0 ? 1 : 0) : 0;
    const flags = current < 0 ? 0 : ((copies[current]?.flags ?? 0) + 1) & 0xff;
    let bytes = encodeCopy(vars, this.size, this.redundant, flags);
    const tear = this.#tearAfter;
    this.#tearAfter = null;
    if (tear !== null) {
      // As on flash: the copy is erased (0xff) before it is programmed, and the power went after `tear` bytes.
      const torn = Buffer.alloc(bytes.length, 0xff);
      bytes.copy(torn, 0, 0, Math.min(tear, bytes.length));
      bytes = torn;
    }
    const fd = openSync(this.path, 'r+');
    try {
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, target * this.size + done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (tear !== null) throw new SimulatedPowerCut(`byte ${tear} of environment copy ${target}`);
  }

  /**
   * The next environment write loses power after `bytes` bytes of the copy were programmed; the
   * rest of the copy is left erased (0xff). Then throws {@link SimulatedPowerCut}.
   */
  tearNextWrite(bytes: number): void {
    this.#tearAfter = bytes;
  }

  /** `fw_printenv` and `fw_setenv`, as an injected {@link CommandRunner}. */
  readonly run: CommandRunner = async (command, args) => {
    const name = basename(command);
    if (name === 'fw_printenv') return this.#printenv(args);
    if (name === 'fw_setenv') return this.#setenv(args);
    return { code: 127, stdout: '', stderr: `${command}: command not found\n` };
  };

  #printenv(args: readonly string[]): { code: number; stdout: string; stderr: string } {
    let valueOnly = false;
    const names: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '-c' || a === '-f') i++;
      else if (a === '-n') valueOnly = true;
      else if (a !== undefined) names.push(a);
    }
    const vars = this.read();
    if (vars === null) return { code: 1, stdout: '', stderr: 'Cannot read environment, using default\nCannot read default environment from file\n' };
    if (valueOnly && names.length !== 1) return { code: 1, stdout: '', stderr: "## Error: `-n' option requires exactly one argument\n" };
    if (names.length === 0) {
      return {
        code: 0,
        stdout: [...vars.keys()]
          .sort()
          .map((k) => `${k}=${vars.get(k)}\n`)
          .join(''),
        stderr: '',
      };
    }
    let stdout = '';
    let stderr = '';
    for (const n of names) {
      const v = vars.get(n);
      if (v === undefined) stderr += `## Error: "${n}" not defined\n`;
      else stdout += valueOnly ? `${v}\n` : `${n}=${v}\n`;
    }
    return { code: stderr === '' ? 0 : 1, stdout, stderr };
  }

  #setenv(args: readonly string[]): { code: number; stdout: string; stderr: string } {
    let script: string | null = null;
    const rest: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '-c' || a === '-f') i++;
      else if (a === '-s') script = args[++i] ?? null;
      else if (a !== undefined) rest.push(a);
    }
    const vars = this.read() ?? new Map<string, string>();
    const set = (k: string, v: string | null) => (v === null || v === '' ? vars.delete(k) : vars.set(k, v));
    if (script !== null) {
      let text: string;
      try {
        text = readFileSync(script, 'utf8');
      } catch (e) {
        return { code: 1, stdout: '', stderr: `Error reading script ${script}: ${(e as Error).message}\n` };
      }
      for (const raw of text.split('\n')) {
        const line = raw.replace(/\r$/, '');
        if (line === '' || line.startsWith('#')) continue;
        if (this.#syntax === 'libubootenv') {
          const eq = line.indexOf('=');
          if (eq > 0) set(line.slice(0, eq), line.slice(eq + 1));
        } else {
          const m = /^(\S+)(?:\s+(.*))?$/.exec(line);
          if (m?.[1]) set(m[1], m[2] ?? null);
        }
      }
    } else {
      const [n, ...value] = rest;
      if (n === undefined) return { code: 1, stdout: '', stderr: 'Usage: fw_setenv NAME [VALUE]\n' };
      set(n, value.length === 0 ? null : value.join(' '));
    }
    this.write(vars);
    return { code: 0, stdout: '', stderr: '' };
  }

  /**
   * Power on: U-Boot loads the environment (its default one if no copy is valid), counts the boot
   * while `upgrade_available=1`, and runs RAUC's boot script: the first slot of `BOOT_ORDER` with
   * attempts left is booted and its counter decremented; if none has any left, the counters are
   * reset to 3 and the board resets. The environment is saved (`saveenv`).
   */
  boot(): { slot: SlotId; bootId: string } {
    const vars = this.read() ?? new Map<string, string>();
    if (vars.get('upgrade_available') === '1') vars.set('bootcount', String((Number(vars.get('bootcount')) || 0) + 1));
    if (!vars.get('BOOT_ORDER')) vars.set('BOOT_ORDER', 'A B');
    if (!vars.get('BOOT_A_LEFT')) vars.set('BOOT_A_LEFT', '3');
    if (!vars.get('BOOT_B_LEFT')) vars.set('BOOT_B_LEFT', '3');
    let chosen: SlotId | null = null;
    for (let pass = 0; pass < 2 && chosen === null; pass++) {
      for (const letter of (vars.get('BOOT_ORDER') ?? '').split(/\s+/)) {
        if (letter !== 'A' && letter !== 'B') continue;
        const left = Number(vars.get(`BOOT_${letter}_LEFT`));
        if (left > 0) {
          vars.set(`BOOT_${letter}_LEFT`, String(left - 1));
          chosen = letter === 'A' ? 'a' : 'b';
          break;
        }
      }
      if (chosen === null) {
        // "No valid slot found, resetting tries to 3" … reset
        vars.set('BOOT_A_LEFT', '3');
        vars.set('BOOT_B_LEFT', '3');
      }
    }
    this.write(vars);
    this.#booted = chosen;
    this.#bootSeq++;
    if (chosen === null) throw new BootloaderError('ENV_INVALID', `BOOT_ORDER="${vars.get('BOOT_ORDER') ?? ''}" names no bootable slot`);
    return { slot: chosen, bootId: this.#bootId() };
  }

  #bootId(): string {
    return `uboot-${this.#nonce}-${this.#bootSeq}`;
  }

  /** The booted slot and boot id of the last {@link boot}, as `/proc/cmdline` and `boot_id` would tell. */
  readonly probe: SystemProbe = {
    bootedSlot: async () => {
      if (this.#booted === null) throw new BootloaderError('BOOTED_SLOT_UNKNOWN', 'the emulated board has not booted yet');
      return this.#booted;
    },
    bootId: async () => this.#bootId(),
  };
}

function encodeCopy(vars: ReadonlyMap<string, string>, size: number, redundant: boolean, flags: number): Buffer {
  const header = redundant ? 5 : 4;
  const data = Buffer.alloc(size - header);
  const text = [...vars.keys()]
    .sort()
    .map((k) => `${k}=${vars.get(k) ?? ''}\0`)
    .join('');
  const bytes = Buffer.from(text, 'utf8');
  // The list ends with an empty string, i.e. a second NUL.
  if (bytes.length + 1 > data.length) throw new BootloaderError('ENV_INVALID', `environment needs ${bytes.length + 1} bytes, only ${data.length} fit`);
  bytes.copy(data);
  const out = Buffer.alloc(size);
  out.writeUInt32LE(crc32(data) >>> 0, 0);
  if (redundant) out[4] = flags;
  data.copy(out, header);
  return out;
}

function decodeCopy(copy: Buffer, size: number, redundant: boolean): Copy {
  const header = redundant ? 5 : 4;
  if (copy.length < size) return { valid: false, flags: 0, vars: new Map() };
  const data = copy.subarray(header);
  if (crc32(data) >>> 0 !== copy.readUInt32LE(0)) return { valid: false, flags: 0, vars: new Map() };
  const vars = new Map<string, string>();
  let start = 0;
  while (start < data.length && data[start] !== 0) {
    let end = data.indexOf(0, start);
    if (end < 0) end = data.length;
    const entry = data.subarray(start, end).toString('utf8');
    const eq = entry.indexOf('=');
    if (eq > 0) vars.set(entry.slice(0, eq), entry.slice(eq + 1));
    start = end + 1;
  }
  return { valid: true, flags: redundant ? (copy[4] ?? 0) : 0, vars };
}
