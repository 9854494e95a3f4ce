/**
 * The device agent's install state machine, pure core: a closed set of phases, a closed set of
 * events, and {@link nextPhase}, which maps (state, event) to the next state or a typed refusal. No
 * I/O and no clock: `StateStore` persists every accepted transition atomically before the agent
 * acts on it, so a restart at any instant finds the last decision and resumes from it (or rolls
 * back). Architecture §6; A/B trial-and-commit as in RAUC and MCUboot's test/confirm (update
 * security landscape §4, §6).
 *
 *   idle ─start→ downloading ─download_complete→ downloaded ─install_begin→ installing
 *     ─install_complete→ installed ─activate→ activating ─reboot_observed(target)→ trial
 *     (installed ─reboot_observed(target)→ trial: armed, then power lost before `activate`)
 *     ─health_ok→ committed ─reported→ idle
 *   trial ─health_failed | health_timeout | crash_loop_detected | error | reboot_observed(previous)→
 *     rolling_back ─rollback_complete→ rolled_back ─reported→ idle
 *   downloading … installed ─error→ failed ─reported→ idle;  ─cancel→ canceled ─reported→ idle
 *
 * What the agent does in each phase after a restart (every step idempotent):
 * - idle: confirm the running (committed) slot with `markGood()` at every start: the bootloaders
 *   count boot attempts of the committed slot too (RAUC model), and this refreshes them.
 * - downloading: resume the download; downloaded: install; installing: rewrite the slot from the start.
 * - installed: arm the bootloader (`setTryOnce`), *then* apply `activate`, then reboot. So
 *   `activating` always means "armed". A crash between arming and `activate` leaves `installed`:
 *   in the same boot the agent re-arms (idempotent); after a power cut the armed target boots, and
 *   `reboot_observed(target)` takes `installed` straight to `trial`.
 * - activating: at start-up apply `reboot_observed`; same boot → re-arm (idempotent) and reboot;
 *   the target booted → trial; a new boot of the previous slot → the try was spent unconfirmed (the
 *   new slot crashed or lost power before the agent ran) → rolling_back.
 * - trial: run the health check. On success: `markGood()`, raise the security version, *then*
 *   apply `health_ok` (a crash before that leaves `trial`, and the agent repeats the check).
 * - rolling_back: if the target is booted, `markBad(target)` and reboot; once the previous slot is
 *   booted and confirmed (`markGood()`), apply `rollback_complete`.
 * - committed, rolled_back, failed, canceled: report the outcome, then `reported`.
 *
 * Idempotence: applying the event that produced the current state again is a no-op
 * (`changed: false`), so an agent that crashed after persisting but before acting can replay it.
 */
import { z } from 'zod';
import type { SlotId } from '../slots/types.js';

export const INSTALL_PHASES = [
  'idle',
  'downloading',
  'downloaded',
  'installing',
  'installed',
  'activating',
  'trial',
  'committed',
  'rolling_back',
  'rolled_back',
  'failed',
  'canceled',
] as const;
export type InstallPhase = (typeof INSTALL_PHASES)[number];

/** Phases whose outcome is decided and waits only to be reported (`reported` → idle). */
export const OUTCOME_PHASES = ['committed', 'rolled_back', 'failed', 'canceled'] as const satisfies readonly InstallPhase[];
/** Phases before the bootloader is touched: the running system is unaffected, an error just fails. */
export const PRE_ACTIVATION_PHASES = ['downloading', 'downloaded', 'installing', 'installed'] as const satisfies readonly InstallPhase[];

