/**
 * Distribution sets and their assignment to targets (hawkBit `/rest/v1/distributionsets`,
 * `POST /targets/{id}/assignedDS`, `POST /distributionsets/{id}/assignedTargets`;
 * shared/reference/hawkbit-api.md §2.2–2.3). Every change goes through Changes.apply; every id,
 * in the path or in the body, is resolved within the caller's tenant: another tenant's set,
 * module or target is "not found", exactly as one that does not exist.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ActionStore } from '../db/stores/actions.js';
import { conflictOnDuplicate, type Page } from '../db/stores/common.js';
import { conflictWhileReferenced, DistributionSetStore, type DistributionSetRow, type SetReference } from '../db/stores/distribution-sets.js';
import type { ListQuery } from '../db/stores/list-query.js';
import { SoftwareModuleStore, type SoftwareModuleRow } from '../db/stores/software-modules.js';
import { TargetStore, type TargetRow } from '../db/stores/targets.js';
import { ServerError, notFound } from '../errors.js';
import type { Actor, Changes } from './changes.js';
import { assignIn, checkOptions, type AssignOptions } from './deployments.js';
import type { SetWithModules } from './target-service.js';

export interface NewDistributionSet {
  name: string;
  version: string;
  type?: string | undefined;
  description?: string | undefined;
  modules?: Array<{ id: number }> | undefined;
}

/** hawkBit's assignment result. */
export interface AssignmentResult {
  assigned: number;
  alreadyAssigned: number;
  total: number;
  assignedActions: Array<{ id: number }>;
}

function keptBecause(id: number, reference: SetReference): string {
  switch (reference.kind) {
    case 'action':
      return `distribution set ${id} has been assigned (action ${reference.id}) and is kept for the record`;
    case 'rollout':
      return `distribution set ${id} is used by rollout ${reference.id} and is kept`;
    case 'target':
      return `distribution set ${id} is assigned to or installed on target ${reference.controllerId} and is kept`;
  }
}

export class DistributionSetService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: Changes,
  ) {}

  /** A page of sets, each with its modules (one query for all of them). */
  async page(tenant: string, query: ListQuery): Promise<Page<SetWithModules>> {
    const sets = new DistributionSetStore(this.db);
    const page = await sets.page(tenant, query);
    const modules = await sets.modulesOfSets(
      tenant,
      page.rows.map((s) => Number(s.id)),
    );
    return { total: page.total, rows: page.rows.map((set) => ({ set, modules: modules.get(Number(set.id)) ?? [] })) };
  }

  async get(tenant: string, id: number): Promise<DistributionSetRow> {
    const row = await new DistributionSetStore(this.db).byId(tenant, id);
    if (!row) throw notFound(`distribution set ${id}`);
    return row;
  }

  async withModules(tenant: string, id: number): Promise<SetWithModules> {
    const set = await this.get(tenant, id);
    return { set, modules: await this.modulesOf(tenant, id) };
  }

  async modulesOf(tenant: string, id: number): Promise<SoftwareModuleRow[]> {
    return new DistributionSetStore(this.db).modulesOf(tenant, id);
  }

  async create(who: Actor, inputs: NewDistributionSet[]): Promise<SetWithModules[]> {
    if (inputs.length === 0) throw new ServerError('BAD_REQUEST', 'give at least one distribution set');
    return conflictOnDuplicate(
      () =>
        this.changes.apply(who, async (trx) => {
          const sets = new DistributionSetStore(trx);
          const modules = new SoftwareModuleStore(trx);
          const created: SetWithModules[] = [];
          for (const d of inputs) {
            const set = await sets.insert({
              tenant: who.tenant,
              name: d.name,
              version: d.version,
              type_key: d.type ?? 'os',
              description: d.description ?? null,
              created_by: who.actor,
            });
            for (const m of d.modules ?? []) {
              // Resolved in the caller's tenant: another tenant's module is not found.
              if (!(await modules.byId(who.tenant, m.id))) throw new ServerError('NOT_FOUND', `software module ${m.id} not found`);
              await sets.addModule(who.tenant, set.id, m.id);
            }
            created.push({ set, modules: await sets.modulesOf(who.tenant, set.id) });
          }
          return {
            result: created,
            audit: created.map(({ set }, i) => ({
              action: 'distributionset.create',
              subject: { type: 'distributionset', id: String(set.id) },
              before: null,
              after: { name: set.name, version: set.version, modules: (inputs[i]!.modules ?? []).map((m) => m.id) },
            })),
          };
        }),
      'a distribution set with this name and version already exists',
    );
  }

  /**
   * A set that was ever assigned, or that a rollout or target refers to, is kept (409). A
   * reference the tenant cannot see (another tenant's rollout naming this set, which the rollouts
   * API refuses to create but older data may hold) is a 409 as well, naming nothing of it.
   */
  async delete(who: Actor, id: number): Promise<void> {
    await this.get(who.tenant, id);
    await conflictWhileReferenced(
      () =>
        this.changes.apply(who, async (trx) => {
          const sets = new DistributionSetStore(trx);
          const reference = await sets.referenceTo(who.tenant, id);
          if (reference) throw new ServerError('CONFLICT', keptBecause(id, reference));
          await sets.delete(who.tenant, id);
          return {
            result: undefined,
            audit: { action: 'distributionset.delete', subject: { type: 'distributionset', id: String(id) }, before: { id }, after: null },
          };
        }),
      `distribution set ${id} is still referenced and is kept`,
    );
  }

  /**
   * Assign set `dsId` to targets (by controllerId). Every target is resolved before anything
   * changes, so an unknown one (or another tenant's) is a 404 that assigns nothing; a target
   * that already has an open action for this set counts as `alreadyAssigned` (hawkBit).
   */
  async assign(who: Actor, dsId: number, assignments: Array<{ controllerId: string; options: AssignOptions }>): Promise<AssignmentResult> {
    await this.get(who.tenant, dsId);
    const targets = new TargetStore(this.db);
    const resolved: Array<{ target: TargetRow; options: AssignOptions }> = [];
    for (const a of assignments) {
      const target = await targets.byControllerId(who.tenant, a.controllerId);
      if (!target) throw notFound(`target ${a.controllerId}`);
      resolved.push({ target, options: a.options });
    }
    const actions = new ActionStore(this.db);
    const assigned: number[] = [];
    let alreadyAssigned = 0;
    for (const { target, options } of resolved) {
      if (await actions.activeFor(who.tenant, target.id, dsId)) {
        alreadyAssigned++;
        continue;
      }
      checkOptions(options);
      const { actionId } = await this.changes.apply(who, async (trx, now) => {
        const result = await assignIn(trx, who.tenant, target.id, dsId, options, now);
        // The device polls at once (MQTT), once this commits; its older actions' cancels ride along.
        this.changes.wake(trx, [{ tenant: who.tenant, controllerId: target.controller_id, reason: 'action', actionId: result.actionId }]);
        return {
          result,
          audit: {
            action: 'distributionset.assign',
            subject: { type: 'target', id: target.controller_id },
            before: { assignedDs: target.assigned_ds_id },
            after: { assignedDs: dsId, type: options.type ?? 'forced' },
          },
        };
      });
      assigned.push(actionId);
    }
    return { assigned: assigned.length, alreadyAssigned, total: assignments.length, assignedActions: assigned.map((id) => ({ id })) };
  }
}
