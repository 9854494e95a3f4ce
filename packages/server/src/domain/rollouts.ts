/**
 * Rollouts (hawkBit §2.3, §3.2): creation fills the groups with SCHEDULED actions in set-based
 * SQL; operator commands go through the pure table `rolloutCommand` (@osprey/protocol) and are
 * applied at once; retry makes a new rollout over the failed devices. Every change goes through
 * `Changes.apply` with its audit entry. The scheduler's tick is domain/rollout-scheduler.ts.
 *
 * Every id a request brings — the distribution set, the rollback set, the rollout, its groups —
 * is resolved inside the caller's tenant; another tenant's id is "not found", exactly as one that
 * does not exist (issue 12: a rollback set of another tenant was once accepted, and an abort then
 * created actions pointing at it).
 */
import type { Kysely } from 'kysely';
import {
  DEFAULT_THRESHOLDS,
  rolloutCommand,
  type AbortCriterion,
  type ActionType,
  type RateLimit,
  type RolloutCommand,
  type Thresholds,
} from '@osprey/protocol';
import { compileTargetFilter, type TargetFilter } from '../db/fields.js';
import { parsePaging } from '../db/rsql.js';
import type { Database } from '../db/schema.js';
import { ActionStore, RUNNING_STATUSES } from '../db/stores/actions.js';
import { AssignmentStore } from '../db/stores/assignments.js';
import { conflictOnDuplicate } from '../db/stores/common.js';
import type { ListQuery } from '../db/stores/list-query.js';
import { DUE_AT_NEXT_TICK, RolloutStore, failedTargetsOf, type GroupRow, type RolloutRow } from '../db/stores/rollouts.js';
import { TenantStore } from '../db/stores/tenants.js';
import { ServerError, notFound } from '../errors.js';
import type { Actor, Changes } from './changes.js';
import { validateMaintenanceWindow, type MaintenanceWindow } from './maintenance.js';
import { stopRollout, type FilterCompiler } from './rollout-scheduler.js';
import { parseTenantConfig } from './tenant-config.js';

export { tickRollouts, type FilterCompiler } from './rollout-scheduler.js';
export type { TargetFilter } from '../db/fields.js';

/** A rollout as the management API asks for it (§2.3 Rollout POST, Osprey's extensions last). */
export interface NewRollout {
  name: string;
  description?: string | undefined;
  distributionSetId: number;
  targetFilterQuery: string;
  type: ActionType;
  forcetime?: Date | undefined;
  weight?: number | undefined;
  confirmationRequired?: boolean | undefined;
  startAt?: Date | undefined;
  thresholds?: Thresholds | undefined;
  /** `amountGroups`, or explicit groups (each with its own filter ANDed with the rollout's). */
  amountGroups?: number | undefined;
  groups?: Array<{ name: string; targetFilterQuery?: string | undefined; targetPercentage: number; thresholds?: Thresholds | undefined }> | undefined;
  rateLimit?: RateLimit | null | undefined;
  abortCriteria?: AbortCriterion[] | undefined;
  rollbackDistributionSetId?: number | undefined;
  maxRetries?: number | undefined;
  /** Actions of the rollout only update inside this window (hawkBit maintenance windows). */
  maintenanceWindow?: MaintenanceWindow | undefined;
  /** Dynamic rollout: targets that match later join trailing groups of this size. */
  dynamicGroupTemplate?: { nameSuffix: string; targetCount: number } | undefined;
}

/** The same with its filters compiled; retry gives a filter that no RSQL expresses. */
interface RolloutSpec extends Omit<NewRollout, 'groups'> {
  filter: TargetFilter;
  groups?: Array<{
    name: string;
    targetFilterQuery?: string | undefined;
    filter?: TargetFilter | undefined;
    targetPercentage: number;
    thresholds?: Thresholds | undefined;
  }>;
}

/** A rollout with what its reply counts (§2.3 Rollout response). */
export interface RolloutView {
  rollout: RolloutRow;
  totalGroups: number;
  /** hawkBit: RETRIEVED/RUNNING/WARNING/DOWNLOAD/WAIT_FOR_CONFIRMATION/CANCELING count as running; DOWNLOADED as finished only for downloadonly. */
  totalTargetsPerStatus: { running: number; scheduled: number; notstarted: number; cancelled: number; finished: number; error: number };
}

