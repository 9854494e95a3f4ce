/**
 * What the agent does when its state file cannot be trusted: it no longer knows which release it
 * was installing (nor its security version), so it must not commit anything. It falls back to the
 * last committed slot, as the bootloader knows it:
 *
 * 1. a try armed but not yet booted is disarmed (`markBad`);
 * 2. if a slot other than the committed one is running (a trial), it is marked bad and a reboot is
 *    required to return to the committed slot; otherwise the committed slot is confirmed (`markGood`,
 *    which also clears a spent try);
 * 3. the corrupted file is moved aside for diagnosis and an idle state is written.
 *
 * Bootloader first, state file last: a crash in between leaves the file still corrupted, and the
 * next start runs the same, idempotent, recovery again.
 */
import type { Bootloader } from '../bootloader/types.js';
import type { SlotId } from '../slots/types.js';
import type { InstallState } from './machine.js';
import type { StateCorrupted, StateStore } from './store.js';

export interface CorruptionRecovery {
  readonly corruption: StateCorrupted;
  /** The slot the device falls back to. */
  readonly committedSlot: SlotId;
  /** The slot running when recovery started. */
  readonly bootedSlot: SlotId;
  /** A try that was disarmed, if any. */
  readonly disarmedTry: SlotId | null;
  /** The device runs another slot than the committed one: reboot to return to it. */
  readonly rebootRequired: boolean;
  /** Where the corrupted file was moved, or null if it had vanished. */
  readonly quarantinedTo: string | null;
  /** The fresh (idle) state now persisted. */
  readonly state: InstallState;
}

export async function recoverFromCorruptState(store: StateStore, bootloader: Bootloader, corruption: StateCorrupted): Promise<CorruptionRecovery> {
  const status = await bootloader.status();
  if (status.pendingTry !== null) await bootloader.markBad(status.pendingTry);
  const rebootRequired = status.booted !== status.active;
  if (rebootRequired) await bootloader.markBad(status.booted);
  else await bootloader.markGood();
  const quarantinedTo = store.quarantine();
  const state = store.reset();
  return {
    corruption,
    committedSlot: status.active,
    bootedSlot: status.booted,
    disarmedTry: status.pendingTry,
    rebootRequired,
    quarantinedTo,
    state,
  };
}

/** Loads the state; if it is corrupted, recovers (see {@link recoverFromCorruptState}) and returns the fresh state. */
export async function loadOrRecover(store: StateStore, bootloader: Bootloader): Promise<{ state: InstallState; recovery: CorruptionRecovery | null }> {
  const loaded = store.load();
  if (loaded.ok) return { state: loaded.state, recovery: null };
  const recovery = await recoverFromCorruptState(store, bootloader, loaded);
  return { state: recovery.state, recovery };
}
