/**
 * Rollouts on the database (hawkBit §3.2–3.3): creation fills groups with SCHEDULED actions in
 * set-based SQL; operator commands go through the pure table `rolloutCommand`; the scheduler's
 * tick locks due rollouts with `FOR UPDATE SKIP LOCKED`, recounts their groups, asks the pure
 * `decide()` what to do and applies it in the same transaction — so with several server instances
 * on one PostgreSQL exactly one applies each rollout's tick, and a process that dies mid-tick
 * leaves nothing half-applied (its transaction rolls back).
 */
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool, type Transaction } from 'kysely';
import {
  decide,
  DEFAULT_THRESHOLDS,
  rolloutCommand,
  type ActionCounts,
  type GroupSnapshot,
  type RolloutCommand,
  type RolloutSnapshot,
  type RolloutStatus,
  type Thresholds,
  type Transition,
} from '@osprey/protocol';
import type { Database } from '../db/schema.js';
import { ServerError, notFound } from '../errors.js';
import { appendAudit } from './audit.js';
import { validateMaintenanceWindow, type MaintenanceWindow } from './maintenance.js';
import { parseTenantConfig } from './tenant-config.js';

type Db = Kysely<Database> | Transaction<Database>;
export type { TargetFilter } from '../db/fields.js';
import type { TargetFilter } from '../db/fields.js';

import type { Actor } from './changes.js';

export interface RolloutSpec {
  name: string;
  description?: string | undefined;
  distributionSetId: number;
  targetFilterQuery: string;
  filter: TargetFilter;
  type: 'forced' | 'soft' | 'timeforced' | 'downloadonly';
  forcetime?: Date | undefined;
  weight?: number | undefined;
  confirmationRequired?: boolean | undefined;
  startAt?: Date | undefined;
  thresholds?: Thresholds | undefined;
  /** `amountGroups`, or explicit groups (each with its own filter ANDed with the rollout's). */
  amountGroups?: number | undefined;
  groups?:
    | Array<{
        name: string;
        targetFilterQuery?: string | undefined;
        filter?: TargetFilter | undefined;
        targetPercentage: number;
        thresholds?: Thresholds | undefined;
      }>
    | undefined;
  rateLimit?: RolloutSnapshot['rateLimit'];
  abortCriteria?: RolloutSnapshot['abortCriteria'];
  rollbackDistributionSetId?: number | undefined;
  maxRetries?: number | undefined;
  /** Actions of the rollout only update inside this window (hawkBit maintenance windows). */
  maintenanceWindow?: MaintenanceWindow | undefined;
  /** Dynamic rollout: targets that match later join trailing groups of this size. */
  dynamicGroupTemplate?: { nameSuffix: string; targetCount: number } | undefined;
}

/** Compiles a stored RSQL target filter (the rollout's) into SQL; given by the composition root. */
export type FilterCompiler = (query: string) => TargetFilter;

const RUNNING_STATUSES = ['RUNNING', 'RETRIEVED', 'WARNING', 'DOWNLOAD', 'WAIT_FOR_CONFIRMATION', 'CANCELING', 'CANCEL_REJECTED'];

/** Targets that may receive the set: of the tenant, matching, and (if typed) of a compatible type. */
function eligibleTargets(db: Db, tenant: string, dsId: number, filter: TargetFilter) {
  return db
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
            .innerJoin('distribution_set_types as dt', 'dt.id', 'c.ds_type_id')
            .innerJoin('distribution_sets as d', (j) => j.onRef('d.type_key', '=', 'dt.key').onRef('d.tenant', '=', 'dt.tenant'))
            .select('c.target_type_id')
            .whereRef('c.target_type_id', '=', 'targets.target_type_id')
            .where('d.id', '=', dsId),
        ),
      ]),
    );
}

