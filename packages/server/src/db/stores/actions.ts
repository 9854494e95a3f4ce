/**
 * Actions (hawkBit §3.1) and their status history: one method per named query or transition.
 * Every statement carries the tenant, subqueries and joins included. Lists of ids travel as ONE
 * array parameter (`= any($1::bigint[])`), never one bind parameter per id: the wire protocol
 * counts bind parameters in 16 bits, so a statement over more than 65,535 ids would fail (a
 * rollout group of 40,000 devices once did, and every later tick with it).
 *
 * Why this file is over 500 lines: it is the one store of the action aggregate, which four areas
 * change (devices over DDI, assignment and cancel, rollouts many actions at a time, the
 * management API's reads). Keeping one store keeps one place where an action's transitions are
 * written; its sections follow those areas.
 */
import { sql, type Expression, type Insertable, type Selectable } from 'kysely';
import { ACTION_STATUSES, type ActionStatus, type ActionType } from '@osprey/protocol';
import { ACTION_FIELDS } from '../fields.js';
import type { RsqlFields } from '../rsql.js';
import type { ActionStatusesTable, ActionsTable } from '../schema.js';
import { pageOf, type Db, type Page, type PageRequest } from './common.js';
import { pageRequestOf, type ListQuery } from './list-query.js';

export type ActionRow = Selectable<ActionsTable>;
export type ActionStatusRow = Selectable<ActionStatusesTable>;
/** An action with its target's controllerId (the management API names targets by it). */
export type ActionWithTarget = ActionRow & { controller_id: string };

/** What every action of a rollout shares. */
export interface ActionTemplate {
  dsId: number;
  type: ActionType;
  forcetime: Date | null;
  weight: number | null;
  window: { schedule: string; duration: string; timezone: string } | null;
}

/** Open (active, not terminal) statuses a rollout counts as running (§2.3 totalTargetsPerStatus). */
export const RUNNING_STATUSES: readonly ActionStatus[] = [
  'RUNNING',
  'RETRIEVED',
  'WARNING',
  'DOWNLOAD',
  'WAIT_FOR_CONFIRMATION',
  'CANCELING',
  'CANCEL_REJECTED',
];

const ids = (values: readonly number[]) => sql`${sql.val([...values])}::bigint[]`;

/** `/actions?q=…&sort=…` fields (hawkBit's names), over `actions as a` joined with `targets as t`. */
export const TENANT_ACTION_FIELDS: RsqlFields = {
  id: { column: 'a.id', type: 'number' },
  status: { column: 'a.status', type: 'enum', values: ACTION_STATUSES },
  active: { column: 'a.active', type: 'boolean' },
  weight: { column: 'a.weight', type: 'number' },
  'distributionSet.id': { column: 'a.ds_id', type: 'number' },
  'target.controllerId': { column: 't.controller_id', type: 'string' },
  createdAt: { column: 'a.created_at', type: 'timestamp' },
  lastModifiedAt: { column: 'a.updated_at', type: 'timestamp' },
};

/** An action as the device side needs it. */
export interface DeviceAction {
  id: number;
  targetId: number;
  dsId: number;
  status: ActionStatus;
  active: boolean;
  actionType: ActionType;
  forcedTime: Date | null;
  weight: number | null;
  maintenance: { schedule: string; duration: string; timezone: string } | null;
  lastStatusCode: number | null;
}

/** A device's poll state: its first active action (highest weight, then oldest) and its last finished one. */
export interface PollState {
  active: DeviceAction | undefined;
  installed: number | undefined;
}

interface ActionColumns {
  id: number | string;
  target_id: number | string;
  ds_id: number | string;
  status: ActionStatus;
  active: boolean;
  action_type: ActionType;
  forced_time: Date | string | null;
  weight: number | null;
  maintenance_schedule: string | null;
  maintenance_duration: string | null;
  maintenance_timezone: string | null;
  last_status_code: number | null;
}

