/**
 * What the rollout pages show and allow, as pure functions: a status's word and colour, which
 * operator commands the server accepts in which state (and with which permission), and each
 * group's per-status counts as chart rows. The state table mirrors the server's
 * (protocol/src/rollout.ts COMMAND_TABLE, hawkBit §3.2); the server refuses anything else anyway,
 * the console only avoids offering what would be refused.
 */
import type { paths } from '../../lib/api.js';

export type Rollout = paths['/rest/v1/rollouts/{id}']['get']['responses'][200]['content']['application/json'];
export type RolloutStatus = Rollout['status'];
export type RolloutGroup = paths['/rest/v1/rollouts/{id}/deploygroups']['get']['responses'][200]['content']['application/json']['content'][number];
export type GroupStatus = RolloutGroup['status'];
export type StatusCounts = Rollout['totalTargetsPerStatus'];

/** The words a person reads (the badge also shows them: never colour alone). */
const STATUS: Record<RolloutStatus, { label: string; color: string }> = {
  creating: { label: 'creating', color: 'gray' },
  waiting_for_approval: { label: 'waiting for approval', color: 'yellow' },
  approval_denied: { label: 'approval denied', color: 'red' },
  ready: { label: 'ready', color: 'blue' },
  starting: { label: 'starting', color: 'cyan' },
  running: { label: 'running', color: 'teal' },
  paused: { label: 'paused', color: 'orange' },
  stopping: { label: 'stopping', color: 'gray' },
  stopped: { label: 'stopped', color: 'dark' },
  finished: { label: 'finished', color: 'green' },
  deleting: { label: 'deleting', color: 'gray' },
  deleted: { label: 'deleted', color: 'gray' },
};

export function statusLabel(status: RolloutStatus): { label: string; color: string } {
  return STATUS[status] ?? { label: String(status), color: 'gray' };
}

const GROUP_STATUS_COLOR: Record<GroupStatus, string> = {
  creating: 'gray',
  ready: 'blue',
  scheduled: 'indigo',
  running: 'teal',
  finished: 'green',
  error: 'red',
};
export const groupStatusColor = (status: GroupStatus): string => GROUP_STATUS_COLOR[status] ?? 'gray';

export type Control = 'start' | 'pause' | 'resume' | 'approve' | 'deny' | 'stop' | 'retry' | 'triggerNextGroup';

/** Button names (browser tests find them by these), in the order shown. */
export const CONTROL_LABELS: Record<Control, string> = {
  start: 'Start',
  pause: 'Pause',
  resume: 'Resume',
  approve: 'Approve',
  deny: 'Deny',
  stop: 'Stop',
  retry: 'Retry',
  triggerNextGroup: 'Trigger next group',
};
export const CONTROLS = Object.keys(CONTROL_LABELS) as Control[];

const STOPPABLE: readonly RolloutStatus[] = ['creating', 'ready', 'waiting_for_approval', 'starting', 'running', 'paused', 'approval_denied'];

/** Where each command is legal (the server's table) and what the route's guard demands. */
const RULES: Record<Control, { from: readonly RolloutStatus[]; needs: readonly string[] }> = {
  start: { from: ['ready'], needs: ['HANDLE_ROLLOUT'] },
  pause: { from: ['running'], needs: ['HANDLE_ROLLOUT'] },
  resume: { from: ['paused'], needs: ['HANDLE_ROLLOUT'] },
  approve: { from: ['waiting_for_approval'], needs: ['APPROVE_ROLLOUT'] },
  deny: { from: ['waiting_for_approval'], needs: ['APPROVE_ROLLOUT'] },
  stop: { from: STOPPABLE, needs: ['HANDLE_ROLLOUT'] },
  // A new rollout over the devices that failed: the original must be finished.
  retry: { from: ['finished'], needs: ['CREATE_ROLLOUT', 'HANDLE_ROLLOUT'] },
  triggerNextGroup: { from: ['running'], needs: ['UPDATE_ROLLOUT'] },
};

export interface ControlState {
  enabled: boolean;
  /** Why not, in words (the button's tooltip); undefined when enabled. */
  reason?: string;
}

/**
 * Whether a control is usable now: the rollout's state first (a command the state forbids is
 * refused whoever asks), then the permission the caller holds.
 */
export function controlState(
  control: Control,
  rollout: { status: RolloutStatus },
  groups: ReadonlyArray<{ status: GroupStatus }>,
  can: (...permissions: string[]) => boolean,
): ControlState {
  const rule = RULES[control];
  const label = statusLabel(rollout.status).label;
  if (!rule.from.includes(rollout.status)) return { enabled: false, reason: `Not possible while the rollout is ${label}.` };
  if (control === 'triggerNextGroup' && !groups.some((g) => g.status === 'scheduled')) return { enabled: false, reason: 'No group is left to trigger.' };
  const missing = rule.needs.filter((p) => !can(p));
  if (missing.length > 0) return { enabled: false, reason: `Needs the permission ${missing.join(' and ')}.` };
  return { enabled: true };
}

/** The chart's series: one bar segment per status, in the order an update passes through. */
export const SERIES = [
  { name: 'finished', label: 'Finished', color: 'green.6' },
  { name: 'running', label: 'Running', color: 'teal.4' },
  { name: 'scheduled', label: 'Scheduled', color: 'indigo.3' },
  { name: 'error', label: 'Error', color: 'red.6' },
  { name: 'cancelled', label: 'Cancelled', color: 'gray.5' },
  { name: 'notstarted', label: 'Not started', color: 'gray.3' },
] as const satisfies ReadonlyArray<{ name: keyof StatusCounts; label: string; color: string }>;

export type GroupChartRow = { group: string; total: number } & Record<keyof StatusCounts, number>;

/**
 * One row per group: its name and how many of its targets are in each status. A group that was
 * not filled with actions yet (dynamic, or before start for some) counts its size as not started,
 * so every bar is as long as the group.
 */
export function groupChartData(groups: readonly RolloutGroup[]): GroupChartRow[] {
  return groups.map((g) => {
    const c = g.totalTargetsPerStatus;
    const counted = c.running + c.scheduled + c.notstarted + c.cancelled + c.finished + c.error;
    return {
      group: g.name,
      total: Math.max(g.totalTargets, counted),
      finished: c.finished,
      running: c.running,
      scheduled: c.scheduled,
      error: c.error,
      cancelled: c.cancelled,
      notstarted: c.notstarted + Math.max(0, g.totalTargets - counted),
    };
  });
}

/**
 * The rollout's progress for its bar: finished and failed shares of all its targets (percent),
 * and the sentence a screen reader hears instead of the bar.
 */
export function progressOf(r: { totalTargets: number; totalTargetsPerStatus: StatusCounts }): {
  finished: number;
  error: number;
  total: number;
  finishedPercent: number;
  errorPercent: number;
  text: string;
} {
  const { finished, error } = r.totalTargetsPerStatus;
  const total = Math.max(r.totalTargets, finished + error);
  const pct = (n: number) => (total === 0 ? 0 : Math.round((n / total) * 1000) / 10);
  const text = total === 0 ? 'no targets' : `${finished} of ${total} finished${error ? `, ${error} failed` : ''}`;
  return { finished, error, total, finishedPercent: pct(finished), errorPercent: pct(error), text };
}
