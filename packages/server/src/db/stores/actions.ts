/**
 * Actions (one distribution set for one target) and their status rows (hawkBit's action history).
 * Every query carries the tenant, also where the id alone would find the row, and every join on
 * tenant data carries it too.
 *
 * The device-side methods (DDI) come first: an action as a device sees it, the poll state, the
 * feedback transition `UPDATE … WHERE status = $from AND active`, status rows, and which modules
 * a device may download.
 */
import { sql } from 'kysely';
import type { ActionStatus, ActionType } from '@osprey/protocol';
import type { Db } from './common.js';

/** An action as the device side needs it. */
export interface DeviceAction {
  id: number;
  targetId: number;
  dsId: number;
  status: ActionStatus;
  active: boolean;
  actionType: ActionType;
  forcedTime: Date | null;
  weight: number | null;
  maintenance: { schedule: string; duration: string; timezone: string } | null;
  lastStatusCode: number | null;
}

/** A device's poll state: its first active action (highest weight, then oldest) and its last finished one. */
export interface PollState {
  active: DeviceAction | undefined;
  installed: number | undefined;
}

interface ActionColumns {
  id: number | string;
  target_id: number | string;
  ds_id: number | string;
  status: ActionStatus;
  active: boolean;
  action_type: ActionType;
  forced_time: Date | string | null;
  weight: number | null;
  maintenance_schedule: string | null;
  maintenance_duration: string | null;
  maintenance_timezone: string | null;
  last_status_code: number | null;
}

const ACTION_COLUMNS = [
  'id',
  'target_id',
  'ds_id',
  'status',
  'active',
  'action_type',
  'forced_time',
  'weight',
  'maintenance_schedule',
  'maintenance_duration',
  'maintenance_timezone',
  'last_status_code',
] as const;

function toDeviceAction(row: ActionColumns): DeviceAction {
  return {
    id: Number(row.id),
    targetId: Number(row.target_id),
    dsId: Number(row.ds_id),
    status: row.status,
    active: row.active,
    actionType: row.action_type,
    forcedTime: row.forced_time ? new Date(row.forced_time) : null,
    weight: row.weight ?? null,
    maintenance: row.maintenance_schedule
      ? { schedule: row.maintenance_schedule, duration: row.maintenance_duration ?? '', timezone: row.maintenance_timezone ?? 'UTC' }
      : null,
    lastStatusCode: row.last_status_code ?? null,
  };
}

/** What a feedback transition writes. */
export interface ActionChange {
  status: ActionStatus;
  active: boolean;
  lastStatusCode: number | null;
  at: Date;
}

export class ActionStore {
  constructor(private readonly db: Db) {}

  /** The action, if it belongs to this target; `lock` holds the row until the transaction ends (feedback is applied one at a time). */
  async ofTarget(tenant: string, targetId: number, actionId: number, options: { lock?: boolean } = {}): Promise<DeviceAction | undefined> {
    let query = this.db.selectFrom('actions').select(ACTION_COLUMNS).where('tenant', '=', tenant).where('id', '=', actionId).where('target_id', '=', targetId);
    if (options.lock) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row ? toDeviceAction(row) : undefined;
  }

  /** The poll state in one round trip (both lookups use the index on (target_id, active)). */
  async pollState(tenant: string, targetId: number): Promise<PollState> {
    const { rows } = await sql<{ active: ActionColumns | null; installed: number | string | null }>`
      select
        (select row_to_json(a) from (
          select ${sql.join(ACTION_COLUMNS.map((c) => sql.ref(c)))} from actions
          where tenant = ${tenant} and target_id = ${targetId} and active
          order by weight desc nulls last, id asc limit 1) a) as active,
        (select id from actions where tenant = ${tenant} and target_id = ${targetId} and not active and status = 'FINISHED'
          order by id desc limit 1) as installed`.execute(this.db);
    const row = rows[0];
    return {
      active: row?.active ? toDeviceAction(row.active) : undefined,
      installed: row?.installed === null || row?.installed === undefined ? undefined : Number(row.installed),
    };
  }

