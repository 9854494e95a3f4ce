/**
 * Distribution sets and the software modules they hold. Every query names the tenant, joins
 * included: a set of one tenant never lists another tenant's module.
 */
import type { Insertable, Selectable } from 'kysely';
import { ServerError } from '../../errors.js';
import { DS_FIELDS } from '../fields.js';
import type { DistributionSetsTable } from '../schema.js';
import { pageOf, type Db, type Page } from './common.js';
import { pageRequestOf, type ListQuery } from './list-query.js';
import type { SoftwareModuleRow } from './software-modules.js';

export type DistributionSetRow = Selectable<DistributionSetsTable>;

/** What keeps a set from being deleted, as the 409 names it. */
export type SetReference = { kind: 'action'; id: number } | { kind: 'rollout'; id: number } | { kind: 'target'; controllerId: string };

/** PostgreSQL's foreign_key_violation (SQLSTATE 23503), raised by pg and PGlite alike. */
export function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23503';
}

/**
 * Run `work` (a delete); a row still referring to what it deletes becomes a 409 CONFLICT with
 * `message` instead of a 500. The references a tenant can see are checked before, with a message
 * naming them; this catches the rest (a reference another tenant holds), naming nothing of it.
 */
export async function conflictWhileReferenced<T>(work: () => Promise<T>, message: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isForeignKeyViolation(error)) throw new ServerError('CONFLICT', message, { cause: error });
    throw error;
  }
}

export class DistributionSetStore {
  constructor(private readonly db: Db) {}

  async page(tenant: string, query: ListQuery): Promise<Page<DistributionSetRow>> {
    const request = pageRequestOf(query, DS_FIELDS);
    return pageOf(this.db.selectFrom('distribution_sets').selectAll().where('tenant', '=', tenant), request);
  }

  async byId(tenant: string, id: number): Promise<DistributionSetRow | undefined> {
    return this.db.selectFrom('distribution_sets').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  }

  async insert(values: Insertable<DistributionSetsTable>): Promise<DistributionSetRow> {
    return this.db.insertInto('distribution_sets').values(values).returningAll().executeTakeFirstOrThrow();
  }

  async addModule(tenant: string, dsId: number, moduleId: number): Promise<void> {
    await this.db.insertInto('distribution_set_modules').values({ tenant, ds_id: dsId, module_id: moduleId }).execute();
  }

  /** The set's modules, in id order. */
  async modulesOf(tenant: string, dsId: number): Promise<SoftwareModuleRow[]> {
    return (await this.modulesOfSets(tenant, [dsId])).get(dsId) ?? [];
  }

  /** The modules of several sets in one query (a page of sets), each list in id order. */
  async modulesOfSets(tenant: string, dsIds: readonly number[]): Promise<Map<number, SoftwareModuleRow[]>> {
    const bySet = new Map<number, SoftwareModuleRow[]>(dsIds.map((id) => [id, []]));
    if (dsIds.length === 0) return bySet;
    const rows = await this.db
      .selectFrom('distribution_set_modules as dsm')
      .innerJoin('software_modules as sm', (join) => join.onRef('sm.id', '=', 'dsm.module_id').onRef('sm.tenant', '=', 'dsm.tenant'))
      .selectAll('sm')
      .select('dsm.ds_id')
      .where('dsm.tenant', '=', tenant)
      .where('dsm.ds_id', 'in', [...dsIds])
      .orderBy('sm.id')
      .execute();
    for (const { ds_id, ...module } of rows) bySet.get(Number(ds_id))?.push(module);
    return bySet;
  }

  /** Something of this tenant that refers to the set (an action, a rollout, a target), if anything does. */
  async referenceTo(tenant: string, dsId: number): Promise<SetReference | undefined> {
    const action = await this.db.selectFrom('actions').select('id').where('tenant', '=', tenant).where('ds_id', '=', dsId).limit(1).executeTakeFirst();
    if (action) return { kind: 'action', id: Number(action.id) };
    const rollout = await this.db
      .selectFrom('rollouts')
      .select('id')
      .where('tenant', '=', tenant)
      .where((eb) => eb.or([eb('ds_id', '=', dsId), eb('rollback_ds_id', '=', dsId)]))
      .limit(1)
      .executeTakeFirst();
    if (rollout) return { kind: 'rollout', id: Number(rollout.id) };
    const target = await this.db
      .selectFrom('targets')
      .select('controller_id')
      .where('tenant', '=', tenant)
      .where((eb) => eb.or([eb('assigned_ds_id', '=', dsId), eb('installed_ds_id', '=', dsId)]))
      .limit(1)
      .executeTakeFirst();
    if (target) return { kind: 'target', controllerId: target.controller_id };
    return undefined;
  }

  /** Delete a set with its module list (tag assignments go with it: ON DELETE CASCADE). */
  async delete(tenant: string, id: number): Promise<void> {
    await this.db.deleteFrom('distribution_set_modules').where('tenant', '=', tenant).where('ds_id', '=', id).execute();
    await this.db.deleteFrom('distribution_sets').where('tenant', '=', tenant).where('id', '=', id).execute();
  }
}
