/**
 * A simulated A/B bootloader for tests and demos, modelled on U-Boot's boot counter
 * (`upgrade_available`, `bootcount`, `bootlimit`, `altbootcmd`) with a try-once slot.
 *
 * Its environment is a small text file (`name=value` lines and a SHA-256 `checksum` line)
 * replaced atomically on every change, so a power cut leaves the old or the new environment,
 * never a torn one: {@link SimulatedBootloader.failNextWriteAt} cuts the power inside the next
 * write, and {@link SimulatedBootloader.reset} powers the device back on.
 *
 * Variables: `active` (committed slot), `booted` (what the last boot started), `try` (armed slot or
 * empty), `upgrade_available` (1 while a try is armed or on trial), `boot_count` (boots since it
 * was armed), `bootlimit` (boots allowed without `markGood`; 1 = strictly try-once), `boot_seq`
 * and `boot_nonce` (make up the boot id).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { removeStaleTemps, writeFileAtomic, type AtomicWriteStep } from '@osprey/fs';
import { isSlotId, type SlotId } from '../slots/types.js';
import { BootloaderBase, BootloaderError, type BootStatus } from './types.js';

interface SimEnv {
  readonly active: SlotId;
  readonly booted: SlotId;
  readonly try: SlotId | null;
  readonly upgrade_available: boolean;
  readonly boot_count: number;
  readonly bootlimit: number;
  readonly boot_seq: number;
  readonly boot_nonce: string;
}

/**
 * Thrown by a simulated write that lost power (see {@link SimulatedBootloader.failNextWriteAt} and
 * the U-Boot emulator): the device is off, nothing after it ran.
 */
export class SimulatedPowerCut extends Error {
  /** Where the power went: an atomic-write step, or `byte <n>` of a torn in-place write. */
  readonly at: string;
  constructor(at: string) {
    super(`simulated power cut during an environment write (after ${at})`);
    this.name = 'SimulatedPowerCut';
    this.at = at;
  }
}

/** What {@link SimulatedBootloader.boot} did. */
export interface SimulatedBoot {
  readonly slot: SlotId;
  readonly bootId: string;
  /** `try`: the armed slot was booted; `fallback`: the try was spent unconfirmed, the committed slot booted instead. */
  readonly kind: 'normal' | 'try' | 'fallback';
}

export interface SimulatedBootloaderOptions {
  /** The committed slot when the environment file is created. Default `a`. */
  readonly initialSlot?: SlotId;
  /** Boots allowed on trial without `markGood` when the file is created. Default 1 (try once). */
  readonly bootlimit?: number;
}

const ORDER = ['active', 'booted', 'try', 'upgrade_available', 'boot_count', 'bootlimit', 'boot_seq', 'boot_nonce'] as const;

function toRecord(env: SimEnv): Record<(typeof ORDER)[number], string> {
  return {
    active: env.active,
    booted: env.booted,
    try: env.try ?? '',
    upgrade_available: env.upgrade_available ? '1' : '0',
    boot_count: String(env.boot_count),
    bootlimit: String(env.bootlimit),
    boot_seq: String(env.boot_seq),
    boot_nonce: env.boot_nonce,
  };
}

function encode(env: SimEnv): string {
  const values = toRecord(env);
  const body = ORDER.map((k) => `${k}=${values[k]}\n`).join('');
  return `${body}checksum=${createHash('sha256').update(body).digest('hex')}\n`;
}

function decode(text: string, path: string): SimEnv {
  const at = text.lastIndexOf('checksum=');
  const body = at < 0 ? '' : text.slice(0, at);
  const sum = at < 0 ? '' : text.slice(at + 'checksum='.length).trim();
  if (at < 0 || createHash('sha256').update(body).digest('hex') !== sum) {
    throw new BootloaderError('ENV_CORRUPTED', `simulated bootloader environment ${path} fails its checksum`);
  }
  const vars = new Map<string, string>();
  for (const line of body.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) vars.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const int = (name: string): number => {
    const v = Number(vars.get(name));
    if (!Number.isSafeInteger(v) || v < 0) throw new BootloaderError('ENV_INVALID', `${name}=${vars.get(name) ?? ''} in ${path}`);
    return v;
  };
  const slot = (name: string): SlotId => {
    const v = vars.get(name);
    if (!isSlotId(v)) throw new BootloaderError('ENV_INVALID', `${name}=${v ?? ''} in ${path}`);
    return v;
  };
  const tryValue = vars.get('try') ?? '';
  return {
    active: slot('active'),
    booted: slot('booted'),
    try: tryValue === '' ? null : slot('try'),
    upgrade_available: vars.get('upgrade_available') === '1',
    boot_count: int('boot_count'),
    bootlimit: Math.max(1, int('bootlimit')),
    boot_seq: int('boot_seq'),
    boot_nonce: vars.get('boot_nonce') ?? '',
  };
}

