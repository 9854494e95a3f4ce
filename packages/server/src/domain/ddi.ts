/**
 * The device side of the server: what each DDI endpoint does to the database (hawkBit DDI API,
 * shared/reference/hawkbit-api.md §1). HTTP concerns (status codes, headers, auth) live in
 * http/ddi.ts; this module decides and records.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { P256TagRecipient, recipientFromDeviceKey, X25519Recipient, wrapHeader, type Recipient } from '@osprey/core';
import { cancelFeedbackEffect, deploymentFeedbackEffect, type ActionStatus, type DdiFeedback } from '@osprey/protocol';
import type { ArtifactsTable, Database } from '../db/schema.js';
import type { KeyService } from '../keys/keyservice.js';
import { ServerError, notFound } from '../errors.js';
import { CACHE_CHANNEL, DeviceCache, type PollState } from './device-cache.js';
import { maintenanceState } from './maintenance.js';
import { durationToSeconds, parseTenantConfig, secondsToDuration, type TenantConfig } from './tenant-config.js';

const LAST_SEEN_SLICE = 500;

/** hawkBit quotas (§1.5, §1.7). */
export const QUOTAS = { statusEntriesPerAction: 1000, messagesPerStatus: 50, attributesPerTarget: 100 } as const;

export interface TargetRow {
  id: number;
  tenant: string;
  controllerId: string;
  securityToken: string | null;
  requestAttributes: boolean;
  publicKey: string | null;
  autoConfirm: { initiator?: string; remark?: string; activatedAt: number } | null;
}

export interface ActionRow {
  id: number;
  targetId: number;
  dsId: number;
  status: ActionStatus;
  active: boolean;
  actionType: 'forced' | 'soft' | 'timeforced' | 'downloadonly';
  forcedTime: Date | null;
  weight: number | null;
  maintenance: { schedule: string; duration: string; timezone: string } | null;
}

type Db = Kysely<Database> | Transaction<Database>;

function toTarget(row: Record<string, unknown>): TargetRow {
  return {
    id: Number(row.id),
    tenant: row.tenant as string,
    controllerId: row.controller_id as string,
    securityToken: (row.security_token as string | null) ?? null,
    requestAttributes: row.request_attributes as boolean,
    publicKey: (row.public_key as string | null) ?? null,
    autoConfirm: (row.auto_confirm as TargetRow['autoConfirm']) ?? null,
  };
}

function toAction(row: Record<string, unknown>): ActionRow {
  return {
    id: Number(row.id),
    targetId: Number(row.target_id),
    dsId: Number(row.ds_id),
    status: row.status as ActionStatus,
    active: row.active as boolean,
    actionType: row.action_type as ActionRow['actionType'],
    forcedTime: row.forced_time ? new Date(row.forced_time as string) : null,
    weight: (row.weight as number | null) ?? null,
    maintenance: row.maintenance_schedule
      ? { schedule: row.maintenance_schedule as string, duration: row.maintenance_duration as string, timezone: (row.maintenance_timezone as string) ?? 'UTC' }
      : null,
  };
}

export interface DeploymentInstructions {
  download: 'forced' | 'attempt' | 'skip';
  update: 'forced' | 'attempt' | 'skip';
  maintenanceWindow?: 'available' | 'unavailable';
}

/** hawkBit §1.4: download/update from the action type, forced time and maintenance window. */
export function deploymentInstructions(action: ActionRow, now: Date): DeploymentInstructions {
  const forced = action.actionType === 'forced' || (action.actionType === 'timeforced' && action.forcedTime !== null && now >= action.forcedTime);
  const download = forced || action.actionType === 'downloadonly' ? 'forced' : 'attempt';
  let update: DeploymentInstructions['update'] = action.actionType === 'downloadonly' ? 'skip' : download;
  if (!action.maintenance) return { download, update };
  const { available } = maintenanceState(action.maintenance, now);
  if (!available) update = 'skip';
  return { download, update, maintenanceWindow: available ? 'available' : 'unavailable' };
}

/** The `?c=` cache-buster: changes when the instructions change (time-forced flips, window opens). */
export function cacheBuster(action: ActionRow, instructions: DeploymentInstructions): number {
  const digest = createHash('sha256')
    .update(`${action.id}:${instructions.download}:${instructions.update}:${instructions.maintenanceWindow ?? ''}`)
    .digest();
  return digest.readInt32BE(0);
}

const LEGACY_PART: Record<string, string> = { application: 'bApp', runtime: 'jvm' };

