/**
 * The rollout scheduler's tick (hawkBit §3.2–3.3). Each due rollout is locked with `FOR UPDATE
 * SKIP LOCKED`, its groups are recounted, the pure `decide()` (@osprey/protocol) says what to do,
 * and that is applied in the same transaction — so with several server instances on one
 * PostgreSQL exactly one applies each rollout's tick, and a process that dies mid-tick leaves
 * nothing half-applied (its transaction rolls back).
 *
 * The tick audits what it audited before the store layer existed, and nothing more: an abort
 * (`rollout.abort` by `system:scheduler`). Starting groups, releasing and retrying actions are
 * the rollout's plan being carried out, recorded in each action's status history instead.
 */
import type { Kysely, Transaction } from 'kysely';
import { decide, type ActionCounts, type GroupSnapshot, type RolloutSnapshot, type RolloutStatus, type Transition } from '@osprey/protocol';
import type { TargetFilter } from '../db/fields.js';
import type { Database } from '../db/schema.js';
import { ActionStore, RUNNING_STATUSES, type ActionTemplate } from '../db/stores/actions.js';
import { AssignmentStore } from '../db/stores/assignments.js';
import { RolloutStore, type Candidates } from '../db/stores/rollouts.js';
import { TenantStore } from '../db/stores/tenants.js';
import { notFound } from '../errors.js';
import { Changes, type AuditRecord } from './changes.js';
import type { ChangeEvent, EventBus } from './events.js';
import type { WakeupPublisher } from './wakeups.js';
import { parseTenantConfig } from './tenant-config.js';

type Trx = Transaction<Database>;

/** Compiles a stored RSQL target filter (the rollout's) into SQL; given by the composition root. */
export type FilterCompiler = (query: string) => TargetFilter;

/** Who the audit log names for what the scheduler does on its own. */
export const SCHEDULER_ACTOR = 'system:scheduler';

/** Groups a stop finishes: every one not finished or in error yet. */
const OPEN_GROUPS = ['creating', 'ready', 'scheduled', 'running'] as const;

/**
 * Stop (§3.2): SCHEDULED actions removed (no device was offered them), open groups FINISHED,
 * running actions canceled, the rollout STOPPED. Shared by the `stop`/`delete` commands and an
 * abort; `from` is the status the caller found under its lock. Returns the ids of the targets
 * whose action was canceled (the caller wakes them).
 */
export async function stopRollout(trx: Trx, tenant: string, rolloutId: number, from: RolloutStatus, now: Date): Promise<number[]> {
  const actions = new ActionStore(trx);
  const rollouts = new RolloutStore(trx);
  await actions.deleteScheduledOfRollout(tenant, rolloutId);
  await rollouts.transitionGroups(tenant, rolloutId, OPEN_GROUPS, 'finished');
  const canceled = await actions.cancelActiveOfRollout(tenant, rolloutId, now);
  await rollouts.transition(tenant, rolloutId, from, 'stopped', { updatedAt: now });
  return canceled;
}

/**
 * One scheduler tick: each due rollout is locked (SKIP LOCKED: another instance takes the next),
 * recounted, decided and applied in its own transaction. `now` is the tick's clock, also that of
 * its audit entries. Returns how many rollouts were handled.
 */
export async function tickRollouts(
  db: Kysely<Database>,
  now: Date,
  options: { limit?: number; compileFilter?: FilterCompiler; events?: EventBus; wakeups?: WakeupPublisher } = {},
): Promise<number> {
  const limit = options.limit ?? 50;
  const changes = new Changes(db, () => now, options.events, options.wakeups);
  let handled = 0;
  for (let i = 0; i < limit; i++) {
    const done = await changes.transaction(async (trx) => {
      const due = await new RolloutStore(trx).lockNextDue(now);
      if (!due) return false;
      const rollout = { id: Number(due.id), tenant: due.tenant, maxRetries: due.max_retries };
      await changes.applyIn(trx, { tenant: rollout.tenant, actor: SCHEDULER_ACTOR }, async (trx, now) => {
        if (options.compileFilter) await absorbNewTargets(trx, rollout, options.compileFilter);
        const { snapshot, groups } = await snapshotOf(trx, rollout, now);
        const transitions = decide(snapshot, groups, now);
        const audit = await apply(trx, rollout, snapshot.status, transitions, now, changes);
        // Most ticks change nothing; the console hears of those that moved the rollout or its actions.
        if (transitions.length > 0) changes.announce(trx, tickEvents(rollout, transitions));
        // Handled at `now`: the next due rollout is another one (or this one at the next tick).
        await new RolloutStore(trx).touch(rollout.tenant, rollout.id, now);
        return { result: undefined, audit };
      });
      return true;
    });
    if (!done) break;
    handled++;
  }
  return handled;
}

