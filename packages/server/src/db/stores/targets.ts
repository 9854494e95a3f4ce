/**
 * Targets (hawkBit's devices), as the management API reads and changes them and as the device
 * side (DDI: authentication, registration, last seen, configData, the effects of a closed action)
 * needs them. Every query names the tenant, also where the id alone would find the row: a
 * controllerId is unique only within its tenant, and an id that crossed a tenant boundary by
 * mistake then matches nothing.
 */
import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { TargetUpdateStatus } from '@osprey/protocol';
import { TARGET_FIELDS } from '../fields.js';
import type { TargetsTable } from '../schema.js';
import { pageOf, type Db, type Page } from './common.js';
import { pageRequestOf, type ListQuery } from './list-query.js';

export type TargetRow = Selectable<TargetsTable>;

/** hawkBit's auto-confirm state of a target (DDI confirmationBase `autoConfirm`). */
export interface AutoConfirm {
  initiator?: string;
  remark?: string;
  /** Epoch milliseconds. */
  activatedAt: number;
}

/** What a device's requests need of its target row. */
export interface DeviceTarget {
  id: number;
  tenant: string;
  controllerId: string;
  securityToken: string | null;
  /** hawkBit's "request attributes": the poll offers configData until the device sends them. */
  requestAttributes: boolean;
  /** The device's age recipient, if one is registered. */
  publicKey: string | null;
  autoConfirm: AutoConfirm | null;
}

/** A poll time to be written: last-seen times are collected in memory and written in slices. */
export interface LastSeen {
  tenant: string;
  id: number;
  at: Date;
  address: string | undefined;
}

const DEVICE_COLUMNS = ['t.id', 't.tenant', 't.controller_id', 't.security_token', 't.request_attributes', 't.public_key', 't.auto_confirm'] as const;

interface DeviceColumns {
  id: number | string;
  tenant: string;
  controller_id: string;
  security_token: string | null;
  request_attributes: boolean;
  public_key: string | null;
  auto_confirm: AutoConfirm | null;
}

function toDeviceTarget(row: DeviceColumns): DeviceTarget {
  return {
    id: Number(row.id),
    tenant: row.tenant,
    controllerId: row.controller_id,
    securityToken: row.security_token ?? null,
    requestAttributes: row.request_attributes,
    publicKey: row.public_key ?? null,
    autoConfirm: row.auto_confirm ?? null,
  };
}

export class TargetStore {
  constructor(private readonly db: Db) {}

  /** One page of the tenant's targets, filtered and sorted by hawkBit's target fields. */
  async page(tenant: string, query: ListQuery): Promise<Page<TargetRow>> {
    const request = pageRequestOf(query, TARGET_FIELDS);
    return pageOf(this.db.selectFrom('targets').selectAll().where('tenant', '=', tenant), request);
  }

  /**
   * How many of the tenant's targets are in each update status, and of those how many last
   * polled before `overdueBefore` or never: one pass over the tenant's rows, whatever their number.
   */
  async summary(tenant: string, overdueBefore: Date): Promise<Array<{ status: TargetUpdateStatus; total: number; overdue: number; neverPolled: number }>> {
    return this.db
      .selectFrom('targets')
      .select([
        'update_status as status',
        sql<number>`count(*)::int`.as('total'),
        sql<number>`(count(*) filter (where last_seen_at < ${overdueBefore}))::int`.as('overdue'),
        sql<number>`(count(*) filter (where last_seen_at is null))::int`.as('neverPolled'),
      ])
      .where('tenant', '=', tenant)
      .groupBy('update_status')
      .execute();
  }

