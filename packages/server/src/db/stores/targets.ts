/**
 * Targets (devices) as the management API reads and changes them. Every query names the tenant:
 * a controllerId is unique only within its tenant.
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import { TARGET_FIELDS } from '../fields.js';
import type { TargetsTable } from '../schema.js';
import { pageOf, type Db, type Page } from './common.js';
import { pageRequestOf, type ListQuery } from './list-query.js';

export type TargetRow = Selectable<TargetsTable>;

export class TargetStore {
  constructor(private readonly db: Db) {}

  /** One page of the tenant's targets, filtered and sorted by hawkBit's target fields. */
  async page(tenant: string, query: ListQuery): Promise<Page<TargetRow>> {
    const request = pageRequestOf(query, TARGET_FIELDS);
    return pageOf(this.db.selectFrom('targets').selectAll().where('tenant', '=', tenant), request);
  }

  async byControllerId(tenant: string, controllerId: string): Promise<TargetRow | undefined> {
    return this.db.selectFrom('targets').selectAll().where('tenant', '=', tenant).where('controller_id', '=', controllerId).executeTakeFirst();
  }

  /** The same, locking the row until the transaction ends (read-modify-write of a target). */
  async lockByControllerId(tenant: string, controllerId: string): Promise<TargetRow | undefined> {
    return this.db.selectFrom('targets').selectAll().where('tenant', '=', tenant).where('controller_id', '=', controllerId).forUpdate().executeTakeFirst();
  }

  async insert(values: Insertable<TargetsTable>): Promise<TargetRow> {
    return this.db.insertInto('targets').values(values).returningAll().executeTakeFirstOrThrow();
  }

  async update(tenant: string, id: number, change: Updateable<TargetsTable>): Promise<TargetRow> {
    return this.db.updateTable('targets').set(change).where('tenant', '=', tenant).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  }

  async delete(tenant: string, id: number): Promise<void> {
    await this.db.deleteFrom('targets').where('tenant', '=', tenant).where('id', '=', id).execute();
  }
}
