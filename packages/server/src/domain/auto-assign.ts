/**
 * Auto-assignment (hawkBit target filters with `autoAssignDS`, §2.2): a target filter is given a
 * distribution set, and each scheduler tick assigns it to the matching targets that never had an
 * action for it — in batches, set-based — unless the auto-assignment is paused. Filters and
 * targets are locked with SKIP LOCKED, so several instances share the work without assigning
 * twice. Operator changes are audited; the tick's assignments are recorded in each action's
 * status history, as before.
 */
import type { Kysely, Transaction } from 'kysely';
import type { ActionType } from '@osprey/protocol';
import type { Database, AutoAssignment } from '../db/schema.js';
import { ActionStore } from '../db/stores/actions.js';
import { AssignmentStore } from '../db/stores/assignments.js';
import { AutoAssignStore, type TargetFilterRow } from '../db/stores/auto-assignments.js';
import { notFound } from '../errors.js';
import { Changes, type Actor, type AuditRecord } from './changes.js';
import type { EventBus } from './events.js';
import type { WakeupPublisher } from './wakeups.js';
import { SCHEDULER_ACTOR, type FilterCompiler } from './rollout-scheduler.js';

export type { AutoAssignment } from '../db/schema.js';

const BATCH = 1000;

export interface NewAutoAssignment {
  distributionSetId: number;
  type: AutoAssignment['type'];
  weight: number | null;
  confirmationRequired: boolean;
}

const record = (action: string, filterId: number, before: AutoAssignment | null, after: AutoAssignment | null): AuditRecord => ({
  action,
  subject: { type: 'targetfilter', id: String(filterId) },
  before: before ? { ...before } : null,
  after: after ? { ...after } : null,
});

export class AutoAssignService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: Changes,
  ) {}

  /** The filter's auto-assignment, or null when it has none. */
  async get(tenant: string, filterId: number): Promise<AutoAssignment | null> {
    return (await this.filter(new AutoAssignStore(this.db), tenant, filterId)).auto_assign;
  }

  /** Give the filter a set to assign (replacing any earlier one, running again); the set must be the tenant's. */
  async set(who: Actor, filterId: number, input: NewAutoAssignment): Promise<AutoAssignment> {
    return this.changes.apply(who, async (trx) => {
      const store = new AutoAssignStore(trx);
      const filter = await this.lockedFilter(store, who.tenant, filterId);
      if (!(await new AssignmentStore(trx).distributionSetExists(who.tenant, input.distributionSetId)))
        throw notFound(`distribution set ${input.distributionSetId}`);
      const next: AutoAssignment = { ...input, paused: false };
      await store.setAutoAssignment(who.tenant, filterId, next);
      return { result: next, audit: record('autoassign.set', filterId, filter.auto_assign, next) };
    });
  }

  async remove(who: Actor, filterId: number): Promise<void> {
    await this.changes.apply(who, async (trx) => {
      const store = new AutoAssignStore(trx);
      const filter = await this.lockedFilter(store, who.tenant, filterId);
      await store.setAutoAssignment(who.tenant, filterId, null);
      return { result: undefined, audit: record('autoassign.remove', filterId, filter.auto_assign, null) };
    });
  }

  /** Pause or resume; a filter without an auto-assignment has none to pause (404). */
  async pause(who: Actor, filterId: number, paused: boolean): Promise<AutoAssignment> {
    return this.changes.apply(who, async (trx) => {
      const store = new AutoAssignStore(trx);
      const filter = await this.lockedFilter(store, who.tenant, filterId);
      if (!filter.auto_assign) throw notFound(`auto-assignment of target filter ${filterId}`);
      const next = { ...filter.auto_assign, paused };
      await store.setAutoAssignment(who.tenant, filterId, next);
      return { result: next, audit: record(paused ? 'autoassign.pause' : 'autoassign.resume', filterId, filter.auto_assign, next) };
    });
  }

  private async filter(store: AutoAssignStore, tenant: string, id: number): Promise<TargetFilterRow> {
    const f = await store.filter(tenant, id);
    if (!f) throw notFound(`target filter ${id}`);
    return f;
  }

  private async lockedFilter(store: AutoAssignStore, tenant: string, id: number): Promise<TargetFilterRow> {
    const f = await store.lockFilter(tenant, id);
    if (!f) throw notFound(`target filter ${id}`);
    return f;
  }
}

/** Assign `dsId` to these targets: new active actions, older ones canceled, targets pending. */
export async function assignMany(
  trx: Transaction<Database>,
  tenant: string,
  targetIds: readonly number[],
  dsId: number,
  options: { type: ActionType; weight: number | null; message: string },
  now: Date,
): Promise<number> {
  if (targetIds.length === 0) return 0;
  const actions = new ActionStore(trx);
  await actions.cancelOpenOfTargets(tenant, targetIds, now);
  const ids = await actions.insertRunning(tenant, targetIds, dsId, options, now);
  await actions.addStatuses(tenant, ids, options.message);
  await new AssignmentStore(trx).pointTargetsAt(tenant, targetIds, dsId);
  return ids.length;
}

/** One tick over every auto-assignment of every tenant: each filter in its own transaction. Returns how many actions were created. */
export async function tickAutoAssignments(
  db: Kysely<Database>,
  compile: FilterCompiler,
  now: Date,
  events?: EventBus,
  wakeups?: WakeupPublisher,
): Promise<number> {
  const changes = new Changes(db, () => now, events, wakeups);
  let assigned = 0;
  for (const f of await new AutoAssignStore(db).withAutoAssignment()) {
    assigned += await changes.apply({ tenant: f.tenant, actor: SCHEDULER_ACTOR }, async (trx, now) => {
      const store = new AutoAssignStore(trx);
      const filter = await store.lockFilterForTick(f.tenant, f.id);
      const auto = filter?.auto_assign;
      if (!filter || !auto || auto.paused) return { result: 0, audit: [] };
      const targets = await store.targetsWithoutSet(f.tenant, compile(filter.query), auto.distributionSetId, BATCH);
      const n = await assignMany(
        trx,
        f.tenant,
        targets,
        auto.distributionSetId,
        { type: auto.type, weight: auto.weight, message: `Update Server: Auto-assigned by target filter ${filter.name}` },
        now,
      );
      await changes.wakeTargets(trx, f.tenant, targets, 'action');
      // As before: the tick's assignments are in the actions' status history, not the audit log.
      // The console still hears of them: the filter's targets and their actions changed.
      if (n > 0)
        changes.announce(trx, [
          { tenant: f.tenant, kind: 'target', id: '*', action: 'autoassign.tick' },
          { tenant: f.tenant, kind: 'action', id: '*', action: 'autoassign.tick' },
        ]);
      return { result: n, audit: [] };
    });
  }
  return assigned;
}