const ACTION_COLUMNS = [
  'id',
  'target_id',
  'ds_id',
  'status',
  'active',
  'action_type',
  'forced_time',
  'weight',
  'maintenance_schedule',
  'maintenance_duration',
  'maintenance_timezone',
  'last_status_code',
] as const;

function toDeviceAction(row: ActionColumns): DeviceAction {
  return {
    id: Number(row.id),
    targetId: Number(row.target_id),
    dsId: Number(row.ds_id),
    status: row.status,
    active: row.active,
    actionType: row.action_type,
    forcedTime: row.forced_time ? new Date(row.forced_time) : null,
    weight: row.weight ?? null,
    maintenance: row.maintenance_schedule
      ? { schedule: row.maintenance_schedule, duration: row.maintenance_duration ?? '', timezone: row.maintenance_timezone ?? 'UTC' }
      : null,
    lastStatusCode: row.last_status_code ?? null,
  };
}

/** What a feedback transition writes. */
export interface ActionChange {
  status: ActionStatus;
  active: boolean;
  lastStatusCode: number | null;
  at: Date;
}

export class ActionStore {
  constructor(private readonly db: Db) {}

  // --- the device side (DDI) ---------------------------------------------------------------

  /** The action, if it belongs to this target; `lock` holds the row until the transaction ends (feedback is applied one at a time). */
  async deviceActionOf(tenant: string, targetId: number, actionId: number, options: { lock?: boolean } = {}): Promise<DeviceAction | undefined> {
    let query = this.db.selectFrom('actions').select(ACTION_COLUMNS).where('tenant', '=', tenant).where('id', '=', actionId).where('target_id', '=', targetId);
    if (options.lock) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row ? toDeviceAction(row) : undefined;
  }

  /** The poll state in one round trip (both lookups use the index on (target_id, active)). */
  async pollState(tenant: string, targetId: number): Promise<PollState> {
    const { rows } = await sql<{ active: ActionColumns | null; installed: number | string | null }>`
      select
        (select row_to_json(a) from (
          select ${sql.join(ACTION_COLUMNS.map((c) => sql.ref(c)))} from actions
          where tenant = ${tenant} and target_id = ${targetId} and active
          order by weight desc nulls last, id asc limit 1) a) as active,
        (select id from actions where tenant = ${tenant} and target_id = ${targetId} and not active and status = 'FINISHED'
          order by id desc limit 1) as installed`.execute(this.db);
    const row = rows[0];
    return {
      active: row?.active ? toDeviceAction(row.active) : undefined,
      installed: row?.installed === null || row?.installed === undefined ? undefined : Number(row.installed),
    };
  }

  /** The target's active actions waiting for the device's consent, oldest first. */
  async waitingForConfirmation(tenant: string, targetId: number): Promise<DeviceAction[]> {
    const rows = await this.db
      .selectFrom('actions')
      .select(ACTION_COLUMNS)
      .where('tenant', '=', tenant)
      .where('target_id', '=', targetId)
      .where('active', '=', true)
      .where('status', '=', 'WAIT_FOR_CONFIRMATION')
      .orderBy(sql`weight desc nulls last`)
      .orderBy('id', 'asc')
      .execute();
    return rows.map(toDeviceAction);
  }

