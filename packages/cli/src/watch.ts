/**
 * `osprey rollout watch`: follow a rollout until it ends. On a terminal the view (rollout status,
 * per-status target counts, one line per group) is redrawn in place; otherwise a line is written
 * only when something changed, so a CI log stays short. The clock and the sleep are injected:
 * tests drive the rollout between polls instead of waiting.
 */

export interface RolloutSnapshot {
  rollout: { id: number; name: string; status: string; totalTargets: number; totalTargetsPerStatus: Record<string, number> };
  groups: Array<{ id: number; name: string; status: string; totalTargets: number }>;
}

export interface WatchOptions {
  fetch: () => Promise<RolloutSnapshot>;
  write: (text: string) => void;
  tty: boolean;
  intervalMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
}

/** Statuses a rollout does not leave by itself. */
const DONE_OK = new Set(['finished']);
const DONE_FAILED = new Set(['stopped', 'approval_denied', 'deleting', 'deleted']);

/**
 * 0 when the rollout finished with every group finished; 1 when it stopped, or ended or paused
 * with a group in error (the server finishes a rollout whose last group crossed its error threshold).
 */
export function outcome(s: RolloutSnapshot): 0 | 1 | undefined {
  const groupFailed = s.groups.some((g) => g.status === 'error');
  if (DONE_OK.has(s.rollout.status)) return groupFailed ? 1 : 0;
  if (DONE_FAILED.has(s.rollout.status)) return 1;
  if (s.rollout.status === 'paused' && groupFailed) return 1;
  return undefined;
}

function counts(s: RolloutSnapshot): string {
  return Object.entries(s.rollout.totalTargetsPerStatus)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

export function summaryLine(s: RolloutSnapshot): string {
  const groups = s.groups.map((g) => `${g.name}=${g.status}`).join(' ');
  return `rollout ${s.rollout.id} ${s.rollout.status}: ${counts(s)}${groups ? ` | ${groups}` : ''}`;
}

export function view(s: RolloutSnapshot, at: Date): string {
  const lines = [
    `rollout ${s.rollout.id} "${s.rollout.name}"  ${s.rollout.status}  ${s.rollout.totalTargets} targets  (${at.toISOString()})`,
    `  ${counts(s)}`,
    ...s.groups.map((g) => `  ${g.name.padEnd(24)} ${g.status.padEnd(10)} ${g.totalTargets} targets`),
  ];
  return lines.join('\n') + '\n';
}

export async function watchRollout(o: WatchOptions): Promise<0 | 1> {
  let previous: string | undefined;
  let drawnLines = 0;
  for (;;) {
    const s = await o.fetch();
    if (o.tty) {
      const text = view(s, o.now());
      // Move up over the previous drawing and clear it (ANSI: cursor up, erase below).
      o.write((drawnLines ? `\x1b[${drawnLines}A\x1b[J` : '') + text);
      drawnLines = text.split('\n').length - 1;
    } else {
      const line = summaryLine(s);
      if (line !== previous) o.write(`${o.now().toISOString()} ${line}\n`);
      previous = line;
    }
    const done = outcome(s);
    if (done !== undefined) return done;
    await o.sleep(o.intervalMs);
  }
}
