/**
 * The bootloader contract the agent needs for A/B updates with automatic rollback (RAUC's
 * bootchooser model; MCUboot's test/confirm, update-security-landscape §4 and §6):
 *
 * - exactly one *committed* slot (`activeSlot`): what boots when nothing else is pending;
 * - `setTryOnce(slot)`: the next boot tries `slot` once; if that boot is not confirmed by
 *   `markGood()`, any further boot goes back to the committed slot;
 * - `markGood()`: confirm the booted slot; `markBad(slot)`: never boot `slot` again until it is
 *   armed anew.
 *
 * All operations are idempotent, and each writes the environment in one atomic step.
 */
import type { SlotId } from '../slots/types.js';

// A bootloader's failures are part of its contract; the codes are in the agent's one table (src/errors.ts).
export { BOOTLOADER_ERROR_CODES, BootloaderError, isBootloaderError, type BootloaderErrorCode } from '../errors.js';

export const BOOTLOADER_KINDS = ['simulated', 'u-boot', 'grub', 'symlink'] as const;
export type BootloaderKind = (typeof BOOTLOADER_KINDS)[number];

export interface BootStatus {
  /** The committed slot: the one that boots when no try is pending, and the rollback target. */
  readonly active: SlotId;
  /** The slot running now. */
  readonly booted: SlotId;
  /** The booted slot is being tried and has not been confirmed (`markGood`) yet. */
  readonly trial: boolean;
  /** A slot armed by `setTryOnce` whose try has not been spent yet, else null. */
  readonly pendingTry: SlotId | null;
  /** Identifies this boot (Linux `/proc/sys/kernel/random/boot_id`); changes at every boot. */
  readonly bootId: string;
}

export interface Bootloader {
  readonly kind: BootloaderKind;
  /** Everything below in one read of the environment. */
  status(): Promise<BootStatus>;
  activeSlot(): Promise<SlotId>;
  bootedSlot(): Promise<SlotId>;
  isTrial(): Promise<boolean>;
  pendingTry(): Promise<SlotId | null>;
  bootId(): Promise<string>;
  /**
   * The next boot tries `slot` once; if it is not confirmed, later boots fall back to the committed
   * slot. Refused (`ILLEGAL_OPERATION`) for the committed slot and while a trial is running.
   */
  setTryOnce(slot: SlotId): Promise<void>;
  /**
   * Confirms the booted slot. On trial, it becomes the committed slot. If it already is the
   * committed slot, its boot attempts are refreshed (call this on every healthy boot, as RAUC's
   * `mark-good` service does), a spent and failed try of the other slot is cleared, and a try
   * armed but not yet booted stays armed.
   */
  markGood(): Promise<void>;
  /**
   * `slot` is not to be booted again: a pending try is disarmed, a running trial ends at the next
   * boot (which returns to the committed slot). Refused (`ILLEGAL_OPERATION`) for the committed slot.
   */
  markBad(slot: SlotId): Promise<void>;
}

/**
 * Implements the single-purpose getters on top of `status()`, so each backend only reads its
 * environment in one place.
 */
export abstract class BootloaderBase implements Bootloader {
  abstract readonly kind: BootloaderKind;
  abstract status(): Promise<BootStatus>;
  abstract setTryOnce(slot: SlotId): Promise<void>;
  abstract markGood(): Promise<void>;
  abstract markBad(slot: SlotId): Promise<void>;

  async activeSlot(): Promise<SlotId> {
    return (await this.status()).active;
  }
  async bootedSlot(): Promise<SlotId> {
    return (await this.status()).booted;
  }
  async isTrial(): Promise<boolean> {
    return (await this.status()).trial;
  }
  async pendingTry(): Promise<SlotId | null> {
    return (await this.status()).pendingTry;
  }
  async bootId(): Promise<string> {
    return (await this.status()).bootId;
  }
}