export const INSTALL_EVENT_TYPES = [
  'start',
  'download_complete',
  'install_begin',
  'install_complete',
  'activate',
  'reboot_observed',
  'health_ok',
  'health_failed',
  'health_timeout',
  'crash_loop_detected',
  'rollback_complete',
  'cancel',
  'error',
  'reported',
] as const;
export type InstallEventType = (typeof INSTALL_EVENT_TYPES)[number];

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** What the signed release metadata says about the image being installed. */
export const releaseInfoSchema = z.strictObject({
  name: z.string().min(1),
  version: z.string().min(1),
  /** Anti-rollback counter of the release (MCUboot SEC_CNT, Uptane): never installed below the device's. */
  securityVersion: z.int().nonnegative(),
  /** Plaintext image: what the slot must hold. */
  sha256: z.string().regex(SHA256_HEX),
  length: z.int().nonnegative(),
});
export type ReleaseInfo = z.infer<typeof releaseInfoSchema>;

const slotIdSchema = z.enum(['a', 'b']);

export const installStateSchema = z.strictObject({
  phase: z.enum(INSTALL_PHASES),
  actionId: z.string().min(1).nullable(),
  targetSlot: slotIdSchema.nullable(),
  previousSlot: slotIdSchema.nullable(),
  release: releaseInfoSchema.nullable(),
  /** Boots of the target slot observed during the trial (1 after the first trial boot). */
  attempts: z.int().nonnegative(),
  /** Boot (kernel boot_id) in which the last boot-sensitive transition was made: `activate`, `reboot_observed`. */
  bootId: z.string().min(1).nullable(),
  /** Why the install failed, was canceled or is being rolled back. */
  reason: z.string().nullable(),
  /** ISO 8601 time of the last change, stamped by the store. */
  updatedAt: z.iso.datetime(),
});
export type InstallState = Readonly<z.infer<typeof installStateSchema>>;

export type InstallEvent =
  | {
      readonly type: 'start';
      readonly actionId: string;
      readonly release: ReleaseInfo;
      readonly targetSlot: SlotId;
      readonly previousSlot: SlotId;
    }
  /** The payload is downloaded, decrypted and verified against the signed metadata. */
  | { readonly type: 'download_complete' }
  /** About to write the target slot. */
  | { readonly type: 'install_begin' }
  /** The target slot is written, durable, and read back with the signed hash. */
  | { readonly type: 'install_complete' }
  /** The bootloader is armed to try the target slot once (applied after `setTryOnce`). */
  | { readonly type: 'activate'; readonly bootId: string }
  /** Applied at every agent start: which slot is running, and in which boot. */
  | { readonly type: 'reboot_observed'; readonly bootedSlot: SlotId; readonly bootId: string }
  | { readonly type: 'health_ok' }
  | { readonly type: 'health_failed'; readonly reason: string }
  | { readonly type: 'health_timeout' }
  | { readonly type: 'crash_loop_detected' }
  /** The previous slot is booted and confirmed again. */
  | { readonly type: 'rollback_complete' }
  | { readonly type: 'cancel'; readonly actionId: string }
  | { readonly type: 'error'; readonly message: string }
  /** The outcome has been reported to the server. */
  | { readonly type: 'reported' };

export const REFUSAL_CODES = {
  illegal_transition: 'the event is not legal in this phase',
  busy: 'another action is in progress',
  wrong_action: 'the event names another action',
  unexpected_slot: 'the booted slot contradicts the recorded install',
  invalid_event: 'the event is malformed',
} as const;
export type RefusalCode = keyof typeof REFUSAL_CODES;

export interface TransitionRefusal {
  readonly code: RefusalCode;
  readonly phase: InstallPhase;
  readonly event: InstallEventType;
  readonly message: string;
}

export type TransitionResult =
  { readonly ok: true; readonly state: InstallState; readonly changed: boolean } | { readonly ok: false; readonly refusal: TransitionRefusal };

/** The state of a device with nothing in progress. */
export function idleState(updatedAt: string): InstallState {
  return {
    phase: 'idle',
    actionId: null,
    targetSlot: null,
    previousSlot: null,
    release: null,
    attempts: 0,
    bootId: null,
    reason: null,
    updatedAt,
  };
}

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

