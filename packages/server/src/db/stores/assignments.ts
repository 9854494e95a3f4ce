/**
 * What an assignment reads and writes besides its actions: that the set exists in the tenant, the
 * target it is for (locked while it changes), and the target's side of it — the assigned set and
 * the update status PENDING (hawkBit §3.1). Every statement carries the tenant.
 */
import { sql, type Selectable } from 'kysely';
import type { TargetUpdateStatus } from '@osprey/protocol';
import type { TargetsTable } from '../schema.js';
import type { Db } from './common.js';

const ids = (values: readonly number[]) => sql`${sql.val([...values])}::bigint[]`;

export class AssignmentStore {
  constructor(private readonly db: Db) {}

  /** The set is the tenant's: another tenant's id answers exactly as a missing one. */
  async distributionSetExists(tenant: string, id: number): Promise<boolean> {
    return (await this.db.selectFrom('distribution_sets').select('id').where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  /** The target, locked until the transaction ends: its assignments change one at a time. */
  async lockTarget(tenant: string, id: number): Promise<Pick<Selectable<TargetsTable>, 'id' | 'auto_confirm' | 'installed_ds_id'> | undefined> {
    return this.db
      .selectFrom('targets')
      .select(['id', 'auto_confirm', 'installed_ds_id'])
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
  }

  /** The target's assigned set and update status (PENDING while an action is open, IN_SYNC once none is). */
  async pointTargetAt(tenant: string, targetId: number, dsId: number | null, status: TargetUpdateStatus): Promise<void> {
    await this.db.updateTable('targets').set({ assigned_ds_id: dsId, update_status: status }).where('tenant', '=', tenant).where('id', '=', targetId).execute();
  }

  /** These targets are assigned `dsId`, PENDING. */
  async pointTargetsAt(tenant: string, targetIds: readonly number[], dsId: number): Promise<void> {
    if (targetIds.length === 0) return;
    await sql`update targets set assigned_ds_id = ${dsId}, update_status = 'PENDING'
              where tenant = ${tenant} and id = any(${ids(targetIds)})`.execute(this.db);
  }

  /** The targets of these actions are assigned each its action's set, PENDING. */
  async pointTargetsAtActions(tenant: string, actionIds: readonly number[]): Promise<void> {
    if (actionIds.length === 0) return;
    await sql`update targets set assigned_ds_id = a.ds_id, update_status = 'PENDING'
              from actions a where a.tenant = ${tenant} and a.id = any(${ids(actionIds)}) and targets.tenant = ${tenant} and targets.id = a.target_id`.execute(
      this.db,
    );
  }
}
