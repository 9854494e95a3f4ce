/**
 * A tenant's TUF repository on the server (the server side of `osprey keys init`, `keys rotate` and
 * `release pack`, packages/cli/src/keys.ts and repo.ts), kept in `tuf_files` in the layout tuf-js
 * reads (http/tuf.ts serves it):
 *   N.root.json, root.json (= the newest root), V.targets.json, V.snapshot.json, timestamp.json
 * and, never served (http/tuf.ts only serves the names above):
 *   pending.targets.json           unsigned targets metadata awaiting the offline targets key
 *   pending.release.json           which distribution sets that pending metadata releases
 *   release-request.<ds>.json      a four-eyes release request awaiting approval
 *
 * Every change runs in one transaction that first locks the tenant row (FOR NO KEY UPDATE, the lock
 * the audit log takes too), reads the repository, signs, verifies each new file with verifyRole
 * against the root (never publish what a client would reject), writes, and appends its audit
 * entry: concurrent releases, rotations and timestamp refreshes of a tenant run one after another,
 * on PGlite and across PostgreSQL instances alike.
 *
 * Keys: the root is either generated here (ensureRepository; the server then holds every role's
 * key) or imported from an offline ceremony (importRoot; the server is given the snapshot and
 * timestamp keys, and the targets key only if the tenant wants online targets signing). With
 * `tuf.targets.offline` a release becomes pending targets metadata that the offline key's holder
 * signs and uploads (submitTargets); nothing the offline key did not sign is published.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import {
  AGE_CHUNK_SIZE,
  buildReleaseTarget,
  buildRoot,
  buildSnapshot,
  buildTargets,
  buildTimestamp,
  checkNotExpired,
  DEFAULT_EXPIRY_DAYS,
  expiresAfter,
  INSTALL_TYPES,
  isOspreyError,
  KeyObjectSigner,
  nextRoot,
  parseMetadata,
  parseReleaseCustom,
  releaseTargetPath,
  serializeMetadata,
  signedBytes,
  signMetadata,
  TOP_LEVEL_ROLES,
  verifyRole,
  verifyRootRotation,
  type AnyMetadata,
  type RoleKeyMap,
  type Signer,
  type TopLevelRole,
} from '@osprey/core';
import type { Key, Metadata, Root, Snapshot, TargetFile, Targets, Timestamp } from '@tufjs/models';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { ServerError, badRequest, notFound } from '../errors.js';
import type { KeyService, OnlineKeyType } from '../keys/keyservice.js';
import { appendAudit } from './audit.js';
import { parseTenantConfig } from './tenant-config.js';

type Db = Kysely<Database> | Transaction<Database>;
type Trx = Transaction<Database>;
type OnlineRole = Exclude<TopLevelRole, 'root'>;

import type { Actor } from './changes.js';
export type { Actor } from './changes.js';

const DAY = 24 * 60 * 60 * 1000;
const FILES = {
  root: (version: number) => `${version}.root.json`,
  targets: (version: number) => `${version}.targets.json`,
  snapshot: (version: number) => `${version}.snapshot.json`,
  latestRoot: 'root.json',
  timestamp: 'timestamp.json',
  pendingTargets: 'pending.targets.json',
  pendingRelease: 'pending.release.json',
  releaseRequest: (dsId: number) => `release-request.${dsId}.json`,
} as const;
const ROOT_FILE = /^(\d{1,10})\.root\.json$/;

export type InstallType = (typeof INSTALL_TYPES)[number];

export interface ReleaseRequest {
  securityVersion: number;
  hardware: string[];
  installType?: InstallType | undefined;
}

export type ReleaseState = 'draft' | 'pending_approval' | 'pending_signature' | 'released';

export interface ReleasedTarget {
  artifactId: number;
  moduleId: number;
  filename: string;
  path: string;
  length: number;
  sha256: string;
  /** Already a target of the repository (same bytes and metadata): not registered again. */
  existing: boolean;
}

export interface ReleaseStatus {
  id: number;
  state: ReleaseState;
  requestedBy?: string;
  releasedBy?: string;
  releasedAt?: string;
  request?: ReleaseRequest;
  targets: ReleasedTarget[];
  /** The metadata versions published by this call. */
  published?: PublishedVersions;
  /** Offline targets mode: the targets version awaiting the offline signature. */
  pendingTargetsVersion?: number;
}

export interface PublishedVersions {
  targets: number;
  snapshot: number;
  timestamp: number;
}

export interface ImportRootOptions {
  /**
   * PKCS#8 PEM private keys for the roles the server signs online: the snapshot and timestamp keys
   * the root lists (unless the server holds them already), optionally the targets key (without it
   * the targets key stays offline and the tenant is switched to `tuf.targets.offline`).
   */
  keys?: Partial<Record<OnlineRole, string[]>> | undefined;
  /** Passphrase of encrypted PEM keys. */
  passphrase?: string | undefined;
  /** Initial targets metadata signed by the offline targets key (e.g. `1.targets.json` of `osprey keys init`). */
  targets?: unknown;
}

export interface ImportRootResult {
  rootVersion: number;
  targetsOffline: boolean;
  published?: PublishedVersions;
  pendingTargetsVersion?: number;
}

export interface RotateRootResult {
  rootVersion: number;
  changedRoles: TopLevelRole[];
  /** Roles re-signed with the new keys and published with this rotation. */
  republished: OnlineRole[];
  /** The targets key changed to one the server does not hold: the offline key must sign this version. */
  pendingTargetsVersion?: number;
}

export interface RefreshResult {
  /** Roles re-signed (each as version + 1). */
  refreshed: TopLevelRole[];
  /** Why a due re-signing could not happen (a key the server does not hold). */
  skipped?: string;
}

export interface OnlineKeyInfo {
  role: TopLevelRole;
  keyid: string;
  key: Record<string, unknown>;
  /** Listed for this role in the current root. */
  inRoot: boolean;
}

interface RepoState {
  root: Metadata<Root>;
  targets: Metadata<Targets> | undefined;
  snapshot: Metadata<Snapshot> | undefined;
  timestamp: Metadata<Timestamp> | undefined;
  pending: Metadata<Targets> | undefined;
  pendingRelease: PendingRelease | undefined;
}

interface PendingRelease {
  targetsVersion: number;
  releases: Array<{ dsId: number; authorizedBy: string; artifacts: Array<{ id: number; path: string }> }>;
}

interface PlannedTarget {
  info: ReleasedTarget;
  target: TargetFile;
}

const conflict = (message: string) => new ServerError('CONFLICT', message);
const short = (keyId: string) => `${keyId.slice(0, 12)}…`;

/** An OspreyError from the core (bad metadata, signatures) as a 400 naming what was checked. */
function refused(e: unknown, what: string): never {
  if (isOspreyError(e)) {
    const status = e.code === 'TUF_VERSION_MISMATCH' ? 'CONFLICT' : 'BAD_REQUEST';
    throw new ServerError(status, `${what}: ${e.message}`, { cause: e });
  }
  throw e;
}

/** Key material, independent of how a key ID was computed (python-tuf's PEM may differ in whitespace). */
function keyMaterial(key: Key): string {
  const value = key.keyVal.public ?? '';
  if (key.keyType === 'ed25519') return `ed25519:${value.toLowerCase()}`;
  try {
    return `${key.keyType}:${createPublicKey(value).export({ format: 'der', type: 'spki' }).toString('hex')}`;
  } catch {
    return `${key.keyType}:${value}`;
  }
}