type TableEvent = Exclude<InstallEventType, 'start' | 'reboot_observed'>;

/**
 * For each event that does not depend on its payload: the phases it is legal in and where it leads
 * (`from`), and the phases in which it has already been applied (`done`: a no-op). Anything else
 * is refused. `start` and `reboot_observed` depend on their payload (see {@link nextPhase}).
 */
export const TRANSITIONS: Readonly<
  Record<TableEvent, { readonly from: Readonly<Partial<Record<InstallPhase, InstallPhase>>>; readonly done: readonly InstallPhase[] }>
> = {
  download_complete: { from: { downloading: 'downloaded' }, done: ['downloaded'] },
  install_begin: { from: { downloaded: 'installing' }, done: ['installing'] },
  install_complete: { from: { installing: 'installed' }, done: ['installed'] },
  activate: { from: { installed: 'activating' }, done: ['activating'] },
  health_ok: { from: { trial: 'committed' }, done: ['committed'] },
  health_failed: { from: { trial: 'rolling_back' }, done: ['rolling_back'] },
  health_timeout: { from: { trial: 'rolling_back' }, done: ['rolling_back'] },
  // A crash loop is visible during `activating` too: the agent never got to observe the trial boot.
  crash_loop_detected: { from: { activating: 'rolling_back', trial: 'rolling_back' }, done: ['rolling_back'] },
  rollback_complete: { from: { rolling_back: 'rolled_back' }, done: ['rolled_back'] },
  // Cancel is accepted until the bootloader is touched; afterwards it is too late (CANCEL_REJECTED).
  cancel: {
    from: { downloading: 'canceled', downloaded: 'canceled', installing: 'canceled', installed: 'canceled' },
    done: ['canceled', 'idle'],
  },
  // An error before activation leaves the running system as it was; after, it must be undone.
  error: {
    from: { downloading: 'failed', downloaded: 'failed', installing: 'failed', installed: 'failed', activating: 'rolling_back', trial: 'rolling_back' },
    done: ['failed', 'rolling_back'],
  },
  reported: { from: { committed: 'idle', rolled_back: 'idle', failed: 'idle', canceled: 'idle' }, done: ['idle'] },
};

const unchanged = (state: InstallState): TransitionResult => ({ ok: true, state, changed: false });
const changed = (state: InstallState): TransitionResult => ({ ok: true, state, changed: true });
const refuse = (code: RefusalCode, state: InstallState, event: InstallEventType, message: string): TransitionResult => ({
  ok: false,
  refusal: { code, phase: state.phase, event, message },
});

function reasonFor(event: InstallEvent): string | null {
  switch (event.type) {
    case 'health_failed':
      return `health check failed: ${event.reason}`;
    case 'health_timeout':
      return 'health check timed out';
    case 'crash_loop_detected':
      return 'crash loop detected in the new slot';
    case 'error':
      return event.message;
    case 'cancel':
      return 'canceled';
    default:
      return null;
  }
}

/**
 * The next state after `event`, or why it is refused. `at` (ISO time) stamps `updatedAt` on a
 * change; without it the previous stamp is kept, which keeps this function free of clocks.
 */
export function nextPhase(state: InstallState, event: InstallEvent, at: string = state.updatedAt): TransitionResult {
  const type = event.type;
  if (type === 'start') return start(state, event, at);
  if (type === 'reboot_observed') return rebootObserved(state, event, at);

  if (type === 'cancel' && state.phase !== 'idle' && state.actionId !== event.actionId) {
    return refuse('wrong_action', state, type, `cancel names action ${event.actionId}, but action ${state.actionId ?? '(none)'} is ${state.phase}`);
  }
  const rule = TRANSITIONS[type];
  const to = rule.from[state.phase];
  if (to === undefined) {
    if (rule.done.includes(state.phase)) return unchanged(state);
    const legal = Object.keys(rule.from).join(', ');
    return refuse('illegal_transition', state, type, `${type} is not legal in phase ${state.phase} (legal in: ${legal})`);
  }
  if (to === 'idle') return changed(idleState(at));
  const reason = reasonFor(event);
  return changed({
    ...state,
    phase: to,
    bootId: type === 'activate' ? event.bootId : state.bootId,
    // The first reason sticks: an error while rolling back does not hide why the rollback started.
    reason: reason ?? state.reason,
    updatedAt: at,
  });
}

