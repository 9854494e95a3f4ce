/**
 * Seed a server from a JSON description (tests and demos, until the management API exists):
 * tenants and their configuration, a TUF repository made offline with `osprey keys init` /
 * `release pack`, targets, software modules with artifacts, distribution sets and assignments.
 * Idempotent for tenants and targets; artifacts and actions are created each time.
 */
import { createPrivateKey } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { parseMetadata, recipientFromDeviceKey } from '@osprey/core';
import type { BlobStore } from '../blob/store.js';
import type { Database } from '../db/schema.js';
import type { KeyService } from '../keys/keyservice.js';
import { addArtifact } from './artifacts.js';
import { artifactSigningFor, type ArtifactSigning } from './signatures.js';
import { assignDistributionSet } from './deployments.js';
import { tenantConfigSchema } from './tenant-config.js';

const seedSchema = z.strictObject({
  tenant: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default('DEFAULT'),
  config: tenantConfigSchema.partial().optional(),
  /** An `osprey keys init` directory: its public TUF repository, escrow key and release headers. */
  tuf: z.strictObject({ dir: z.string(), passphrase: z.string() }).optional(),
  targets: z
    .array(
      z.strictObject({
        controllerId: z.string().min(1).max(256),
        name: z.string().optional(),
        securityToken: z.string().min(8).max(128).optional(),
        publicKey: z.string().optional(),
      }),
    )
    .default([]),
  modules: z
    .array(
      z.strictObject({
        key: z.string(),
        type: z.string().default('os'),
        name: z.string(),
        version: z.string(),
        artifacts: z.array(
          z.union([
            z.strictObject({ file: z.string(), filename: z.string().optional(), encrypt: z.boolean().default(false) }),
            z.strictObject({ tufTarget: z.string(), filename: z.string().optional() }),
          ]),
        ),
      }),
    )
    .default([]),
  distributionSets: z
    .array(z.strictObject({ key: z.string(), name: z.string(), version: z.string(), type: z.string().default('os'), modules: z.array(z.string()) }))
    .default([]),
  assignments: z
    .array(
      z.strictObject({
        target: z.string(),
        /** A distribution set key of this file, or `name:version` of an existing one. */
        ds: z.string(),
        type: z.enum(['forced', 'soft', 'timeforced', 'downloadonly']).default('forced'),
        forceTime: z.string().optional(),
        weight: z.int().optional(),
        maintenanceWindow: z.strictObject({ schedule: z.string(), duration: z.string(), timezone: z.string().default('UTC') }).optional(),
        confirmationRequired: z.boolean().optional(),
      }),
    )
    .default([]),
});

export type SeedSpec = z.input<typeof seedSchema>;

export interface SeedResult {
  tenant: string;
  targets: Record<string, number>;
  modules: Record<string, number>;
  distributionSets: Record<string, number>;
  actions: Array<{ target: string; ds: string; actionId: number }>;
}

/**
 * @param signing signs the artifacts; by default the signing keys the server registered with `keys`
 *   (startServer does), so `seed(db, blobs, server.keys, spec)` signs like an upload would.
 */