/** A role's keys and threshold, comparable across root versions. */
function roleSignature(root: Root, role: TopLevelRole): string {
  const spec = root.roles[role];
  if (!spec) return '';
  const keys = spec.keyIDs
    .map((id) => root.keys[id])
    .filter((k): k is Key => k !== undefined)
    .map(keyMaterial)
    .sort();
  return `${spec.threshold}|${keys.join(',')}`;
}

function roleKeys(root: Root, role: TopLevelRole): Key[] {
  const spec = root.roles[role];
  if (!spec) throw new ServerError('CONFLICT', `the root has no ${role} role`);
  return spec.keyIDs.map((id) => root.keys[id]).filter((k): k is Key => k !== undefined);
}

function jsonBytes(value: unknown): Buffer {
  return value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(JSON.stringify(value ?? null));
}

/** Root metadata from a request body (JSON value or bytes); a 400 when it is not root metadata. */
function parseRootJson(value: unknown, what: string): Metadata<Root> {
  try {
    return parseMetadata('root', jsonBytes(value));
  } catch (e) {
    refused(e, what);
  }
}

function parseTargetsJson(value: unknown, what: string): Metadata<Targets> {
  try {
    return parseMetadata('targets', jsonBytes(value));
  } catch (e) {
    refused(e, what);
  }
}

function canonicalCustom(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, sort(x)]),
          )
        : v;
  return JSON.stringify(sort(value ?? null));
}

