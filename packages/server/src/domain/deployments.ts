/**
 * Assigning a distribution set to a target and canceling it (hawkBit §3.1): the operator side of
 * an action's life, used by the seed command now and by the management API later.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { ServerError, notFound } from '../errors.js';
import { validateMaintenanceWindow, type MaintenanceWindow } from './maintenance.js';
import { parseTenantConfig } from './tenant-config.js';

export type ActionType = 'forced' | 'soft' | 'timeforced' | 'downloadonly';

export interface AssignOptions {
  type?: ActionType;
  forceTime?: Date;
  weight?: number;
  maintenanceWindow?: MaintenanceWindow;
  /** With the tenant's confirmation flow on: does this assignment need the device's consent? */
  confirmationRequired?: boolean;
}

/**
 * Create an action for (target, distribution set). An older active action of the target is
 * canceled (CANCELING, the device is asked to stop), as hawkBit does without multi-assignment.
 */
export async function assignDistributionSet(
  db: Kysely<Database>,
  tenant: string,
  targetId: number,
  dsId: number,
  options: AssignOptions = {},
  audit?: (trx: Transaction<Database>) => Promise<unknown>,
): Promise<{ actionId: number }> {
  const type = options.type ?? 'forced';
  if (type === 'timeforced' && !options.forceTime) throw new ServerError('BAD_REQUEST', 'a timeforced assignment needs forcetime');
  if (options.maintenanceWindow) {
    const problem = validateMaintenanceWindow(options.maintenanceWindow);
    if (problem) throw new ServerError('BAD_REQUEST', problem);
  }
  return db.transaction().execute(async (trx) => {
    const target = await trx
      .selectFrom('targets')
      .select(['id', 'auto_confirm'])
      .where('tenant', '=', tenant)
      .where('id', '=', targetId)
      .forUpdate()
      .executeTakeFirst();
    if (!target) throw notFound(`target ${targetId}`);
    const ds = await trx.selectFrom('distribution_sets').select('id').where('tenant', '=', tenant).where('id', '=', dsId).executeTakeFirst();
    if (!ds) throw notFound(`distribution set ${dsId}`);
    const tenantRow = await trx.selectFrom('tenants').select('config').where('id', '=', tenant).executeTakeFirstOrThrow();
    const config = parseTenantConfig(tenantRow.config);
    const needsConsent = config['user.confirmation.flow.enabled'] && (options.confirmationRequired ?? true) && !target.auto_confirm;
    const older = await trx.selectFrom('actions').select(['id', 'status']).where('target_id', '=', targetId).where('active', '=', true).execute();
    for (const action of older) {
      if (action.status === 'CANCELING') continue;
      await trx
        .updateTable('actions')
        .set({ status: 'CANCELING', updated_at: new Date() })
        .where('id', '=', action.id)
        .where('status', '=', action.status)
        .execute();
      await trx
        .insertInto('action_statuses')
        .values({
          tenant,
          action_id: action.id,
          status: 'CANCELING',
          code: null,
          messages: JSON.stringify(['Update Server: cancel obsolete action due to new update']),
        })
        .execute();
    }
    const status = needsConsent ? 'WAIT_FOR_CONFIRMATION' : 'RUNNING';
    const inserted = await trx
      .insertInto('actions')
      .values({
        tenant,
        target_id: targetId,
        ds_id: dsId,
        status,
        active: true,
        action_type: type,
        forced_time: options.forceTime ?? null,
        weight: options.weight ?? null,
        maintenance_schedule: options.maintenanceWindow?.schedule ?? null,
        maintenance_duration: options.maintenanceWindow?.duration ?? null,
        maintenance_timezone: options.maintenanceWindow?.timezone ?? null,
        last_status_code: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('action_statuses')
      .values({ tenant, action_id: inserted.id, status, code: null, messages: JSON.stringify([`Update Server: Assignment initiated (${type})`]) })
      .execute();
    await trx.updateTable('targets').set({ assigned_ds_id: dsId, update_status: 'PENDING' }).where('id', '=', targetId).execute();
    await audit?.(trx);
    return { actionId: Number(inserted.id) };
  });
}

/** Operator cancel: an active action becomes CANCELING until the device confirms (§3.1). */
export async function cancelAction(
  db: Kysely<Database>,
  tenant: string,
  actionId: number,
  audit?: (trx: Transaction<Database>) => Promise<unknown>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const action = await trx
      .selectFrom('actions')
      .select(['status', 'active'])
      .where('tenant', '=', tenant)
      .where('id', '=', actionId)
      .forUpdate()
      .executeTakeFirst();
    if (!action) throw notFound(`action ${actionId}`);
    if (!action.active) throw new ServerError('NOT_ALLOWED', `action ${actionId} is closed and cannot be canceled`);
    if (action.status === 'CANCELING') return;
    await trx
      .updateTable('actions')
      .set({ status: 'CANCELING', updated_at: new Date() })
      .where('id', '=', actionId)
      .where('status', '=', action.status)
      .execute();
    await trx
      .insertInto('action_statuses')
      .values({ tenant, action_id: actionId, status: 'CANCELING', code: null, messages: JSON.stringify(['Update Server: Operator canceled the action']) })
      .execute();
    await audit?.(trx);
  });
}