export async function createRollout(db: Kysely<Database>, who: Actor, spec: RolloutSpec): Promise<number> {
  if ((spec.amountGroups === undefined) === (spec.groups === undefined)) throw new ServerError('BAD_REQUEST', 'give either amountGroups or groups');
  if (spec.amountGroups !== undefined && (spec.amountGroups < 1 || spec.amountGroups > 500))
    throw new ServerError('BAD_REQUEST', 'amountGroups must be from 1 to 500');
  if (spec.maintenanceWindow) {
    const problem = validateMaintenanceWindow(spec.maintenanceWindow);
    if (problem) throw new ServerError('BAD_REQUEST', problem);
  }
  try {
    return await db.transaction().execute(async (trx) => {
      const ds = await trx
        .selectFrom('distribution_sets')
        .select('id')
        .where('tenant', '=', who.tenant)
        .where('id', '=', spec.distributionSetId)
        .executeTakeFirst();
      if (!ds) throw notFound(`distribution set ${spec.distributionSetId}`);
      const tenantRow = await trx.selectFrom('tenants').select('config').where('id', '=', who.tenant).executeTakeFirstOrThrow();
      const approval = parseTenantConfig(tenantRow.config)['rollout.approval.enabled'];
      const rollout = await trx
        .insertInto('rollouts')
        .values({
          tenant: who.tenant,
          name: spec.name,
          description: spec.description ?? null,
          ds_id: spec.distributionSetId,
          target_filter: spec.targetFilterQuery,
          status: 'creating',
          action_type: spec.type,
          forced_time: spec.forcetime ?? null,
          weight: spec.weight ?? null,
          confirmation_required: spec.confirmationRequired ?? null,
          start_at: spec.startAt ?? null,
          thresholds: JSON.stringify(spec.thresholds ?? DEFAULT_THRESHOLDS),
          rate_limit: spec.rateLimit ? JSON.stringify(spec.rateLimit) : null,
          abort_criteria: JSON.stringify(spec.abortCriteria ?? []),
          rollback_ds_id: spec.rollbackDistributionSetId ?? null,
          max_retries: spec.maxRetries ?? 0,
          approval_remark: null,
          approval_decided_by: null,
          created_by: who.actor,
          maintenance_window: spec.maintenanceWindow ? JSON.stringify(spec.maintenanceWindow) : null,
          dynamic_template: spec.dynamicGroupTemplate ? JSON.stringify(spec.dynamicGroupTemplate) : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const rolloutId = Number(rollout.id);
      const groups =
        spec.groups ??
        Array.from({ length: spec.amountGroups! }, (_, i) => ({
          name: `group-${i + 1}`,
          targetPercentage: 100 / (spec.amountGroups! - i),
          filter: undefined,
          targetFilterQuery: undefined,
          thresholds: undefined,
        }));
      let total = 0;
      // Every group but the first must leave out the targets of the earlier ones. While no earlier
      // group had a filter of its own, each took the lowest ids among the candidates (they are taken
      // in targets.id order), so "in no earlier group" is exactly `targets.id > the last id taken`.
      // The general NOT EXISTS over this rollout's actions is kept for what follows a filtered group
      // only: the planner cannot know how many actions this very transaction has inserted, and with
      // statistics of a small actions table it chose a nested-loop anti-join that rescans them for
      // every target — quadratic: 7 minutes for 100,000 targets, hours for a million.
      let takenUpTo: number | null = 0;
      for (const [ord, g] of groups.entries()) {
        const row = await trx
          .insertInto('rollout_groups')
          .values({
            tenant: who.tenant,
            rollout_id: rolloutId,
            ord,
            name: g.name,
            status: 'creating',
            target_filter: g.targetFilterQuery ?? null,
            target_percentage: g.targetPercentage,
            thresholds: g.thresholds ? JSON.stringify(g.thresholds) : null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const groupId = Number(row.id);
        // Candidates: eligible, matching the group filter, not yet in an earlier group of this rollout.
        const after = takenUpTo;
        let candidates = eligibleTargets(trx, who.tenant, spec.distributionSetId, spec.filter).where((eb) =>
          after !== null
            ? eb('targets.id', '>', after)
            : eb.not(eb.exists(eb.selectFrom('actions as a').select('a.id').whereRef('a.target_id', '=', 'targets.id').where('a.rollout_id', '=', rolloutId))),
        );
        if (g.filter) candidates = candidates.where(g.filter);
        const { count } = await trx
          .selectFrom(candidates.as('c'))
          .select(sql<number>`count(*)::int`.as('count'))
          .executeTakeFirstOrThrow();
        // hawkBit: a group takes its percentage of the targets still available to it.
        const take = Math.min(count, Math.round((count * Math.min(100, Math.max(0, g.targetPercentage))) / 100));
        const { n, last } = await scheduleActions(
          trx,
          who.tenant,
          rolloutId,
          groupId,
          {
            dsId: spec.distributionSetId,
            type: spec.type,
            forcetime: spec.forcetime ?? null,
            weight: spec.weight ?? null,
            window: spec.maintenanceWindow ?? null,
          },
          candidates.orderBy('targets.id').limit(take),
        );
        if (g.filter) takenUpTo = null;
        else if (takenUpTo !== null && last !== null) takenUpTo = last;
        total += n;
        await trx.updateTable('rollout_groups').set({ status: 'ready', total_targets: n }).where('id', '=', groupId).execute();
      }
      if (total === 0 && !spec.dynamicGroupTemplate)
        throw new ServerError('BAD_REQUEST', 'no target matches the rollout filter (or every match is of an incompatible type)');
      await trx
        .updateTable('rollouts')
        .set({ status: approval ? 'waiting_for_approval' : 'ready', total_targets: total })
        .where('id', '=', rolloutId)
        .execute();
      await appendAudit(trx, {
        tenant: who.tenant,
        at: new Date(),
        actor: who.actor,
        action: 'rollout.create',
        subject: { type: 'rollout', id: String(rolloutId) },
        before: null,
        after: { name: spec.name, distributionSet: spec.distributionSetId, targets: total, groups: groups.length },
      });
      return rolloutId;
    });
  } catch (e) {
    if ((e as { code?: string }).code === '23505') throw new ServerError('CONFLICT', `a rollout named ${spec.name} already exists`);
    throw e;
  }
}

interface ActionTemplate {
  dsId: number;
  type: string;
  forcetime: Date | null;
  weight: number | null;
  window: MaintenanceWindow | null;
}

/** SCHEDULED actions of a group for the targets a query selects (its `id` column): how many, and the highest target id. */
async function scheduleActions(
  trx: Db,
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
    select count(*)::int as n, max(target_id) as last from inserted`.execute(trx);
  return { n: rows[0]?.n ?? 0, last: rows[0]?.last === null || rows[0]?.last === undefined ? null : Number(rows[0].last) };
}

/**
 * Dynamic rollouts (hawkBit #1548): targets that started to match after creation join the
 * trailing dynamic group; a full one gets a successor of the template's size.
 */
async function absorbNewTargets(trx: Transaction<Database>, rollout: { id: number; tenant: string }, compile: FilterCompiler): Promise<void> {
  const r = await trx.selectFrom('rollouts').selectAll().where('id', '=', rollout.id).executeTakeFirstOrThrow();
  if (!r.dynamic_template || !['running', 'paused', 'starting'].includes(r.status)) return;
  const fresh = eligibleTargets(trx, r.tenant, Number(r.ds_id), compile(r.target_filter))
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('actions as a').select('a.id').whereRef('a.target_id', '=', 'targets.id').where('a.rollout_id', '=', rollout.id))),
    )
    .orderBy('targets.id');
  const template = { dsId: Number(r.ds_id), type: r.action_type, forcetime: r.forced_time, weight: r.weight, window: r.maintenance_window };
  for (let guard = 0; guard < 100; guard++) {
    const last = await trx
      .selectFrom('rollout_groups')
      .selectAll()
      .where('rollout_id', '=', rollout.id)
      .orderBy('ord', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    const dynamic = last.target_percentage === null;
    let group = last;
    if (!dynamic || last.total_targets >= r.dynamic_template.targetCount) {
      const pending = await trx.selectFrom(fresh.limit(1).as('f')).select('f.id').executeTakeFirst();
      if (!pending) return;
      group = await trx
        .insertInto('rollout_groups')
        .values({
          tenant: r.tenant,
          rollout_id: rollout.id,
          ord: last.ord + 1,
          name: `${r.name}${r.dynamic_template.nameSuffix}-${last.ord + 2}`,
          status: 'scheduled',
          target_filter: null,
          target_percentage: null,
          thresholds: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    }
    const room = r.dynamic_template.targetCount - group.total_targets;
    const { n } = await scheduleActions(trx, r.tenant, rollout.id, Number(group.id), template, fresh.limit(room));
    if (n === 0) return;
    await trx
      .updateTable('rollout_groups')
      .set({ total_targets: group.total_targets + n })
      .where('id', '=', group.id)
      .execute();
    await trx
      .updateTable('rollouts')
      .set({ total_targets: r.total_targets + n })
      .where('id', '=', rollout.id)
      .execute();
    if (n < room) return;
  }
}

async function counts(db: Db, rolloutId: number): Promise<Map<number, ActionCounts & { failedByRetries: number[] }>> {
  const rows = await db
    .selectFrom('actions')
    .select(['rollout_group_id', 'status', 'attempts', sql<number>`count(*)::int`.as('n')])
    .where('rollout_id', '=', rolloutId)
    .groupBy(['rollout_group_id', 'status', 'attempts'])
    .execute();
  const out = new Map<
    number,
    { total: number; scheduled: number; running: number; downloaded: number; finished: number; error: number; canceled: number; failedByRetries: number[] }
  >();
  for (const r of rows) {
    const id = Number(r.rollout_group_id);
    const c = out.get(id) ?? { total: 0, scheduled: 0, running: 0, downloaded: 0, finished: 0, error: 0, canceled: 0, failedByRetries: [] };
    c.total += r.n;
    if (r.status === 'SCHEDULED') c.scheduled += r.n;
    else if (r.status === 'DOWNLOADED') c.downloaded += r.n;
    else if (r.status === 'FINISHED') c.finished += r.n;
    else if (r.status === 'ERROR') {
      c.error += r.n;
      c.failedByRetries[r.attempts] = (c.failedByRetries[r.attempts] ?? 0) + r.n;
    } else if (r.status === 'CANCELED') c.canceled += r.n;
    else if (RUNNING_STATUSES.includes(r.status)) c.running += r.n;
    out.set(id, c);
  }
  return out;
}

async function snapshots(db: Db, rolloutId: number, now: Date) {
  const rollout = await db.selectFrom('rollouts').selectAll().where('id', '=', rolloutId).executeTakeFirstOrThrow();
  const groups = await db.selectFrom('rollout_groups').selectAll().where('rollout_id', '=', rolloutId).orderBy('ord').execute();
  const byGroup = await counts(db, rolloutId);
  const released = await db
    .selectFrom('actions')
    .select(['rollout_group_id', sql<number>`count(*)::int`.as('n')])
    .where('rollout_id', '=', rolloutId)
    .where('released_at', '>', new Date(now.getTime() - 60_000))
    .groupBy('rollout_group_id')
    .execute();
  const snapshot: RolloutSnapshot = {
    status: rollout.status as RolloutStatus,
    startAt: rollout.start_at ? new Date(rollout.start_at) : null,
    actionType: rollout.action_type as RolloutSnapshot['actionType'],
    dynamic: rollout.dynamic_template !== null,
    thresholds: rollout.thresholds,
    rateLimit: (rollout.rate_limit as RolloutSnapshot['rateLimit']) ?? null,
    abortCriteria: rollout.abort_criteria,
    rollbackDistributionSetId: rollout.rollback_ds_id === null ? null : Number(rollout.rollback_ds_id),
    maxRetries: rollout.max_retries,
  };
  const empty = { total: 0, scheduled: 0, running: 0, downloaded: 0, finished: 0, error: 0, canceled: 0, failedByRetries: [] as number[] };
  const groupSnapshots: GroupSnapshot[] = groups.map((g) => {
    const c = byGroup.get(Number(g.id)) ?? empty;
    return {
      id: Number(g.id),
      order: g.ord,
      status: g.status as GroupSnapshot['status'],
      counts: {
        total: c.total,
        scheduled: c.scheduled,
        running: c.running,
        downloaded: c.downloaded,
        finished: c.finished,
        error: c.error,
        canceled: c.canceled,
      },
      ...(g.thresholds ? { thresholds: g.thresholds } : {}),
      ...(g.target_percentage === null && rollout.dynamic_template ? { dynamicTargetCount: rollout.dynamic_template.targetCount } : {}),
      releasedInLastMinute: released.find((r) => Number(r.rollout_group_id) === Number(g.id))?.n ?? 0,
      failedByRetries: c.failedByRetries,
    };
  });
  return { rollout, snapshot, groups: groupSnapshots };
}

/** Activate up to `count` scheduled actions of a group (oldest first), as an assignment does. */
async function releaseActions(trx: Transaction<Database>, tenant: string, groupId: number, count: number, now: Date): Promise<number> {
  const config = parseTenantConfig((await trx.selectFrom('tenants').select('config').where('id', '=', tenant).executeTakeFirstOrThrow()).config);
  const released = await sql<{ id: number; target_id: number; ds_id: number }>`
    update actions set active = true, released_at = ${now}, updated_at = ${now},
      status = case when ${config['user.confirmation.flow.enabled']} and coalesce((select r.confirmation_required from rollouts r where r.id = actions.rollout_id), true)
                    and (select t.auto_confirm from targets t where t.id = actions.target_id) is null
               then 'WAIT_FOR_CONFIRMATION' else 'RUNNING' end
    where id in (select id from actions where rollout_group_id = ${groupId} and status = 'SCHEDULED' order by id limit ${count} for update skip locked)
    returning id, target_id, ds_id`.execute(trx);
  const rows = released.rows;
  if (rows.length === 0) return 0;
  // The ids go as ONE array parameter per list, not one bind parameter per id (`in (${sql.join(ids)})`):
  // the wire protocol counts bind parameters in 16 bits, so releasing more than 32,767 actions at
  // once (the cancel statement carries two lists: > 65,535 parameters) failed ("bind message has …
  // parameter formats but 0 parameters"), rolled the tick back, and every later tick did the same:
  // the rollout never got past starting that group.
  const ids = sql.val(rows.map((r) => Number(r.id)));
  const targets = sql.val(rows.map((r) => Number(r.target_id)));
  // Older open actions of these targets are canceled, as a new assignment does (§2.3).
  await sql`update actions set status = 'CANCELING', updated_at = ${now}
            where target_id = any(${targets}::bigint[]) and active and status not in ('CANCELING') and id <> all(${ids}::bigint[])`.execute(trx);
  await sql`update targets set assigned_ds_id = a.ds_id, update_status = 'PENDING'
            from actions a where a.id = any(${ids}::bigint[]) and targets.id = a.target_id`.execute(trx);
  await sql`insert into action_statuses (tenant, action_id, status, messages)
            select ${tenant}, a.id, a.status, '["Update Server: Rollout released the action"]'::jsonb from actions a where a.id = any(${ids}::bigint[])`.execute(
    trx,
  );
  return rows.length;
}

/** Re-activate failed installs that still have retries left. */
async function retryActions(trx: Transaction<Database>, groupId: number, maxRetries: number, count: number, now: Date): Promise<void> {
  await sql`update actions set status = 'RUNNING', active = true, attempts = attempts + 1, released_at = ${now}, updated_at = ${now}
            where id in (select id from actions where rollout_group_id = ${groupId} and status = 'ERROR' and attempts < ${maxRetries} order by id limit ${count} for update skip locked)`.execute(
    trx,
  );
}

/** Stop: scheduled actions removed, groups finished, running actions canceled (§3.2). */
async function stopRollout(trx: Transaction<Database>, rolloutId: number, now: Date): Promise<void> {
  await trx.deleteFrom('actions').where('rollout_id', '=', rolloutId).where('status', '=', 'SCHEDULED').execute();
  await trx
    .updateTable('rollout_groups')
    .set({ status: 'finished' })
    .where('rollout_id', '=', rolloutId)
    .where('status', 'in', ['creating', 'ready', 'scheduled', 'running'])
    .execute();
  await trx
    .updateTable('actions')
    .set({ status: 'CANCELING', updated_at: now })
    .where('rollout_id', '=', rolloutId)
    .where('active', '=', true)
    .where('status', '!=', 'CANCELING')
    .execute();
  await trx.updateTable('rollouts').set({ status: 'stopped', updated_at: now }).where('id', '=', rolloutId).execute();
}

/** A forced action of the rollback set for every device the rollout had reached. */
async function assignRollback(trx: Transaction<Database>, tenant: string, rolloutId: number, dsId: number, now: Date): Promise<void> {
  const inserted = await sql<{ id: number; target_id: number }>`
    insert into actions (tenant, target_id, ds_id, status, active, action_type, released_at)
    select distinct on (a.target_id) ${tenant}, a.target_id, ${dsId}, 'RUNNING', true, 'forced', ${now}
    from actions a where a.rollout_id = ${rolloutId} and a.released_at is not null
    order by a.target_id
    returning id, target_id`.execute(trx);
  if (inserted.rows.length === 0) return;
  // One array parameter each (see releaseActions: more than 65,535 bind parameters fail).
  const ids = sql.val(inserted.rows.map((r) => Number(r.id)));
  await sql`insert into action_statuses (tenant, action_id, status, messages)
            select ${tenant}, a.id, 'RUNNING', '["Update Server: Rollout aborted; rolling back"]'::jsonb from actions a where a.id = any(${ids}::bigint[])`.execute(
    trx,
  );
  await sql`update targets set assigned_ds_id = ${dsId}, update_status = 'PENDING' where id = any(${sql.val(inserted.rows.map((r) => Number(r.target_id)))}::bigint[])`.execute(
    trx,
  );
}

async function apply(
  trx: Transaction<Database>,
  rollout: { id: number; tenant: string; max_retries: number },
  transitions: readonly Transition[],
  now: Date,
): Promise<void> {
  const set = (status: RolloutStatus) => trx.updateTable('rollouts').set({ status, updated_at: now }).where('id', '=', rollout.id).execute();
  for (const t of transitions) {
    switch (t.kind) {
      case 'startRollout':
        await trx.updateTable('rollout_groups').set({ status: 'scheduled' }).where('rollout_id', '=', rollout.id).where('status', '=', 'ready').execute();
        await set('starting');
        break;
      case 'runRollout':
        await set('running');
        break;
      case 'startGroup':
        await trx.updateTable('rollout_groups').set({ status: 'running' }).where('id', '=', t.groupId).execute();
        break;
      case 'finishGroup':
        await trx.updateTable('rollout_groups').set({ status: 'finished' }).where('id', '=', t.groupId).execute();
        break;
      case 'errorGroup':
        await trx.updateTable('rollout_groups').set({ status: 'error' }).where('id', '=', t.groupId).execute();
        break;
      case 'pauseRollout':
        await set('paused');
        break;
      case 'finishRollout':
        await set('finished');
        break;
      case 'releaseActions':
        await releaseActions(trx, rollout.tenant, t.groupId, t.count, now);
        break;
      case 'retryActions':
        await retryActions(trx, t.groupId, rollout.max_retries, t.count, now);
        break;
      case 'abortRollout':
        await stopRollout(trx, rollout.id, now);
        // Azure Device Update: put the devices the rollout reached back on a known-good set.
        if (t.rollbackDistributionSetId !== undefined) await assignRollback(trx, rollout.tenant, rollout.id, t.rollbackDistributionSetId, now);
        await appendAudit(trx, {
          tenant: rollout.tenant,
          at: now,
          actor: 'system:scheduler',
          action: 'rollout.abort',
          subject: { type: 'rollout', id: String(rollout.id) },
          before: null,
          after: { reason: t.reason },
        });
        break;
    }
  }
}

/**
 * One scheduler tick: each due rollout is locked (SKIP LOCKED: another instance takes the next),
 * recounted, decided and applied in its own transaction. Returns how many rollouts were handled.
 */
export async function tickRollouts(db: Kysely<Database>, now: Date, options: { limit?: number; compileFilter?: FilterCompiler } = {}): Promise<number> {
  const limit = options.limit ?? 50;
  let handled = 0;
  for (let i = 0; i < limit; i++) {
    const done = await db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('rollouts')
        .select(['id', 'tenant', 'max_retries'])
        .where('status', 'in', ['ready', 'starting', 'running'])
        .where((eb) => eb.or([eb('status', '!=', 'ready'), eb.and([eb('start_at', 'is not', null), eb('start_at', '<=', now)])]))
        .where('updated_at', '<', now) // handled this tick already: leave it for the next one
        .orderBy('updated_at')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!due) return false;
      if (options.compileFilter) await absorbNewTargets(trx, { id: Number(due.id), tenant: due.tenant }, options.compileFilter);
      const { snapshot, groups } = await snapshots(trx, Number(due.id), now);
      const transitions = decide(snapshot, groups, now);
      await apply(trx, { id: Number(due.id), tenant: due.tenant, max_retries: due.max_retries }, transitions, now);
      await trx.updateTable('rollouts').set({ updated_at: now }).where('id', '=', due.id).execute();
      return true;
    });
    if (!done) break;
    handled++;
  }
  return handled;
}

/** An operator command (§3.2), checked by the pure transition table and applied at once. */
export async function commandRollout(
  db: Kysely<Database>,
  who: Actor,
  rolloutId: number,
  command: RolloutCommand,
  options: { remark?: string; now: Date; approvalByOthersOnly?: boolean },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const rollout = await trx.selectFrom('rollouts').selectAll().where('tenant', '=', who.tenant).where('id', '=', rolloutId).forUpdate().executeTakeFirst();
    if (!rollout) throw notFound(`rollout ${rolloutId}`);
    const scheduled = await trx
      .selectFrom('rollout_groups')
      .select('id')
      .where('rollout_id', '=', rolloutId)
      .where('status', '=', 'scheduled')
      .limit(1)
      .executeTakeFirst();
    const result = rolloutCommand(rollout.status as RolloutStatus, command, { hasScheduledGroup: scheduled !== undefined });
    if ('error' in result) throw new ServerError('ROLLOUT_ILLEGAL_STATE', `rollout ${rolloutId}: ${result.message}`);
    if ((command === 'approve' || command === 'deny') && rollout.created_by === who.actor) {
      throw new ServerError('FORBIDDEN', 'a rollout must be approved or denied by someone other than its creator');
    }
    const now = options.now;
    switch (command) {
      case 'start':
        await trx.updateTable('rollout_groups').set({ status: 'scheduled' }).where('rollout_id', '=', rolloutId).where('status', '=', 'ready').execute();
        await trx
          .updateTable('rollouts')
          .set({ status: 'starting', updated_at: new Date(0) })
          .where('id', '=', rolloutId)
          .execute();
        break;
      case 'stop':
        await stopRollout(trx, rolloutId, now);
        break;
      case 'delete':
        await stopRollout(trx, rolloutId, now);
        await trx.updateTable('rollouts').set({ status: 'deleted' }).where('id', '=', rolloutId).execute();
        break;
      case 'triggerNextGroup': {
        const next = await trx
          .selectFrom('rollout_groups')
          .select('id')
          .where('rollout_id', '=', rolloutId)
          .where('status', '=', 'scheduled')
          .orderBy('ord')
          .limit(1)
          .executeTakeFirst();
        if (!next) throw new ServerError('ROLLOUT_ILLEGAL_STATE', `rollout ${rolloutId} has no scheduled group left`);
        await trx.updateTable('rollout_groups').set({ status: 'running' }).where('id', '=', next.id).execute();
        await trx
          .updateTable('rollouts')
          .set({ updated_at: new Date(0) })
          .where('id', '=', rolloutId)
          .execute();
        break;
      }
      case 'retry':
        throw new ServerError('BAD_REQUEST', 'retry is done by creating a rollout over the failed targets (POST /rollouts/{id}/retry)');
      default:
        await trx
          .updateTable('rollouts')
          .set({
            status: result.next,
            // Due at the next tick.
            updated_at: new Date(0),
            ...(command === 'approve' || command === 'deny' ? { approval_decided_by: who.actor, approval_remark: options.remark ?? null } : {}),
          })
          .where('id', '=', rolloutId)
          .execute();
    }
    await appendAudit(trx, {
      tenant: who.tenant,
      at: now,
      actor: who.actor,
      action: `rollout.${command}`,
      subject: { type: 'rollout', id: String(rolloutId) },
      before: { status: rollout.status },
      after: { status: command === 'delete' ? 'deleted' : command === 'stop' ? 'stopped' : 'next' in result ? result.next : rollout.status },
    });
  });
}