function start(state: InstallState, event: Extract<InstallEvent, { type: 'start' }>, at: string): TransitionResult {
  const release = releaseInfoSchema.safeParse(event.release);
  if (!release.success || event.actionId.length === 0 || event.targetSlot === event.previousSlot) {
    const why = !release.success
      ? `release: ${z.prettifyError(release.error)}`
      : event.actionId.length === 0
        ? 'empty action id'
        : 'target slot equals previous slot';
    return refuse('invalid_event', state, 'start', `invalid start event: ${why}`);
  }
  if (state.phase !== 'idle') {
    // The same action announced again (the server repeats a deployment until it gets feedback).
    if (state.actionId === event.actionId) return unchanged(state);
    return refuse('busy', state, 'start', `action ${state.actionId ?? '(none)'} is ${state.phase}; report it before starting action ${event.actionId}`);
  }
  return changed({
    phase: 'downloading',
    actionId: event.actionId,
    targetSlot: event.targetSlot,
    previousSlot: event.previousSlot,
    release: release.data,
    attempts: 0,
    bootId: null,
    reason: null,
    updatedAt: at,
  });
}

function rebootObserved(state: InstallState, event: Extract<InstallEvent, { type: 'reboot_observed' }>, at: string): TransitionResult {
  const { bootedSlot, bootId } = event;
  const { targetSlot, previousSlot } = state;
  const sameBoot = state.bootId === bootId;
  const unexpected = (expected: SlotId | null) =>
    refuse('unexpected_slot', state, 'reboot_observed', `slot ${bootedSlot} is booted in phase ${state.phase}, expected slot ${expected ?? '(none)'}`);

  switch (state.phase) {
    case 'idle':
      return unchanged(state);
    case 'installed':
      // Armed, then the power went before `activate` was persisted: the try is running.
      if (bootedSlot === targetSlot) return changed({ ...state, phase: 'trial', attempts: state.attempts + 1, bootId, updatedAt: at });
      return unchanged(state);
    case 'downloading':
    case 'downloaded':
    case 'installing':
    case 'failed':
    case 'canceled':
    case 'rolled_back':
      // The bootloader was never armed (or has been reverted): the previous slot must be running.
      return bootedSlot === previousSlot ? unchanged(state) : unexpected(previousSlot);
    case 'committed':
      return bootedSlot === targetSlot ? unchanged(state) : unexpected(targetSlot);
    case 'activating':
      if (bootedSlot === targetSlot) return changed({ ...state, phase: 'trial', attempts: state.attempts + 1, bootId, updatedAt: at });
      if (sameBoot) return unchanged(state); // not rebooted yet
      // A new boot of the previous slot: the try was spent without the agent seeing the new slot.
      return changed({ ...state, phase: 'rolling_back', bootId, reason: `the bootloader fell back to slot ${bootedSlot}`, updatedAt: at });
    case 'trial':
      if (sameBoot) return bootedSlot === targetSlot ? unchanged(state) : unexpected(targetSlot);
      if (bootedSlot === targetSlot) return changed({ ...state, attempts: state.attempts + 1, bootId, updatedAt: at });
      return changed({ ...state, phase: 'rolling_back', bootId, reason: `the bootloader fell back to slot ${bootedSlot}`, updatedAt: at });
    case 'rolling_back':
      return sameBoot ? unchanged(state) : changed({ ...state, bootId, updatedAt: at });
  }
}
