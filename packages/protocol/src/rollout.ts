/**
 * Rollout engine, pure core: the rollout state machine for operator commands and the scheduler tick
 * that turns a snapshot of a rollout and its groups into transitions (hawkBit rollout management;
 * Osprey shared/reference/hawkbit-api.md §2.3, §3.2 and §3.3), plus Osprey's fleet-safety
 * extensions taken from AWS IoT Jobs and Azure Device Update (update-security-landscape.md §8):
 * release rate limits with exponential growth, abort criteria with an optional rollback update, and
 * per-device retries.
 *
 * No I/O and no clock: the scheduler loads a snapshot (recounting each group's actions every tick,
 * as hawkBit does), calls {@link decide} with the current time and applies the transitions in one
 * transaction. Filling groups (CREATING), creating the scheduled actions (STARTING), stopping and
 * deleting are the scheduler's I/O and are not decided here.
 */

export const ROLLOUT_STATUSES = [
  'creating',
  'waiting_for_approval',
  'approval_denied',
  'ready',
  'starting',
  'running',
  'paused',
  'stopping',
  'stopped',
  'finished',
  'deleting',
  'deleted',
] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];

export const GROUP_STATUSES = ['creating', 'ready', 'scheduled', 'running', 'finished', 'error'] as const;
export type GroupStatus = (typeof GROUP_STATUSES)[number];

/** `POST /rest/v1/rollouts/{id}/<command>` (§2.2), plus `delete` for `DELETE /rollouts/{id}`. */
export const ROLLOUT_COMMANDS = ['start', 'pause', 'resume', 'approve', 'deny', 'stop', 'delete', 'triggerNextGroup', 'retry'] as const;
export type RolloutCommand = (typeof ROLLOUT_COMMANDS)[number];

