/**
 * U-Boot through its environment, read with `fw_printenv` and written with `fw_setenv -s SCRIPT`
 * (libubootenv, or U-Boot's `tools/env`): every change is one script, hence one environment write,
 * which a redundant environment (two copies with a flag byte) makes power-safe.
 *
 * Variables, as in RAUC's U-Boot integration (`contrib/uboot.sh`, meta-rauc-community boot.cmd):
 * - `BOOT_ORDER`: slots in boot order, e.g. `A B`;
 * - `BOOT_A_LEFT` / `BOOT_B_LEFT`: boot attempts left; the boot script boots the first slot of
 *   `BOOT_ORDER` with attempts left and decrements its counter;
 * - `upgrade_available` and `bootcount` (U-Boot's own boot counter, `CONFIG_BOOTCOUNT_ENV`): Osprey
 *   sets `upgrade_available=1` while a slot is armed or on trial and resets `bootcount` whenever it
 *   arms or commits, so that boards which also use `bootlimit`/`altbootcmd` see a fresh count.
 *
 * The boot script on the device is RAUC's; `uboot-emulator.ts` runs the same logic for tests.
 * Try-once: `setTryOnce(S)` writes `BOOT_ORDER="S O"`, `BOOT_S_LEFT=1`, `upgrade_available=1`; the
 * trial boot spends S's only attempt, so unless `markGood()` restores it, the next boot skips S and
 * starts the committed slot O. While `upgrade_available=1` the first slot of `BOOT_ORDER` is the
 * tried one and the committed slot is the other; otherwise the committed slot is the first one with
 * attempts left.
 *
 * Which slot runs comes from the kernel command line (`rauc.slot=A` set by the boot script), via
 * the injected {@link SystemProbe}.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { otherSlot, type SlotId } from '../slots/types.js';
import { execCommand, linuxSystemProbe, parseEnvLines, runChecked, type CommandRunner, type SystemProbe } from './system.js';
import { BootloaderBase, BootloaderError, type BootStatus } from './types.js';

/** `fw_setenv -s` script syntax: libubootenv reads `name=value`, U-Boot's `tools/env` reads `name value`. */
export type FwSetenvScriptSyntax = 'libubootenv' | 'u-boot';

export interface UBootEnvBootloaderOptions {
  readonly run?: CommandRunner;
  readonly probe?: SystemProbe;
  readonly printenvCommand?: string;
  readonly setenvCommand?: string;
  /** `-c CONFIG` for both commands (default: their built-in `/etc/fw_env.config`). */
  readonly config?: string;
  /** Attempts a committed slot gets (`BOOT_x_LEFT` after `markGood`). Default 3, as in RAUC. */
  readonly attempts?: number;
  readonly scriptSyntax?: FwSetenvScriptSyntax;
  /** Where the `fw_setenv` script is written (default: the OS temp directory). */
  readonly scriptDir?: string;
}

const letter = (slot: SlotId): 'A' | 'B' => (slot === 'a' ? 'A' : 'B');
const leftVar = (slot: SlotId): string => `BOOT_${letter(slot)}_LEFT`;
const orderOf = (first: SlotId): string => `${letter(first)} ${letter(otherSlot(first))}`;

/** The environment as the agent sees it. */
export interface UBootView {
  readonly order: readonly SlotId[];
  readonly left: Readonly<Record<SlotId, number>>;
  readonly upgradeAvailable: boolean;
  /** The armed or tried slot while `upgrade_available=1`. */
  readonly trySlot: SlotId | null;
  readonly active: SlotId;
}

/** Interprets RAUC's variables (defaults as the boot script applies them: `A B`, 3 attempts). */
export function viewUBootEnv(vars: ReadonlyMap<string, string>, defaultAttempts = 3): UBootView {
  const orderText = vars.get('BOOT_ORDER') ?? 'A B';
  const order: SlotId[] = [];
  for (const word of orderText.trim().split(/\s+/)) {
    const slot = word === 'A' ? 'a' : word === 'B' ? 'b' : null;
    if (slot === null || order.includes(slot)) throw new BootloaderError('ENV_INVALID', `BOOT_ORDER="${orderText}" (expected A and/or B)`);
    order.push(slot);
  }
  const first = order[0];
  if (first === undefined) throw new BootloaderError('ENV_INVALID', 'BOOT_ORDER is empty');
  const count = (slot: SlotId): number => {
    const raw = vars.get(leftVar(slot));
    if (raw === undefined || raw === '') return defaultAttempts;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 0) throw new BootloaderError('ENV_INVALID', `${leftVar(slot)}=${raw}`);
    return n;
  };
  const left = { a: count('a'), b: count('b') };
  const upgradeAvailable = vars.get('upgrade_available') === '1';
  const trySlot = upgradeAvailable ? first : null;
  const active = trySlot !== null ? otherSlot(trySlot) : (order.find((s) => left[s] > 0) ?? first);
  return { order, left, upgradeAvailable, trySlot, active };
}