export type StatusCounts = RolloutView['totalTargetsPerStatus'];

/** A group with its actions counted as the rollout's are (the console charts each group's progress). */
export interface GroupView {
  group: GroupRow;
  totalTargetsPerStatus: StatusCounts;
}

/** hawkBit's buckets of a rollout's (or a group's) actions, from counts per action status. */
function bucketsOf(perStatus: ReadonlyArray<{ status: string; n: number }>, actionType: ActionType): StatusCounts {
  const count = (...statuses: readonly string[]) => perStatus.filter((p) => statuses.includes(p.status)).reduce((n, p) => n + p.n, 0);
  return {
    running: count(...RUNNING_STATUSES),
    scheduled: count('SCHEDULED'),
    notstarted: 0,
    cancelled: count('CANCELED'),
    finished: count('FINISHED') + (actionType === 'downloadonly' ? count('DOWNLOADED') : 0),
    error: count('ERROR'),
  };
}

export interface GroupTarget {
  controllerId: string;
  name: string;
  actionId: number;
  status: string;
}

export class RolloutService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: Changes,
    private readonly compileFilter: FilterCompiler = compileTargetFilter,
  ) {}

  // --- reading -------------------------------------------------------------------------------

  async get(tenant: string, id: number): Promise<RolloutView> {
    const rollout = await new RolloutStore(this.db).find(tenant, id);
    if (!rollout) throw notFound(`rollout ${id}`);
    return this.viewOf(rollout);
  }

  /** The tenant's rollouts but deleted ones; `q`, `sort`, `offset`, `limit` as the query string gives them. */
  async list(tenant: string, query: ListQuery): Promise<{ content: RolloutView[]; total: number }> {
    const { rows, total } = await new RolloutStore(this.db).page(tenant, query);
    return { content: await Promise.all(rows.map((r) => this.viewOf(r))), total };
  }

  async groups(tenant: string, rolloutId: number): Promise<GroupView[]> {
    const rollouts = new RolloutStore(this.db);
    const rollout = await rollouts.find(tenant, rolloutId);
    if (!rollout) throw notFound(`rollout ${rolloutId}`);
    const [groups, counts] = await Promise.all([rollouts.groups(tenant, rolloutId), new ActionStore(this.db).countByGroupAndStatus(tenant, rolloutId)]);
    return groups.map((group) => ({
      group,
      totalTargetsPerStatus: bucketsOf(
        counts.filter((c) => c.groupId === Number(group.id)),
        rollout.action_type,
      ),
    }));
  }

  /** The targets of one group of one rollout: a group of another rollout (or tenant) is not found. */
  async groupTargets(
    tenant: string,
    rolloutId: number,
    groupId: number,
    query: { offset?: string | undefined; limit?: string | undefined },
  ): Promise<GroupTarget[]> {
    const paging = parsePaging(query.offset, query.limit);
    const rollouts = new RolloutStore(this.db);
    if (!(await rollouts.find(tenant, rolloutId))) throw notFound(`rollout ${rolloutId}`);
    if (!(await rollouts.findGroup(tenant, rolloutId, groupId))) throw notFound(`rollout group ${groupId}`);
    return new ActionStore(this.db).targetsOfGroup(tenant, rolloutId, groupId, paging);
  }

  private async viewOf(rollout: RolloutRow): Promise<RolloutView> {
    const id = Number(rollout.id);
    const perStatus = await new ActionStore(this.db).countByStatus(rollout.tenant, id);
    return {
      rollout,
      totalGroups: await new RolloutStore(this.db).groupCount(rollout.tenant, id),
      totalTargetsPerStatus: bucketsOf(perStatus, rollout.action_type),
    };
  }

  // --- changing ------------------------------------------------------------------------------

  /** Create and fill a rollout (§3.2 CREATING → READY, or WAITING_FOR_APPROVAL with four-eyes on). */
  async create(who: Actor, input: NewRollout): Promise<RolloutView> {
    // RSQL errors are the caller's 400, before anything is written.
    const spec: RolloutSpec = {
      ...input,
      filter: this.compileFilter(input.targetFilterQuery),
      groups: input.groups?.map((g) => ({ ...g, filter: g.targetFilterQuery ? this.compileFilter(g.targetFilterQuery) : undefined })),
    };
    return this.get(who.tenant, await this.createFrom(who, spec));
  }

  /** Retry (hawkBit, FINISHED only): a new rollout `<name>_retry` over the devices that failed, in one group. */
  async retry(who: Actor, id: number): Promise<RolloutView> {
    const r = await new RolloutStore(this.db).find(who.tenant, id);
    if (!r) throw notFound(`rollout ${id}`);
    if (r.status !== 'finished') throw new ServerError('BAD_REQUEST', `rollout ${id} is ${r.status}: only a finished rollout can be retried`);
    const newId = await this.createFrom(who, {
      name: `${r.name}_retry`,
      distributionSetId: Number(r.ds_id),
      targetFilterQuery: `failedrollout==${id}`,
      filter: failedTargetsOf(who.tenant, id),
      type: r.action_type,
      thresholds: r.thresholds,
      amountGroups: 1,
    });
    return this.get(who.tenant, newId);
  }

  private async createFrom(who: Actor, spec: RolloutSpec): Promise<number> {
    if ((spec.amountGroups === undefined) === (spec.groups === undefined)) throw new ServerError('BAD_REQUEST', 'give either amountGroups or groups');
    if (spec.amountGroups !== undefined && (spec.amountGroups < 1 || spec.amountGroups > 500))
      throw new ServerError('BAD_REQUEST', 'amountGroups must be from 1 to 500');
    if (spec.maintenanceWindow) {
      const problem = validateMaintenanceWindow(spec.maintenanceWindow);
      if (problem) throw new ServerError('BAD_REQUEST', problem);
    }
    const groups =
      spec.groups ??
      Array.from({ length: spec.amountGroups! }, (_, i) => ({
        name: `group-${i + 1}`,
        targetPercentage: 100 / (spec.amountGroups! - i),
        filter: undefined,
        targetFilterQuery: undefined,
        thresholds: undefined,
      }));
    const work = () =>
      this.changes.apply(who, async (trx, now) => {
        const assignments = new AssignmentStore(trx);
        for (const dsId of [spec.distributionSetId, spec.rollbackDistributionSetId]) {
          if (dsId !== undefined && !(await assignments.distributionSetExists(who.tenant, dsId))) throw notFound(`distribution set ${dsId}`);
        }
        const approval = parseTenantConfig(await new TenantStore(trx).config(who.tenant))['rollout.approval.enabled'];
        const rollouts = new RolloutStore(trx);
        const actions = new ActionStore(trx);
        const rolloutId = await rollouts.insert({
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
          created_at: now,
          updated_at: now,
          maintenance_window: spec.maintenanceWindow ? JSON.stringify(spec.maintenanceWindow) : null,
          dynamic_template: spec.dynamicGroupTemplate ? JSON.stringify(spec.dynamicGroupTemplate) : null,
        });
        const template = {
          dsId: spec.distributionSetId,
          type: spec.type,
          forcetime: spec.forcetime ?? null,
          weight: spec.weight ?? null,
          window: spec.maintenanceWindow ?? null,
        };
        let total = 0;
        // See RolloutStore.candidates: while no group had a filter of its own, "in no earlier
        // group" is "above the highest target id taken so far".
        let after: number | null = 0;
        for (const [ord, g] of groups.entries()) {
          const group = await rollouts.insertGroup({
            tenant: who.tenant,
            rollout_id: rolloutId,
            ord,
            name: g.name,
            status: 'creating',
            target_filter: g.targetFilterQuery ?? null,
            target_percentage: g.targetPercentage,
            thresholds: g.thresholds ? JSON.stringify(g.thresholds) : null,
          });
          const groupId = Number(group.id);
          const candidates = { rolloutId, dsId: spec.distributionSetId, filter: spec.filter, groupFilter: g.filter, after };
          const count = await rollouts.countCandidates(who.tenant, candidates);
          // hawkBit: a group takes its percentage of the targets still available to it.
          const take = Math.min(count, Math.round((count * Math.min(100, Math.max(0, g.targetPercentage))) / 100));
          const { n, last } = await actions.schedule(who.tenant, rolloutId, groupId, template, rollouts.firstCandidates(who.tenant, candidates, take));
          if (g.filter) after = null;
          else if (after !== null && last !== null) after = last;
          total += n;
          await rollouts.groupFilled(who.tenant, groupId, n);
        }
        if (total === 0 && !spec.dynamicGroupTemplate)
          throw new ServerError('BAD_REQUEST', 'no target matches the rollout filter (or every match is of an incompatible type)');
        await rollouts.created(who.tenant, rolloutId, approval ? 'waiting_for_approval' : 'ready', total);
        return {
          result: rolloutId,
          audit: {
            action: 'rollout.create',
            subject: { type: 'rollout', id: String(rolloutId) },
            before: null,
            after: { name: spec.name, distributionSet: spec.distributionSetId, targets: total, groups: groups.length },
          },
        };
      });
    return conflictOnDuplicate(work, `a rollout named ${spec.name} already exists`);
  }

  /** An operator command (§3.2), checked by the pure transition table and applied at once; the rollout as it is then. */
  async command(
    who: Actor,
    id: number,
    command: Exclude<RolloutCommand, 'retry' | 'delete'>,
    options: { remark?: string | undefined } = {},
  ): Promise<RolloutView> {
    await this.apply(who, id, command, options.remark);
    return this.get(who.tenant, id);
  }

  /** DELETE /rollouts/{id}: stopped, then marked deleted (kept for the record, hidden from the list). */
  async delete(who: Actor, id: number): Promise<void> {
    await this.apply(who, id, 'delete', undefined);
  }

  private async apply(who: Actor, id: number, command: Exclude<RolloutCommand, 'retry'>, remark: string | undefined): Promise<void> {
    await this.changes.apply(who, async (trx, now) => {
      const rollouts = new RolloutStore(trx);
      const rollout = await rollouts.lock(who.tenant, id);
      if (!rollout) throw notFound(`rollout ${id}`);
      const scheduled = await rollouts.firstGroupIn(who.tenant, id, 'scheduled');
      const result = rolloutCommand(rollout.status, command, { hasScheduledGroup: scheduled !== undefined });
      if ('error' in result) throw new ServerError('ROLLOUT_ILLEGAL_STATE', `rollout ${id}: ${result.message}`);
      if ((command === 'approve' || command === 'deny') && rollout.created_by === who.actor) {
        throw new ServerError('FORBIDDEN', 'a rollout must be approved or denied by someone other than its creator');
      }
      let after = result.next;
      switch (command) {
        case 'start':
          // READY → STARTING: the groups are scheduled; the next tick starts the first one.
          await rollouts.transitionGroups(who.tenant, id, 'ready', 'scheduled');
          await rollouts.transition(who.tenant, id, rollout.status, 'starting', { updatedAt: DUE_AT_NEXT_TICK });
          break;
        case 'stop':
          // The devices whose action was canceled hear of it at once (MQTT), after the commit.
          await this.changes.wakeTargets(trx, who.tenant, await stopRollout(trx, who.tenant, id, rollout.status, now), 'cancel');
          after = 'stopped';
          break;
        case 'delete':
          await this.changes.wakeTargets(trx, who.tenant, await stopRollout(trx, who.tenant, id, rollout.status, now), 'cancel');
          await rollouts.transition(who.tenant, id, 'stopped', 'deleted');
          after = 'deleted';
          break;
        case 'triggerNextGroup':
          if (!scheduled) throw new ServerError('ROLLOUT_ILLEGAL_STATE', `rollout ${id} has no scheduled group left`);
          await rollouts.transitionGroup(who.tenant, scheduled.id, 'scheduled', 'running');
          await rollouts.touch(who.tenant, id, DUE_AT_NEXT_TICK);
          break;
        default:
          // pause, resume, approve, deny: the status the table gives, due at the next tick.
          await rollouts.transition(who.tenant, id, rollout.status, result.next, {
            updatedAt: DUE_AT_NEXT_TICK,
            ...(command === 'approve' || command === 'deny' ? { approval: { decidedBy: who.actor, remark: remark ?? null } } : {}),
          });
      }
      return {
        result: undefined,
        audit: { action: `rollout.${command}`, subject: { type: 'rollout', id: String(id) }, before: { status: rollout.status }, after: { status: after } },
      };
    });
  }
}