export class TufRepositoryService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: KeyService,
    private readonly clock: () => Date = () => new Date(),
    private readonly options: { keyType?: OnlineKeyType } = {},
  ) {}

  // --- reading ---------------------------------------------------------------------------------

  private async file(db: Db, tenant: string, name: string): Promise<Buffer | undefined> {
    const row = await db.selectFrom('tuf_files').select('bytes').where('tenant', '=', tenant).where('name', '=', name).executeTakeFirst();
    return row ? Buffer.from(row.bytes) : undefined;
  }

  private async rootVersion(db: Db, tenant: string): Promise<number | undefined> {
    const rows = await db.selectFrom('tuf_files').select('name').where('tenant', '=', tenant).where('name', 'like', '%.root.json').execute();
    const versions = rows
      .map((r) => ROOT_FILE.exec(r.name)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number);
    return versions.length === 0 ? undefined : Math.max(...versions);
  }

  private async loadState(db: Db, tenant: string): Promise<RepoState | undefined> {
    const version = await this.rootVersion(db, tenant);
    if (version === undefined) return undefined;
    const root = parseMetadata('root', (await this.file(db, tenant, FILES.root(version)))!);
    const timestampBytes = await this.file(db, tenant, FILES.timestamp);
    const timestamp = timestampBytes ? parseMetadata('timestamp', timestampBytes) : undefined;
    const snapshotBytes = timestamp ? await this.file(db, tenant, FILES.snapshot(timestamp.signed.snapshotMeta.version)) : undefined;
    const snapshot = snapshotBytes ? parseMetadata('snapshot', snapshotBytes) : undefined;
    const targetsVersion = snapshot?.signed.meta['targets.json']?.version;
    const targetsBytes = targetsVersion === undefined ? undefined : await this.file(db, tenant, FILES.targets(targetsVersion));
    const targets = targetsBytes ? parseMetadata('targets', targetsBytes) : undefined;
    const pendingBytes = await this.file(db, tenant, FILES.pendingTargets);
    const pending = pendingBytes ? parseMetadata('targets', pendingBytes) : undefined;
    const pendingReleaseBytes = await this.file(db, tenant, FILES.pendingRelease);
    const pendingRelease = pendingReleaseBytes ? (JSON.parse(pendingReleaseBytes.toString('utf8')) as PendingRelease) : undefined;
    return { root, targets, snapshot, timestamp, pending, pendingRelease };
  }

  private async requireState(db: Db, tenant: string): Promise<RepoState> {
    const state = await this.loadState(db, tenant);
    if (!state) throw conflict(`tenant ${tenant} has no TUF repository yet`);
    return state;
  }

  /** Lock the tenant row for this transaction: repository changes of a tenant run one at a time. */
  private async lockTenant(trx: Trx, tenant: string) {
    const row = await trx.selectFrom('tenants').select(['id', 'config']).where('id', '=', tenant).forNoKeyUpdate().executeTakeFirst();
    if (!row) throw notFound(`tenant ${tenant}`);
    return parseTenantConfig(row.config);
  }

  private async put(trx: Trx, tenant: string, name: string, bytes: Buffer, replace: boolean): Promise<void> {
    const insert = trx.insertInto('tuf_files').values({ tenant, name, bytes });
    // Versioned files are immutable: a second write of one is a bug and aborts the transaction.
    await (replace ? insert.onConflict((oc) => oc.columns(['tenant', 'name']).doUpdateSet({ bytes, created_at: this.clock() })) : insert).execute();
  }

  private async remove(trx: Trx, tenant: string, ...names: string[]): Promise<void> {
    if (names.length > 0) await trx.deleteFrom('tuf_files').where('tenant', '=', tenant).where('name', 'in', names).execute();
  }

  private audit(trx: Trx, who: Actor, action: string, subject: { type: string; id: string }, before: object | null, after: object | null) {
    return appendAudit(trx, { tenant: who.tenant, at: this.clock(), actor: who.actor, action, subject, before, after });
  }

  // --- keys ------------------------------------------------------------------------------------

  /**
   * The server's signers for a role of `root`: held keys whose key material the root lists, each
   * signing under the root's key ID. `missing` names the root's keys the server does not hold.
   */
  private heldSigners(tenant: string, root: Root, role: TopLevelRole, extra: Signer[] = []): { signers: Signer[]; missing: Key[]; threshold: number } {
    const held = [...extra, ...this.keys.tufSigners(tenant, role)];
    const signers: Signer[] = [];
    const missing: Key[] = [];
    for (const key of roleKeys(root, role)) {
      const material = keyMaterial(key);
      const signer = held.find((s) => keyMaterial(s.key) === material);
      if (signer) signers.push({ key, sign: (data) => signer.sign(data) });
      else missing.push(key);
    }
    return { signers, missing, threshold: root.roles[role]?.threshold ?? 1 };
  }

  private canSign(tenant: string, root: Root, role: TopLevelRole, extra: Signer[] = []): boolean {
    const { signers, threshold } = this.heldSigners(tenant, root, role, extra);
    return signers.length >= threshold;
  }

  private missingKeysMessage(root: Metadata<Root>, role: TopLevelRole, missing: Key[], threshold: number, held: number): string {
    return `root v${root.signed.version} needs ${threshold} signature(s) by its ${role} key(s), and the server holds ${held}; missing ${missing.map((k) => `${k.keyType} key ${short(k.keyID)}`).join(', ')}`;
  }

  /** Signers meeting the role's threshold, or a 409 naming the keys the server lacks. */
  private requireSigners(tenant: string, root: Metadata<Root>, role: TopLevelRole, hint: string): Signer[] {
    const { signers, missing, threshold } = this.heldSigners(tenant, root.signed, role);
    if (signers.length < threshold) throw conflict(`${this.missingKeysMessage(root, role, missing, threshold, signers.length)}; ${hint}`);
    return signers;
  }

  private async signChecked<T extends AnyMetadata>(root: Root, role: TopLevelRole, metadata: T, signers: Signer[]): Promise<T> {
    await signMetadata(metadata, signers);
    verifyRole(root, role, metadata); // never publish what a client would reject
    return metadata;
  }

  /**
   * Sign and write snapshot and timestamp (version + 1) over `targets`; write `targets` too when it
   * is new. The caller holds the tenant lock.
   */
  private async publish(
    trx: Trx,
    tenant: string,
    state: Pick<RepoState, 'root' | 'snapshot' | 'timestamp'>,
    targets: Metadata<Targets>,
    targetsIsNew: boolean,
    now: Date,
  ): Promise<PublishedVersions> {
    const root = state.root;
    const snapshotSigners = this.requireSigners(tenant, root, 'snapshot', 'add the key with POST /rest/v1/tuf/keys/snapshot');
    const timestampSigners = this.requireSigners(tenant, root, 'timestamp', 'add the key with POST /rest/v1/tuf/keys/timestamp');
    verifyRole(root.signed, 'targets', targets);
    const snapshot = buildSnapshot((state.snapshot?.signed.version ?? 0) + 1, expiresAfter(now, DEFAULT_EXPIRY_DAYS.snapshot), targets);
    await this.signChecked(root.signed, 'snapshot', snapshot, snapshotSigners);
    const timestamp = buildTimestamp((state.timestamp?.signed.version ?? 0) + 1, expiresAfter(now, DEFAULT_EXPIRY_DAYS.timestamp), snapshot);
    await this.signChecked(root.signed, 'timestamp', timestamp, timestampSigners);
    if (targetsIsNew) await this.put(trx, tenant, FILES.targets(targets.signed.version), serializeMetadata(targets), false);
    await this.put(trx, tenant, FILES.snapshot(snapshot.signed.version), serializeMetadata(snapshot), false);
    // timestamp.json, the entry point, last.
    await this.put(trx, tenant, FILES.timestamp, serializeMetadata(timestamp), true);
    return { targets: targets.signed.version, snapshot: snapshot.signed.version, timestamp: timestamp.signed.version };
  }

  private async writeRoot(trx: Trx, tenant: string, root: Metadata<Root>): Promise<void> {
    const bytes = serializeMetadata(root);
    await this.put(trx, tenant, FILES.root(root.signed.version), bytes, false);
    await this.put(trx, tenant, FILES.latestRoot, bytes, true);
  }

  // --- repository lifecycle -----------------------------------------------------------------------

  async hasRepository(tenant: string): Promise<boolean> {
    return (await this.rootVersion(this.db, tenant)) !== undefined;
  }

  /**
   * Give the tenant a repository if it has none: four online keys generated by the key service,
   * root v1 and empty targets, snapshot and timestamp — what `osprey keys init` writes. Idempotent;
   * concurrent calls (in this process or another instance) create one repository.
   */
  async ensureRepository(tenant: string): Promise<{ created: boolean }> {
    if (await this.hasRepository(tenant)) return { created: false };
    return this.db.transaction().execute(async (trx) => {
      await this.lockTenant(trx, tenant);
      if ((await this.rootVersion(trx, tenant)) !== undefined) return { created: false };
      const now = this.clock();
      const signers = this.keys.generateTufKeys(tenant, TOP_LEVEL_ROLES, this.options.keyType);
      const roles = {} as RoleKeyMap;
      for (const role of TOP_LEVEL_ROLES) roles[role] = { keys: [signers[role].key], threshold: 1 };
      const root = buildRoot({ roles, expires: expiresAfter(now, DEFAULT_EXPIRY_DAYS.root) });
      await this.signChecked(root.signed, 'root', root, [signers.root]);
      const targets = buildTargets(1, expiresAfter(now, DEFAULT_EXPIRY_DAYS.targets), []);
      await this.signChecked(root.signed, 'targets', targets, [signers.targets]);
      await this.writeRoot(trx, tenant, root);
      // Not an operator's change, so not in the audit log (which starts with the tenant's first change).
      await this.publish(trx, tenant, { root, snapshot: undefined, timestamp: undefined }, targets, true, now);
      return { created: true };
    });
  }

  /** The newest root, as served (`N.root.json`). Creates the repository if the tenant has none. */
  async currentRoot(tenant: string): Promise<Buffer> {
    await this.ensureRepository(tenant);
    const version = (await this.rootVersion(this.db, tenant))!;
    return (await this.file(this.db, tenant, FILES.root(version)))!;
  }

  /**
   * Adopt root v1 from an offline ceremony (`osprey keys init`). Allowed for a tenant without a
   * repository, or whose repository is still the one the server generated (whose root keys the
   * server holds) and has released nothing. The server must end up holding a threshold of the
   * root's snapshot and timestamp keys: held already, or given here as PKCS#8 PEM (400 naming what
   * is missing otherwise).
   */
  async importRoot(who: Actor, rootJson: unknown, options: ImportRootOptions = {}): Promise<ImportRootResult> {
    await this.assertImportable(this.db, who.tenant); // checked again under the lock
    const root = parseRootJson(rootJson, 'root metadata');
    if (root.signed.version !== 1) throw badRequest(`import root version 1 (got v${root.signed.version}); later versions are rotations: PUT /rest/v1/tuf/root`);
    try {
      verifyRole(root.signed, 'root', root);
      checkNotExpired(root, 'root', this.clock());
    } catch (e) {
      refused(e, 'root v1 is refused');
    }
    // The given keys: readable, supported, and each one a key the root lists for its role.
    const given: Record<OnlineRole, Array<{ key: KeyObject; signer: Signer }>> = { targets: [], snapshot: [], timestamp: [] };
    for (const [role, pems] of Object.entries(options.keys ?? {}) as Array<[OnlineRole, string[] | undefined]>) {
      if (!(role in given)) throw badRequest(`keys.${role}: only targets, snapshot and timestamp keys can be given to the server`);
      const listed = new Set(roleKeys(root.signed, role).map(keyMaterial));
      (pems ?? []).forEach((pem, i) => {
        let key: KeyObject;
        let signer: Signer;
        try {
          key = createPrivateKey(options.passphrase ? { key: pem, passphrase: options.passphrase } : { key: pem });
          signer = new KeyObjectSigner(key);
        } catch (cause) {
          throw new ServerError(
            'BAD_REQUEST',
            `keys.${role}[${i}]: not a readable Ed25519 or ECDSA P-256 private key (PKCS#8 PEM; encrypted ones need the passphrase): ${(cause as Error).message}`,
            { cause },
          );
        }
        if (!listed.has(keyMaterial(signer.key))) throw badRequest(`keys.${role}[${i}] (key ${short(signer.key.keyID)}) is not a ${role} key of the root`);
        given[role].push({ key, signer });
      });
    }
    const tenant = who.tenant;
    for (const role of ['snapshot', 'timestamp'] as const) {
      const { signers, missing, threshold } = this.heldSigners(
        tenant,
        root.signed,
        role,
        given[role].map((g) => g.signer),
      );
      if (signers.length < threshold) {
        throw badRequest(
          `${this.missingKeysMessage(root, role, missing, threshold, signers.length)}: give the server its PKCS#8 PEM private key in keys.${role} (encrypted, with passphrase)`,
        );
      }
    }
    const targetsOnline = this.canSign(
      tenant,
      root.signed,
      'targets',
      given.targets.map((g) => g.signer),
    );
    let offlineTargets: Metadata<Targets> | undefined;
    if (options.targets !== undefined) {
      offlineTargets = parseTargetsJson(options.targets, 'targets metadata');
      try {
        verifyRole(root.signed, 'targets', offlineTargets);
        checkNotExpired(offlineTargets, 'targets', this.clock());
      } catch (e) {
        refused(e, 'targets metadata is refused');
      }
    }

    const previousRootKeys: string[] = [];
    const result = await this.db.transaction().execute(async (trx) => {
      const config = await this.lockTenant(trx, tenant);
      const state = await this.assertImportable(trx, tenant);
      if (state) previousRootKeys.push(...roleKeys(state.root.signed, 'root').map((k) => k.keyID));
      // Keys first (files): the metadata below is signed with them.
      for (const role of ['targets', 'snapshot', 'timestamp'] as const) for (const g of given[role]) this.keys.importTufKey(tenant, role, g.key);
      await trx.deleteFrom('tuf_files').where('tenant', '=', tenant).where('name', 'not like', 'release-request.%').execute();
      await this.writeRoot(trx, tenant, root);
      const now = this.clock();
      const out: ImportRootResult = { rootVersion: 1, targetsOffline: !targetsOnline || config['tuf.targets.offline'] };
      if (offlineTargets) {
        out.published = await this.publish(trx, tenant, { root, snapshot: undefined, timestamp: undefined }, offlineTargets, true, now);
      } else if (out.targetsOffline) {
        // The offline key signs the first (empty) targets; until then the repository has no timestamp.
        const pending = buildTargets(1, expiresAfter(now, DEFAULT_EXPIRY_DAYS.targets), []);
        await this.put(trx, tenant, FILES.pendingTargets, serializeMetadata(pending), true);
        out.pendingTargetsVersion = 1;
      } else {
        const targets = buildTargets(1, expiresAfter(now, DEFAULT_EXPIRY_DAYS.targets), []);
        await this.signChecked(root.signed, 'targets', targets, this.requireSigners(tenant, root, 'targets', 'give the server the targets key'));
        out.published = await this.publish(trx, tenant, { root, snapshot: undefined, timestamp: undefined }, targets, true, now);
      }
      if (!targetsOnline && !config['tuf.targets.offline']) {
        const row = await trx.selectFrom('tenants').select('config').where('id', '=', tenant).executeTakeFirstOrThrow();
        await trx
          .updateTable('tenants')
          .set({ config: JSON.stringify({ ...row.config, 'tuf.targets.offline': true }) })
          .where('id', '=', tenant)
          .execute();
      }
      await this.audit(trx, who, 'tuf.root.import', { type: 'tuf', id: 'root' }, state ? { rootVersion: state.root.signed.version, generated: true } : null, {
        rootVersion: 1,
        keys: Object.fromEntries(TOP_LEVEL_ROLES.map((r) => [r, roleKeys(root.signed, r).map((k) => k.keyID)])),
        givenKeys: Object.fromEntries(Object.entries(given).map(([r, g]) => [r, g.map((x) => x.signer.key.keyID)])),
        targetsOffline: out.targetsOffline,
      });
      return out;
    });
    // The generated root key signs nothing any more; generated online keys the new root does not list neither.
    this.keys.retireTufKeys(tenant, 'root');
    for (const role of ['targets', 'snapshot', 'timestamp'] as const) {
      const keep = this.keys.tufSigners(tenant, role).filter((s) => roleKeys(root.signed, role).some((k) => keyMaterial(k) === keyMaterial(s.key)));
      if (previousRootKeys.length > 0)
        this.keys.retireTufKeys(
          tenant,
          role,
          keep.map((s) => s.key.keyID),
        );
    }
    return result;
  }

  /** The tenant's repository, if it may still be replaced by an imported root; a 409 otherwise. */
  private async assertImportable(db: Db, tenant: string): Promise<RepoState | undefined> {
    const state = await this.loadState(db, tenant);
    if (!state) return undefined;
    // Generated by the server (which then holds its root keys; it may have renewed it since).
    const generated = this.canSign(tenant, state.root.signed, 'root');
    if (!generated)
      throw conflict(
        `tenant ${tenant} already has a TUF repository with root v${state.root.signed.version} from an offline ceremony; replace keys by rotating the root (PUT /rest/v1/tuf/root)`,
      );
    const released = await db
      .selectFrom('distribution_sets')
      .select('id')
      .where('tenant', '=', tenant)
      .where('release_state', '=', 'released')
      .limit(1)
      .executeTakeFirst();
    const targetCount = Object.keys(state.targets?.signed.targets ?? {}).length;
    if (released || targetCount > 0 || state.pending) {
      throw conflict(`tenant ${tenant} has released from its generated repository already; its root can no longer be replaced, only rotated`);
    }
    return state;
  }

  /**
   * Root rotation with root metadata signed offline: version N+1, signed by a threshold of the keys
   * of root N and of its own root keys (TUF §5.3.4). When it changes the snapshot or timestamp
   * keys, snapshot and timestamp are re-signed at once with the new keys — which the server must
   * hold (409 naming the missing key otherwise). A changed targets key re-signs targets when the
   * server holds it and signs targets online; otherwise the offline key must sign targets again.
   */
  async rotateRoot(who: Actor, nextRootJson: unknown): Promise<RotateRootResult> {
    const next = parseRootJson(nextRootJson, 'root metadata');
    const tenant = who.tenant;
    let previous: Metadata<Root> | undefined;
    const rotated = await this.db.transaction().execute(async (trx) => {
      const config = await this.lockTenant(trx, tenant);
      const state = await this.requireState(trx, tenant);
      previous = state.root;
      try {
        verifyRootRotation(state.root, next);
        checkNotExpired(next, 'root', this.clock());
      } catch (e) {
        refused(e, `root v${next.signed.version} is refused`);
      }
      const changedRoles = TOP_LEVEL_ROLES.filter((r) => roleSignature(state.root.signed, r) !== roleSignature(next.signed, r));
      for (const role of ['snapshot', 'timestamp'] as const) {
        if (!changedRoles.includes(role)) continue;
        const { signers, missing, threshold } = this.heldSigners(tenant, next.signed, role);
        if (signers.length < threshold) {
          throw conflict(
            `${this.missingKeysMessage(next, role, missing, threshold, signers.length)}: the server re-signs ${role} metadata at once with the new key, so it must hold it first — add it with POST /rest/v1/tuf/keys/${role} (generate, or upload its PEM), list that key in the root and sign the root again`,
          );
        }
      }
      const now = this.clock();
      const result: RotateRootResult = { rootVersion: next.signed.version, changedRoles, republished: [] };
      let targets = state.targets;
      let targetsIsNew = false;
      let targetsValid = true;
      if (changedRoles.includes('targets') && state.targets) {
        const online = !config['tuf.targets.offline'] && !state.pending && this.canSign(tenant, next.signed, 'targets');
        if (online) {
          targets = buildTargets(state.targets.signed.version + 1, expiresAfter(now, DEFAULT_EXPIRY_DAYS.targets), Object.values(state.targets.signed.targets));
          await this.signChecked(next.signed, 'targets', targets, this.heldSigners(tenant, next.signed, 'targets').signers);
          targetsIsNew = true;
          result.republished.push('targets');
        } else if (!config['tuf.targets.offline']) {
          throw conflict(
            `root v${next.signed.version} changes the targets key to one the server does not hold: add it with POST /rest/v1/tuf/keys/targets, or switch the tenant to offline targets signing (tuf.targets.offline) first`,
          );
        } else if (state.pending) {
          targetsValid = false;
          result.pendingTargetsVersion = state.pending.signed.version; // signed with the new key when submitted
        } else {
          targetsValid = false;
          const pending = buildTargets(
            state.targets.signed.version + 1,
            expiresAfter(now, DEFAULT_EXPIRY_DAYS.targets),
            Object.values(state.targets.signed.targets),
          );
          await this.put(trx, tenant, FILES.pendingTargets, serializeMetadata(pending), true);
          result.pendingTargetsVersion = pending.signed.version;
        }
      }
      await this.writeRoot(trx, tenant, next);
      const keysChanged = changedRoles.includes('snapshot') || changedRoles.includes('timestamp');
      // Until the offline key signs targets again, snapshot and timestamp follow with that submission.
      if (targets && targetsValid && (targetsIsNew || keysChanged)) {
        await this.publish(trx, tenant, { root: next, snapshot: state.snapshot, timestamp: state.timestamp }, targets, targetsIsNew, now);
        result.republished.push('snapshot', 'timestamp');
      }
      const summary = (root: Root) =>
        Object.fromEntries(TOP_LEVEL_ROLES.map((r) => [r, { threshold: root.roles[r]?.threshold, keys: roleKeys(root, r).map((k) => k.keyID) }]));
      await this.audit(
        trx,
        who,
        'tuf.root.rotate',
        { type: 'tuf', id: 'root' },
        { rootVersion: state.root.signed.version, roles: summary(state.root.signed) },
        { rootVersion: next.signed.version, roles: summary(next.signed), republished: result.republished },
      );
      return result;
    });
    // Online keys the new root dropped sign nothing any more.
    for (const role of TOP_LEVEL_ROLES) {
      const kept = new Set(roleKeys(next.signed, role).map(keyMaterial));
      const dropped = new Set(
        roleKeys(previous!.signed, role)
          .map(keyMaterial)
          .filter((m) => !kept.has(m)),
      );
      if (dropped.size === 0) continue;
      const keep = this.keys.tufSigners(tenant, role).filter((s) => !dropped.has(keyMaterial(s.key)));
      this.keys.retireTufKeys(
        tenant,
        role,
        keep.map((s) => s.key.keyID),
      );
    }
    return rotated;
  }

  // --- online keys -------------------------------------------------------------------------------

  /** The online keys the server holds (public parts), and whether the current root lists them. */
  async onlineKeys(tenant: string): Promise<OnlineKeyInfo[]> {
    const state = await this.loadState(this.db, tenant);
    const out: OnlineKeyInfo[] = [];
    for (const role of TOP_LEVEL_ROLES) {
      const listed = state ? new Set(roleKeys(state.root.signed, role).map(keyMaterial)) : new Set<string>();
      for (const signer of this.keys.tufSigners(tenant, role)) {
        out.push({ role, keyid: signer.key.keyID, key: signer.key.toJSON() as Record<string, unknown>, inRoot: listed.has(keyMaterial(signer.key)) });
      }
    }
    return out;
  }

  /**
   * Stage an online key for a later root rotation (or an import): generated by the key service, or
   * adopted from a PKCS#8 PEM. It signs nothing until a root lists it.
   */
  async addOnlineKey(who: Actor, role: OnlineRole, pem?: { privateKey: string; passphrase?: string | undefined }): Promise<OnlineKeyInfo> {
    let signer: Signer;
    if (pem) {
      let key: KeyObject;
      try {
        key = createPrivateKey(pem.passphrase ? { key: pem.privateKey, passphrase: pem.passphrase } : { key: pem.privateKey });
        new KeyObjectSigner(key);
      } catch (cause) {
        throw new ServerError(
          'BAD_REQUEST',
          `privateKey: not a readable Ed25519 or ECDSA P-256 private key (PKCS#8 PEM; encrypted ones need the passphrase): ${(cause as Error).message}`,
          { cause },
        );
      }
      signer = this.keys.importTufKey(who.tenant, role, key);
    } else {
      signer = this.keys.generateTufKeys(who.tenant, [role], this.options.keyType)[role];
    }
    await appendAudit(this.db, {
      tenant: who.tenant,
      at: this.clock(),
      actor: who.actor,
      action: 'tuf.key.add',
      subject: { type: 'tuf-key', id: `${role}/${signer.key.keyID}` },
      before: null,
      after: { role, keyid: signer.key.keyID, source: pem ? 'upload' : 'generated' },
    });
    const state = await this.loadState(this.db, who.tenant);
    const inRoot = state ? roleKeys(state.root.signed, role).some((k) => keyMaterial(k) === keyMaterial(signer.key)) : false;
    return { role, keyid: signer.key.keyID, key: signer.key.toJSON() as Record<string, unknown>, inRoot };
  }

  // --- releases ----------------------------------------------------------------------------------

  /** Whether the tenant requires four-eyes approval of releases. */
  async approvalRequired(tenant: string): Promise<boolean> {
    const row = await this.db.selectFrom('tenants').select('config').where('id', '=', tenant).executeTakeFirst();
    if (!row) throw notFound(`tenant ${tenant}`);
    return parseTenantConfig(row.config)['release.approval.enabled'];
  }

  private async lockDistributionSet(trx: Trx, tenant: string, dsId: number) {
    if (!Number.isSafeInteger(dsId) || dsId <= 0) throw notFound(`distribution set ${dsId}`);
    const ds = await trx.selectFrom('distribution_sets').selectAll().where('tenant', '=', tenant).where('id', '=', dsId).forUpdate().executeTakeFirst();
    if (!ds) throw notFound(`distribution set ${dsId}`);
    return ds;
  }

  /**
   * The TUF target of every artifact of the set's modules. Custom metadata: the module's name and
   * version, the request's securityVersion, hardware and installType, the plaintext's length and
   * hash (an unencrypted artifact is its own plaintext) and the encryption format. One artifact:
   * `<name>-<version>.age|.img`; several: `<module name>-<version>-<filename>`. An artifact that is
   * already a target with the same bytes (and metadata) keeps it; a path taken by other content is
   * a 409 (releases are immutable).
   */
  private async planTargets(db: Db, tenant: string, dsId: number, request: ReleaseRequest, current: Metadata<Targets> | undefined): Promise<PlannedTarget[]> {
    const rows = await db
      .selectFrom('distribution_set_modules as dsm')
      .innerJoin('software_modules as sm', 'sm.id', 'dsm.module_id')
      .innerJoin('artifacts as a', 'a.module_id', 'sm.id')
      .select([
        'sm.id as module_id',
        'sm.name as module_name',
        'sm.version as module_version',
        'a.id',
        'a.filename',
        'a.size',
        'a.sha256',
        'a.escrow_header',
        'a.plaintext_size',
        'a.plaintext_sha256',
        'a.tuf_target',
      ])
      .where('dsm.tenant', '=', tenant)
      .where('dsm.ds_id', '=', dsId)
      .orderBy('sm.id')
      .orderBy('a.id')
      .execute();
    if (rows.length === 0) throw conflict(`distribution set ${dsId} has no artifacts to release`);
    const existing = current?.signed.targets ?? {};
    const planned: PlannedTarget[] = [];
    const paths = new Set<string>();
    for (const a of rows) {
      const length = Number(a.size);
      const base = { artifactId: Number(a.id), moduleId: Number(a.module_id), filename: a.filename, length, sha256: a.sha256 };
      // An artifact that is a target already (an earlier release, an offline release imported with seed).
      const known = a.tuf_target ? existing[a.tuf_target] : undefined;
      if (known && known.length === length && known.hashes.sha256 === a.sha256) {
        planned.push({ info: { ...base, path: known.path, existing: true }, target: known });
        paths.add(known.path);
        continue;
      }
      const encrypted = a.escrow_header !== null;
      if (encrypted && (a.plaintext_size === null || a.plaintext_sha256 === null)) {
        throw conflict(
          `artifact ${a.filename} (id ${a.id}) is encrypted but its plaintext length and hash are unknown: upload it to an encrypted module so the server encrypts it`,
        );
      }
      const custom = parseReleaseCustom({
        name: a.module_name,
        version: a.module_version,
        securityVersion: request.securityVersion,
        hardware: request.hardware,
        installType: request.installType ?? 'image',
        plaintext: encrypted ? { length: Number(a.plaintext_size), sha256: a.plaintext_sha256 } : { length, sha256: a.sha256 },
        encryption: encrypted ? { format: 'age-v1', chunkSize: AGE_CHUNK_SIZE } : { format: 'none' },
      });
      const path = rows.length === 1 ? releaseTargetPath(custom) : `${a.module_name}-${a.module_version}-${a.filename}`;
      const target = buildReleaseTarget({ length, sha256: a.sha256, custom, path });
      if (paths.has(path)) throw conflict(`two artifacts of distribution set ${dsId} would both be TUF target ${path}`);
      paths.add(path);
      const taken = existing[path];
      if (taken) {
        const same = taken.length === length && taken.hashes.sha256 === a.sha256 && canonicalCustom(taken.custom) === canonicalCustom(custom);
        if (!same)
          throw conflict(`TUF target ${path} is already released with other content or metadata; releases are immutable — release a new module version`);
        planned.push({ info: { ...base, path, existing: true }, target: taken });
        continue;
      }
      planned.push({ info: { ...base, path, existing: false }, target });
    }
    return planned;
  }

  private stateOf(ds: { release_state: string }, pendingRelease: PendingRelease | undefined, dsId: number): ReleaseState {
    if (ds.release_state === 'released') return 'released';
    if (pendingRelease?.releases.some((r) => r.dsId === dsId)) return 'pending_signature';
    return ds.release_state as ReleaseState;
  }

  private assertReleasable(
    ds: { id: number; release_state: string; release_requested_by: string | null },
    state: RepoState,
    expected: 'draft' | 'pending_approval',
  ): void {
    const current = this.stateOf(ds, state.pendingRelease, Number(ds.id));
    if (current === 'released') throw conflict(`distribution set ${ds.id} is released already`);
    if (current === 'pending_signature')
      throw conflict(`distribution set ${ds.id} awaits the offline targets signature (targets v${state.pending?.signed.version}): PUT /rest/v1/tuf/targets`);
    if (current !== expected) {
      throw conflict(
        expected === 'draft'
          ? `the release of distribution set ${ds.id} was requested by ${ds.release_requested_by} and awaits approval`
          : `the release of distribution set ${ds.id} has not been requested`,
      );
    }
    if (state.pending) {
      throw conflict(
        `targets v${state.pending.signed.version} awaits the offline targets signature; submit it (PUT /rest/v1/tuf/targets) or discard it (DELETE /rest/v1/tuf/targets/pending) before releasing again`,
      );
    }
  }

  /**
   * Request a release. With four-eyes approval on (`approval`), it is recorded and waits for a
   * second user (pending_approval); otherwise it is released at once (or, with the targets key
   * offline, becomes pending targets metadata).
   */
  async requestRelease(who: Actor, dsId: number, request: ReleaseRequest, options: { approval: boolean }): Promise<ReleaseStatus> {
    if (!options.approval) return this.releaseDistributionSet(who, dsId, request);
    await this.ensureRepository(who.tenant);
    return this.db.transaction().execute(async (trx) => {
      await this.lockTenant(trx, who.tenant);
      const ds = await this.lockDistributionSet(trx, who.tenant, dsId);
      const state = await this.requireState(trx, who.tenant);
      this.assertReleasable(ds, state, 'draft');
      const planned = await this.planTargets(trx, who.tenant, dsId, request, state.targets); // refuse now what would fail at approval
      await this.put(trx, who.tenant, FILES.releaseRequest(dsId), Buffer.from(JSON.stringify(request)), true);
      await trx
        .updateTable('distribution_sets')
        .set({ release_state: 'pending_approval', release_requested_by: who.actor, last_modified_at: this.clock() })
        .where('id', '=', dsId)
        .execute();
      await this.audit(
        trx,
        who,
        'distributionset.release.request',
        { type: 'distributionset', id: String(dsId) },
        { releaseState: ds.release_state },
        { releaseState: 'pending_approval', request, targets: planned.map((p) => p.info.path) },
      );
      return { id: dsId, state: 'pending_approval', requestedBy: who.actor, request, targets: planned.map((p) => p.info) };
    });
  }

  /** Release at once: register the set's artifacts as targets and publish targets, snapshot, timestamp. */
  async releaseDistributionSet(who: Actor, dsId: number, request: ReleaseRequest): Promise<ReleaseStatus> {
    await this.ensureRepository(who.tenant);
    return this.db.transaction().execute(async (trx) => {
      const config = await this.lockTenant(trx, who.tenant);
      const ds = await this.lockDistributionSet(trx, who.tenant, dsId);
      const state = await this.requireState(trx, who.tenant);
      this.assertReleasable(ds, state, 'draft');
      return this.release(trx, who, ds.id, request, {
        requestedBy: who.actor,
        authorizedBy: who.actor,
        offline: config['tuf.targets.offline'],
        state,
        previousState: ds.release_state,
      });
    });
  }

  /**
   * Four-eyes approval: a second person with APPROVE_RELEASE releases what the requester asked
   * for. The requester (also through one of their API tokens) cannot approve their own request.
   */
  async approveRelease(who: Actor, dsId: number): Promise<ReleaseStatus> {
    await this.ensureRepository(who.tenant);
    return this.db.transaction().execute(async (trx) => {
      const config = await this.lockTenant(trx, who.tenant);
      const ds = await this.lockDistributionSet(trx, who.tenant, dsId);
      const state = await this.requireState(trx, who.tenant);
      this.assertReleasable(ds, state, 'pending_approval');
      const requester = ds.release_requested_by ?? '';
      if ((await this.personOf(trx, who.tenant, who.actor)) === (await this.personOf(trx, who.tenant, requester))) {
        throw new ServerError(
          'FORBIDDEN',
          `four-eyes rule: ${who.actor} requested the release of distribution set ${dsId} and cannot approve it; another user with APPROVE_RELEASE must`,
        );
      }
      const stored = await this.file(trx, who.tenant, FILES.releaseRequest(dsId));
      if (!stored) throw conflict(`the release request of distribution set ${dsId} is missing; request the release again`);
      const request = JSON.parse(stored.toString('utf8')) as ReleaseRequest;
      await this.audit(
        trx,
        who,
        'distributionset.release.approve',
        { type: 'distributionset', id: String(dsId) },
        { releaseState: 'pending_approval', requestedBy: requester },
        { approvedBy: who.actor, request },
      );
      const result = await this.release(trx, who, dsId, request, {
        requestedBy: requester,
        authorizedBy: who.actor,
        offline: config['tuf.targets.offline'],
        state,
        previousState: ds.release_state,
      });
      // Kept while the offline signature is pending: discarding it returns the set to pending approval.
      if (result.state === 'released') await this.remove(trx, who.tenant, FILES.releaseRequest(dsId));
      return result;
    });
  }

  /** Who is behind an actor: an API token acts for its owner. */
  private async personOf(db: Db, tenant: string, actor: string): Promise<string> {
    if (!actor.startsWith('token:')) return actor;
    const row = await db
      .selectFrom('api_tokens')
      .select('owner')
      .where('tenant', '=', tenant)
      .where('name', '=', actor.slice('token:'.length))
      .executeTakeFirst();
    return row ? `user:${row.owner.replace(/^user:/, '')}` : actor;
  }

  private async release(
    trx: Trx,
    who: Actor,
    dsId: number,
    request: ReleaseRequest,
    context: { requestedBy: string; authorizedBy: string; offline: boolean; state: RepoState; previousState: string },
  ): Promise<ReleaseStatus> {
    const { state } = context;
    const tenant = who.tenant;
    const planned = await this.planTargets(trx, tenant, dsId, request, state.targets);
    const now = this.clock();
    const fresh = planned.filter((p) => !p.info.existing).map((p) => p.target);
    const targets = buildTargets((state.targets?.signed.version ?? 0) + 1, expiresAfter(now, DEFAULT_EXPIRY_DAYS.targets), [
      ...Object.values(state.targets?.signed.targets ?? {}),
      ...fresh,
    ]);
    const subject = { type: 'distributionset', id: String(dsId) };
    if (context.offline) {
      const pendingRelease: PendingRelease = {
        targetsVersion: targets.signed.version,
        releases: [{ dsId, authorizedBy: context.authorizedBy, artifacts: planned.map((p) => ({ id: p.info.artifactId, path: p.info.path })) }],
      };
      await this.put(trx, tenant, FILES.pendingTargets, serializeMetadata(targets), true);
      await this.put(trx, tenant, FILES.pendingRelease, Buffer.from(JSON.stringify(pendingRelease)), true);
      if (context.previousState === 'draft')
        await trx.updateTable('distribution_sets').set({ release_requested_by: context.requestedBy, last_modified_at: now }).where('id', '=', dsId).execute();
      await this.audit(trx, who, 'distributionset.release.pending', subject, null, {
        targetsVersion: targets.signed.version,
        targets: planned.map((p) => p.info.path),
        request,
      });
      return {
        id: dsId,
        state: 'pending_signature',
        requestedBy: context.requestedBy,
        request,
        targets: planned.map((p) => p.info),
        pendingTargetsVersion: targets.signed.version,
      };
    }
    const signers = this.requireSigners(
      tenant,
      state.root,
      'targets',
      'this tenant signs targets offline: set tuf.targets.offline to true, then sign the pending targets metadata with the offline key',
    );
    await this.signChecked(state.root.signed, 'targets', targets, signers);
    const published = await this.publish(trx, tenant, state, targets, true, now);
    await this.markReleased(
      trx,
      tenant,
      dsId,
      planned.map((p) => ({ id: p.info.artifactId, path: p.info.path })),
      context.requestedBy,
      context.authorizedBy,
      now,
    );
    await this.audit(
      trx,
      who,
      'distributionset.release',
      subject,
      { releaseState: context.previousState },
      { releaseState: 'released', releasedBy: context.authorizedBy, targetPaths: planned.map((p) => p.info.path), request, metadata: published },
    );
    return {
      id: dsId,
      state: 'released',
      requestedBy: context.requestedBy,
      releasedBy: context.authorizedBy,
      releasedAt: now.toISOString(),
      request,
      targets: planned.map((p) => p.info),
      published,
    };
  }

  private async markReleased(
    trx: Trx,
    tenant: string,
    dsId: number,
    artifacts: Array<{ id: number; path: string }>,
    requestedBy: string,
    releasedBy: string,
    now: Date,
  ): Promise<void> {
    for (const a of artifacts) await trx.updateTable('artifacts').set({ tuf_target: a.path }).where('tenant', '=', tenant).where('id', '=', a.id).execute();
    await trx
      .updateTable('distribution_sets')
      .set({ release_state: 'released', release_requested_by: requestedBy, released_by: releasedBy, released_at: now, last_modified_at: now })
      .where('tenant', '=', tenant)
      .where('id', '=', dsId)
      .execute();
  }

  /** A distribution set's release: its state, who asked and who released, and its targets. */
  async releaseStatus(tenant: string, dsId: number): Promise<ReleaseStatus> {
    if (!Number.isSafeInteger(dsId) || dsId <= 0) throw notFound(`distribution set ${dsId}`);
    const ds = await this.db.selectFrom('distribution_sets').selectAll().where('tenant', '=', tenant).where('id', '=', dsId).executeTakeFirst();
    if (!ds) throw notFound(`distribution set ${dsId}`);
    const state = await this.loadState(this.db, tenant);
    const status: ReleaseStatus = { id: dsId, state: this.stateOf(ds, state?.pendingRelease, dsId), targets: [] };
    if (ds.release_requested_by) status.requestedBy = ds.release_requested_by;
    if (ds.released_by) status.releasedBy = ds.released_by;
    if (ds.released_at) status.releasedAt = new Date(ds.released_at).toISOString();
    const request = await this.file(this.db, tenant, FILES.releaseRequest(dsId));
    if (request) status.request = JSON.parse(request.toString('utf8')) as ReleaseRequest;
    if (status.state === 'pending_signature' && state?.pending) status.pendingTargetsVersion = state.pending.signed.version;
    if (status.state !== 'released' && status.state !== 'pending_signature') return status;
    // Released: the artifacts' targets; awaiting the offline signature: the targets it will publish.
    const pendingPaths = new Map((state?.pendingRelease?.releases.find((r) => r.dsId === dsId)?.artifacts ?? []).map((a) => [a.id, a.path]));
    const rows = await this.db
      .selectFrom('distribution_set_modules as dsm')
      .innerJoin('artifacts as a', 'a.module_id', 'dsm.module_id')
      .select(['a.id', 'a.module_id', 'a.filename', 'a.size', 'a.sha256', 'a.tuf_target'])
      .where('dsm.tenant', '=', tenant)
      .where('dsm.ds_id', '=', dsId)
      .orderBy('a.id')
      .execute();
    for (const a of rows) {
      const path = status.state === 'released' ? a.tuf_target : pendingPaths.get(Number(a.id));
      if (path)
        status.targets.push({
          artifactId: Number(a.id),
          moduleId: Number(a.module_id),
          filename: a.filename,
          path,
          length: Number(a.size),
          sha256: a.sha256,
          existing: status.state === 'released',
        });
    }
    return status;
  }

  // --- offline targets -----------------------------------------------------------------------------

  /** The unsigned targets metadata awaiting the offline key, as stored (sign exactly its `signed`). */
  async pendingTargets(tenant: string): Promise<Buffer | undefined> {
    return this.file(this.db, tenant, FILES.pendingTargets);
  }

  /**
   * Publish targets metadata signed by the offline targets key: its signatures must meet the root's
   * targets threshold (400 otherwise) and its content must be exactly the pending metadata (409
   * otherwise). Snapshot and timestamp are then signed online and the pending releases complete.
   */
  async submitTargets(who: Actor, signedJson: unknown): Promise<{ published: PublishedVersions; released: number[] }> {
    const submitted = parseTargetsJson(signedJson, 'targets metadata');
    const tenant = who.tenant;
    return this.db.transaction().execute(async (trx) => {
      await this.lockTenant(trx, tenant);
      const state = await this.requireState(trx, tenant);
      if (!state.pending) throw conflict('no targets metadata awaits a signature');
      try {
        verifyRole(state.root.signed, 'targets', submitted);
      } catch (e) {
        refused(e, `targets v${submitted.signed.version} is not signed by the targets key(s) of root v${state.root.signed.version}`);
      }
      if (!signedBytes(submitted).equals(signedBytes(state.pending))) {
        throw conflict(
          `the submitted targets v${submitted.signed.version} differs from the pending targets v${state.pending.signed.version}: sign exactly what GET /rest/v1/tuf/targets/pending returns`,
        );
      }
      if (state.targets && state.targets.signed.version >= submitted.signed.version) {
        throw conflict(`targets v${state.targets.signed.version} is published already; discard the pending targets and release again`);
      }
      try {
        checkNotExpired(submitted, 'targets', this.clock());
      } catch (e) {
        refused(e, 'targets metadata is refused');
      }
      const now = this.clock();
      const published = await this.publish(trx, tenant, state, submitted, true, now);
      const released: number[] = [];
      for (const r of state.pendingRelease?.releases ?? []) {
        const ds = await trx
          .selectFrom('distribution_sets')
          .select(['release_requested_by', 'release_state'])
          .where('tenant', '=', tenant)
          .where('id', '=', r.dsId)
          .executeTakeFirst();
        if (!ds) continue;
        await this.markReleased(trx, tenant, r.dsId, r.artifacts, ds.release_requested_by ?? r.authorizedBy, r.authorizedBy, now);
        await this.remove(trx, tenant, FILES.releaseRequest(r.dsId));
        await this.audit(
          trx,
          who,
          'distributionset.release',
          { type: 'distributionset', id: String(r.dsId) },
          { releaseState: ds.release_state },
          { releaseState: 'released', releasedBy: r.authorizedBy, signedOffline: true, targetPaths: r.artifacts.map((a) => a.path), metadata: published },
        );
        released.push(r.dsId);
      }
      await this.remove(trx, tenant, FILES.pendingTargets, FILES.pendingRelease);
      await this.audit(trx, who, 'tuf.targets.submit', { type: 'tuf', id: 'targets' }, null, {
        ...published,
        keys: Object.keys(submitted.signatures),
        released,
      });
      return { published, released };
    });
  }

  /** Drop the pending targets metadata: its releases go back to where they were (draft or pending approval). */
  async discardPendingTargets(who: Actor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.lockTenant(trx, who.tenant);
      const state = await this.requireState(trx, who.tenant);
      if (!state.pending) throw notFound('pending targets metadata');
      await this.remove(trx, who.tenant, FILES.pendingTargets, FILES.pendingRelease);
      await this.audit(
        trx,
        who,
        'tuf.targets.discard',
        { type: 'tuf', id: 'targets' },
        { targetsVersion: state.pending.signed.version, releases: state.pendingRelease?.releases.map((r) => r.dsId) ?? [] },
        null,
      );
    });
  }

  // --- re-signing before expiry ----------------------------------------------------------------------

  /**
   * Re-sign what expires within half its lifetime (DEFAULT_EXPIRY_DAYS): the timestamp; with it the
   * snapshot, targets when the server signs targets online, and a root the server generated. Each
   * as version + 1, same content and keys. Nothing happens when nothing is due; a due role whose
   * key the server lacks (an offline root or targets key) is reported in `skipped`.
   */
  async refreshTimestamp(tenant: string, now: Date = this.clock()): Promise<RefreshResult> {
    return this.db.transaction().execute(async (trx) => {
      const config = await this.lockTenant(trx, tenant);
      const state = await this.loadState(trx, tenant);
      if (!state?.timestamp || !state.snapshot || !state.targets) return { refreshed: [] };
      const due = (md: AnyMetadata, role: TopLevelRole) => new Date(md.signed.expires).getTime() - now.getTime() < (DEFAULT_EXPIRY_DAYS[role] * DAY) / 2;
      const refreshed: TopLevelRole[] = [];
      let targets = state.targets;
      let targetsIsNew = false;
      let skipped: string | undefined;
      if (due(state.root, 'root')) {
        // A root the server generated, it renews itself (same keys, version + 1); an offline root is the ceremony's.
        const { signers, threshold } = this.heldSigners(tenant, state.root.signed, 'root');
        if (signers.length >= threshold) {
          const root = nextRoot(state.root, { expires: expiresAfter(now, DEFAULT_EXPIRY_DAYS.root) });
          await signMetadata(root, signers);
          verifyRootRotation(state.root, root);
          await this.writeRoot(trx, tenant, root);
          refreshed.push('root');
        } else {
          skipped = `root v${state.root.signed.version} expires at ${state.root.signed.expires}: sign its successor offline (PUT /rest/v1/tuf/root)`;
        }
      }
      if (due(state.targets, 'targets')) {
        if (!config['tuf.targets.offline'] && !state.pending && this.canSign(tenant, state.root.signed, 'targets')) {
          targets = buildTargets(state.targets.signed.version + 1, expiresAfter(now, DEFAULT_EXPIRY_DAYS.targets), Object.values(state.targets.signed.targets));
          await this.signChecked(state.root.signed, 'targets', targets, this.heldSigners(tenant, state.root.signed, 'targets').signers);
          targetsIsNew = true;
          refreshed.push('targets');
        } else {
          skipped = [skipped, `targets v${state.targets.signed.version} expires at ${state.targets.signed.expires}: the offline targets key must sign it again`]
            .filter(Boolean)
            .join('; ');
        }
      }
      // Snapshot: re-signed when targets changed or it is due itself; timestamp then always.
      const snapshotDue = targetsIsNew || due(state.snapshot, 'snapshot');
      if (!snapshotDue && !due(state.timestamp, 'timestamp')) return skipped ? { refreshed, skipped } : { refreshed };
      for (const role of snapshotDue ? (['snapshot', 'timestamp'] as const) : (['timestamp'] as const)) {
        if (!this.canSign(tenant, state.root.signed, role)) {
          const { missing, threshold, signers } = this.heldSigners(tenant, state.root.signed, role);
          return { refreshed: [], skipped: this.missingKeysMessage(state.root, role, missing, threshold, signers.length) };
        }
      }
      if (snapshotDue) {
        await this.publish(trx, tenant, state, targets, targetsIsNew, now);
        refreshed.push('snapshot', 'timestamp');
      } else {
        const timestamp = buildTimestamp(state.timestamp.signed.version + 1, expiresAfter(now, DEFAULT_EXPIRY_DAYS.timestamp), state.snapshot);
        await this.signChecked(state.root.signed, 'timestamp', timestamp, this.heldSigners(tenant, state.root.signed, 'timestamp').signers);
        await this.put(trx, tenant, FILES.timestamp, serializeMetadata(timestamp), true);
        refreshed.push('timestamp');
      }
      return skipped ? { refreshed, skipped } : { refreshed };
    });
  }

  /**
   * The periodic job: give every tenant without a repository one, and re-sign the timestamps due
   * for it (one query reads every tenant's timestamp; only due tenants are locked).
   */
  /** The last "cannot re-sign" message per tenant, so the periodic job reports each once. */
  private readonly reported = new Map<string, string>();

  async refreshAll(now: Date = this.clock(), log: (tenant: string, message: string, error?: unknown) => void = () => undefined): Promise<void> {
    const bare = await this.db
      .selectFrom('tenants as t')
      .leftJoin('tuf_files as f', (join) => join.onRef('f.tenant', '=', 't.id').on('f.name', '=', FILES.latestRoot))
      .select('t.id')
      .where('f.name', 'is', null)
      .execute();
    for (const { id } of bare) {
      try {
        // root.json is written with every root; a tenant with only N.root.json files (seeded) is not bare.
        if (!(await this.hasRepository(id))) await this.ensureRepository(id);
      } catch (error) {
        log(id, 'creating the TUF repository failed', error);
      }
    }
    const rows = await this.db.selectFrom('tuf_files').select(['tenant', 'bytes']).where('name', '=', FILES.timestamp).execute();
    for (const row of rows) {
      try {
        const timestamp = parseMetadata('timestamp', row.bytes);
        if (new Date(timestamp.signed.expires).getTime() - now.getTime() >= (DEFAULT_EXPIRY_DAYS.timestamp * DAY) / 2) continue;
        const result = await this.refreshTimestamp(row.tenant, now);
        if (result.skipped && this.reported.get(row.tenant) !== result.skipped) log(row.tenant, result.skipped);
        if (result.skipped) this.reported.set(row.tenant, result.skipped);
        else this.reported.delete(row.tenant);
      } catch (error) {
        log(row.tenant, 'refreshing the TUF timestamp failed', error);
      }
    }
  }
}