export class DdiService {
  private readonly lastSeen = new Map<number, { at: Date; address: string | undefined }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: KeyService,
    private readonly clock: () => Date = () => new Date(),
    /** Poll state in memory; off (always read the database) until its listener is up. */
    readonly cache: DeviceCache = new DeviceCache(0),
  ) {}

  /** Wait until every change committed so far is reflected in the cache (tests, admin tools). */
  async settle(): Promise<void> {
    await this.cache.settle(async (payload) => {
      await sql`select pg_notify(${CACHE_CHANNEL}, ${payload})`.execute(this.db);
    });
  }

  /** Parsed tenant configurations by their stored JSON: validation runs once per distinct value. */
  private readonly parsedConfigs = new Map<string, TenantConfig>();

  private parseConfig(raw: Record<string, unknown>): TenantConfig {
    const key = JSON.stringify(raw);
    let parsed = this.parsedConfigs.get(key);
    if (!parsed) {
      parsed = parseTenantConfig(raw);
      if (this.parsedConfigs.size > 1000) this.parsedConfigs.clear();
      this.parsedConfigs.set(key, parsed);
    }
    return parsed;
  }

  async tenantConfig(tenant: string): Promise<TenantConfig | undefined> {
    const row = await this.db.selectFrom('tenants').select('config').where('id', '=', tenant).executeTakeFirst();
    return row ? this.parseConfig(row.config) : undefined;
  }

  /**
   * The tenant's configuration and the target, in one query (every DDI request needs both to
   * authenticate). `config` is undefined for an unknown tenant, `target` for an unknown device.
   */
  async loadDevice(tenant: string, controllerId: string): Promise<{ config: TenantConfig | undefined; target: TargetRow | undefined }> {
    const cached = this.cache.get(tenant, controllerId);
    if (cached) return cached;
    const mark = this.cache.mark();
    const row = await this.db
      .selectFrom('tenants as tn')
      .leftJoin('targets as t', (join) => join.onRef('t.tenant', '=', 'tn.id').on('t.controller_id', '=', controllerId))
      .select(['tn.config', 't.id', 't.tenant', 't.controller_id', 't.security_token', 't.request_attributes', 't.public_key', 't.auto_confirm'])
      .where('tn.id', '=', tenant)
      .executeTakeFirst();
    if (!row) return { config: undefined, target: undefined };
    const config = this.parseConfig(row.config);
    if (row.id === null) return { config, target: undefined };
    const target = toTarget(row);
    this.cache.store(mark, tenant, { config, target });
    return { config, target };
  }

  async findTarget(tenant: string, controllerId: string): Promise<TargetRow | undefined> {
    const row = await this.db.selectFrom('targets').selectAll().where('tenant', '=', tenant).where('controller_id', '=', controllerId).executeTakeFirst();
    return row ? toTarget(row) : undefined;
  }

  /** Auto-registration (hawkBit: status REGISTERED); idempotent under concurrent first polls. */
  async registerTarget(tenant: string, controllerId: string): Promise<TargetRow> {
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
    return (await this.findTarget(tenant, controllerId))!;
  }

  /** Poll times are kept in memory and written in batches: never a database write per poll. */
  recordSeen(target: TargetRow, address: string | undefined): void {
    this.lastSeen.set(target.id, { at: this.clock(), address });
  }

  async flushLastSeen(): Promise<number> {
    if (this.lastSeen.size === 0) return 0;
    const batch = [...this.lastSeen.entries()];
    this.lastSeen.clear();
    // In slices, so polls interleave with a large flush instead of waiting behind one statement.
    for (let at = 0; at < batch.length; at += LAST_SEEN_SLICE) {
      const values = sql.join(
        batch.slice(at, at + LAST_SEEN_SLICE).map(([id, v]) => sql`(${id}::bigint, ${v.at.toISOString()}::timestamptz, ${v.address ?? null}::text)`),
      );
      await sql`update targets set last_seen_at = v.at, address = coalesce(v.address, targets.address)
                from (values ${values}) as v(id, at, address) where targets.id = v.id`.execute(this.db);
    }
    return batch.length;
  }

  private async activeActions(targetId: number): Promise<ActionRow[]> {
    const rows = await this.db
      .selectFrom('actions')
      .selectAll()
      .where('target_id', '=', targetId)
      .where('active', '=', true)
      .orderBy(sql`weight desc nulls last`)
      .orderBy('id', 'asc')
      .execute();
    return rows.map(toAction);
  }

  /** The first active action (highest weight, then oldest) and the last finished one. */
  private async pollState(tenant: string, target: TargetRow): Promise<PollState> {
    const cached = this.cache.get(tenant, target.controllerId)?.poll;
    if (cached) return cached;
    const mark = this.cache.mark();
    const { rows } = await sql<{ active: Record<string, unknown> | null; installed: number | null }>`
      select
        (select row_to_json(a) from actions a where a.target_id = ${target.id} and a.active
          order by a.weight desc nulls last, a.id asc limit 1) as active,
        (select a.id from actions a where a.target_id = ${target.id} and not a.active and a.status = 'FINISHED'
          order by a.id desc limit 1) as installed`.execute(this.db);
    const row = rows[0];
    const state: PollState = {
      active: row?.active ? toAction(row.active) : undefined,
      installed: row?.installed === null || row?.installed === undefined ? undefined : Number(row.installed),
    };
    this.cache.storePoll(mark, tenant, target.controllerId, state);
    return state;
  }

  /** Root poll: the polling interval and which links the device should follow (§1.3). */
  async poll(tenant: string, target: TargetRow, config: TenantConfig): Promise<{ sleep: string; links: Record<string, string> }> {
    const now = this.clock();
    const links: Record<string, string> = {};
    let sleepSeconds = durationToSeconds(config.pollingTime);
    const { active: action, installed } = await this.pollState(tenant, target);
    if (action) {
      if (action.status === 'CANCELING') {
        links.cancelAction = `cancelAction/${action.id}`;
      } else if (action.status === 'WAIT_FOR_CONFIRMATION') {
        links.confirmationBase = `confirmationBase/${action.id}?c=${cacheBuster(action, deploymentInstructions(action, now))}`;
      } else {
        const instructions = deploymentInstructions(action, now);
        links.deploymentBase = `deploymentBase/${action.id}?c=${cacheBuster(action, instructions)}`;
        // While waiting for a window, poll a few times before it opens (§1.3).
        if (action.maintenance && instructions.maintenanceWindow === 'unavailable') {
          const { nextStart } = maintenanceState(action.maintenance, now);
          if (nextStart) {
            const untilOpen = Math.max(1, Math.floor((nextStart.getTime() - now.getTime()) / 1000));
            sleepSeconds = Math.max(1, Math.min(sleepSeconds, Math.floor(untilOpen / config.maintenanceWindowPollCount)));
          }
        }
      }
    }
    if (installed !== undefined) links.installedBase = `installedBase/${installed}`;
    if (target.requestAttributes) links.configData = 'configData';
    return { sleep: secondsToDuration(sleepSeconds), links };
  }

  /** The action, if it belongs to this target (a foreign or unknown action is simply not found). */
  async actionOf(tenant: string, target: TargetRow, actionId: number): Promise<ActionRow> {
    if (!Number.isSafeInteger(actionId) || actionId <= 0) throw notFound(`action ${actionId}`);
    const row = await this.db
      .selectFrom('actions')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('id', '=', actionId)
      .where('target_id', '=', target.id)
      .executeTakeFirst();
    if (!row) throw notFound(`action ${actionId}`);
    return toAction(row);
  }

  private async addStatus(db: Db, tenant: string, actionId: number, status: ActionStatus, messages: string[], code: number | null = null): Promise<void> {
    await db
      .insertInto('action_statuses')
      .values({ tenant, action_id: actionId, status, messages: JSON.stringify(messages), code })
      .execute();
  }

  private async lastStatus(actionId: number): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('action_statuses')
      .select('status')
      .where('action_id', '=', actionId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.status;
  }

  /** deploymentBase (§1.4). `kind` chooses the body key: deployment or confirmation. */
  async deploymentBase(
    tenant: string,
    target: TargetRow,
    actionId: number,
    options: { actionHistory?: number; kind: 'deployment' | 'confirmation' | 'installed'; baseUrl: string },
  ): Promise<Record<string, unknown>> {
    const action = await this.actionOf(tenant, target, actionId);
    if (options.kind === 'deployment') {
      if (!action.active || action.status === 'CANCELING' || action.status === 'CANCELED' || action.status === 'WAIT_FOR_CONFIRMATION') {
        throw notFound(`deployment for action ${actionId}`);
      }
      // Repeated fetches record RETRIEVED once (§1.2).
      if ((await this.lastStatus(action.id)) !== 'RETRIEVED') {
        await this.addStatus(this.db, tenant, action.id, 'RETRIEVED', ['Update Server: Target retrieved update action and should start now the download.']);
      }
    } else if (options.kind === 'confirmation') {
      if (!action.active || action.status !== 'WAIT_FOR_CONFIRMATION') throw notFound(`confirmation for action ${actionId}`);
    } else if (action.active || action.status !== 'FINISHED') {
      throw notFound(`installed action ${actionId}`);
    }
    const now = this.clock();
    const instructions = options.kind === 'installed' ? { download: 'forced' as const, update: 'forced' as const } : deploymentInstructions(action, now);
    const chunks = await this.chunks(tenant, target, action, options.baseUrl);
    const body: Record<string, unknown> = {
      id: String(action.id),
      [options.kind === 'confirmation' ? 'confirmation' : 'deployment']: { ...instructions, chunks },
    };
    const history = options.actionHistory ?? 0;
    if (history !== 0) {
      const limit = history < 0 ? 100 : Math.min(history, 100);
      const rows = await this.db
        .selectFrom('action_statuses')
        .select(['messages', 'created_at'])
        .where('action_id', '=', action.id)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      const messages = rows.flatMap((r) => r.messages);
      if (messages.length > 0) body.actionHistory = { status: action.status, messages };
    }
    const tuf = await this.db.selectFrom('tuf_files').select('name').where('tenant', '=', tenant).where('name', '=', 'timestamp.json').executeTakeFirst();
    if (tuf)
      body.osprey = {
        tuf: {
          metadata: `${options.baseUrl}/${encodeURIComponent(tenant)}/tuf/metadata`,
          targets: `${options.baseUrl}/${encodeURIComponent(tenant)}/tuf/targets`,
        },
      };
    return body;
  }

  private async chunks(tenant: string, target: TargetRow, action: ActionRow, baseUrl: string): Promise<unknown[]> {
    const modules = await this.db
      .selectFrom('distribution_set_modules as dsm')
      .innerJoin('software_modules as sm', 'sm.id', 'dsm.module_id')
      .select(['sm.id', 'sm.type_key', 'sm.name', 'sm.version', 'sm.encrypted', 'sm.metadata'])
      .where('dsm.ds_id', '=', action.dsId)
      .where('dsm.tenant', '=', tenant)
      .orderBy('sm.id')
      .execute();
    const recipient = parseRecipient(target.publicKey);
    const out: unknown[] = [];
    for (const m of modules) {
      const artifacts = await this.db.selectFrom('artifacts').selectAll().where('module_id', '=', m.id).where('tenant', '=', tenant).orderBy('id').execute();
      const base = this.artifactsBase(baseUrl, tenant, target, Number(m.id));
      const list = [];
      const names = new Set(artifacts.map((a) => a.filename));
      for (const a of artifacts) list.push(await this.artifactJson(tenant, a, base, recipient, names));
      const chunk: Record<string, unknown> = { part: LEGACY_PART[m.type_key] ?? m.type_key, version: m.version, name: m.name, artifacts: list };
      if (m.encrypted) chunk.encrypted = true;
      const visible = m.metadata.filter((md) => md.targetVisible).map(({ key, value }) => ({ key, value }));
      if (visible.length > 0) chunk.metadata = visible;
      out.push(chunk);
    }
    return out;
  }

  /**
   * One artifact of a deployment. `siblings` are the file names in the same module: the detached
   * signature is served as `<file>.sig` unless an artifact has that very name.
   */
  private async artifactJson(
    tenant: string,
    a: Selectable<ArtifactsTable>,
    base: string,
    recipient: Recipient | undefined,
    siblings: ReadonlySet<string>,
  ): Promise<Record<string, unknown>> {
    const href = `${base}/${encodeURIComponent(a.filename)}`;
    const links: Record<string, { href: string }> = { 'download-http': { href }, 'md5sum-http': { href: `${href}.MD5SUM` } };
    // Osprey extension (additive): the signature `openssl dgst -sha256 -verify` checks.
    if (a.signature && !siblings.has(`${a.filename}.sig`)) links['signature-http'] = { href: `${href}.sig` };
    const artifact: Record<string, unknown> = {
      filename: a.filename,
      hashes: { sha1: a.sha1, md5: a.md5, sha256: a.sha256 },
      size: Number(a.size),
      _links: links,
    };
    // Osprey extension (additive; hawkBit clients ignore unknown fields): the TUF target that
    // signs this artifact and, for encrypted ones, this device's own age header.
    const osprey: Record<string, unknown> = {};
    if (a.tuf_target) osprey.tufTarget = a.tuf_target;
    if (a.escrow_header) {
      const encryption: Record<string, unknown> = { format: 'age-v1' };
      if (recipient) {
        const fileKey = await this.keys.unwrapFileKey(tenant, a.escrow_header);
        encryption.header = (await wrapHeader(fileKey, [recipient])).toString('base64');
      }
      osprey.encryption = encryption;
    }
    if (Object.keys(osprey).length > 0) artifact.osprey = osprey;
    return artifact;
  }

  private artifactsBase(baseUrl: string, tenant: string, target: TargetRow, moduleId: number): string {
    return `${baseUrl}/${encodeURIComponent(tenant)}/controller/v1/${encodeURIComponent(target.controllerId)}/softwaremodules/${moduleId}/artifacts`;
  }

  /** GET softwaremodules/{id}/artifacts: the artifacts of a module the target may download. */
  async moduleArtifacts(tenant: string, target: TargetRow, moduleId: number, baseUrl: string): Promise<unknown[]> {
    await this.moduleAccess(tenant, target, moduleId);
    const artifacts = await this.db.selectFrom('artifacts').selectAll().where('module_id', '=', moduleId).where('tenant', '=', tenant).orderBy('id').execute();
    const recipient = parseRecipient(target.publicKey);
    const base = this.artifactsBase(baseUrl, tenant, target, moduleId);
    const out = [];
    const names = new Set(artifacts.map((a) => a.filename));
    for (const a of artifacts) out.push(await this.artifactJson(tenant, a, base, recipient, names));
    return out;
  }

  /** Feedback on deploymentBase (§1.5, first column), applied in one transaction. */
  async deploymentFeedback(tenant: string, target: TargetRow, actionId: number, feedback: DdiFeedback): Promise<void> {
    await this.applyFeedback(tenant, target, actionId, feedback, 'deployment');
  }

  /** Feedback on cancelAction (§1.5, second column; the cancel handshake). */
  async cancelFeedback(tenant: string, target: TargetRow, actionId: number, feedback: DdiFeedback): Promise<void> {
    await this.applyFeedback(tenant, target, actionId, feedback, 'cancel');
  }

  private statusMessages(feedback: DdiFeedback): string[] {
    const details = feedback.status.details ?? [];
    if (details.length > QUOTAS.messagesPerStatus) {
      throw new ServerError('QUOTA_EXCEEDED', `at most ${QUOTAS.messagesPerStatus} messages per status (got ${details.length})`);
    }
    const messages = [...details];
    if (feedback.status.code !== undefined) messages.push(`Device reported status code: ${feedback.status.code}`);
    if (messages.length === 0) messages.push(`Update Server: Target reported ${feedback.status.execution}`);
    return messages;
  }

  private async applyFeedback(tenant: string, target: TargetRow, actionId: number, feedback: DdiFeedback, kind: 'deployment' | 'cancel'): Promise<void> {
    const messages = this.statusMessages(feedback);
    await this.db.transaction().execute(async (trx) => {
      // Lock the action row: concurrent feedback for one action is applied one at a time.
      const row = await trx
        .selectFrom('actions')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('id', '=', actionId)
        .where('target_id', '=', target.id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw notFound(`action ${actionId}`);
      const action = toAction(row);
      if (!action.active) throw new ServerError('ACTION_INACTIVE', `action ${actionId} is closed; feedback is no longer accepted`);
      if (kind === 'cancel' && action.status !== 'CANCELING') throw notFound(`cancellation of action ${actionId}`);
      if (kind === 'deployment' && (action.status === 'CANCELING' || action.status === 'WAIT_FOR_CONFIRMATION')) {
        throw notFound(`deployment for action ${actionId}`);
      }
      const { count } = await trx
        .selectFrom('action_statuses')
        .select(sql<number>`count(*)::int`.as('count'))
        .where('action_id', '=', actionId)
        .executeTakeFirstOrThrow();
      const effect =
        kind === 'deployment'
          ? deploymentFeedbackEffect(feedback.status.execution, feedback.status.result.finished, { downloadOnly: action.actionType === 'downloadonly' })
          : cancelFeedbackEffect(feedback.status.execution, feedback.status.result.finished);
      if (!effect.closesAction && count >= QUOTAS.statusEntriesPerAction) {
        throw new ServerError('QUOTA_EXCEEDED', `action ${actionId} already has ${count} status entries (limit ${QUOTAS.statusEntriesPerAction})`);
      }
      await this.addStatus(trx, tenant, actionId, effect.status, messages, feedback.status.code ?? null);
      let nextStatus: ActionStatus = action.status;
      let active = true;
      if (effect.closesAction) {
        nextStatus = effect.status;
        active = false;
      } else if (effect.resumesAction) {
        nextStatus = 'RUNNING';
      } else if (kind === 'deployment' && effect.status !== 'CANCELED') {
        nextStatus = effect.status;
      }
      // A transition, not a blind write: only from the state we read, so a retry changes nothing twice.
      const updated = await trx
        .updateTable('actions')
        .set({ status: nextStatus, active, last_status_code: feedback.status.code ?? row.last_status_code, updated_at: new Date() })
        .where('id', '=', actionId)
        .where('status', '=', action.status)
        .where('active', '=', true)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new ServerError('CONFLICT', `action ${actionId} changed concurrently; retry`);
      if (!active) await this.closeTarget(trx, target, action, nextStatus as ActionStatus);
    });
    this.cache.invalidateTarget(target.id); // read-your-writes here; other instances hear the trigger
  }

  /** Target effects of a closed action (§1.5 "Effects"). */
  private async closeTarget(trx: Db, target: TargetRow, action: ActionRow, status: ActionStatus): Promise<void> {
    if (status === 'FINISHED' || status === 'DOWNLOADED') {
      const installed = status === 'FINISHED' ? action.dsId : undefined;
      const current = await trx.selectFrom('targets').select(['assigned_ds_id', 'installed_ds_id']).where('id', '=', target.id).executeTakeFirstOrThrow();
      const installedDs = installed ?? (current.installed_ds_id === null ? null : Number(current.installed_ds_id));
      const assigned = current.assigned_ds_id === null ? null : Number(current.assigned_ds_id);
      await trx
        .updateTable('targets')
        .set({
          installed_ds_id: installedDs,
          update_status: status === 'DOWNLOADED' || assigned === installedDs ? 'IN_SYNC' : 'PENDING',
          request_attributes: status === 'FINISHED' ? true : undefined,
        })
        .where('id', '=', target.id)
        .execute();
    } else if (status === 'ERROR') {
      await trx.updateTable('targets').set({ update_status: 'ERROR' }).where('id', '=', target.id).execute();
    } else if (status === 'CANCELED') {
      // The assignment reverts to what is installed, or to the next active action's set.
      const next = await trx
        .selectFrom('actions')
        .select('ds_id')
        .where('target_id', '=', target.id)
        .where('active', '=', true)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      const current = await trx.selectFrom('targets').select('installed_ds_id').where('id', '=', target.id).executeTakeFirstOrThrow();
      await trx
        .updateTable('targets')
        .set({ assigned_ds_id: next ? next.ds_id : current.installed_ds_id, update_status: next ? 'PENDING' : 'IN_SYNC' })
        .where('id', '=', target.id)
        .execute();
    }
  }

  /** GET cancelAction/{id}: the stop instruction while the action is being canceled. */
  async cancelAction(tenant: string, target: TargetRow, actionId: number): Promise<{ id: string; cancelAction: { stopId: string } }> {
    const action = await this.actionOf(tenant, target, actionId);
    if (action.status !== 'CANCELING' && action.status !== 'CANCELED') throw notFound(`cancellation of action ${actionId}`);
    return { id: String(action.id), cancelAction: { stopId: String(action.id) } };
  }

  /** PUT configData (§1.7): merge, replace or remove attributes; stops the configData link. */
  async configData(tenant: string, target: TargetRow, mode: 'merge' | 'replace' | 'remove', data: Record<string, string>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('targets').select('attributes').where('id', '=', target.id).forUpdate().executeTakeFirstOrThrow();
      let attributes: Record<string, string>;
      if (mode === 'replace') attributes = { ...data };
      else if (mode === 'remove') attributes = Object.fromEntries(Object.entries(row.attributes).filter(([k]) => !(k in data)));
      else attributes = { ...row.attributes, ...data };
      if (Object.keys(attributes).length > QUOTAS.attributesPerTarget) {
        throw new ServerError('QUOTA_EXCEEDED', `a target has at most ${QUOTAS.attributesPerTarget} attributes`);
      }
      await trx
        .updateTable('targets')
        .set({ attributes: JSON.stringify(attributes), request_attributes: false })
        .where('id', '=', target.id)
        .execute();
    });
    this.cache.invalidateTarget(target.id); // read-your-writes here; other instances hear the trigger
  }

  /** PUT installedBase: the device reports a distribution set it runs ("offline assigned version"). */
  async reportInstalled(tenant: string, target: TargetRow, name: string, version: string): Promise<{ created: boolean }> {
    const ds = await this.db
      .selectFrom('distribution_sets')
      .select('id')
      .where('tenant', '=', tenant)
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
    if (!ds) throw notFound(`distribution set ${name}:${version}`);
    const result = await this.db.transaction().execute(async (trx) => {
      const t = await trx.selectFrom('targets').select('installed_ds_id').where('id', '=', target.id).forUpdate().executeTakeFirstOrThrow();
      if (t.installed_ds_id !== null && Number(t.installed_ds_id) === Number(ds.id)) return { created: false };
      const inserted = await trx
        .insertInto('actions')
        .values({
          tenant,
          target_id: target.id,
          ds_id: ds.id,
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
      await this.addStatus(trx, tenant, Number(inserted.id), 'FINISHED', ['Update Server: Target reported the installed distribution set.']);
      await trx.updateTable('targets').set({ installed_ds_id: ds.id, assigned_ds_id: ds.id, update_status: 'IN_SYNC' }).where('id', '=', target.id).execute();
      return { created: true };
    });
    this.cache.invalidateTarget(target.id);
    return result;
  }

  /** GET confirmationBase (§1.6). */
  async confirmationBase(tenant: string, target: TargetRow): Promise<Record<string, unknown>> {
    const auto = target.autoConfirm;
    const links: Record<string, string> = {};
    links[auto ? 'deactivateAutoConfirm' : 'activateAutoConfirm'] = auto ? 'confirmationBase/deactivateAutoConfirm' : 'confirmationBase/activateAutoConfirm';
    const waiting = (await this.activeActions(target.id)).find((a) => a.status === 'WAIT_FOR_CONFIRMATION');
    if (waiting) links.confirmationBase = `confirmationBase/${waiting.id}?c=${cacheBuster(waiting, deploymentInstructions(waiting, this.clock()))}`;
    return {
      autoConfirm: auto
        ? {
            active: true,
            ...(auto.initiator ? { initiator: auto.initiator } : {}),
            ...(auto.remark ? { remark: auto.remark } : {}),
            activatedAt: auto.activatedAt,
          }
        : { active: false },
      links,
    };
  }

  /** POST confirmationBase/{id}/feedback: confirmed → RUNNING; denied → stays waiting (#1667). */
  async confirmationFeedback(
    tenant: string,
    target: TargetRow,
    actionId: number,
    confirmation: 'confirmed' | 'denied',
    code: number | undefined,
    details: string[],
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('actions')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('id', '=', actionId)
        .where('target_id', '=', target.id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw notFound(`action ${actionId}`);
      const action = toAction(row);
      if (!action.active) throw new ServerError('ACTION_INACTIVE', `action ${actionId} is closed`);
      if (action.status !== 'WAIT_FOR_CONFIRMATION') throw notFound(`confirmation of action ${actionId}`);
      const messages = [...details, confirmation === 'confirmed' ? 'Update Server: Target confirmed the action.' : 'Update Server: Target denied the action.'];
      if (code !== undefined) messages.push(`Device reported status code: ${code}`);
      await this.addStatus(trx, tenant, actionId, confirmation === 'confirmed' ? 'RUNNING' : 'WAIT_FOR_CONFIRMATION', messages, code ?? null);
      if (confirmation === 'confirmed') {
        await trx
          .updateTable('actions')
          .set({ status: 'RUNNING', updated_at: new Date() })
          .where('id', '=', actionId)
          .where('status', '=', 'WAIT_FOR_CONFIRMATION')
          .execute();
      }
    });
    this.cache.invalidateTarget(target.id); // read-your-writes here; other instances hear the trigger
  }

  /** Auto-confirm on: every waiting action of the target is confirmed at once. */
  async setAutoConfirm(tenant: string, target: TargetRow, active: boolean, initiator?: string, remark?: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const value = active ? { activatedAt: this.clock().getTime(), ...(initiator ? { initiator } : {}), ...(remark ? { remark } : {}) } : null;
      await trx
        .updateTable('targets')
        .set({ auto_confirm: JSON.stringify(value) })
        .where('id', '=', target.id)
        .execute();
      if (!active) return;
      const waiting = await trx
        .selectFrom('actions')
        .select('id')
        .where('target_id', '=', target.id)
        .where('active', '=', true)
        .where('status', '=', 'WAIT_FOR_CONFIRMATION')
        .execute();
      for (const w of waiting) {
        await this.addStatus(trx, tenant, Number(w.id), 'RUNNING', [`Update Server: Assignment automatically confirmed by ${initiator ?? 'the device'}.`]);
        await trx
          .updateTable('actions')
          .set({ status: 'RUNNING', updated_at: new Date() })
          .where('id', '=', w.id)
          .where('status', '=', 'WAIT_FOR_CONFIRMATION')
          .execute();
      }
    });
    this.cache.invalidateTarget(target.id); // read-your-writes here; other instances hear the trigger
  }

  /**
   * A device registers its own public key once (when the tenant allows it); never silently
   * replaced. Accepted as an age recipient, a PEM public key or an X.509 certificate.
   */
  async registerPublicKey(tenant: string, target: TargetRow, publicKey: string, config: TenantConfig): Promise<{ created: boolean }> {
    if (!config['device.publickey.selfregister.enabled']) throw new ServerError('FORBIDDEN', 'this tenant does not let devices register their own keys');
    let recipient: string;
    try {
      recipient = recipientFromDeviceKey(publicKey);
    } catch (cause) {
      throw new ServerError('BAD_REQUEST', `publicKey: ${(cause as Error).message}`, { cause });
    }
    if (target.publicKey === recipient) return { created: false };
    if (target.publicKey) throw new ServerError('CONFLICT', 'this device already has a public key; an operator must replace it');
    const updated = await this.db
      .updateTable('targets')
      .set({ public_key: recipient, public_key_source: 'device' })
      .where('id', '=', target.id)
      .where('public_key', 'is', null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new ServerError('CONFLICT', 'this device already has a public key; an operator must replace it');
    this.cache.invalidateTarget(target.id);
    return { created: true };
  }

  /**
   * Whether the target may see this module: it must belong to an active, not canceled action of
   * the target, or to a finished one (its installed set) (§1.2). Returns the active action, if any.
   */
  async moduleAccess(tenant: string, target: TargetRow, moduleId: number): Promise<number | undefined> {
    if (!Number.isSafeInteger(moduleId) || moduleId <= 0) throw notFound(`software module ${moduleId}`);
    const allowed = await this.db
      .selectFrom('actions as a')
      .innerJoin('distribution_set_modules as dsm', 'dsm.ds_id', 'a.ds_id')
      .select(['a.id', 'a.active'])
      .where('a.tenant', '=', tenant)
      .where('a.target_id', '=', target.id)
      .where('dsm.module_id', '=', moduleId)
      .where((eb) => eb.or([eb.and([eb('a.active', '=', true), eb('a.status', 'not in', ['CANCELING', 'CANCELED'])]), eb('a.status', '=', 'FINISHED')]))
      .orderBy('a.active', 'desc')
      .orderBy('a.id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!allowed) throw notFound(`software module ${moduleId} for this target`);
    return allowed.active ? Number(allowed.id) : undefined;
  }

  async downloadableArtifact(tenant: string, target: TargetRow, moduleId: number, filename: string) {
    const actionId = await this.moduleAccess(tenant, target, moduleId);
    const artifact = await this.db
      .selectFrom('artifacts')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('module_id', '=', moduleId)
      .where('filename', '=', filename)
      .executeTakeFirst();
    if (!artifact) throw notFound(`artifact ${filename}`);
    return { artifact, actionId };
  }

  /** A full (non-range) download is recorded as an informational DOWNLOAD status (§1.8). */
  async recordDownload(tenant: string, actionId: number, uri: string): Promise<void> {
    const { count } = await this.db
      .selectFrom('action_statuses')
      .select(sql<number>`count(*)::int`.as('count'))
      .where('action_id', '=', actionId)
      .executeTakeFirstOrThrow();
    if (count >= QUOTAS.statusEntriesPerAction) return;
    await this.addStatus(this.db, tenant, actionId, 'DOWNLOAD', [`Update Server: Target downloads ${uri}`]);
  }
}

export function parseRecipient(text: string | null): Recipient | undefined {
  if (!text) return undefined;
  try {
    return text.startsWith('age1tag1') ? new P256TagRecipient(text) : new X25519Recipient(text);
  } catch {
    return undefined;
  }
}
