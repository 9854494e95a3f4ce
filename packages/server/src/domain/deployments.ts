/**
 * Assigning a distribution set to a target, and the operator's levers on one action (hawkBit
 * §3.1, §2.2): cancel, force-quit, force. The `…In` functions work inside the caller's
 * transaction with the caller's `now` — inside `Changes.apply(actor, (trx, now) => …)` that is
 * the injected clock, never the wall clock — and say what they changed, so the caller returns the
 * audit entry of the same transaction. Every id is resolved inside the tenant.
 */
import type { Kysely, Transaction } from 'kysely';
import type { ActionStatus } from '@osprey/protocol';
import type { Database } from '../db/schema.js';
import { ActionStore } from '../db/stores/actions.js';
import { AssignmentStore } from '../db/stores/assignments.js';
import { TenantStore } from '../db/stores/tenants.js';
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

type Trx = Transaction<Database>;
/** The audit step of the pre-Changes callers: runs last in the change's transaction. */
type AuditStep = (trx: Trx) => Promise<unknown>;

/** Bad options are refused before anything is read or locked. */
export function checkOptions(options: AssignOptions): void {
  if ((options.type ?? 'forced') === 'timeforced' && !options.forceTime) throw new ServerError('BAD_REQUEST', 'a timeforced assignment needs forcetime');
  if (options.maintenanceWindow) {
    const problem = validateMaintenanceWindow(options.maintenanceWindow);
    if (problem) throw new ServerError('BAD_REQUEST', problem);
  }
}

/**
 * Create an action for (target, distribution set). The target's older open actions are canceled
 * (CANCELING: the device is asked to stop), as hawkBit does without multi-assignment.
 */
export async function assignIn(trx: Trx, tenant: string, targetId: number, dsId: number, options: AssignOptions, now: Date): Promise<{ actionId: number }> {
  checkOptions(options);
  const assignments = new AssignmentStore(trx);
  const actions = new ActionStore(trx);
  const target = await assignments.lockTarget(tenant, targetId);
  if (!target) throw notFound(`target ${targetId}`);
  if (!(await assignments.distributionSetExists(tenant, dsId))) throw notFound(`distribution set ${dsId}`);
  const config = parseTenantConfig(await new TenantStore(trx).config(tenant));
  const needsConsent = config['user.confirmation.flow.enabled'] && (options.confirmationRequired ?? true) && !target.auto_confirm;
  for (const older of await actions.activeOfTarget(tenant, targetId)) {
    if (older.status === 'CANCELING') continue;
    await actions.cancel(tenant, Number(older.id), older.status, now);
    await actions.addStatus(tenant, Number(older.id), 'CANCELING', ['Update Server: cancel obsolete action due to new update'], now);
  }
  const type = options.type ?? 'forced';
  const status = needsConsent ? 'WAIT_FOR_CONFIRMATION' : 'RUNNING';
  const actionId = await actions.insert({
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
    created_at: now,
    updated_at: now,
  });
  await actions.addStatus(tenant, actionId, status, [`Update Server: Assignment initiated (${type})`], now);
  await assignments.pointTargetAt(tenant, targetId, dsId, 'PENDING');
  return { actionId };
}

/**
 * Operator cancel (§3.1): an active action becomes CANCELING until the device confirms. Returns
 * the status it had, or null when it was canceling already (nothing changed).
 */
export async function cancelIn(trx: Trx, tenant: string, actionId: number, now: Date): Promise<{ before: ActionStatus } | null> {
  const actions = new ActionStore(trx);
  const action = await actions.lock(tenant, actionId);
  if (!action) throw notFound(`action ${actionId}`);
  if (!action.active) throw new ServerError('NOT_ALLOWED', `action ${actionId} is closed and cannot be canceled`);
  if (action.status === 'CANCELING') return null;
  await actions.cancel(tenant, actionId, action.status, now);
  await actions.addStatus(tenant, actionId, 'CANCELING', ['Update Server: Operator canceled the action'], now);
  return { before: action.status };
}

/**
 * Force-quit (hawkBit §2.2): an action stuck in CANCELING — the device never confirmed — is closed
 * as CANCELED by the operator. Only from CANCELING (else 405). The target then points at its
 * newest open action's set, or back at what it has installed.
 */
export async function forceQuitIn(trx: Trx, tenant: string, actionId: number, now: Date): Promise<void> {
  const actions = new ActionStore(trx);
  const action = await actions.lock(tenant, actionId);
  if (!action) throw notFound(`action ${actionId}`);
  if (!action.active || action.status !== 'CANCELING')
    throw new ServerError('NOT_ALLOWED', `action ${actionId} is ${action.status.toLowerCase()}: only a canceling action can be force-quit`);
  await actions.forceQuit(tenant, actionId, now);
  await actions.addStatus(tenant, actionId, 'CANCELED', ['Update Server: Operator force-quit the action'], now);
  const targetId = Number(action.target_id);
  const next = await actions.newestActiveSetOf(tenant, targetId);
  const assignments = new AssignmentStore(trx);
  const target = await assignments.lockTarget(tenant, targetId);
  if (!target) throw notFound(`target ${targetId}`);
  await assignments.pointTargetAt(tenant, targetId, next ?? target.installed_ds_id, next !== undefined ? 'PENDING' : 'IN_SYNC');
}

/** Turn a soft or time-forced action into a forced one. False when it was forced already (nothing changed). */
export async function forceIn(trx: Trx, tenant: string, actionId: number, now: Date): Promise<boolean> {
  const actions = new ActionStore(trx);
  const action = await actions.lock(tenant, actionId);
  if (!action) throw notFound(`action ${actionId}`);
  if (!action.active) throw new ServerError('NOT_ALLOWED', `action ${actionId} is closed`);
  if (action.action_type === 'forced') return false;
  return actions.force(tenant, actionId, now);
}

// --- the entry points of callers not yet on Changes ------------------------------------------
// Each opens its transaction, runs the `…In` function and then the caller's audit step. Their
// `clock` is the caller's: the services pass their injected one; only a caller without any
// (the seed command) gets the wall clock.

const wallClock = () => new Date();

export async function assignDistributionSet(
  db: Kysely<Database>,
  tenant: string,
  targetId: number,
  dsId: number,
  options: AssignOptions = {},
  audit?: AuditStep,
  clock: () => Date = wallClock,
): Promise<{ actionId: number }> {
  checkOptions(options);
  return db.transaction().execute(async (trx) => {
    const result = await assignIn(trx, tenant, targetId, dsId, options, clock());
    await audit?.(trx);
    return result;
  });
}

export async function cancelAction(db: Kysely<Database>, tenant: string, actionId: number, audit?: AuditStep, clock: () => Date = wallClock): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if ((await cancelIn(trx, tenant, actionId, clock())) !== null) await audit?.(trx);
  });
}

export async function forceQuitAction(db: Kysely<Database>, tenant: string, actionId: number, audit?: AuditStep, clock: () => Date = wallClock): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await forceQuitIn(trx, tenant, actionId, clock());
    await audit?.(trx);
  });
}

export async function forceAction(db: Kysely<Database>, tenant: string, actionId: number, audit?: AuditStep, clock: () => Date = wallClock): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (await forceIn(trx, tenant, actionId, clock())) await audit?.(trx);
  });
}