export class SimulatedBootloader extends BootloaderBase {
  readonly kind = 'simulated' as const;
  readonly path: string;
  #cutAt: AtomicWriteStep | null = null;

  /** Opens the environment at `path`, creating it (committed slot booted, nothing armed) if missing. */
  constructor(path: string, options: SimulatedBootloaderOptions = {}) {
    super();
    this.path = path;
    if (!existsSync(path)) {
      const slot = options.initialSlot ?? 'a';
      this.#write({
        active: slot,
        booted: slot,
        try: null,
        upgrade_available: false,
        boot_count: 0,
        bootlimit: Math.max(1, options.bootlimit ?? 1),
        boot_seq: 1,
        boot_nonce: randomBytes(4).toString('hex'),
      });
    }
  }

  #read(): SimEnv {
    return decode(readFileSync(this.path, 'utf8'), this.path);
  }

  #write(env: SimEnv): void {
    const cutAt = this.#cutAt;
    this.#cutAt = null;
    writeFileAtomic(this.path, encode(env), {
      mode: 0o600,
      hook: (step) => {
        if (step === cutAt) throw new SimulatedPowerCut(step);
      },
    });
  }

  /** The whole environment, for tests and demos. */
  environment(): Readonly<Record<string, string>> {
    return toRecord(this.#read());
  }

  async status(): Promise<BootStatus> {
    const env = this.#read();
    const armed = env.upgrade_available && env.try !== null;
    return {
      active: env.active,
      booted: env.booted,
      trial: armed && env.boot_count > 0 && env.booted === env.try,
      pendingTry: armed && env.boot_count === 0 ? env.try : null,
      bootId: `sim-${env.boot_nonce}-${env.boot_seq}`,
    };
  }

  async setTryOnce(slot: SlotId): Promise<void> {
    const env = this.#read();
    if (slot === env.active) throw new BootloaderError('ILLEGAL_OPERATION', `slot ${slot} is the committed slot; only the other slot can be tried`);
    if (env.booted !== env.active) throw new BootloaderError('ILLEGAL_OPERATION', `slot ${env.booted} is booted on trial; commit or roll back first`);
    if (env.upgrade_available && env.try === slot && env.boot_count === 0) return;
    this.#write({ ...env, try: slot, upgrade_available: true, boot_count: 0 });
  }

  async markGood(): Promise<void> {
    const env = this.#read();
    const onTrial = env.upgrade_available && env.try === env.booted && env.boot_count > 0;
    if (onTrial) {
      this.#write({ ...env, active: env.booted, try: null, upgrade_available: false, boot_count: 0 });
      return;
    }
    if (env.booted !== env.active) {
      throw new BootloaderError('ILLEGAL_OPERATION', `slot ${env.booted} is neither committed nor on trial (it was marked bad); reboot first`);
    }
    // The committed slot is confirmed again; a failed try was already cleared by the fallback boot,
    // and a try armed but not yet booted stays armed.
  }

  async markBad(slot: SlotId): Promise<void> {
    const env = this.#read();
    if (slot === env.active) throw new BootloaderError('ILLEGAL_OPERATION', `slot ${slot} is the committed slot and cannot be marked bad`);
    if (env.try !== null || env.upgrade_available) this.#write({ ...env, try: null, upgrade_available: false, boot_count: 0 });
  }

  /** An orderly reboot: what the boot ROM and bootloader do until the kernel runs. */
  async boot(): Promise<SimulatedBoot> {
    const env = this.#read();
    const seq = env.boot_seq + 1;
    let next: SimEnv;
    let kind: SimulatedBoot['kind'];
    if (env.upgrade_available && env.try !== null) {
      const count = env.boot_count + 1;
      if (count > env.bootlimit) {
        // Crash loop or unconfirmed try (U-Boot altbootcmd): back to the committed slot.
        next = { ...env, booted: env.active, try: null, upgrade_available: false, boot_count: 0, boot_seq: seq };
        kind = 'fallback';
      } else {
        next = { ...env, booted: env.try, boot_count: count, boot_seq: seq };
        kind = 'try';
      }
    } else {
      next = { ...env, booted: env.active, boot_seq: seq };
      kind = 'normal';
    }
    this.#write(next);
    return { slot: next.booted, bootId: `sim-${next.boot_nonce}-${seq}`, kind };
  }

  /**
   * Power cut at any moment, then power on: whatever write was in flight is lost or complete
   * (atomic replace), leftover temp files are ignored, and the device boots from the environment
   * on disk.
   */
  async reset(): Promise<SimulatedBoot> {
    this.#cutAt = null;
    removeStaleTemps(this.path);
    return this.boot();
  }

  /** The next environment write loses power right after `step` (then throws {@link SimulatedPowerCut}). */
  failNextWriteAt(step: AtomicWriteStep): void {
    this.#cutAt = step;
  }
}
