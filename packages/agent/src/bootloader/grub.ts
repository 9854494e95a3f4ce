/**
 * GRUB through its environment block (`grubenv`), read with `grub-editenv FILE list` and written
 * with `grub-editenv FILE set NAME=VALUE…`.
 *
 * Variables, as in RAUC's GRUB integration (`contrib/grub.conf`): `ORDER` (e.g. `A B`), and per slot
 * `X_OK` (1 = bootable) and `X_TRY` (1 = booted once since last confirmed). At every boot the
 * grub.cfg script boots the first slot of `ORDER` with `OK=1` and `TRY=0` and saves `TRY=1` for
 * it; confirming (`markGood`) sets `TRY=0` again. So a slot that is not confirmed is tried once,
 * and the next boot takes the next slot of `ORDER`. {@link simulateGrubBoot} is that script.
 *
 * Osprey adds one variable, `OSPREY_TRIAL` (the armed or tried slot, `A`/`B`, or empty), because
 * RAUC's variables cannot tell a slot on trial from a committed slot that was booted and not yet
 * confirmed; GRUB's script ignores it.
 *
 * Writes are atomic: `grub-editenv` truncates and rewrites the file it is given, so the agent runs
 * it on a copy, fsyncs the copy and renames it over the environment (then fsyncs the directory).
 * GRUB itself (`save_env` at boot) can only rewrite the block in place; if a power cut tears that
 * 1 KiB block, `load_env` fails and the defaults at the top of grub.cfg (`ORDER="A B"`, all `OK=0`)
 * apply, which boots the rescue entry: keep one in grub.cfg.
 *
 * Which slot runs comes from the kernel command line (`rauc.slot=A` in the menu entry).
 */
import { copyFileSync, existsSync } from 'node:fs';
import { writeFileAtomicFrom } from '@osprey/fs';
import { otherSlot, type SlotId } from '../slots/types.js';
import { execCommand, linuxSystemProbe, parseEnvLines, runChecked, type CommandRunner, type SystemProbe } from './system.js';
import { BootloaderBase, BootloaderError, type BootStatus } from './types.js';

export interface GrubEnvBootloaderOptions {
  /** The environment block, e.g. `/boot/grub/grubenv` or `/boot/EFI/BOOT/grubenv`. */
  readonly envFile: string;
  readonly run?: CommandRunner;
  readonly probe?: SystemProbe;
  readonly command?: string;
}

const letter = (slot: SlotId): 'A' | 'B' => (slot === 'a' ? 'A' : 'B');
const fromLetter = (value: string | undefined): SlotId | null => (value === 'A' ? 'a' : value === 'B' ? 'b' : null);
const orderOf = (first: SlotId): string => `${letter(first)} ${letter(otherSlot(first))}`;

/** The environment as the agent sees it. */
export interface GrubView {
  readonly order: readonly SlotId[];
  readonly ok: Readonly<Record<SlotId, boolean>>;
  readonly tried: Readonly<Record<SlotId, boolean>>;
  readonly trialSlot: SlotId | null;
  readonly active: SlotId;
}

/** Interprets the variables (defaults as grub.cfg sets them before `load_env`). */
export function viewGrubEnv(vars: ReadonlyMap<string, string>): GrubView {
  const orderText = vars.get('ORDER') ?? 'A B';
  const order: SlotId[] = [];
  for (const word of orderText.trim().split(/\s+/)) {
    const slot = fromLetter(word);
    if (slot === null || order.includes(slot)) throw new BootloaderError('ENV_INVALID', `ORDER="${orderText}" (expected A and/or B)`);
    order.push(slot);
  }
  const first = order[0];
  if (first === undefined) throw new BootloaderError('ENV_INVALID', 'ORDER is empty');
  const ok = { a: vars.get('A_OK') === '1', b: vars.get('B_OK') === '1' };
  const tried = { a: vars.get('A_TRY') === '1', b: vars.get('B_TRY') === '1' };
  const trialText = vars.get('OSPREY_TRIAL') ?? '';
  const trialSlot = fromLetter(trialText);
  if (trialText !== '' && trialSlot === null) throw new BootloaderError('ENV_INVALID', `OSPREY_TRIAL="${trialText}"`);
  const active = trialSlot !== null ? otherSlot(trialSlot) : (order.find((s) => ok[s]) ?? first);
  return { order, ok, tried, trialSlot, active };
}

/**
 * What RAUC's grub.cfg does at boot, given the saved environment: the entry it boots (`rescue`
 * when no slot is bootable) and the variables it saves (`save_env A_TRY B_TRY`).
 */
export function simulateGrubBoot(vars: ReadonlyMap<string, string>): { boot: SlotId | 'rescue'; save: { A_TRY: string; B_TRY: string } } {
  const get = (name: string, fallback: string) => vars.get(name) ?? fallback;
  const env: Record<string, string> = { A_OK: get('A_OK', '0'), B_OK: get('B_OK', '0'), A_TRY: get('A_TRY', '0'), B_TRY: get('B_TRY', '0') };
  let boot: SlotId | 'rescue' = 'rescue';
  for (const word of get('ORDER', 'A B').split(/\s+/)) {
    if (word !== 'A' && word !== 'B') continue;
    const ok = env[`${word}_OK`];
    const tried = env[`${word}_TRY`];
    env[`${word}_TRY`] = '1';
    if (ok === '1' && tried === '0') {
      boot = word === 'A' ? 'a' : 'b';
      break;
    }
  }
  if (boot === 'rescue') {
    // "reset booted flags": the next boot tries the bootable slots again.
    if (env.A_OK === '1' && env.A_TRY === '1') env.A_TRY = '0';
    if (env.B_OK === '1' && env.B_TRY === '1') env.B_TRY = '0';
  }
  return { boot, save: { A_TRY: env.A_TRY ?? '0', B_TRY: env.B_TRY ?? '0' } };
}

