/**
 * Targets as the operator manages them (hawkBit management API `/rest/v1/targets`,
 * shared/reference/hawkbit-api.md §2.2): create, read, change, delete, their actions and action
 * history, the sets assigned and installed, and a device's age header for an offline bundle.
 * Every change goes through Changes.apply, so it commits with its audit entry or not at all;
 * every id is resolved within the caller's tenant (another tenant's target is "not found").
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { recipientFromDeviceKey, wrapHeader } from '@osprey/core';
import { TARGET_UPDATE_STATUSES, type TargetUpdateStatus } from '@osprey/protocol';
import type { Database } from '../db/schema.js';
import { conflictOnDuplicate, type Page } from '../db/stores/common.js';
import { ActionStore, type ActionRow, type ActionStatusRow } from '../db/stores/actions.js';
import { DistributionSetStore, type DistributionSetRow } from '../db/stores/distribution-sets.js';
import type { ListQuery } from '../db/stores/list-query.js';
import { SoftwareModuleStore, type SoftwareModuleRow } from '../db/stores/software-modules.js';
import { TargetStore, type TargetRow } from '../db/stores/targets.js';
import { TenantStore } from '../db/stores/tenants.js';
import type { KeyService } from '../keys/keyservice.js';
import { ServerError, notFound } from '../errors.js';
import type { Actor, Changes } from './changes.js';
import { parseRecipient } from './ddi.js';
import { cancelIn } from './deployments.js';
import { durationToSeconds, parseTenantConfig } from './tenant-config.js';

export interface NewTarget {
  controllerId: string;
  name?: string | undefined;
  description?: string | undefined;
  address?: string | undefined;
  securityToken?: string | undefined;
  requestAttributes?: boolean | undefined;
  publicKey?: string | undefined;
}

export type TargetChange = Omit<NewTarget, 'controllerId'>;

/** A set with its modules, as the management API shows one. */
export interface SetWithModules {
  set: DistributionSetRow;
  modules: SoftwareModuleRow[];
}

