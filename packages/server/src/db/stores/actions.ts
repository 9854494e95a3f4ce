/**
 * Actions (one distribution set on its way to one target) and their status history. Several
 * areas add their queries here (the management API, DDI, rollouts): each method is one named
 * query or transition, and every one names the tenant, also where it reaches through a target.
 */
import type { Selectable } from 'kysely';
import { ACTION_FIELDS } from '../fields.js';
import type { ActionStatusesTable, ActionsTable } from '../schema.js';
import { pageOf, type Db, type Page } from './common.js';
import { pageRequestOf, type ListQuery } from './list-query.js';

export type ActionRow = Selectable<ActionsTable>;
export type ActionStatusRow = Selectable<ActionStatusesTable>;

export class ActionStore {
  constructor(private readonly db: Db) {}

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