export class UBootEnvBootloader extends BootloaderBase {
  readonly kind = 'u-boot' as const;
  readonly #run: CommandRunner;
  readonly #probe: SystemProbe;
  readonly #printenv: string;
  readonly #setenv: string;
  readonly #config: string | undefined;
  readonly #attempts: number;
  readonly #syntax: FwSetenvScriptSyntax;
  readonly #scriptDir: string;

  constructor(options: UBootEnvBootloaderOptions = {}) {
    super();
    this.#run = options.run ?? execCommand();
    this.#probe = options.probe ?? linuxSystemProbe();
    this.#printenv = options.printenvCommand ?? 'fw_printenv';
    this.#setenv = options.setenvCommand ?? 'fw_setenv';
    this.#config = options.config;
    this.#attempts = options.attempts ?? 3;
    this.#syntax = options.scriptSyntax ?? 'libubootenv';
    this.#scriptDir = options.scriptDir ?? tmpdir();
  }

  #configArgs(): string[] {
    return this.#config === undefined ? [] : ['-c', this.#config];
  }

  /** All variables (`fw_printenv` without names). */
  async environment(): Promise<Map<string, string>> {
    return parseEnvLines(await runChecked(this.#run, this.#printenv, this.#configArgs()));
  }

  async #read(): Promise<{ vars: Map<string, string>; view: UBootView; booted: SlotId; bootId: string }> {
    const vars = await this.environment();
    return { vars, view: viewUBootEnv(vars, this.#attempts), booted: await this.#probe.bootedSlot(), bootId: await this.#probe.bootId() };
  }

  /** Writes the variables that differ, in one `fw_setenv -s` call (none if nothing differs). */
  async #write(current: ReadonlyMap<string, string>, changes: Readonly<Record<string, string>>): Promise<void> {
    const entries = Object.entries(changes).filter(([k, v]) => current.get(k) !== v);
    if (entries.length === 0) return;
    const script = entries.map(([k, v]) => (this.#syntax === 'libubootenv' ? `${k}=${v}` : `${k} ${v}`)).join('\n') + '\n';
    const dir = mkdtempSync(join(this.#scriptDir, 'osprey-fw_setenv-'));
    try {
      const file = join(dir, 'script');
      writeFileSync(file, script, { mode: 0o600 });
      await runChecked(this.#run, this.#setenv, [...this.#configArgs(), '-s', file]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async status(): Promise<BootStatus> {
    const { view, booted, bootId } = await this.#read();
    const { trySlot } = view;
    return {
      active: view.active,
      booted,
      trial: trySlot !== null && booted === trySlot,
      pendingTry: trySlot !== null && booted !== trySlot && view.left[trySlot] > 0 ? trySlot : null,
      bootId,
    };
  }

  async setTryOnce(slot: SlotId): Promise<void> {
    const { vars, view, booted } = await this.#read();
    if (slot === view.active) throw new BootloaderError('ILLEGAL_OPERATION', `slot ${slot} is the committed slot; only the other slot can be tried`);
    if (booted !== view.active) throw new BootloaderError('ILLEGAL_OPERATION', `slot ${booted} is booted on trial; commit or roll back first`);
    const committed = otherSlot(slot);
    await this.#write(vars, {
      BOOT_ORDER: orderOf(slot),
      [leftVar(slot)]: '1',
      // The fallback must stay bootable.
      [leftVar(committed)]: String(Math.max(view.left[committed], 1)),
      upgrade_available: '1',
      bootcount: '0',
    });
  }

  async markGood(): Promise<void> {
    const { vars, view, booted } = await this.#read();
    if (view.trySlot === booted) {
      await this.#write(vars, { BOOT_ORDER: orderOf(booted), [leftVar(booted)]: String(this.#attempts), upgrade_available: '0', bootcount: '0' });
      return;
    }
    if (booted !== view.active)
      throw new BootloaderError('ILLEGAL_OPERATION', `slot ${booted} is neither committed nor on trial (it was marked bad); reboot first`);
    const tried = view.trySlot;
    if (tried !== null && view.left[tried] > 0) {
      // A try is armed and not yet booted: keep it, just refresh the committed slot's attempts.
      await this.#write(vars, { [leftVar(booted)]: String(this.#attempts) });
      return;
    }
    // Normal boot, or back from a spent and unconfirmed try: the committed slot first, the failed one disabled.
    await this.#write(vars, {
      BOOT_ORDER: orderOf(booted),
      [leftVar(booted)]: String(this.#attempts),
      ...(tried !== null ? { [leftVar(tried)]: '0' } : {}),
      upgrade_available: '0',
      bootcount: '0',
    });
  }

  async markBad(slot: SlotId): Promise<void> {
    const { vars, view } = await this.#read();
    if (slot === view.active) throw new BootloaderError('ILLEGAL_OPERATION', `slot ${slot} is the committed slot and cannot be marked bad`);
    await this.#write(vars, {
      [leftVar(slot)]: '0',
      ...(view.trySlot === slot ? { BOOT_ORDER: orderOf(otherSlot(slot)), upgrade_available: '0', bootcount: '0' } : {}),
    });
  }
}