  /**
   * A transition, not a blind write: applied only if the action is still active and in `from`, so
   * a retried or concurrent report changes nothing twice. Whether it applied.
   */
  async transition(tenant: string, id: number, from: ActionStatus, to: ActionChange): Promise<boolean> {
    const updated = await this.db
      .updateTable('actions')
      .set({ status: to.status, active: to.active, last_status_code: to.lastStatusCode, updated_at: to.at })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .where('status', '=', from)
      .where('active', '=', true)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  /** A finished action for a set the device reports it runs (installedBase), with no history of its own yet. */
  async insertReportedInstalled(tenant: string, targetId: number, dsId: number): Promise<number> {
    const row = await this.db
      .insertInto('actions')
      .values({
        tenant,
        target_id: targetId,
        ds_id: dsId,
        status: 'FINISHED',
        active: false,
        action_type: 'forced',
        forced_time: null,
        weight: null,
        maintenance_schedule: null,
        maintenance_duration: null,
        maintenance_timezone: null,
        last_status_code: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  // --- status rows -------------------------------------------------------------------------

  async lastStatus(tenant: string, actionId: number): Promise<ActionStatus | undefined> {
    const row = await this.db
      .selectFrom('action_statuses')
      .select('status')
      .where('tenant', '=', tenant)
      .where('action_id', '=', actionId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.status;
  }

  async statusCount(tenant: string, actionId: number): Promise<number> {
    const { count } = await this.db
      .selectFrom('action_statuses')
      .select(sql<number>`count(*)::int`.as('count'))
      .where('tenant', '=', tenant)
      .where('action_id', '=', actionId)
      .executeTakeFirstOrThrow();
    return count;
  }

  /** The messages of the newest `limit` status rows, newest first (DDI `actionHistory`). */
  async recentMessages(tenant: string, actionId: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('action_statuses')
      .select('messages')
      .where('tenant', '=', tenant)
      .where('action_id', '=', actionId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.flatMap((r) => r.messages);
  }

  // --- what a device may download ----------------------------------------------------------

  /**
   * The target's action through which it may see this module: an active, not canceled one, or a
   * finished one (its installed set) (§1.2); active first. The set-module join carries the tenant,
   * so an action naming another tenant's set grants nothing.
   */
  async grantingModule(tenant: string, targetId: number, moduleId: number): Promise<{ actionId: number; active: boolean } | undefined> {
    const row = await this.db
      .selectFrom('actions as a')
      .innerJoin('distribution_set_modules as dsm', (join) => join.onRef('dsm.ds_id', '=', 'a.ds_id').onRef('dsm.tenant', '=', 'a.tenant'))
      .innerJoin('software_modules as sm', (join) => join.onRef('sm.id', '=', 'dsm.module_id').onRef('sm.tenant', '=', 'dsm.tenant'))
      .select(['a.id', 'a.active'])
      .where('a.tenant', '=', tenant)
      .where('a.target_id', '=', targetId)
      .where('dsm.module_id', '=', moduleId)
      .where((eb) => eb.or([eb.and([eb('a.active', '=', true), eb('a.status', 'not in', ['CANCELING', 'CANCELED'])]), eb('a.status', '=', 'FINISHED')]))
      .orderBy('a.active', 'desc')
      .orderBy('a.id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? { actionId: Number(row.id), active: row.active } : undefined;
  }

  // --- rollouts, assignments and the management API ------------------------------------------

  // --- one action ----------------------------------------------------------------------------

  async insert(values: Insertable<ActionsTable>): Promise<number> {
    const row = await this.db.insertInto('actions').values(values).returning('id').executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /** The action, locked until the transaction ends. */
  async lock(tenant: string, id: number): Promise<ActionRow | undefined> {
    return this.db.selectFrom('actions').selectAll().where('tenant', '=', tenant).where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /** The target's active actions (what a new assignment supersedes). */
  async activeOfTarget(tenant: string, targetId: number): Promise<Array<Pick<ActionRow, 'id' | 'status'>>> {
    return this.db
      .selectFrom('actions')
      .select(['id', 'status'])
      .where('tenant', '=', tenant)
      .where('target_id', '=', targetId)
      .where('active', '=', true)
      .execute();
  }

  /** The set of the target's newest active action, if any. */
  async newestActiveSetOf(tenant: string, targetId: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('actions')
      .select('ds_id')
      .where('tenant', '=', tenant)
      .where('target_id', '=', targetId)
      .where('active', '=', true)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? Number(row.ds_id) : undefined;
  }

  /** `from` → CANCELING (§3.1: the device is asked to stop and confirms). */
  async cancel(tenant: string, id: number, from: ActionStatus, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('actions')
      .set({ status: 'CANCELING', updated_at: now })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** CANCELING → CANCELED and closed, without the device (hawkBit force-quit). */
  async forceQuit(tenant: string, id: number, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('actions')
      .set({ status: 'CANCELED', active: false, updated_at: now })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .where('status', '=', 'CANCELING')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** A soft or time-forced open action becomes forced. */
  async force(tenant: string, id: number, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('actions')
      .set({ action_type: 'forced', updated_at: now })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .where('active', '=', true)
      .where('action_type', '!=', 'forced')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  // --- many actions at once (rollouts, auto-assignment) -------------------------------------

  /** One status entry per action, with the action's current status. */
  async addStatuses(tenant: string, actionIds: readonly number[], message: string): Promise<void> {
    if (actionIds.length === 0) return;
    await sql`insert into action_statuses (tenant, action_id, status, messages)
              select ${tenant}, a.id, a.status, ${JSON.stringify([message])}::jsonb
              from actions a where a.tenant = ${tenant} and a.id = any(${ids(actionIds)})`.execute(this.db);
  }

  /**
   * A new assignment supersedes these targets' open actions: each becomes CANCELING (§2.3,
   * hawkBit without multi-assignment) — but for `except`, the new actions themselves.
   */
  async cancelOpenOfTargets(tenant: string, targetIds: readonly number[], now: Date, except: readonly number[] = []): Promise<void> {
    if (targetIds.length === 0) return;
    await sql`update actions set status = 'CANCELING', updated_at = ${now}
              where tenant = ${tenant} and target_id = any(${ids(targetIds)}) and active and status <> 'CANCELING'
                and id <> all(${ids(except)})`.execute(this.db);
  }

  /** Active RUNNING actions of the set for these targets (auto-assignment); their ids. */
  async insertRunning(
    tenant: string,
    targetIds: readonly number[],
    dsId: number,
    options: { type: ActionType; weight: number | null },
    now: Date,
  ): Promise<number[]> {
    if (targetIds.length === 0) return [];
    const { rows } = await sql<{ id: number }>`
      insert into actions (tenant, target_id, ds_id, status, active, action_type, weight, released_at)
      select ${tenant}, t, ${dsId}, 'RUNNING', true, ${options.type}, ${options.weight}, ${now} from unnest(${ids(targetIds)}) as t
      returning id`.execute(this.db);
    return rows.map((r) => Number(r.id));
  }

  // --- rollouts ------------------------------------------------------------------------------

  /**
   * SCHEDULED (inactive) actions of a rollout group for the targets `targets` selects (its `id`
   * column); how many, and the highest target id among them.
   */
  async schedule(
    tenant: string,
    rolloutId: number,
    groupId: number,
    a: ActionTemplate,
    targets: Expression<unknown>,
  ): Promise<{ n: number; last: number | null }> {
    const { rows } = await sql<{ n: number; last: number | null }>`
      with inserted as (
        insert into actions (tenant, target_id, ds_id, status, active, action_type, forced_time, weight, rollout_id, rollout_group_id,
                             maintenance_schedule, maintenance_duration, maintenance_timezone)
        select ${tenant}, c.id, ${a.dsId}, 'SCHEDULED', false, ${a.type}, ${a.forcetime}, ${a.weight}, ${rolloutId}, ${groupId},
               ${a.window?.schedule ?? null}, ${a.window?.duration ?? null}, ${a.window?.timezone ?? null}
        from (${targets}) as c
        returning target_id)
      select count(*)::int as n, max(target_id) as last from inserted`.execute(this.db);
    const row = rows[0];
    return { n: row?.n ?? 0, last: row?.last === null || row?.last === undefined ? null : Number(row.last) };
  }

  /**
   * Up to `count` SCHEDULED actions of a group (oldest first) become active, as an assignment
   * does (§3.1): WAIT_FOR_CONFIRMATION with the tenant's confirmation flow on (unless the rollout
   * needs no confirmation or the target confirms automatically), else RUNNING. SKIP LOCKED: rows
   * another transaction holds are left for the next tick. The pick is a MATERIALIZED CTE, taken
   * once: as an `id in (subquery … limit n)` the planner may rescan the subquery per row, and each
   * rescan skips the rows this statement already updated — releasing the whole group, not `n`.
   */
  async releaseScheduled(
    tenant: string,
    groupId: number,
    count: number,
    now: Date,
    confirmationFlow: boolean,
  ): Promise<Array<{ id: number; target_id: number; ds_id: number }>> {
    const { rows } = await sql<{ id: number; target_id: number; ds_id: number }>`
      with picked as materialized (
        select id from actions where tenant = ${tenant} and rollout_group_id = ${groupId} and status = 'SCHEDULED'
        order by id limit ${count} for update skip locked)
      update actions set active = true, released_at = ${now}, updated_at = ${now},
        status = case when ${confirmationFlow}
                        and coalesce((select r.confirmation_required from rollouts r where r.tenant = actions.tenant and r.id = actions.rollout_id), true)
                        and (select t.auto_confirm from targets t where t.tenant = actions.tenant and t.id = actions.target_id) is null
                 then 'WAIT_FOR_CONFIRMATION' else 'RUNNING' end
      from picked where actions.tenant = ${tenant} and actions.id = picked.id
      returning actions.id, actions.target_id, actions.ds_id`.execute(this.db);
    return rows.map((r) => ({ id: Number(r.id), target_id: Number(r.target_id), ds_id: Number(r.ds_id) }));
  }

  /** Osprey retries: up to `count` failed installs of the group with retries left run again. */
  async retryFailed(tenant: string, groupId: number, maxRetries: number, count: number, now: Date): Promise<void> {
    await sql`with picked as materialized (
                select id from actions where tenant = ${tenant} and rollout_group_id = ${groupId} and status = 'ERROR' and attempts < ${maxRetries}
                order by id limit ${count} for update skip locked)
              update actions set status = 'RUNNING', active = true, attempts = attempts + 1, released_at = ${now}, updated_at = ${now}
              from picked where actions.tenant = ${tenant} and actions.id = picked.id`.execute(this.db);
  }

  /** A stopped rollout's SCHEDULED actions go: they were never offered to a device (§3.2). */
  async deleteScheduledOfRollout(tenant: string, rolloutId: number): Promise<void> {
    await this.db.deleteFrom('actions').where('tenant', '=', tenant).where('rollout_id', '=', rolloutId).where('status', '=', 'SCHEDULED').execute();
  }

  /** A stopped rollout's open actions become CANCELING (§3.2); their targets' ids (whom to wake). */
  async cancelActiveOfRollout(tenant: string, rolloutId: number, now: Date): Promise<number[]> {
    const rows = await this.db
      .updateTable('actions')
      .set({ status: 'CANCELING', updated_at: now })
      .where('tenant', '=', tenant)
      .where('rollout_id', '=', rolloutId)
      .where('active', '=', true)
      .where('status', '!=', 'CANCELING')
      .returning('target_id')
      .execute();
    return rows.map((r) => Number(r.target_id));
  }

  /** A forced RUNNING action of `dsId` for every target the rollout reached (released at least once). */
  async insertRollback(tenant: string, rolloutId: number, dsId: number, now: Date): Promise<Array<{ id: number; target_id: number }>> {
    const { rows } = await sql<{ id: number; target_id: number }>`
      insert into actions (tenant, target_id, ds_id, status, active, action_type, released_at)
      select distinct on (a.target_id) ${tenant}, a.target_id, ${dsId}, 'RUNNING', true, 'forced', ${now}
      from actions a where a.tenant = ${tenant} and a.rollout_id = ${rolloutId} and a.released_at is not null
      order by a.target_id
      returning id, target_id`.execute(this.db);
    return rows.map((r) => ({ id: Number(r.id), target_id: Number(r.target_id) }));
  }

  /** A rollout's actions counted by group, status and retries (the scheduler's snapshot). */
  async countByGroup(tenant: string, rolloutId: number): Promise<Array<{ groupId: number; status: ActionStatus; attempts: number; n: number }>> {
    const rows = await this.db
      .selectFrom('actions')
      .select(['rollout_group_id', 'status', 'attempts', sql<number>`count(*)::int`.as('n')])
      .where('tenant', '=', tenant)
      .where('rollout_id', '=', rolloutId)
      .groupBy(['rollout_group_id', 'status', 'attempts'])
      .execute();
    return rows.map((r) => ({ groupId: Number(r.rollout_group_id), status: r.status, attempts: r.attempts, n: r.n }));
  }

  /** Per group: actions of the rollout released after `since` (the rate limit's last minute). */
  async releasedSince(tenant: string, rolloutId: number, since: Date): Promise<Map<number, number>> {
    const rows = await this.db
      .selectFrom('actions')
      .select(['rollout_group_id', sql<number>`count(*)::int`.as('n')])
      .where('tenant', '=', tenant)
      .where('rollout_id', '=', rolloutId)
      .where('released_at', '>', since)
      .groupBy('rollout_group_id')
      .execute();
    return new Map(rows.map((r) => [Number(r.rollout_group_id), r.n]));
  }

  /** A rollout's actions counted by status (its totalTargetsPerStatus). */
  async countByStatus(tenant: string, rolloutId: number): Promise<Array<{ status: ActionStatus; n: number }>> {
    return this.db
      .selectFrom('actions')
      .select(['status', sql<number>`count(*)::int`.as('n')])
      .where('tenant', '=', tenant)
      .where('rollout_id', '=', rolloutId)
      .groupBy('status')
      .execute();
  }

  /** Actions per group and status of one rollout (each group's progress on the rollout page). */
  async countByGroupAndStatus(tenant: string, rolloutId: number): Promise<Array<{ groupId: number; status: ActionStatus; n: number }>> {
    const rows = await this.db
      .selectFrom('actions')
      .select(['rollout_group_id', 'status', sql<number>`count(*)::int`.as('n')])
      .where('tenant', '=', tenant)
      .where('rollout_id', '=', rolloutId)
      .where('rollout_group_id', 'is not', null)
      .groupBy(['rollout_group_id', 'status'])
      .execute();
    return rows.map((r) => ({ groupId: Number(r.rollout_group_id), status: r.status, n: r.n }));
  }

  /** The targets of one rollout group with their action, by target id. */
  async targetsOfGroup(
    tenant: string,
    rolloutId: number,
    groupId: number,
    paging: { offset: number; limit: number },
  ): Promise<Array<{ controllerId: string; name: string; actionId: number; status: ActionStatus }>> {
    const rows = await this.db
      .selectFrom('actions as a')
      .innerJoin('targets as t', (j) => j.onRef('t.id', '=', 'a.target_id').on('t.tenant', '=', tenant))
      .select(['t.controller_id', 't.name', 'a.status', 'a.id as action_id'])
      .where('a.tenant', '=', tenant)
      .where('a.rollout_id', '=', rolloutId)
      .where('a.rollout_group_id', '=', groupId)
      .orderBy('t.id')
      .offset(paging.offset)
      .limit(paging.limit)
      .execute();
    return rows.map((r) => ({ controllerId: r.controller_id, name: r.name, actionId: Number(r.action_id), status: r.status }));
  }

  // --- the management API's reads and the operator's levers ----------------------------------

  private withTarget(tenant: string) {
    return this.db
      .selectFrom('actions as a')
      .innerJoin('targets as t', (join) => join.onRef('t.id', '=', 'a.target_id').onRef('t.tenant', '=', 'a.tenant'))
      .selectAll('a')
      .select('t.controller_id')
      .where('a.tenant', '=', tenant);
  }

  /** One page of the tenant's actions (fields: TENANT_ACTION_FIELDS). */
  async page(tenant: string, request: PageRequest): Promise<Page<ActionWithTarget>> {
    return pageOf(this.withTarget(tenant), request, 'a.id');
  }

  async find(tenant: string, id: number): Promise<ActionWithTarget | undefined> {
    return this.withTarget(tenant).where('a.id', '=', id).executeTakeFirst();
  }

  /** Whether the tenant has a target of this controllerId (to say which of target and action is missing). */
  async hasTarget(tenant: string, controllerId: string): Promise<boolean> {
    return (
      (await this.db.selectFrom('targets').select('id').where('tenant', '=', tenant).where('controller_id', '=', controllerId).executeTakeFirst()) !== undefined
    );
  }

  /** `from` → `to`, closing the action (active false) — applied only if it is still open in `from`. */
  async close(tenant: string, id: number, from: ActionStatus, to: ActionStatus, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('actions')
      .set({ status: to, active: false, updated_at: now })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .where('status', '=', from)
      .where('active', '=', true)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** A row of the action's status history (`/targets/{id}/actions/{actionId}/status`). */
  async addStatus(tenant: string, actionId: number, status: ActionStatus, messages: string[], now: Date, code: number | null = null): Promise<void> {
    await this.db
      .insertInto('action_statuses')
      .values({ tenant, action_id: actionId, status, code, messages: JSON.stringify(messages), created_at: now })
      .execute();
  }

  /**
   * After one of a target's actions closed without installing: the target's assigned set is that
   * of its newest open action (still PENDING), or with none left its installed set (IN_SYNC) —
   * hawkBit's rule for a canceled assignment. It writes the target row because the action's
   * closing decides it, in the same transaction.
   */
  async settleTarget(tenant: string, targetId: number): Promise<void> {
    const next = await this.newestActiveSetOf(tenant, targetId);
    await this.db
      .updateTable('targets')
      .set((eb) => ({
        assigned_ds_id: next !== undefined ? eb.val(next) : eb.ref('installed_ds_id'),
        update_status: next !== undefined ? 'PENDING' : 'IN_SYNC',
      }))
      .where('tenant', '=', tenant)
      .where('id', '=', targetId)
      .execute();
  }

  /** One page of a target's actions (`/targets/{id}/actions`), filtered and sorted by hawkBit's action fields. */
  async pageOfTarget(tenant: string, targetId: number, query: ListQuery): Promise<Page<ActionRow>> {
    const request = pageRequestOf(query, ACTION_FIELDS);
    return pageOf(this.db.selectFrom('actions').selectAll().where('tenant', '=', tenant).where('target_id', '=', targetId), request);
  }

  /** An action of this target, or undefined (also for an action of another target). */
  async ofTarget(tenant: string, targetId: number, actionId: number): Promise<ActionRow | undefined> {
    return this.db
      .selectFrom('actions')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('target_id', '=', targetId)
      .where('id', '=', actionId)
      .executeTakeFirst();
  }

  /** The open action bringing this set to this target, if one is (an assignment already in place). */
  async activeFor(tenant: string, targetId: number, dsId: number): Promise<{ id: number } | undefined> {
    return this.db
      .selectFrom('actions')
      .select('id')
      .where('tenant', '=', tenant)
      .where('target_id', '=', targetId)
      .where('ds_id', '=', dsId)
      .where('active', '=', true)
      .executeTakeFirst();
  }

  /** Delete a target's actions with their status history (hawkBit deletes them with the target). */
  async deleteOfTarget(tenant: string, targetId: number): Promise<void> {
    const ofTarget = this.db.selectFrom('actions').select('id').where('tenant', '=', tenant).where('target_id', '=', targetId);
    await this.db.deleteFrom('action_statuses').where('tenant', '=', tenant).where('action_id', 'in', ofTarget).execute();
    await this.db.deleteFrom('actions').where('tenant', '=', tenant).where('target_id', '=', targetId).execute();
  }

  /** One page of an action's status entries, newest first (`offset`/`limit` only, as before). */
  async statusPage(tenant: string, actionId: number, query: Pick<ListQuery, 'offset' | 'limit'>): Promise<Page<ActionStatusRow>> {
    const { offset, limit } = pageRequestOf({ offset: query.offset, limit: query.limit }, {});
    const statuses = this.db.selectFrom('action_statuses').selectAll().where('tenant', '=', tenant).where('action_id', '=', actionId);
    return pageOf(statuses, { offset, limit, sort: [{ column: 'id', direction: 'desc' }] });
  }
}
