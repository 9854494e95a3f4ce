/**
 * Actions (one distribution set on its way to one target) and their status history. Several
 * areas add their queries here (the management API's `/actions` and target actions, DDI,
 * rollouts): each method is one named query or transition, and every one names the tenant, also
 * where it reaches through a target.
 */
import type { ActionStatus } from '@osprey/protocol';
import { ACTION_STATUSES } from '@osprey/protocol';
import type { Selectable } from 'kysely';
import { ACTION_FIELDS } from '../fields.js';
import type { RsqlFields } from '../rsql.js';
import type { ActionStatusesTable, ActionsTable } from '../schema.js';
import { pageOf, type Db, type Page, type PageRequest } from './common.js';
import { pageRequestOf, type ListQuery } from './list-query.js';

export type ActionRow = Selectable<ActionsTable>;
export type ActionStatusRow = Selectable<ActionStatusesTable>;
/** An action with its target's controllerId (the management API names targets by it). */
export type ActionWithTarget = Selectable<ActionsTable> & { controller_id: string };

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

export class ActionStore {
  constructor(private readonly db: Db) {}

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

  /** The action, locked until the transaction ends, so a transition decides on what it changes. */
  async lock(tenant: string, id: number): Promise<Selectable<ActionsTable> | undefined> {
    return this.db.selectFrom('actions').selectAll().where('tenant', '=', tenant).where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /** An open soft or time-forced action becomes forced; false when it was not open or already forced. */
  async force(tenant: string, id: number, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('actions')
      .set({ action_type: 'forced', updated_at: now })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .where('active', '=', true)
      .where('action_type', '<>', 'forced')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
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
    const next = await this.db
      .selectFrom('actions')
      .select('ds_id')
      .where('tenant', '=', tenant)
      .where('target_id', '=', targetId)
      .where('active', '=', true)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    await this.db
      .updateTable('targets')
      .set((eb) => ({
        assigned_ds_id: next ? eb.val(next.ds_id) : eb.ref('installed_ds_id'),
        update_status: next ? 'PENDING' : 'IN_SYNC',
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