/** hawkBit generates 32 alphanumeric characters when no token is given. */
function newSecurityToken(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(32);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/** An operator-given device key as the age recipient stored for it, or a 400 saying what is wrong. */
function deviceKey(text: string | undefined): string | null {
  if (!text) return null;
  try {
    return recipientFromDeviceKey(text);
  } catch (cause) {
    throw new ServerError('BAD_REQUEST', `publicKey: ${(cause as Error).message}`, { cause });
  }
}

/** The fleet at a glance (the console's dashboard): counts only, never rows. */
export interface TargetSummary {
  total: number;
  byUpdateStatus: Record<TargetUpdateStatus, number>;
  /** Polled once, but not within the polling time plus the overdue time (hawkBit's "overdue"). */
  overdue: number;
  /** Registered but never polled: not overdue, since it never started polling. */
  neverPolled: number;
  pollingTime: string;
  pollingOverdueTime: string;
  /** A device whose last poll is before this is overdue (epoch ms). */
  overdueBefore: number;
}

export class TargetService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: Changes,
    private readonly keys: KeyService,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async summary(tenant: string): Promise<TargetSummary> {
    const config = parseTenantConfig(await new TenantStore(this.db).config(tenant));
    const graceMs = (durationToSeconds(config.pollingTime) + durationToSeconds(config.pollingOverdueTime)) * 1000;
    const overdueBefore = new Date(this.clock().getTime() - graceMs);
    const rows = await new TargetStore(this.db).summary(tenant, overdueBefore);
    const byUpdateStatus = Object.fromEntries(TARGET_UPDATE_STATUSES.map((s) => [s, 0])) as Record<TargetUpdateStatus, number>;
    let total = 0;
    let overdue = 0;
    let neverPolled = 0;
    for (const row of rows) {
      byUpdateStatus[row.status] = row.total;
      total += row.total;
      overdue += row.overdue;
      neverPolled += row.neverPolled;
    }
    return {
      total,
      byUpdateStatus,
      overdue,
      neverPolled,
      pollingTime: config.pollingTime,
      pollingOverdueTime: config.pollingOverdueTime,
      overdueBefore: overdueBefore.getTime(),
    };
  }

  async page(tenant: string, query: ListQuery): Promise<Page<TargetRow>> {
    return new TargetStore(this.db).page(tenant, query);
  }

  async get(tenant: string, controllerId: string): Promise<TargetRow> {
    const row = await new TargetStore(this.db).byControllerId(tenant, controllerId);
    if (!row) throw notFound(`target ${controllerId}`);
    return row;
  }

  async create(who: Actor, inputs: NewTarget[]): Promise<TargetRow[]> {
    if (inputs.length === 0) throw new ServerError('BAD_REQUEST', 'give at least one target');
    const ids = new Set(inputs.map((t) => t.controllerId));
    if (ids.size !== inputs.length) throw new ServerError('BAD_REQUEST', 'the same controllerId appears twice in the request');
    const keys = inputs.map((t) => deviceKey(t.publicKey));
    return conflictOnDuplicate(
      () =>
        this.changes.apply(who, async (trx) => {
          const targets = new TargetStore(trx);
          const rows: TargetRow[] = [];
          for (const [i, t] of inputs.entries()) {
            rows.push(
              await targets.insert({
                tenant: who.tenant,
                controller_id: t.controllerId,
                name: t.name ?? t.controllerId,
                description: t.description ?? null,
                created_by: who.actor,
                security_token: t.securityToken ?? newSecurityToken(),
                address: t.address ?? null,
                last_seen_at: null,
                attributes: JSON.stringify({}),
                request_attributes: t.requestAttributes ?? true,
                update_status: 'UNKNOWN',
                installed_ds_id: null,
                assigned_ds_id: null,
                auto_confirm: null,
                public_key: keys[i]!,
                public_key_source: t.publicKey ? 'operator' : null,
              }),
            );
          }
          return {
            result: rows,
            audit: rows.map((row) => ({
              action: 'target.create',
              subject: { type: 'target', id: row.controller_id },
              before: null,
              after: { name: row.name, publicKey: row.public_key },
            })),
          };
        }),
      'a target with one of these controllerIds already exists',
    );
  }

  async update(who: Actor, controllerId: string, change: TargetChange): Promise<TargetRow> {
    return this.changes.apply(who, async (trx, now) => {
      const targets = new TargetStore(trx);
      const before = await targets.lockByControllerId(who.tenant, controllerId);
      if (!before) throw notFound(`target ${controllerId}`);
      const publicKey = change.publicKey === undefined ? undefined : deviceKey(change.publicKey);
      const row = await targets.update(who.tenant, before.id, {
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.description !== undefined ? { description: change.description } : {}),
        ...(change.address !== undefined ? { address: change.address } : {}),
        ...(change.securityToken !== undefined ? { security_token: change.securityToken } : {}),
        ...(change.requestAttributes !== undefined ? { request_attributes: change.requestAttributes } : {}),
        ...(publicKey !== undefined ? { public_key: publicKey, public_key_source: 'operator' } : {}),
        last_modified_at: now,
      });
      return {
        result: row,
        audit: {
          action: 'target.update',
          subject: { type: 'target', id: controllerId },
          // The token itself never enters the log: only that it changed.
          before: { name: before.name, address: before.address, publicKey: before.public_key, tokenChanged: false },
          after: { name: row.name, address: row.address, publicKey: row.public_key, tokenChanged: change.securityToken !== undefined },
        },
      };
    });
  }

  /** hawkBit deletes a target with its actions and their history. */
  async delete(who: Actor, controllerId: string): Promise<void> {
    await this.changes.apply(who, async (trx) => {
      const targets = new TargetStore(trx);
      const target = await targets.lockByControllerId(who.tenant, controllerId);
      if (!target) throw notFound(`target ${controllerId}`);
      await new ActionStore(trx).deleteOfTarget(who.tenant, target.id);
      await targets.delete(who.tenant, target.id);
      return {
        result: undefined,
        audit: { action: 'target.delete', subject: { type: 'target', id: controllerId }, before: { name: target.name }, after: null },
      };
    });
  }

  /** The set assigned to (or installed on) the target with its modules; null when there is none. */
  async setOf(tenant: string, controllerId: string, which: 'assigned' | 'installed'): Promise<SetWithModules | null> {
    const target = await this.get(tenant, controllerId);
    const dsId = which === 'assigned' ? target.assigned_ds_id : target.installed_ds_id;
    if (dsId === null) return null;
    const sets = new DistributionSetStore(this.db);
    const set = await sets.byId(tenant, Number(dsId));
    if (!set) throw notFound(`distribution set ${dsId}`);
    return { set, modules: await sets.modulesOf(tenant, Number(set.id)) };
  }

  /**
   * This target's age header for the encrypted artifact signed as `tufTarget`, for an offline
   * bundle (`osprey bundle create --server … --controller-id …`): the file key unwrapped with the
   * tenant's escrow key and wrapped to the target's registered public key, as a deployment does.
   */
  async ageHeader(tenant: string, controllerId: string, tufTarget: string): Promise<Buffer> {
    const target = await this.get(tenant, controllerId);
    const recipient = parseRecipient(target.public_key);
    if (!recipient) throw new ServerError('TARGET_KEY_MISSING', `target ${controllerId} has no registered public key: register the device's key first`);
    const artifact = await new SoftwareModuleStore(this.db).escrowHeaderOf(tenant, tufTarget);
    if (!artifact) throw notFound(`TUF target ${tufTarget}`);
    if (!artifact.escrow_header) throw new ServerError('BAD_REQUEST', `${tufTarget} is not encrypted: its bundle needs no header`);
    const fileKey = await this.keys.unwrapFileKey(tenant, artifact.escrow_header);
    try {
      return await wrapHeader(fileKey, [recipient]);
    } finally {
      fileKey.fill(0);
    }
  }

  // --- the target's actions ------------------------------------------------------------------

  async actions(tenant: string, controllerId: string, query: ListQuery): Promise<Page<ActionRow>> {
    const target = await this.get(tenant, controllerId);
    return new ActionStore(this.db).pageOfTarget(tenant, target.id, query);
  }

  /** An action of this target; an action of another target (or tenant) is "not found". */
  async action(tenant: string, controllerId: string, actionId: number): Promise<ActionRow> {
    const target = await this.get(tenant, controllerId);
    const action = await new ActionStore(this.db).ofTarget(tenant, target.id, actionId);
    if (!action) throw notFound(`action ${actionId}`);
    return action;
  }

  async actionStatuses(tenant: string, controllerId: string, actionId: number, query: Pick<ListQuery, 'offset' | 'limit'>): Promise<Page<ActionStatusRow>> {
    const action = await this.action(tenant, controllerId, actionId);
    return new ActionStore(this.db).statusPage(tenant, action.id, query);
  }

  /** DELETE …/actions/{id}: the operator cancels (the action becomes CANCELING until the device confirms, §3.1). */
  async cancelAction(who: Actor, controllerId: string, actionId: number): Promise<void> {
    const action = await this.action(who.tenant, controllerId, actionId);
    await this.cancel(who, action.id);
  }

  /** Cancel an action of the tenant by id (the `/actions/{id}` routes resolve it first). */
  async cancel(who: Actor, actionId: number): Promise<void> {
    await this.changes.apply(who, async (trx, now) => {
      const canceled = await cancelIn(trx, who.tenant, actionId, now);
      if (canceled !== null) {
        // The device hears of the cancel at once (MQTT) and stops; resolved in the tenant, under the lock cancelIn took.
        const action = await new ActionStore(trx).find(who.tenant, actionId);
        if (action) this.changes.wake(trx, [{ tenant: who.tenant, controllerId: action.controller_id, reason: 'cancel', actionId }]);
      }
      return {
        result: undefined,
        // Already canceling: nothing changed, nothing to record.
        audit:
          canceled === null ? [] : { action: 'action.cancel', subject: { type: 'action', id: String(actionId) }, before: null, after: { status: 'CANCELING' } },
      };
    });
  }
}
