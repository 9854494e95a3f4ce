/**
 * The operator side of the repository and the fleet: targets, software modules with artifacts,
 * distribution sets and assignments (hawkBit management API, shared/reference/hawkbit-api.md §2).
 * Every change runs in one transaction together with its audit entry, so a change is either
 * complete and audited, or absent.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { recipientFromDeviceKey, wrapHeader } from '@osprey/core';
import type { BlobStore } from '../blob/store.js';
import type { Database, DistributionSetsTable, SoftwareModulesTable, TargetsTable } from '../db/schema.js';
import type { KeyService } from '../keys/keyservice.js';
import { ServerError, notFound } from '../errors.js';
import { addArtifact } from './artifacts.js';
import { parseRecipient } from './ddi.js';
import { appendAudit } from './audit.js';
import { artifactSigningFor, type ArtifactSigning } from './signatures.js';
import { assignDistributionSet, cancelAction, type AssignOptions } from './deployments.js';

import type { Actor } from './changes.js';
export type { Actor } from './changes.js';

type Trx = Transaction<Database>;

export interface NewTarget {
  controllerId: string;
  name?: string | undefined;
  description?: string | undefined;
  address?: string | undefined;
  securityToken?: string | undefined;
  requestAttributes?: boolean | undefined;
  publicKey?: string | undefined;
}

/** hawkBit generates 32 alphanumeric characters when no token is given. */
function newSecurityToken(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(32);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string }).code === '23505';
}

function deviceKey(text: string | undefined): string | null {
  if (!text) return null;
  try {
    return recipientFromDeviceKey(text);
  } catch (cause) {
    throw new ServerError('BAD_REQUEST', `publicKey: ${(cause as Error).message}`, { cause });
  }
}