export async function seed(
  db: Kysely<Database>,
  blobs: BlobStore,
  keys: KeyService,
  input: SeedSpec,
  baseDir = '.',
  signing?: ArtifactSigning,
): Promise<SeedResult> {
  const spec = seedSchema.parse(input);
  const tenant = spec.tenant;
  const existing = await db.selectFrom('tenants').select('config').where('id', '=', tenant).executeTakeFirst();
  const config = { ...(existing?.config ?? {}), ...(spec.config ?? {}) };
  await db
    .insertInto('tenants')
    .values({ id: tenant, config: JSON.stringify(config) })
    .onConflict((oc) => oc.column('id').doUpdateSet({ config: JSON.stringify(config) }))
    .execute();
  const result: SeedResult = { tenant, targets: {}, modules: {}, distributionSets: {}, actions: [] };

  let tufTargets: Record<string, { sha256: string; file: string; header?: Buffer }> = {};
  if (spec.tuf) tufTargets = await importTufRepository(db, keys, tenant, resolve(baseDir, spec.tuf.dir), spec.tuf.passphrase);

  for (const t of spec.targets) {
    const publicKey = t.publicKey ? recipientFromDeviceKey(t.publicKey) : null;
    const row = await db
      .insertInto('targets')
      .values({
        tenant,
        controller_id: t.controllerId,
        name: t.name ?? t.controllerId,
        security_token: t.securityToken ?? null,
        address: null,
        last_seen_at: null,
        attributes: JSON.stringify({}),
        update_status: 'UNKNOWN',
        installed_ds_id: null,
        assigned_ds_id: null,
        auto_confirm: null,
        public_key: publicKey,
        public_key_source: publicKey ? 'operator' : null,
      })
      .onConflict((oc) => oc.columns(['tenant', 'controller_id']).doUpdateSet({ security_token: t.securityToken ?? null, public_key: publicKey }))
      .returning('id')
      .executeTakeFirstOrThrow();
    result.targets[t.controllerId] = Number(row.id);
  }
  for (const m of spec.modules) {
    const row = await db
      .insertInto('software_modules')
      .values({ tenant, type_key: m.type, name: m.name, version: m.version, vendor: null, metadata: JSON.stringify([]) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const moduleId = Number(row.id);
    result.modules[m.key] = moduleId;
    for (const a of m.artifacts) {
      if ('file' in a) {
        const path = resolve(baseDir, a.file);
        await addArtifact(db, blobs, keys, {
          tenant,
          moduleId,
          filename: a.filename ?? path.split('/').pop()!,
          source: createReadStream(path),
          signing: signing ?? artifactSigningFor(keys),
          encrypt: a.encrypt,
        });
      } else {
        const t = tufTargets[a.tufTarget];
        if (!t) throw new Error(`TUF target ${a.tufTarget} is not in the imported repository`);
        await addArtifact(db, blobs, keys, {
          tenant,
          moduleId,
          filename: a.filename ?? a.tufTarget,
          source: createReadStream(t.file),
          signing: signing ?? artifactSigningFor(keys),
          tufTarget: a.tufTarget,
          ...(t.header ? { escrowHeader: t.header } : {}),
        });
      }
    }
  }
  for (const ds of spec.distributionSets) {
    const row = await db
      .insertInto('distribution_sets')
      .values({ tenant, name: ds.name, version: ds.version, type_key: ds.type })
      .returning('id')
      .executeTakeFirstOrThrow();
    const dsId = Number(row.id);
    result.distributionSets[ds.key] = dsId;
    for (const key of ds.modules) {
      const moduleId = result.modules[key];
      if (moduleId === undefined) throw new Error(`distribution set ${ds.key}: unknown module ${key}`);
      await db.insertInto('distribution_set_modules').values({ tenant, ds_id: dsId, module_id: moduleId }).execute();
    }
  }
  for (const a of spec.assignments) {
    const targetId =
      result.targets[a.target] ??
      Number((await db.selectFrom('targets').select('id').where('tenant', '=', tenant).where('controller_id', '=', a.target).executeTakeFirst())?.id);
    const dsId = result.distributionSets[a.ds] ?? (await distributionSetByName(db, tenant, a.ds));
    if (!targetId || dsId === undefined)
      throw new Error(`assignment ${a.target} → ${a.ds}: unknown target or distribution set (use a key of this file or name:version)`);
    const { actionId } = await assignDistributionSet(db, tenant, targetId, dsId, {
      type: a.type,
      ...(a.forceTime ? { forceTime: new Date(a.forceTime) } : {}),
      ...(a.weight !== undefined ? { weight: a.weight } : {}),
      ...(a.maintenanceWindow ? { maintenanceWindow: a.maintenanceWindow } : {}),
      ...(a.confirmationRequired !== undefined ? { confirmationRequired: a.confirmationRequired } : {}),
    });
    result.actions.push({ target: a.target, ds: a.ds, actionId });
  }
  return result;
}

async function distributionSetByName(db: Kysely<Database>, tenant: string, nameVersion: string): Promise<number | undefined> {
  const at = nameVersion.lastIndexOf(':');
  if (at < 0) return undefined;
  const row = await db
    .selectFrom('distribution_sets')
    .select('id')
    .where('tenant', '=', tenant)
    .where('name', '=', nameVersion.slice(0, at))
    .where('version', '=', nameVersion.slice(at + 1))
    .executeTakeFirst();
  return row ? Number(row.id) : undefined;
}

/** Copy an offline repository's public metadata into the tenant's TUF files; adopt its escrow key. */
async function importTufRepository(db: Kysely<Database>, keys: KeyService, tenant: string, dir: string, passphrase: string) {
  const metadataDir = join(dir, 'public', 'metadata');
  if (!existsSync(metadataDir)) throw new Error(`${dir} has no public/metadata: is it an "osprey keys init" directory?`);
  for (const name of readdirSync(metadataDir).filter((n) => n.endsWith('.json'))) {
    const bytes = readFileSync(join(metadataDir, name));
    await db
      .insertInto('tuf_files')
      .values({ tenant, name, bytes })
      .onConflict((oc) => oc.columns(['tenant', 'name']).doUpdateSet({ bytes }))
      .execute();
  }
  const keyring = JSON.parse(readFileSync(join(dir, 'keyring.json'), 'utf8')) as { escrow: { path: string } };
  keys.importEscrowKey(tenant, createPrivateKey({ key: readFileSync(join(dir, keyring.escrow.path)), passphrase }));
  const timestamp = parseMetadata('timestamp', readFileSync(join(metadataDir, 'timestamp.json')));
  const snapshot = parseMetadata('snapshot', readFileSync(join(metadataDir, `${timestamp.signed.snapshotMeta.version}.snapshot.json`)));
  const targets = parseMetadata('targets', readFileSync(join(metadataDir, `${snapshot.signed.meta['targets.json']!.version}.targets.json`)));
  const out: Record<string, { sha256: string; file: string; header?: Buffer }> = {};
  for (const [path, target] of Object.entries(targets.signed.targets)) {
    const sha256 = target.hashes.sha256!;
    const headerFile = join(dir, 'releases', `${path}.header`);
    out[path] = { sha256, file: join(dir, 'public', 'targets', `${sha256}.${path}`), ...(existsSync(headerFile) ? { header: readFileSync(headerFile) } : {}) };
  }
  return out;
}
