/**
 * Rollouts and their deployment groups (hawkBit §3.2–3.3). Every status change is a named
 * transition, `UPDATE … WHERE status = $from`, answering whether it applied: a change decided on
 * a stale read never overwrites a newer status. Every query carries the tenant, joins included;
 * the one exception is the scheduler's pick of the next due rollout, which looks across tenants
 * by design and hands back the tenant it found.
 */
import { sql, type Expression, type Insertable, type Selectable } from 'kysely';
import type { GroupStatus, RolloutStatus } from '@osprey/protocol';
import { ROLLOUT_FIELDS, type TargetFilter } from '../fields.js';
import type { RolloutGroupsTable, RolloutsTable } from '../schema.js';
import { pageOf, type Db, type Page } from './common.js';
import { pageRequestOf, type ListQuery } from './list-query.js';

export type RolloutRow = Selectable<RolloutsTable>;
export type GroupRow = Selectable<RolloutGroupsTable>;

/** `updated_at` of a rollout an operator just changed: the oldest possible, so the next tick takes it first. */
export const DUE_AT_NEXT_TICK = new Date(0);

const statuses = <S extends string>(from: S | readonly S[]): readonly S[] => (typeof from === 'string' ? [from] : from);

export class RolloutStore {
  constructor(private readonly db: Db) {}