/**
 * Force-quit (hawkBit §2.2): an action stuck in CANCELING — the device never confirmed — is closed
 * as CANCELED by the operator. Only from CANCELING (else 405).
 */
export async function forceQuitAction(
  db: Kysely<Database>,
  tenant: string,
  actionId: number,
  audit?: (trx: Transaction<Database>) => Promise<unknown>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const action = await trx
      .selectFrom('actions')
      .select(['status', 'active', 'target_id'])
      .where('tenant', '=', tenant)
      .where('id', '=', actionId)
      .forUpdate()
      .executeTakeFirst();
    if (!action) throw notFound(`action ${actionId}`);
    if (!action.active || action.status !== 'CANCELING')
      throw new ServerError('NOT_ALLOWED', `action ${actionId} is ${action.status.toLowerCase()}: only a canceling action can be force-quit`);
    await trx
      .updateTable('actions')
      .set({ status: 'CANCELED', active: false, updated_at: new Date() })
      .where('id', '=', actionId)
      .where('status', '=', 'CANCELING')
      .execute();
    await trx
      .insertInto('action_statuses')
      .values({ tenant, action_id: actionId, status: 'CANCELED', code: null, messages: JSON.stringify(['Update Server: Operator force-quit the action']) })
      .execute();
    const next = await trx
      .selectFrom('actions')
      .select('ds_id')
      .where('target_id', '=', action.target_id)
      .where('active', '=', true)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const target = await trx.selectFrom('targets').select('installed_ds_id').where('id', '=', action.target_id).executeTakeFirstOrThrow();
    await trx
      .updateTable('targets')
      .set({ assigned_ds_id: next ? next.ds_id : target.installed_ds_id, update_status: next ? 'PENDING' : 'IN_SYNC' })
      .where('id', '=', action.target_id)
      .execute();
    await audit?.(trx);
  });
}

/** Turn a soft or time-forced action into a forced one (PUT …/actions/{id} {"forceType":"forced"}). */
export async function forceAction(
  db: Kysely<Database>,
  tenant: string,
  actionId: number,
  audit?: (trx: Transaction<Database>) => Promise<unknown>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const action = await trx
      .selectFrom('actions')
      .select(['active', 'action_type'])
      .where('tenant', '=', tenant)
      .where('id', '=', actionId)
      .forUpdate()
      .executeTakeFirst();
    if (!action) throw notFound(`action ${actionId}`);
    if (!action.active) throw new ServerError('NOT_ALLOWED', `action ${actionId} is closed`);
    if (action.action_type === 'forced') return;
    await trx.updateTable('actions').set({ action_type: 'forced', updated_at: new Date() }).where('id', '=', actionId).execute();
    await audit?.(trx);
  });
}