  /** The target's active actions waiting for the device's consent, oldest first. */
  async waitingForConfirmation(tenant: string, targetId: number): Promise<DeviceAction[]> {
    const rows = await this.db
      .selectFrom('actions')
      .select(ACTION_COLUMNS)
      .where('tenant', '=', tenant)
      .where('target_id', '=', targetId)
      .where('active', '=', true)
      .where('status', '=', 'WAIT_FOR_CONFIRMATION')
      .orderBy(sql`weight desc nulls last`)
      .orderBy('id', 'asc')
      .execute();
    return rows.map(toDeviceAction);
  }

  /** The set of the target's newest active action, if any (where a canceled assignment reverts to). */
  async newestActiveSet(tenant: string, targetId: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('actions')
      .select('ds_id')
      .where('tenant', '=', tenant)
      .where('target_id', '=', targetId)
      .where('active', '=', true)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? Number(row.ds_id) : undefined;
  }

  /**
   * A transition, not a blind write: applied only if the action is still active and in `from`, so
   * a retried or concurrent report changes nothing twice. Whether it applied.
   */
  async transition(tenant: string, id: number, from: ActionStatus, to: ActionChange): Promise<boolean> {
    const updated = await this.db
      .updateTable('actions')
      .set({ status: to.status, active: to.active, last_status_code: to.lastStatusCode, updated_at: to.at })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .where('status', '=', from)
      .where('active', '=', true)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  /** A finished action for a set the device reports it runs (installedBase), with no history of its own yet. */
  async insertReportedInstalled(tenant: string, targetId: number, dsId: number): Promise<number> {
    const row = await this.db
      .insertInto('actions')
      .values({
        tenant,
        target_id: targetId,
        ds_id: dsId,
        status: 'FINISHED',
        active: false,
        action_type: 'forced',
        forced_time: null,
        weight: null,
        maintenance_schedule: null,
        maintenance_duration: null,
        maintenance_timezone: null,
        last_status_code: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  // --- status rows -------------------------------------------------------------------------

  async addStatus(tenant: string, actionId: number, status: ActionStatus, messages: readonly string[], code: number | null = null): Promise<void> {
    await this.db
      .insertInto('action_statuses')
      .values({ tenant, action_id: actionId, status, messages: JSON.stringify(messages), code })
      .execute();
  }

  async lastStatus(tenant: string, actionId: number): Promise<ActionStatus | undefined> {
    const row = await this.db
      .selectFrom('action_statuses')
      .select('status')
      .where('tenant', '=', tenant)
      .where('action_id', '=', actionId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.status;
  }

  async statusCount(tenant: string, actionId: number): Promise<number> {
    const { count } = await this.db
      .selectFrom('action_statuses')
      .select(sql<number>`count(*)::int`.as('count'))
      .where('tenant', '=', tenant)
      .where('action_id', '=', actionId)
      .executeTakeFirstOrThrow();
    return count;
  }

  /** The messages of the newest `limit` status rows, newest first (DDI `actionHistory`). */
  async recentMessages(tenant: string, actionId: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('action_statuses')
      .select('messages')
      .where('tenant', '=', tenant)
      .where('action_id', '=', actionId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.flatMap((r) => r.messages);
  }

  // --- what a device may download ----------------------------------------------------------

  /**
   * The target's action through which it may see this module: an active, not canceled one, or a
   * finished one (its installed set) (§1.2); active first. The set-module join carries the tenant,
   * so an action naming another tenant's set grants nothing.
   */
  async grantingModule(tenant: string, targetId: number, moduleId: number): Promise<{ actionId: number; active: boolean } | undefined> {
    const row = await this.db
      .selectFrom('actions as a')
      .innerJoin('distribution_set_modules as dsm', (join) => join.onRef('dsm.ds_id', '=', 'a.ds_id').onRef('dsm.tenant', '=', 'a.tenant'))
      .innerJoin('software_modules as sm', (join) => join.onRef('sm.id', '=', 'dsm.module_id').onRef('sm.tenant', '=', 'dsm.tenant'))
      .select(['a.id', 'a.active'])
      .where('a.tenant', '=', tenant)
      .where('a.target_id', '=', targetId)
      .where('dsm.module_id', '=', moduleId)
      .where((eb) => eb.or([eb.and([eb('a.active', '=', true), eb('a.status', 'not in', ['CANCELING', 'CANCELED'])]), eb('a.status', '=', 'FINISHED')]))
      .orderBy('a.active', 'desc')
      .orderBy('a.id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? { actionId: Number(row.id), active: row.active } : undefined;
  }
}