  async insert(values: Insertable<RolloutsTable>): Promise<number> {
    const row = await this.db.insertInto('rollouts').values(values).returning('id').executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async find(tenant: string, id: number): Promise<RolloutRow | undefined> {
    return this.db.selectFrom('rollouts').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  }

  /** The same, locked until the transaction ends: commands and the tick never interleave on one rollout. */
  async lock(tenant: string, id: number): Promise<RolloutRow | undefined> {
    return this.db.selectFrom('rollouts').selectAll().where('tenant', '=', tenant).where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /** The tenant's rollouts but deleted ones, filtered and sorted by ROLLOUT_FIELDS, then by id. */
  async page(tenant: string, query: ListQuery): Promise<Page<RolloutRow>> {
    const request = pageRequestOf(query, ROLLOUT_FIELDS);
    return pageOf(this.db.selectFrom('rollouts').selectAll().where('tenant', '=', tenant).where('status', '!=', 'deleted'), request);
  }

  /**
   * The scheduler's next due rollout, locked; SKIP LOCKED lets another instance take the one after.
   * Due: starting or running, or ready with a start time reached (§3.2 `startAt`), and not handled
   * at `now` already; the least recently handled first.
   */
  async lockNextDue(now: Date): Promise<Pick<RolloutRow, 'id' | 'tenant' | 'max_retries'> | undefined> {
    return this.db
      .selectFrom('rollouts')
      .select(['id', 'tenant', 'max_retries'])
      .where('status', 'in', ['ready', 'starting', 'running'])
      .where((eb) => eb.or([eb('status', '!=', 'ready'), eb.and([eb('start_at', 'is not', null), eb('start_at', '<=', now)])]))
      .where('updated_at', '<', now)
      .orderBy('updated_at')
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
  }

  /**
   * Rollout `from` → `to`. `updatedAt` is when it happened, or {@link DUE_AT_NEXT_TICK} for an
   * operator's change the scheduler should look at next; an approval decision records who and why.
   */
  async transition(
    tenant: string,
    id: number,
    from: RolloutStatus | readonly RolloutStatus[],
    to: RolloutStatus,
    changes: { updatedAt?: Date; approval?: { decidedBy: string; remark: string | null } } = {},
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('rollouts')
      .set({
        status: to,
        ...(changes.updatedAt ? { updated_at: changes.updatedAt } : {}),
        ...(changes.approval ? { approval_decided_by: changes.approval.decidedBy, approval_remark: changes.approval.remark } : {}),
      })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .where('status', 'in', statuses(from))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Creation done: CREATING → READY (or WAITING_FOR_APPROVAL), with the number of targets it holds. */
  async created(tenant: string, id: number, to: 'ready' | 'waiting_for_approval', totalTargets: number): Promise<boolean> {
    const result = await this.db
      .updateTable('rollouts')
      .set({ status: to, total_targets: totalTargets })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .where('status', '=', 'creating')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** The scheduler looked at it at `at` (or an operator wants it looked at next). */
  async touch(tenant: string, id: number, at: Date): Promise<void> {
    await this.db.updateTable('rollouts').set({ updated_at: at }).where('tenant', '=', tenant).where('id', '=', id).execute();
  }

  /** Dynamic groups took `n` more targets (an increment, so several fills in one tick all count). */
  async addTargets(tenant: string, id: number, n: number): Promise<void> {
    await this.db
      .updateTable('rollouts')
      .set((eb) => ({ total_targets: eb('total_targets', '+', n) }))
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .execute();
  }

  // --- groups --------------------------------------------------------------------------------

  async insertGroup(values: Insertable<RolloutGroupsTable>): Promise<GroupRow> {
    return this.db.insertInto('rollout_groups').values(values).returningAll().executeTakeFirstOrThrow();
  }

  async groups(tenant: string, rolloutId: number): Promise<GroupRow[]> {
    return this.db.selectFrom('rollout_groups').selectAll().where('tenant', '=', tenant).where('rollout_id', '=', rolloutId).orderBy('ord').execute();
  }

  async groupCount(tenant: string, rolloutId: number): Promise<number> {
    const row = await this.db
      .selectFrom('rollout_groups')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('tenant', '=', tenant)
      .where('rollout_id', '=', rolloutId)
      .executeTakeFirstOrThrow();
    return row.n;
  }

  /** A group of this rollout of this tenant: a group id of another rollout is not found here. */
  async findGroup(tenant: string, rolloutId: number, groupId: number): Promise<GroupRow | undefined> {
    return this.db
      .selectFrom('rollout_groups')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('rollout_id', '=', rolloutId)
      .where('id', '=', groupId)
      .executeTakeFirst();
  }

  async lastGroup(tenant: string, rolloutId: number): Promise<GroupRow | undefined> {
    return this.db
      .selectFrom('rollout_groups')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('rollout_id', '=', rolloutId)
      .orderBy('ord', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** The first group in order with this status (triggerNextGroup takes the first SCHEDULED one). */
  async firstGroupIn(tenant: string, rolloutId: number, status: GroupStatus): Promise<{ id: number } | undefined> {
    const row = await this.db
      .selectFrom('rollout_groups')
      .select('id')
      .where('tenant', '=', tenant)
      .where('rollout_id', '=', rolloutId)
      .where('status', '=', status)
      .orderBy('ord')
      .limit(1)
      .executeTakeFirst();
    return row ? { id: Number(row.id) } : undefined;
  }

  /** One group `from` → `to`. */
  async transitionGroup(tenant: string, groupId: number, from: GroupStatus | readonly GroupStatus[], to: GroupStatus): Promise<boolean> {
    const result = await this.db
      .updateTable('rollout_groups')
      .set({ status: to })
      .where('tenant', '=', tenant)
      .where('id', '=', groupId)
      .where('status', 'in', statuses(from))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Every group of the rollout in `from` → `to` (start: READY → SCHEDULED; stop: all open → FINISHED). */
  async transitionGroups(tenant: string, rolloutId: number, from: GroupStatus | readonly GroupStatus[], to: GroupStatus): Promise<number> {
    const result = await this.db
      .updateTable('rollout_groups')
      .set({ status: to })
      .where('tenant', '=', tenant)
      .where('rollout_id', '=', rolloutId)
      .where('status', 'in', statuses(from))
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** A group filled at creation: CREATING → READY with its size. */
  async groupFilled(tenant: string, groupId: number, totalTargets: number): Promise<boolean> {
    const result = await this.db
      .updateTable('rollout_groups')
      .set({ status: 'ready', total_targets: totalTargets })
      .where('tenant', '=', tenant)
      .where('id', '=', groupId)
      .where('status', '=', 'creating')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** A dynamic group took `n` more targets. */
  async addGroupTargets(tenant: string, groupId: number, n: number): Promise<void> {
    await this.db
      .updateTable('rollout_groups')
      .set((eb) => ({ total_targets: eb('total_targets', '+', n) }))
      .where('tenant', '=', tenant)
      .where('id', '=', groupId)
      .execute();
  }

  // --- candidates ----------------------------------------------------------------------------

  /**
   * Targets that may receive the set (hawkBit: only DS-type-compatible targets qualify): of the
   * tenant, matching `filter`, untyped or of a type compatible with the set's type. The type
   * tables are joined within the tenant too.
   */
  eligibleTargets(tenant: string, dsId: number, filter: TargetFilter) {
    return this.db
      .selectFrom('targets')
      .select('targets.id')
      .where('targets.tenant', '=', tenant)
      .where(filter)
      .where((eb) =>
        eb.or([
          eb('targets.target_type_id', 'is', null),
          eb.exists(
            eb
              .selectFrom('target_type_compatibility as c')
              .innerJoin('distribution_set_types as dt', (j) => j.onRef('dt.id', '=', 'c.ds_type_id').on('dt.tenant', '=', tenant))
              .innerJoin('distribution_sets as d', (j) => j.onRef('d.type_key', '=', 'dt.key').on('d.tenant', '=', tenant))
              .select('c.target_type_id')
              .whereRef('c.target_type_id', '=', 'targets.target_type_id')
              .where('d.id', '=', dsId),
          ),
        ]),
      );
  }

  /**
   * A group's candidates: eligible, matching the group's own filter (ANDed with the rollout's),
   * and in no earlier group of the rollout. `after` says how that last condition is written:
   * while no earlier group had a filter of its own, each took the lowest ids among the candidates
   * (they are taken in `targets.id` order), so "in no earlier group" is exactly `targets.id >
   * after`. Otherwise (`null`) it is NOT EXISTS over this rollout's actions — kept for what follows
   * a filtered group and for dynamic groups only: the planner cannot know how many actions the
   * creating transaction has inserted, and with statistics of a small actions table it chose a
   * nested-loop anti-join that rescans them for every target — quadratic: 7 minutes for 100,000
   * targets, hours for a million.
   */
  candidates(tenant: string, c: Candidates) {
    const after = c.after;
    let query = this.eligibleTargets(tenant, c.dsId, c.filter).where((eb) =>
      after !== null
        ? eb('targets.id', '>', after)
        : eb.not(
            eb.exists(
              eb
                .selectFrom('actions as a')
                .select('a.id')
                .whereRef('a.target_id', '=', 'targets.id')
                .where('a.tenant', '=', tenant)
                .where('a.rollout_id', '=', c.rolloutId),
            ),
          ),
    );
    if (c.groupFilter) query = query.where(c.groupFilter);
    return query;
  }

  async countCandidates(tenant: string, c: Candidates): Promise<number> {
    const row = await this.db
      .selectFrom(this.candidates(tenant, c).as('c'))
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    return row.n;
  }

  /** The first `limit` candidates by target id, as a subquery of their `id` (for ActionStore.schedule). */
  firstCandidates(tenant: string, c: Candidates, limit: number): Expression<unknown> {
    return this.candidates(tenant, c).orderBy('targets.id').limit(limit);
  }

  async hasCandidate(tenant: string, c: Candidates): Promise<boolean> {
    return (await this.candidates(tenant, c).orderBy('targets.id').limit(1).executeTakeFirst()) !== undefined;
  }
}

/** The targets whose action of this rollout failed (ERROR): what a retry rollout is for. */
export function failedTargetsOf(tenant: string, rolloutId: number): TargetFilter {
  return (eb) =>
    eb.exists(
      eb
        .selectFrom('actions as a')
        .select('a.id')
        .whereRef('a.target_id', '=', 'targets.id')
        .where('a.tenant', '=', tenant)
        .where('a.rollout_id', '=', rolloutId)
        .where('a.status', '=', 'ERROR'),
    );
}

/** Which targets a group may take (see {@link RolloutStore.candidates}). */
export interface Candidates {
  rolloutId: number;
  dsId: number;
  /** The rollout's target filter. */
  filter: TargetFilter;
  /** The group's own filter, if any. */
  groupFilter?: TargetFilter | undefined;
  /** Every target of an earlier group has an id ≤ this; `null`: unknown, look at the actions. */
  after: number | null;
}