/** What a tick's transitions announce: the rollout, and its actions (`*`: which ones is not worth a query) when they moved. */
function tickEvents(rollout: DueRollout, transitions: readonly Transition[]): ChangeEvent[] {
  const events: ChangeEvent[] = [{ tenant: rollout.tenant, kind: 'rollout', id: String(rollout.id), action: 'rollout.tick' }];
  if (transitions.some((t) => t.kind === 'releaseActions' || t.kind === 'retryActions' || t.kind === 'abortRollout'))
    events.push({ tenant: rollout.tenant, kind: 'action', id: '*', action: 'rollout.tick' });
  return events;
}

interface DueRollout {
  id: number;
  tenant: string;
  maxRetries: number;
}

/**
 * Dynamic rollouts (hawkBit #1548): targets that started to match after creation join the
 * trailing dynamic group; a full one gets a successor of the template's size.
 */
async function absorbNewTargets(trx: Trx, due: DueRollout, compile: FilterCompiler): Promise<void> {
  const rollouts = new RolloutStore(trx);
  const actions = new ActionStore(trx);
  const r = await rollouts.find(due.tenant, due.id);
  if (!r) throw notFound(`rollout ${due.id}`);
  const dynamic = r.dynamic_template;
  if (!dynamic || !['running', 'paused', 'starting'].includes(r.status)) return;
  const fresh: Candidates = { rolloutId: due.id, dsId: Number(r.ds_id), filter: compile(r.target_filter), after: null };
  const template: ActionTemplate = { dsId: Number(r.ds_id), type: r.action_type, forcetime: r.forced_time, weight: r.weight, window: r.maintenance_window };
  for (let guard = 0; guard < 100; guard++) {
    const last = await rollouts.lastGroup(due.tenant, due.id);
    if (!last) return;
    let group = last;
    if (last.target_percentage !== null || last.total_targets >= dynamic.targetCount) {
      if (!(await rollouts.hasCandidate(due.tenant, fresh))) return;
      group = await rollouts.insertGroup({
        tenant: due.tenant,
        rollout_id: due.id,
        ord: last.ord + 1,
        name: `${r.name}${dynamic.nameSuffix}-${last.ord + 2}`,
        status: 'scheduled',
        target_filter: null,
        target_percentage: null,
        thresholds: null,
      });
    }
    const room = dynamic.targetCount - group.total_targets;
    const { n } = await actions.schedule(due.tenant, due.id, Number(group.id), template, rollouts.firstCandidates(due.tenant, fresh, room));
    if (n === 0) return;
    await rollouts.addGroupTargets(due.tenant, Number(group.id), n);
    await rollouts.addTargets(due.tenant, due.id, n);
    if (n < room) return;
  }
}

type Counts = { -readonly [K in Exclude<keyof ActionCounts, 'timedOut'>]: number } & { failedByRetries: number[] };

/** The rollout and its groups as the pure engine sees them, recounted now (as hawkBit does every run). */
async function snapshotOf(trx: Trx, due: DueRollout, now: Date): Promise<{ snapshot: RolloutSnapshot; groups: GroupSnapshot[] }> {
  const rollouts = new RolloutStore(trx);
  const actions = new ActionStore(trx);
  const rollout = await rollouts.find(due.tenant, due.id);
  if (!rollout) throw notFound(`rollout ${due.id}`);
  const groups = await rollouts.groups(due.tenant, due.id);
  const byGroup = new Map<number, Counts>();
  for (const r of await actions.countByGroup(due.tenant, due.id)) {
    const c = byGroup.get(r.groupId) ?? { total: 0, scheduled: 0, running: 0, downloaded: 0, finished: 0, error: 0, canceled: 0, failedByRetries: [] };
    c.total += r.n;
    if (r.status === 'SCHEDULED') c.scheduled += r.n;
    else if (r.status === 'DOWNLOADED') c.downloaded += r.n;
    else if (r.status === 'FINISHED') c.finished += r.n;
    else if (r.status === 'ERROR') {
      c.error += r.n;
      c.failedByRetries[r.attempts] = (c.failedByRetries[r.attempts] ?? 0) + r.n;
    } else if (r.status === 'CANCELED') c.canceled += r.n;
    else if (RUNNING_STATUSES.includes(r.status)) c.running += r.n;
    byGroup.set(r.groupId, c);
  }
  // The rate limit counts releases of the last minute (AWS IoT Jobs `maximumPerMinute`).
  const released = await actions.releasedSince(due.tenant, due.id, new Date(now.getTime() - 60_000));
  const snapshot: RolloutSnapshot = {
    status: rollout.status,
    startAt: rollout.start_at ? new Date(rollout.start_at) : null,
    actionType: rollout.action_type,
    dynamic: rollout.dynamic_template !== null,
    thresholds: rollout.thresholds,
    rateLimit: (rollout.rate_limit as RolloutSnapshot['rateLimit']) ?? null,
    abortCriteria: rollout.abort_criteria,
    rollbackDistributionSetId: rollout.rollback_ds_id === null ? null : Number(rollout.rollback_ds_id),
    maxRetries: rollout.max_retries,
  };
  const groupSnapshots: GroupSnapshot[] = groups.map((g) => {
    const c = byGroup.get(Number(g.id));
    return {
      id: Number(g.id),
      order: g.ord,
      status: g.status,
      counts: {
        total: c?.total ?? 0,
        scheduled: c?.scheduled ?? 0,
        running: c?.running ?? 0,
        downloaded: c?.downloaded ?? 0,
        finished: c?.finished ?? 0,
        error: c?.error ?? 0,
        canceled: c?.canceled ?? 0,
      },
      ...(g.thresholds ? { thresholds: g.thresholds } : {}),
      ...(g.target_percentage === null && rollout.dynamic_template ? { dynamicTargetCount: rollout.dynamic_template.targetCount } : {}),
      releasedInLastMinute: released.get(Number(g.id)) ?? 0,
      failedByRetries: c?.failedByRetries ?? [],
    };
  });
  return { snapshot, groups: groupSnapshots };
}

