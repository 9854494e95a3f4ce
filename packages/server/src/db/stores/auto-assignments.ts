/**
 * Auto-assignments (hawkBit target filters with `autoAssignDS`): the filter's `auto_assign`
 * column and the scheduler's queries over it. Every query carries the tenant, but the
 * scheduler's list of filters to visit, which spans tenants by design and returns each tenant.
 */
import type { Selectable } from 'kysely';
import type { TargetFilter } from '../fields.js';
import type { AutoAssignment, TargetFiltersTable } from '../schema.js';
import type { Db } from './common.js';

export type TargetFilterRow = Pick<Selectable<TargetFiltersTable>, 'id' | 'tenant' | 'name' | 'query' | 'auto_assign'>;

export class AutoAssignStore {
  constructor(private readonly db: Db) {}

  async filter(tenant: string, id: number): Promise<TargetFilterRow | undefined> {
    return this.db
      .selectFrom('target_filters')
      .select(['id', 'tenant', 'name', 'query', 'auto_assign'])
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** The same, locked until the transaction ends (read-modify-write of the auto-assignment). */
  async lockFilter(tenant: string, id: number): Promise<TargetFilterRow | undefined> {
    return this.db
      .selectFrom('target_filters')
      .select(['id', 'tenant', 'name', 'query', 'auto_assign'])
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
  }

  async setAutoAssignment(tenant: string, id: number, value: AutoAssignment | null): Promise<void> {
    await this.db
      .updateTable('target_filters')
      .set({ auto_assign: value ? JSON.stringify(value) : null })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .execute();
  }

  /** Every filter with an auto-assignment, of every tenant, by id (what a scheduler tick visits). */
  async withAutoAssignment(): Promise<Array<{ id: number; tenant: string }>> {
    const rows = await this.db.selectFrom('target_filters').select(['id', 'tenant']).where('auto_assign', 'is not', null).orderBy('id').execute();
    return rows.map((r) => ({ id: Number(r.id), tenant: r.tenant }));
  }

  /** The filter locked for this tick, or undefined when another instance holds it (SKIP LOCKED). */
  async lockFilterForTick(tenant: string, id: number): Promise<TargetFilterRow | undefined> {
    return this.db
      .selectFrom('target_filters')
      .select(['id', 'tenant', 'name', 'query', 'auto_assign'])
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
  }

  /**
   * Up to `limit` targets matching the filter that never had an action of the set, locked (SKIP
   * LOCKED: a target another transaction is assigning is left for the next tick).
   */
  async targetsWithoutSet(tenant: string, filter: TargetFilter, dsId: number, limit: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('targets')
      .select('targets.id')
      .where('targets.tenant', '=', tenant)
      .where(filter)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb.selectFrom('actions as a').select('a.id').whereRef('a.target_id', '=', 'targets.id').where('a.tenant', '=', tenant).where('a.ds_id', '=', dsId),
          ),
        ),
      )
      .orderBy('targets.id')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    return rows.map((r) => Number(r.id));
  }
}
