/**
 * The dashboard's numbers from GET /targetsummary: the chart's slices (with words and a link
 * each, so nothing is colour-only) and the filters that list the devices behind a number.
 */
import { UPDATE_STATUSES, updateStatusLook } from '../devices/status.js';
import type { TargetSummary } from '../devices/types.js';

export interface StatusSlice {
  status: string;
  name: string;
  value: number;
  color: string;
  /** Share of the fleet in whole percent ("<1" for a few of many). */
  percent: string;
  /** /devices?q=… listing exactly these devices. */
  href: string;
}

export const devicesWhere = (q: string) => `/devices?${new URLSearchParams({ q }).toString()}`;

export function statusSlices(summary: Pick<TargetSummary, 'total' | 'byUpdateStatus'>): StatusSlice[] {
  return UPDATE_STATUSES.map((status) => {
    const value = summary.byUpdateStatus[status.toUpperCase() as keyof TargetSummary['byUpdateStatus']] ?? 0;
    const look = updateStatusLook(status);
    const share = summary.total === 0 ? 0 : (value / summary.total) * 100;
    return {
      status,
      name: look.label,
      value,
      color: `${look.color}.6`,
      percent: value > 0 && share < 1 ? '<1' : String(Math.round(share)),
      href: devicesWhere(`updateStatus==${status}`),
    };
  });
}

/** The devices that polled once but not since `overdueBefore` (the server's cut-off). */
export const overdueHref = (overdueBefore: number) => devicesWhere(`lastControllerRequestAt=lt=${new Date(overdueBefore).toISOString()}`);

/** A rollout's progress: finished (or failed) of all its targets. */
export function rolloutProgress(r: { totalTargets: number; totalTargetsPerStatus: { finished: number; error: number } }): { done: number; percent: number } {
  const done = r.totalTargetsPerStatus.finished + r.totalTargetsPerStatus.error;
  return { done, percent: r.totalTargets === 0 ? 0 : Math.round((done / r.totalTargets) * 100) };
}