/**
 * Apply the engine's transitions, each as the named store transition from the status the engine
 * saw (the rollout is locked, so it is still that). Returns the audit entries: an abort's only.
 */
async function apply(trx: Trx, due: DueRollout, seen: RolloutStatus, transitions: readonly Transition[], now: Date, changes: Changes): Promise<AuditRecord[]> {
  const rollouts = new RolloutStore(trx);
  const audit: AuditRecord[] = [];
  let status = seen;
  const become = async (to: RolloutStatus) => {
    await rollouts.transition(due.tenant, due.id, status, to, { updatedAt: now });
    status = to;
  };
  for (const t of transitions) {
    switch (t.kind) {
      case 'startRollout':
        await rollouts.transitionGroups(due.tenant, due.id, 'ready', 'scheduled');
        await become('starting');
        break;
      case 'runRollout':
        await become('running');
        break;
      case 'startGroup':
        await rollouts.transitionGroup(due.tenant, t.groupId, 'scheduled', 'running');
        break;
      case 'finishGroup':
        await rollouts.transitionGroup(due.tenant, t.groupId, 'running', 'finished');
        break;
      case 'errorGroup':
        await rollouts.transitionGroup(due.tenant, t.groupId, 'running', 'error');
        break;
      case 'pauseRollout':
        await become('paused');
        break;
      case 'finishRollout':
        await become('finished');
        break;
      case 'releaseActions':
        // The released devices poll at once (MQTT) when the tick commits.
        await changes.wakeTargets(trx, due.tenant, await releaseActions(trx, due.tenant, t.groupId, t.count, now), 'action');
        break;
      case 'retryActions':
        await new ActionStore(trx).retryFailed(due.tenant, t.groupId, due.maxRetries, t.count, now);
        break;
      case 'abortRollout':
        await changes.wakeTargets(trx, due.tenant, await stopRollout(trx, due.tenant, due.id, status, now), 'cancel');
        status = 'stopped';
        // Azure Device Update: put the devices the rollout reached back on a known-good set.
        if (t.rollbackDistributionSetId !== undefined)
          await changes.wakeTargets(trx, due.tenant, await assignRollback(trx, due.tenant, due.id, t.rollbackDistributionSetId, now), 'action');
        audit.push({ action: 'rollout.abort', subject: { type: 'rollout', id: String(due.id) }, before: null, after: { reason: t.reason } });
        break;
    }
  }
  return audit;
}

/** Activate up to `count` scheduled actions of a group (oldest first), as an assignment does; the ids of their targets. */
async function releaseActions(trx: Trx, tenant: string, groupId: number, count: number, now: Date): Promise<number[]> {
  const actions = new ActionStore(trx);
  const config = parseTenantConfig(await new TenantStore(trx).config(tenant));
  const released = await actions.releaseScheduled(tenant, groupId, count, now, config['user.confirmation.flow.enabled']);
  if (released.length === 0) return [];
  const ids = released.map((r) => r.id);
  // Older open actions of these targets are canceled, as a new assignment does (§2.3).
  await actions.cancelOpenOfTargets(
    tenant,
    released.map((r) => r.target_id),
    now,
    ids,
  );
  await new AssignmentStore(trx).pointTargetsAtActions(tenant, ids);
  await actions.addStatuses(tenant, ids, 'Update Server: Rollout released the action');
  return released.map((r) => r.target_id);
}

/**
 * A forced action of the rollback set for every device the rollout had reached. The set was
 * resolved in the rollout's tenant when the rollout was created, and every statement here is
 * scoped to that tenant too.
 */
async function assignRollback(trx: Trx, tenant: string, rolloutId: number, dsId: number, now: Date): Promise<number[]> {
  const actions = new ActionStore(trx);
  const inserted = await actions.insertRollback(tenant, rolloutId, dsId, now);
  if (inserted.length === 0) return [];
  await actions.addStatuses(
    tenant,
    inserted.map((r) => r.id),
    'Update Server: Rollout aborted; rolling back',
  );
  await new AssignmentStore(trx).pointTargetsAt(
    tenant,
    inserted.map((r) => r.target_id),
    dsId,
  );
  return inserted.map((r) => r.target_id);
}