export class ManagementService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly blobs: BlobStore,
    private readonly keys: KeyService,
    private readonly clock: () => Date = () => new Date(),
    private readonly signing: ArtifactSigning = artifactSigningFor(keys),
  ) {}

  private audit(trx: Trx, who: Actor, action: string, subject: { type: string; id: string }, before: object | null, after: object | null) {
    return appendAudit(trx, {
      tenant: who.tenant,
      at: this.clock(),
      actor: who.actor,
      action,
      subject,
      before: before as Record<string, unknown> | null,
      after: after as Record<string, unknown> | null,
    });
  }

  // --- targets -------------------------------------------------------------------------------

  async createTargets(who: Actor, inputs: NewTarget[]): Promise<Selectable<TargetsTable>[]> {
    if (inputs.length === 0) throw new ServerError('BAD_REQUEST', 'give at least one target');
    const ids = new Set(inputs.map((t) => t.controllerId));
    if (ids.size !== inputs.length) throw new ServerError('BAD_REQUEST', 'the same controllerId appears twice in the request');
    try {
      return await this.db.transaction().execute(async (trx) => {
        const rows: Selectable<TargetsTable>[] = [];
        for (const t of inputs) {
          const row = await trx
            .insertInto('targets')
            .values({
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
              public_key: deviceKey(t.publicKey),
              public_key_source: t.publicKey ? 'operator' : null,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          await this.audit(trx, who, 'target.create', { type: 'target', id: t.controllerId }, null, { name: row.name, publicKey: row.public_key });
          rows.push(row);
        }
        return rows;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new ServerError('CONFLICT', 'a target with one of these controllerIds already exists');
      throw e;
    }
  }

  async target(tenant: string, controllerId: string): Promise<Selectable<TargetsTable>> {
    const row = await this.db.selectFrom('targets').selectAll().where('tenant', '=', tenant).where('controller_id', '=', controllerId).executeTakeFirst();
    if (!row) throw notFound(`target ${controllerId}`);
    return row;
  }

  /**
   * This target's age header for the encrypted artifact signed as `tufTarget`, for an offline
   * bundle (`osprey bundle create --server … --controller-id …`): the file key unwrapped with the
   * tenant's escrow key and wrapped to the target's registered public key, as a deployment does.
   */
  async ageHeader(tenant: string, controllerId: string, tufTarget: string): Promise<Buffer> {
    const target = await this.target(tenant, controllerId);
    const recipient = parseRecipient(target.public_key);
    if (!recipient) throw new ServerError('TARGET_KEY_MISSING', `target ${controllerId} has no registered public key: register the device's key first`);
    const artifact = await this.db
      .selectFrom('artifacts')
      .select(['escrow_header'])
      .where('tenant', '=', tenant)
      .where('tuf_target', '=', tufTarget)
      .executeTakeFirst();
    if (!artifact) throw notFound(`TUF target ${tufTarget}`);
    if (!artifact.escrow_header) throw new ServerError('BAD_REQUEST', `${tufTarget} is not encrypted: its bundle needs no header`);
    const fileKey = await this.keys.unwrapFileKey(tenant, artifact.escrow_header);
    try {
      return await wrapHeader(fileKey, [recipient]);
    } finally {
      fileKey.fill(0);
    }
  }

  async updateTarget(who: Actor, controllerId: string, change: Omit<NewTarget, 'controllerId'>): Promise<Selectable<TargetsTable>> {
    return this.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('targets')
        .selectAll()
        .where('tenant', '=', who.tenant)
        .where('controller_id', '=', controllerId)
        .forUpdate()
        .executeTakeFirst();
      if (!before) throw notFound(`target ${controllerId}`);
      const publicKey = change.publicKey === undefined ? undefined : deviceKey(change.publicKey);
      const row = await trx
        .updateTable('targets')
        .set({
          ...(change.name !== undefined ? { name: change.name } : {}),
          ...(change.description !== undefined ? { description: change.description } : {}),
          ...(change.address !== undefined ? { address: change.address } : {}),
          ...(change.securityToken !== undefined ? { security_token: change.securityToken } : {}),
          ...(change.requestAttributes !== undefined ? { request_attributes: change.requestAttributes } : {}),
          ...(publicKey !== undefined ? { public_key: publicKey, public_key_source: 'operator' } : {}),
          last_modified_at: this.clock(),
        })
        .where('id', '=', before.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.audit(
        trx,
        who,
        'target.update',
        { type: 'target', id: controllerId },
        { name: before.name, address: before.address, publicKey: before.public_key, tokenChanged: false },
        { name: row.name, address: row.address, publicKey: row.public_key, tokenChanged: change.securityToken !== undefined },
      );
      return row;
    });
  }

  async deleteTarget(who: Actor, controllerId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const target = await trx
        .selectFrom('targets')
        .select(['id', 'name'])
        .where('tenant', '=', who.tenant)
        .where('controller_id', '=', controllerId)
        .forUpdate()
        .executeTakeFirst();
      if (!target) throw notFound(`target ${controllerId}`);
      // hawkBit deletes a target with its actions and their history.
      await trx
        .deleteFrom('action_statuses')
        .where('action_id', 'in', trx.selectFrom('actions').select('id').where('target_id', '=', target.id))
        .execute();
      await trx.deleteFrom('actions').where('target_id', '=', target.id).execute();
      await trx.deleteFrom('targets').where('id', '=', target.id).execute();
      await this.audit(trx, who, 'target.delete', { type: 'target', id: controllerId }, { name: target.name }, null);
    });
  }

  // --- software modules and artifacts ---------------------------------------------------------

  async createModules(
    who: Actor,
    inputs: Array<{
      name: string;
      version: string;
      type: string;
      description?: string | undefined;
      vendor?: string | undefined;
      encrypted?: boolean | undefined;
    }>,
  ) {
    if (inputs.length === 0) throw new ServerError('BAD_REQUEST', 'give at least one software module');
    try {
      return await this.db.transaction().execute(async (trx) => {
        const rows: Selectable<SoftwareModulesTable>[] = [];
        for (const m of inputs) {
          const row = await trx
            .insertInto('software_modules')
            .values({
              tenant: who.tenant,
              type_key: m.type,
              name: m.name,
              version: m.version,
              vendor: m.vendor ?? null,
              description: m.description ?? null,
              created_by: who.actor,
              encrypted: m.encrypted ?? false,
              metadata: JSON.stringify([]),
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          await this.audit(trx, who, 'softwaremodule.create', { type: 'softwaremodule', id: String(row.id) }, null, {
            name: m.name,
            version: m.version,
            type: m.type,
            encrypted: row.encrypted,
          });
          rows.push(row);
        }
        return rows;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new ServerError('CONFLICT', 'a software module with this type, name and version already exists');
      throw e;
    }
  }

  async module(tenant: string, id: number): Promise<Selectable<SoftwareModulesTable>> {
    if (!Number.isSafeInteger(id) || id <= 0) throw notFound(`software module ${id}`);
    const row = await this.db.selectFrom('software_modules').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`software module ${id}`);
    return row;
  }

  async deleteModule(who: Actor, id: number): Promise<void> {
    await this.module(who.tenant, id);
    await this.db.transaction().execute(async (trx) => {
      const used = await trx.selectFrom('distribution_set_modules').select('ds_id').where('module_id', '=', id).limit(1).executeTakeFirst();
      if (used) throw new ServerError('CONFLICT', `software module ${id} belongs to distribution set ${used.ds_id}; remove it there first`);
      await trx.deleteFrom('artifacts').where('module_id', '=', id).execute();
      await trx.deleteFrom('software_modules').where('id', '=', id).execute();
      await this.audit(trx, who, 'softwaremodule.delete', { type: 'softwaremodule', id: String(id) }, { id }, null);
    });
  }

  /**
   * Upload: stream into the blob store (encrypted when the module is), check client-supplied
   * hashes, then record the artifact. A mismatch or any failure leaves no row; the blob store
   * only ever holds complete, content-addressed blobs.
   */
  async uploadArtifact(
    who: Actor,
    moduleId: number,
    filename: string,
    source: Readable,
    expected: { sha1?: string; md5?: string; sha256?: string },
    maxBytes: number,
  ) {
    const module = await this.module(who.tenant, moduleId);
    const result = await addArtifact(this.db, this.blobs, this.keys, {
      tenant: who.tenant,
      moduleId,
      filename,
      source,
      signing: this.signing,
      encrypt: module.encrypted,
      maxBytes,
      expected,
      audit: (trx) => this.audit(trx, who, 'artifact.create', { type: 'artifact', id: `${moduleId}/${filename}` }, null, { module: moduleId, filename }),
    });
    return result;
  }

  /** The tenant's artifact signing key (SPKI PEM), for `openssl dgst -sha256 -verify`. */
  signingPublicKeyPem(tenant: string): string {
    return this.signing.signingPublicKeyPem(tenant);
  }

  // --- distribution sets ---------------------------------------------------------------------

  async createDistributionSets(
    who: Actor,
    inputs: Array<{ name: string; version: string; type?: string | undefined; description?: string | undefined; modules?: Array<{ id: number }> | undefined }>,
  ) {
    if (inputs.length === 0) throw new ServerError('BAD_REQUEST', 'give at least one distribution set');
    try {
      return await this.db.transaction().execute(async (trx) => {
        const rows: Selectable<DistributionSetsTable>[] = [];
        for (const d of inputs) {
          const row = await trx
            .insertInto('distribution_sets')
            .values({
              tenant: who.tenant,
              name: d.name,
              version: d.version,
              type_key: d.type ?? 'os',
              description: d.description ?? null,
              created_by: who.actor,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          for (const m of d.modules ?? []) {
            const exists = await trx.selectFrom('software_modules').select('id').where('tenant', '=', who.tenant).where('id', '=', m.id).executeTakeFirst();
            if (!exists) throw new ServerError('NOT_FOUND', `software module ${m.id} not found`);
            await trx.insertInto('distribution_set_modules').values({ tenant: who.tenant, ds_id: row.id, module_id: m.id }).execute();
          }
          await this.audit(trx, who, 'distributionset.create', { type: 'distributionset', id: String(row.id) }, null, {
            name: d.name,
            version: d.version,
            modules: (d.modules ?? []).map((m) => m.id),
          });
          rows.push(row);
        }
        return rows;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new ServerError('CONFLICT', 'a distribution set with this name and version already exists');
      throw e;
    }
  }

  async distributionSet(tenant: string, id: number): Promise<Selectable<DistributionSetsTable>> {
    if (!Number.isSafeInteger(id) || id <= 0) throw notFound(`distribution set ${id}`);
    const row = await this.db.selectFrom('distribution_sets').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`distribution set ${id}`);
    return row;
  }

  async modulesOf(tenant: string, dsId: number) {
    return this.db
      .selectFrom('distribution_set_modules as dsm')
      .innerJoin('software_modules as sm', 'sm.id', 'dsm.module_id')
      .selectAll('sm')
      .where('dsm.tenant', '=', tenant)
      .where('dsm.ds_id', '=', dsId)
      .orderBy('sm.id')
      .execute();
  }

  async deleteDistributionSet(who: Actor, id: number): Promise<void> {
    await this.distributionSet(who.tenant, id);
    await this.db.transaction().execute(async (trx) => {
      const used = await trx.selectFrom('actions').select('id').where('ds_id', '=', id).limit(1).executeTakeFirst();
      if (used) throw new ServerError('CONFLICT', `distribution set ${id} has been assigned (action ${used.id}) and is kept for the record`);
      await trx.deleteFrom('distribution_set_modules').where('ds_id', '=', id).execute();
      await trx.deleteFrom('distribution_sets').where('id', '=', id).execute();
      await this.audit(trx, who, 'distributionset.delete', { type: 'distributionset', id: String(id) }, { id }, null);
    });
  }

  // --- assignment and actions ----------------------------------------------------------------

  async assign(who: Actor, dsId: number, assignments: Array<{ controllerId: string; options: AssignOptions }>) {
    await this.distributionSet(who.tenant, dsId);
    const actions: number[] = [];
    let alreadyAssigned = 0;
    for (const a of assignments) {
      const target = await this.target(who.tenant, a.controllerId);
      const current = await this.db
        .selectFrom('actions')
        .select('id')
        .where('target_id', '=', target.id)
        .where('ds_id', '=', dsId)
        .where('active', '=', true)
        .executeTakeFirst();
      if (current) {
        alreadyAssigned++;
        continue;
      }
      const { actionId } = await assignDistributionSet(this.db, who.tenant, target.id, dsId, a.options, (trx) =>
        this.audit(
          trx,
          who,
          'distributionset.assign',
          { type: 'target', id: a.controllerId },
          { assignedDs: target.assigned_ds_id },
          { assignedDs: dsId, type: a.options.type ?? 'forced' },
        ),
      );
      actions.push(actionId);
    }
    return { assigned: actions.length, alreadyAssigned, total: assignments.length, assignedActions: actions.map((id) => ({ id })) };
  }

  async cancel(who: Actor, actionId: number): Promise<void> {
    await cancelAction(this.db, who.tenant, actionId, (trx) =>
      this.audit(trx, who, 'action.cancel', { type: 'action', id: String(actionId) }, null, { status: 'CANCELING' }),
    );
  }
}