/** Management API action types (§2.3, lowercase as on the wire). */
export const ACTION_TYPES = ['forced', 'soft', 'timeforced', 'downloadonly'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export const SUCCESS_ACTIONS = ['NEXTGROUP', 'PAUSE'] as const;
export type SuccessAction = (typeof SUCCESS_ACTIONS)[number];
export const ERROR_ACTIONS = ['PAUSE'] as const;
export type ErrorAction = (typeof ERROR_ACTIONS)[number];

/** Failure types an abort criterion can watch (AWS IoT Jobs FAILED, TIMED_OUT; hawkBit CANCELED). */
export const FAILURE_TYPES = ['failed', 'timedOut', 'canceled'] as const;
export type FailureType = (typeof FAILURE_TYPES)[number];

// ---------------------------------------------------------------------------------------------
// Operator commands (§3.2)
// ---------------------------------------------------------------------------------------------

/** hawkBit `ROLLOUT_STATUS_STOPPABLE` (§3.2). */
const STOPPABLE: readonly RolloutStatus[] = ['creating', 'ready', 'waiting_for_approval', 'starting', 'running', 'paused', 'approval_denied'];

/** Where each command is legal and the status it leads to; `null` leaves the status as it is. */
const COMMAND_TABLE: Readonly<Record<RolloutCommand, { readonly from: readonly RolloutStatus[]; readonly to: RolloutStatus | null }>> = {
  // READY → STARTING: the scheduler schedules the groups, then the tick starts the first one.
  start: { from: ['ready'], to: 'starting' },
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  approve: { from: ['waiting_for_approval'], to: 'ready' },
  deny: { from: ['waiting_for_approval'], to: 'approval_denied' },
  stop: { from: STOPPABLE, to: 'stopping' },
  // Any rollout can be deleted; deleting one that is already DELETING is a no-op, as in hawkBit.
  delete: { from: ROLLOUT_STATUSES.filter((s) => s !== 'deleted'), to: 'deleting' },
  // Starts the next scheduled group (see nextScheduledGroup); the rollout stays RUNNING.
  triggerNextGroup: { from: ['running'], to: null },
  // Creates a new rollout `<name>_retry` (filter `failedrollout==<id>`, one group); this one stays FINISHED.
  retry: { from: ['finished'], to: null },
};

export interface CommandContext {
  /** Some group of the rollout is SCHEDULED (triggerNextGroup needs one). */
  readonly hasScheduledGroup: boolean;
}

/** `illegalState` maps to 400 `hawkbit.server.error.rollout.illegalState` (§2.1). */
export type CommandResult = { readonly next: RolloutStatus } | { readonly error: 'illegalState'; readonly message: string };

/** Applies an operator command to a rollout status (§3.2; hawkBit `JpaRolloutManagement`). */
export function rolloutCommand(status: RolloutStatus, command: RolloutCommand, context: CommandContext): CommandResult {
  const rule = COMMAND_TABLE[command];
  if (!rule.from.includes(status)) {
    return { error: 'illegalState', message: `cannot ${command} a rollout in status ${status} (allowed from ${rule.from.join(', ')})` };
  }
  if (command === 'triggerNextGroup' && !context.hasScheduledGroup) {
    return { error: 'illegalState', message: 'rollout has no groups left to be triggered' };
  }
  return { next: rule.to ?? status };
}

// ---------------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------------

/**
 * Success and error conditions (THRESHOLD, whole percent 0–100). `null` = no such condition. The
 * creation path fills in hawkBit's defaults ({@link DEFAULT_THRESHOLDS}); the engine never does.
 */
export interface Thresholds {
  readonly success: { readonly percentage: number; readonly action: SuccessAction } | null;
  readonly error: { readonly percentage: number; readonly action: ErrorAction } | null;
}

/** hawkBit's defaults when a rollout is created without conditions (§2.3). */
export const DEFAULT_THRESHOLDS: Thresholds = {
  success: { percentage: 50, action: 'NEXTGROUP' },
  error: { percentage: 50, action: 'PAUSE' },
};

/**
 * Release rate limit per group (AWS IoT Jobs `jobExecutionsRolloutConfig`). With `growth` the rate
 * starts at `baseRatePerMinute` and is multiplied by `incrementFactor` each time another
 * `whenSucceededCount` devices of the group have succeeded, never above `maxPerMinute`.
 */
export interface RateLimit {
  readonly maxPerMinute: number;
  readonly growth?: { readonly baseRatePerMinute: number; readonly incrementFactor: number; readonly whenSucceededCount: number };
}

/**
 * Abort the rollout once at least `minExecutedCount` actions have executed (reached a terminal
 * state) and at least `thresholdPercentage` % of them ended as `failureType` (AWS IoT Jobs
 * `abortConfig`: both are minimums).
 */
export interface AbortCriterion {
  readonly failureType: FailureType;
  readonly minExecutedCount: number;
  readonly thresholdPercentage: number;
}

export interface RolloutSnapshot {
  readonly status: RolloutStatus;
  /** Auto-start time (§2.3 `startAt`); null = manual start only. */
  readonly startAt: Date | null;
  /** `downloadonly` counts DOWNLOADED as success (§2.3, §3.3). */
  readonly actionType: ActionType;
  /** Dynamic rollout: its last group keeps absorbing new targets and never completes (§3.3). */
  readonly dynamic: boolean;
  /** Conditions for every group that has no {@link GroupSnapshot.thresholds} of its own ("groups inherit"). */
  readonly thresholds: Thresholds;
  /** Osprey (AWS IoT Jobs): release rate per group; absent = release a started group at once. */
  readonly rateLimit?: RateLimit | null;
  /** Osprey (AWS IoT Jobs): checked first each tick; the first criterion met aborts the rollout. */
  readonly abortCriteria?: readonly AbortCriterion[];
  /** Osprey (Azure Device Update): distribution set to deploy when an abort criterion is met. */
  readonly rollbackDistributionSetId?: number | null;
  /** Osprey (AWS IoT Jobs retries, Azure DU "retry failed devices"): retries per failed install, 0 = none. */
  readonly maxRetries?: number;
}

/**
 * A group's actions, recounted by the caller every tick. The buckets partition `total` by action
 * status (§3.1): `running` holds every active non-terminal status (RETRIEVED, RUNNING, WARNING,
 * DOWNLOAD, WAIT_FOR_CONFIRMATION, CANCELING…); `downloaded` holds DOWNLOADED, which is terminal only
 * for downloadonly actions.
 */
export interface ActionCounts {
  readonly total: number;
  readonly scheduled: number;
  readonly running: number;
  readonly downloaded: number;
  readonly finished: number;
  readonly error: number;
  readonly canceled: number;
  /** Osprey: how many of `error` the server closed because the device timed out (hawkBit reports them as ERROR). */
  readonly timedOut?: number;
}

export interface GroupSnapshot {
  readonly id: number;
  /** Position in the rollout; the child of a group is the next one in this order. */
  readonly order: number;
  readonly status: GroupStatus;
  readonly counts: ActionCounts;
  /** The group's own conditions (§2.3 `groups[].successCondition…`); absent = the rollout's. */
  readonly thresholds?: Thresholds;
  /** Dynamic group: template `targetCount`; thresholds are measured against it while the group fills. */
  readonly dynamicTargetCount?: number;
  /** Osprey rate limit: actions of this group released during the last minute. */
  readonly releasedInLastMinute?: number;
  /** Osprey retries: `failedByRetries[n]` = failed installs (ERROR, not timed out) already retried n times. */
  readonly failedByRetries?: readonly number[];
}

// ---------------------------------------------------------------------------------------------
// Transitions
// ---------------------------------------------------------------------------------------------

export type Transition =
  /** READY → STARTING, as the `start` command (§3.2 `startAt`). */
  | { readonly kind: 'startRollout' }
  /** STARTING → RUNNING once every group is scheduled; comes with the first group's start (§3.2). */
  | { readonly kind: 'runRollout' }
  /** Group SCHEDULED → RUNNING. Releases no actions by itself: see `releaseActions`. */
  | { readonly kind: 'startGroup'; readonly groupId: number }
  /** Group RUNNING → FINISHED: all its actions are terminal (§3.3 step 3). */
  | { readonly kind: 'finishGroup'; readonly groupId: number }
  /** Group RUNNING → ERROR: its error condition is met (§3.3 step 1). */
  | { readonly kind: 'errorGroup'; readonly groupId: number }
  /** RUNNING → PAUSED by a group's error action or PAUSE success action. */
  | { readonly kind: 'pauseRollout'; readonly reason: 'errorAction' | 'successAction'; readonly groupId: number }
  /** RUNNING → FINISHED: no group is RUNNING or SCHEDULED (§3.2). */
  | { readonly kind: 'finishRollout' }
  /** Activate `count` SCHEDULED actions of a running group, oldest first (all of them when there is no rate limit). */
  | { readonly kind: 'releaseActions'; readonly groupId: number; readonly count: number }
  /** Re-activate `count` failed installs of the group that have been retried fewer than `maxRetries` times. */
  | { readonly kind: 'retryActions'; readonly groupId: number; readonly count: number }
  /** Stop the rollout (as the `stop` command) and, when given, deploy the rollback distribution set. */
  | { readonly kind: 'abortRollout'; readonly reason: string; readonly criterion: AbortCriterion; readonly rollbackDistributionSetId?: number };

// ---------------------------------------------------------------------------------------------
// The tick
// ---------------------------------------------------------------------------------------------

/** The first SCHEDULED group in order: what NEXTGROUP, triggerNextGroup and a resumed rollout start. */
export function nextScheduledGroup<G extends Pick<GroupSnapshot, 'order' | 'status'>>(groups: readonly G[]): G | undefined {
  return [...groups].sort((a, b) => a.order - b.order).find((g) => g.status === 'scheduled');
}

/**
 * Releases allowed per minute for a group with `succeeded` successful actions. Floors the
 * exponential rate, with a little slack so that e.g. 25 × 1.4² is 49, not 48.999…
 */
export function ratePerMinute(limit: RateLimit, succeeded: number): number {
  if (!limit.growth) return limit.maxPerMinute;
  const { baseRatePerMinute, incrementFactor, whenSucceededCount } = limit.growth;
  const steps = Math.floor(succeeded / Math.max(whenSucceededCount, 1));
  return Math.min(limit.maxPerMinute, Math.floor(baseRatePerMinute * incrementFactor ** steps + 1e-9));
}

/** One tick of the rollout scheduler: what should change now. */
export function decide(rollout: RolloutSnapshot, groups: readonly GroupSnapshot[], now: Date): Transition[] {
  const ordered = [...groups].sort((a, b) => a.order - b.order);
  switch (rollout.status) {
    case 'ready':
      // §3.2: a READY rollout starts itself once `startAt` is reached (hawkBit: startAt ≤ now).
      return rollout.startAt !== null && rollout.startAt.getTime() <= now.getTime() ? [{ kind: 'startRollout' }] : [];
    case 'starting':
      return decideStarting(rollout, ordered);
    case 'running':
      return decideRunning(rollout, ordered);
    default:
      // CREATING, STOPPING, DELETING are the scheduler's I/O; a PAUSED rollout starts, releases and
      // retries nothing until it is resumed (hawkBit skips it); the rest wait for an operator or are final.
      return [];
  }
}

/** §3.2 STARTING: once the scheduler has scheduled every group, start the first one and run. */
function decideStarting(rollout: RolloutSnapshot, groups: readonly GroupSnapshot[]): Transition[] {
  if (groups.some((g) => g.status === 'creating' || g.status === 'ready')) return [];
  const first = groups[0];
  if (!first) return [{ kind: 'runRollout' }];
  return [{ kind: 'startGroup', groupId: first.id }, ...release(rollout, first, tally(rollout, first, false)), { kind: 'runRollout' }];
}

/** What the thresholds look at in one group. */
interface Tally {
  /** Group size for percentages: the recounted total, or a filling dynamic group's target count. */
  readonly size: number;
  /** FINISHED, or DOWNLOADED for downloadonly. */
  readonly succeeded: number;
  /** ERROR actions that will not be retried, timed-out ones included. */
  readonly errors: number;
  /** Of those, the ones that did not time out. */
  readonly failed: number;
  readonly timedOut: number;
  readonly canceled: number;
  /** Failed installs still due a retry: not failures yet, and not terminal. */
  readonly retryable: number;
  /** Actions in a terminal state. */
  readonly executed: number;
  /** All actions terminal (and the group may complete). */
  readonly complete: boolean;
}

function tally(rollout: RolloutSnapshot, g: GroupSnapshot, openEnded: boolean): Tally {
  const c = g.counts;
  const downloadOnly = rollout.actionType === 'downloadonly';
  const maxRetries = rollout.maxRetries ?? 0;
  const retryable = (g.failedByRetries ?? []).slice(0, maxRetries).reduce((sum, n) => sum + n, 0);
  const timedOut = c.timedOut ?? 0;
  const errors = c.error - retryable;
  // §3.1 terminal: FINISHED, ERROR, CANCELED, and DOWNLOADED for downloadonly.
  const open = c.scheduled + c.running + (downloadOnly ? 0 : c.downloaded) + retryable;
  return {
    size: Math.max(c.total, g.dynamicTargetCount ?? 0),
    succeeded: downloadOnly ? c.downloaded : c.finished,
    errors,
    failed: errors - timedOut,
    timedOut,
    canceled: c.canceled,
    retryable,
    executed: c.finished + c.canceled + errors + (downloadOnly ? c.downloaded : 0),
    complete: !openEnded && open === 0,
  };
}

/** §3.3 step 1, `>`: errors/size > error%. An empty group never errs. */
function errorMet(t: Tally, th: Thresholds): boolean {
  return th.error !== null && t.size > 0 && t.errors * 100 > th.error.percentage * t.size;
}

/** §3.3 step 2, `≥`: succeeded/size ≥ success%, or all actions terminal. An empty group counts as success. */
function successMet(t: Tally, th: Thresholds): boolean {
  return th.success !== null && (t.size === 0 || t.succeeded * 100 >= th.success.percentage * t.size || t.complete);
}

function decideRunning(rollout: RolloutSnapshot, groups: readonly GroupSnapshot[]): Transition[] {
  const last = groups.at(-1);
  const tallies = new Map(groups.map((g) => [g.id, tally(rollout, g, rollout.dynamic && g === last)]));
  const tallyOf = (g: GroupSnapshot): Tally => tallies.get(g.id) as Tally;

  // Osprey abort criteria come first: an aborted rollout does nothing else.
  const abort = abortCriterionMet(rollout, groups.map(tallyOf));
  if (abort) return [abort];

  const out: Transition[] = [];
  const statusAfter = new Map(groups.map((g) => [g.id, g.status]));
  const toStart = new Set<GroupSnapshot>();
  let pause: Transition | undefined;

  const running = groups.filter((g) => g.status === 'running');
  for (const g of running) {
    const t = tallyOf(g);
    const th = g.thresholds ?? rollout.thresholds;
    if (errorMet(t, th)) {
      // §3.3 step 1: error first; the error action PAUSE sets the group ERROR and pauses the rollout.
      out.push({ kind: 'errorGroup', groupId: g.id });
      statusAfter.set(g.id, 'error');
      pause ??= { kind: 'pauseRollout', reason: 'errorAction', groupId: g.id };
      continue;
    }
    const child = groups[groups.indexOf(g) + 1];
    if (successMet(t, th) && child?.status === 'scheduled') {
      // §3.3 step 2: NEXTGROUP starts the child while this group still runs (groups overlap);
      // PAUSE pauses only while a scheduled group remains. Both repeat every tick the condition holds.
      if (th.success?.action === 'NEXTGROUP') toStart.add(child);
      else pause ??= { kind: 'pauseRollout', reason: 'successAction', groupId: g.id };
    }
    if (t.complete) {
      // §3.3 step 3: all actions terminal → FINISHED.
      out.push({ kind: 'finishGroup', groupId: g.id });
      statusAfter.set(g.id, 'finished');
    }
  }
  // §3.3: with no RUNNING group (e.g. resumed after an ERROR) the executor starts the next one itself.
  const next = running.length === 0 ? nextScheduledGroup(groups) : undefined;
  if (next) toStart.add(next);

  // A rollout that pauses in this tick starts no group and releases or retries nothing.
  if (!pause) {
    for (const g of toStart) {
      out.push({ kind: 'startGroup', groupId: g.id });
      statusAfter.set(g.id, 'running');
    }
    for (const g of groups) {
      if (statusAfter.get(g.id) !== 'running') continue;
      const t = tallyOf(g);
      if (t.retryable > 0) out.push({ kind: 'retryActions', groupId: g.id, count: t.retryable });
      out.push(...release(rollout, g, t));
    }
  }

  // §3.2: FINISHED when no group is RUNNING or SCHEDULED. hawkBit checks this after the group
  // actions of the same run, so it overrides a pause (e.g. the last group ended in ERROR).
  const active = [...statusAfter.values()].some((s) => s === 'running' || s === 'scheduled');
  if (!active) out.push({ kind: 'finishRollout' });
  else if (pause) out.push(pause);
  return out;
}

/** Osprey rate limit: release what the group's per-minute budget still allows. */
function release(rollout: RolloutSnapshot, g: GroupSnapshot, t: Tally): Transition[] {
  const limit = rollout.rateLimit;
  const budget = limit ? ratePerMinute(limit, t.succeeded) - (g.releasedInLastMinute ?? 0) : Infinity;
  const count = Math.min(g.counts.scheduled, Math.max(budget, 0));
  return count > 0 ? [{ kind: 'releaseActions', groupId: g.id, count }] : [];
}

/** Osprey abort criteria over the whole rollout (AWS IoT Jobs `abortConfig`, Azure DU automatic rollback). */
function abortCriterionMet(rollout: RolloutSnapshot, tallies: readonly Tally[]): Transition | undefined {
  const executed = tallies.reduce((sum, t) => sum + t.executed, 0);
  const count = (type: FailureType): number => tallies.reduce((sum, t) => sum + t[type], 0);
  for (const criterion of rollout.abortCriteria ?? []) {
    const n = count(criterion.failureType);
    if (executed === 0 || executed < criterion.minExecutedCount || n * 100 < criterion.thresholdPercentage * executed) continue;
    const reason = `${n} of ${executed} executed actions ${criterion.failureType} (threshold ${criterion.thresholdPercentage}% after ${criterion.minExecutedCount})`;
    const rollback = rollout.rollbackDistributionSetId;
    return { kind: 'abortRollout', reason, criterion, ...(rollback != null ? { rollbackDistributionSetId: rollback } : {}) };
  }
  return undefined;
}