  /** The controller ids of these targets of the tenant (whom to wake after a bulk assignment). */
  async controllerIdsOf(tenant: string, ids: readonly number[]): Promise<Array<{ id: number; controllerId: string }>> {
    if (ids.length === 0) return [];
    const { rows } = await sql<{ id: number; controller_id: string }>`
      select id, controller_id from targets where tenant = ${tenant} and id = any(${sql.val([...ids])}::bigint[])`.execute(this.db);
    return rows.map((r) => ({ id: Number(r.id), controllerId: r.controller_id }));
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

  // --- the device side (DDI) ---------------------------------------------------------------

  /**
   * The tenant's stored configuration and the device's target, in one query (every DDI request
   * needs both to authenticate). undefined: no such tenant; `target` null: no such device.
   */
  async deviceWithConfig(tenant: string, controllerId: string): Promise<{ config: Record<string, unknown>; target: DeviceTarget | null } | undefined> {
    const row = await this.db
      .selectFrom('tenants as tn')
      .leftJoin('targets as t', (join) => join.onRef('t.tenant', '=', 'tn.id').on('t.controller_id', '=', controllerId))
      .select(['tn.config', ...DEVICE_COLUMNS])
      .where('tn.id', '=', tenant)
      .executeTakeFirst();
    if (!row) return undefined;
    return { config: row.config, target: row.id === null ? null : toDeviceTarget(row as DeviceColumns) };
  }

  async device(tenant: string, controllerId: string): Promise<DeviceTarget | undefined> {
    const row = await this.db
      .selectFrom('targets as t')
      .select(DEVICE_COLUMNS)
      .where('t.tenant', '=', tenant)
      .where('t.controller_id', '=', controllerId)
      .executeTakeFirst();
    return row ? toDeviceTarget(row) : undefined;
  }

  /** Auto-registration (hawkBit: status REGISTERED); a no-op when the device exists, so concurrent first polls are safe. */
  async registerIfAbsent(tenant: string, controllerId: string): Promise<void> {
    await this.db
      .insertInto('targets')
      .values({
        tenant,
        controller_id: controllerId,
        name: controllerId,
        security_token: null,
        address: null,
        last_seen_at: null,
        attributes: JSON.stringify({}),
        update_status: 'REGISTERED',
        installed_ds_id: null,
        assigned_ds_id: null,
        auto_confirm: null,
        public_key: null,
        public_key_source: null,
      })
      .onConflict((oc) => oc.columns(['tenant', 'controller_id']).doNothing())
      .execute();
  }

  /** One statement for a slice of poll times (`UPDATE … FROM (VALUES …)`); the address is kept when none was seen. */
  async writeLastSeen(slice: readonly LastSeen[]): Promise<void> {
    if (slice.length === 0) return;
    const values = sql.join(slice.map((v) => sql`(${v.tenant}::text, ${v.id}::bigint, ${v.at.toISOString()}::timestamptz, ${v.address ?? null}::text)`));
    await sql`update targets set last_seen_at = v.at, address = coalesce(v.address, targets.address)
              from (values ${values}) as v(tenant, id, at, address) where targets.id = v.id and targets.tenant = v.tenant`.execute(this.db);
  }

  /** The attributes, locked until the transaction ends (read-modify-write of configData). */
  async lockAttributes(tenant: string, id: number): Promise<Record<string, string> | undefined> {
    const row = await this.db.selectFrom('targets').select('attributes').where('tenant', '=', tenant).where('id', '=', id).forUpdate().executeTakeFirst();
    return row?.attributes;
  }

  /** configData arrived: store the attributes and stop asking for them (hawkBit §1.7). */
  async replaceAttributes(tenant: string, id: number, attributes: Record<string, string>): Promise<void> {
    await this.db
      .updateTable('targets')
      .set({ attributes: JSON.stringify(attributes), request_attributes: false })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .execute();
  }

  /** The assigned and installed distribution sets; `lock` holds the row until the transaction ends. */
  async sets(tenant: string, id: number, options: { lock?: boolean } = {}): Promise<{ assigned: number | null; installed: number | null } | undefined> {
    let query = this.db.selectFrom('targets').select(['assigned_ds_id', 'installed_ds_id']).where('tenant', '=', tenant).where('id', '=', id);
    if (options.lock) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    if (!row) return undefined;
    // int8 ids: numbers here, but a driver may hand them over as strings.
    const asId = (v: number | null) => (v === null ? null : Number(v));
    return { assigned: asId(row.assigned_ds_id), installed: asId(row.installed_ds_id) };
  }

  /** An action closed as FINISHED or DOWNLOADED (§1.5 "Effects"): the installed set and the update status. */
  async recordInstalled(
    tenant: string,
    id: number,
    change: { installed: number | null; updateStatus: TargetUpdateStatus; requestAttributes: boolean },
  ): Promise<void> {
    await this.db
      .updateTable('targets')
      .set({
        installed_ds_id: change.installed,
        update_status: change.updateStatus,
        // hawkBit asks for attributes again after an installation; a download alone does not.
        request_attributes: change.requestAttributes ? true : undefined,
      })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .execute();
  }

  async setUpdateStatus(tenant: string, id: number, status: TargetUpdateStatus): Promise<void> {
    await this.db.updateTable('targets').set({ update_status: status }).where('tenant', '=', tenant).where('id', '=', id).execute();
  }

  /** The assignment reverts (a canceled action): to `assigned`, with its update status. */
  async revertAssignment(tenant: string, id: number, assigned: number | null, status: TargetUpdateStatus): Promise<void> {
    await this.db.updateTable('targets').set({ assigned_ds_id: assigned, update_status: status }).where('tenant', '=', tenant).where('id', '=', id).execute();
  }

  /** The device reported the set it runs (installedBase): assigned and installed, in sync. */
  async reportInstalledSet(tenant: string, id: number, dsId: number): Promise<void> {
    await this.db
      .updateTable('targets')
      .set({ installed_ds_id: dsId, assigned_ds_id: dsId, update_status: 'IN_SYNC' })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .execute();
  }

  async setAutoConfirm(tenant: string, id: number, value: AutoConfirm | null): Promise<void> {
    await this.db
      .updateTable('targets')
      .set({ auto_confirm: JSON.stringify(value) })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .execute();
  }

  /** Set the device's public key only if it has none: whether it was set (a key is never replaced silently). */
  async setPublicKeyOnce(tenant: string, id: number, recipient: string, source: 'device' | 'operator'): Promise<boolean> {
    const updated = await this.db
      .updateTable('targets')
      .set({ public_key: recipient, public_key_source: source })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .where('public_key', 'is', null)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }
}