export class GrubEnvBootloader extends BootloaderBase {
  readonly kind = 'grub' as const;
  readonly envFile: string;
  readonly #run: CommandRunner;
  readonly #probe: SystemProbe;
  readonly #command: string;

  constructor(options: GrubEnvBootloaderOptions) {
    super();
    this.envFile = options.envFile;
    this.#run = options.run ?? execCommand();
    this.#probe = options.probe ?? linuxSystemProbe();
    this.#command = options.command ?? 'grub-editenv';
  }

  /** All variables (`grub-editenv FILE list`); empty if the file does not exist yet. */
  async environment(): Promise<Map<string, string>> {
    if (!existsSync(this.envFile)) return new Map();
    return parseEnvLines(await runChecked(this.#run, this.#command, [this.envFile, 'list']));
  }

  async #read(): Promise<{ vars: Map<string, string>; view: GrubView; booted: SlotId; bootId: string }> {
    const vars = await this.environment();
    return { vars, view: viewGrubEnv(vars), booted: await this.#probe.bootedSlot(), bootId: await this.#probe.bootId() };
  }

  /** Sets the variables that differ: `grub-editenv` on a copy, fsync, rename over, fsync the directory. */
  async #write(current: ReadonlyMap<string, string>, changes: Readonly<Record<string, string>>): Promise<void> {
    const entries = Object.entries(changes).filter(([k, v]) => current.get(k) !== v);
    if (entries.length === 0) return;
    await writeFileAtomicFrom(this.envFile, async (temp) => {
      if (existsSync(this.envFile)) copyFileSync(this.envFile, temp);
      else await runChecked(this.#run, this.#command, [temp, 'create']);
      await runChecked(this.#run, this.#command, [temp, 'set', ...entries.map(([k, v]) => `${k}=${v}`)]);
    });
  }

  async status(): Promise<BootStatus> {
    const { view, booted, bootId } = await this.#read();
    const t = view.trialSlot;
    return {
      active: view.active,
      booted,
      trial: t !== null && booted === t,
      pendingTry: t !== null && booted !== t && view.ok[t] && !view.tried[t] ? t : null,
      bootId,
    };
  }

  async setTryOnce(slot: SlotId): Promise<void> {
    const { vars, view, booted } = await this.#read();
    if (slot === view.active) throw new BootloaderError('ILLEGAL_OPERATION', `slot ${slot} is the committed slot; only the other slot can be tried`);
    if (booted !== view.active) throw new BootloaderError('ILLEGAL_OPERATION', `slot ${booted} is booted on trial; commit or roll back first`);
    const S = letter(slot);
    const O = letter(otherSlot(slot));
    await this.#write(vars, { ORDER: orderOf(slot), [`${S}_OK`]: '1', [`${S}_TRY`]: '0', [`${O}_OK`]: '1', [`${O}_TRY`]: '0', OSPREY_TRIAL: S });
  }

  async markGood(): Promise<void> {
    const { vars, view, booted } = await this.#read();
    const B = letter(booted);
    if (view.trialSlot === booted) {
      await this.#write(vars, { ORDER: orderOf(booted), [`${B}_OK`]: '1', [`${B}_TRY`]: '0', OSPREY_TRIAL: '' });
      return;
    }
    if (booted !== view.active)
      throw new BootloaderError('ILLEGAL_OPERATION', `slot ${booted} is neither committed nor on trial (it was marked bad); reboot first`);
    const t = view.trialSlot;
    if (t !== null && view.ok[t] && !view.tried[t]) {
      // A try is armed and not yet booted: keep it, confirm the committed slot.
      await this.#write(vars, { [`${B}_OK`]: '1', [`${B}_TRY`]: '0' });
      return;
    }
    await this.#write(vars, {
      ORDER: orderOf(booted),
      [`${B}_OK`]: '1',
      [`${B}_TRY`]: '0',
      // Back from a spent, unconfirmed try: that slot is disabled until armed again.
      ...(t !== null ? { [`${letter(t)}_OK`]: '0', [`${letter(t)}_TRY`]: '0', OSPREY_TRIAL: '' } : {}),
    });
  }

  async markBad(slot: SlotId): Promise<void> {
    const { vars, view } = await this.#read();
    if (slot === view.active) throw new BootloaderError('ILLEGAL_OPERATION', `slot ${slot} is the committed slot and cannot be marked bad`);
    const S = letter(slot);
    await this.#write(vars, {
      [`${S}_OK`]: '0',
      [`${S}_TRY`]: '0',
      ...(view.trialSlot === slot ? { ORDER: orderOf(otherSlot(slot)), OSPREY_TRIAL: '' } : {}),
    });
  }
}
