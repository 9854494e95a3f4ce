/**
 * The operator's levers on one action (hawkBit §2.2): list the tenant's actions, read one, force a
 * soft or time-forced one (PUT …/actions/{id} {"forceType":"forced"}), force-quit one stuck in
 * CANCELING (DELETE /actions/{id}?force=true). Cancel itself is the assignment side's
 * (deployments); every change here goes through Changes with its audit entry.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ActionStore, TENANT_ACTION_FIELDS, type ActionWithTarget } from '../db/stores/actions.js';
import type { Page } from '../db/stores/common.js';
import { pageRequestOf, type ListQuery } from '../db/stores/list-query.js';
import { ServerError, notFound } from '../errors.js';
import type { Actor, Changes } from './changes.js';

export class ActionService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: Changes,
  ) {}

  async page(tenant: string, query: ListQuery): Promise<Page<ActionWithTarget>> {
    const request = pageRequestOf(query, TENANT_ACTION_FIELDS);
    return new ActionStore(this.db).page(tenant, request);
  }

  async get(tenant: string, id: number): Promise<ActionWithTarget> {
    const action = await new ActionStore(this.db).find(tenant, id);
    if (!action) throw notFound(`action ${id}`);
    return action;
  }

  /**
   * Close an action whose device never confirmed the cancel: CANCELING → CANCELED, and the target
   * falls back to its next open action or its installed set. Only from CANCELING (else 405): an
   * action the device may still be installing is canceled, not force-quit.
   */
  async forceQuit(who: Actor, id: number): Promise<void> {
    await this.changes.apply(who, async (trx, now) => {
      const actions = new ActionStore(trx);
      const action = await actions.lock(who.tenant, id);
      if (!action) throw notFound(`action ${id}`);
      if (!action.active || action.status !== 'CANCELING') {
        throw new ServerError('NOT_ALLOWED', `action ${id} is ${action.status.toLowerCase()}: only a canceling action can be force-quit`);
      }
      await actions.close(who.tenant, id, 'CANCELING', 'CANCELED', now);
      await actions.addStatus(who.tenant, id, 'CANCELED', ['Update Server: Operator force-quit the action'], now);
      await actions.settleTarget(who.tenant, action.target_id);
      return {
        result: undefined,
        audit: { action: 'action.forcequit', subject: { type: 'action', id: String(id) }, before: { status: action.status }, after: { status: 'CANCELED' } },
      };
    });
  }

  /**
   * A soft or time-forced action of this target becomes forced. The action must be the target's:
   * another target's action (or another tenant's) is a 404 like a missing one. Already forced:
   * nothing changes and nothing is audited.
   */
  async force(who: Actor, controllerId: string, id: number): Promise<ActionWithTarget> {
    const reads = new ActionStore(this.db);
    const found = await reads.find(who.tenant, id);
    if (!found || found.controller_id !== controllerId) {
      throw notFound((await reads.hasTarget(who.tenant, controllerId)) ? `action ${id}` : `target ${controllerId}`);
    }
    await this.changes.apply(who, async (trx, now) => {
      const actions = new ActionStore(trx);
      const action = await actions.lock(who.tenant, id);
      if (!action) throw notFound(`action ${id}`);
      if (!action.active) throw new ServerError('NOT_ALLOWED', `action ${id} is closed`);
      if (!(await actions.force(who.tenant, id, now))) return { result: undefined, audit: [] };
      return {
        result: undefined,
        audit: {
          action: 'action.force',
          subject: { type: 'action', id: String(id) },
          before: { forceType: action.action_type },
          after: { forceType: 'forced' },
        },
      };
    });
    return this.get(who.tenant, id);
  }
}
