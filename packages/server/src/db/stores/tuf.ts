/**
 * A tenant's TUF repository as stored: `tuf_files`, one row per file, in the layout tuf-js reads
 * (http/tuf.ts serves exactly these names):
 *   N.root.json, root.json (= the newest root), V.targets.json, V.snapshot.json, timestamp.json
 * and, never served (the public route accepts only the names above):
 *   pending.targets.json           unsigned targets metadata awaiting the offline targets key
 *   pending.release.json           which distribution sets that pending metadata releases
 *   release-request.<ds>.json      a four-eyes release request awaiting approval
 *
 * Versioned files are immutable: a second write of one is a bug and aborts the transaction.
 * Bytes are stored and served as written (`serializeMetadata`): snapshot and timestamp hash them
 * and clients verify signatures over them, so nothing here ever re-serialises a served file.
 */
import { parseMetadata, serializeMetadata } from '@osprey/core';
import type { Metadata, Root, Snapshot, Targets, Timestamp } from '@tufjs/models';
import { notFound } from '../../errors.js';
import type { Db } from './common.js';

/** The metadata a repository holds now: the newest root, the published roles, the pending targets. */
export interface TufMetadataSet {
  root: Metadata<Root>;
  targets?: Metadata<Targets> | undefined;
  snapshot?: Metadata<Snapshot> | undefined;
  timestamp?: Metadata<Timestamp> | undefined;
  /** Unsigned targets metadata awaiting the offline targets key. */
  pending?: Metadata<Targets> | undefined;
}

/**
 * What one change writes: each metadata present is a new version (root.json and timestamp.json,
 * the entry points, are replaced); `pending: null` drops the pending targets and what they release.
 */
export interface TufWrites {
  root?: Metadata<Root> | undefined;
  targets?: Metadata<Targets> | undefined;
  snapshot?: Metadata<Snapshot> | undefined;
  timestamp?: Metadata<Timestamp> | undefined;
  pending?: Metadata<Targets> | null | undefined;
}

/** Which distribution sets the pending targets metadata releases, once the offline key signed it. */
export interface PendingRelease {
  targetsVersion: number;
  releases: Array<{ dsId: number; authorizedBy: string; artifacts: Array<{ id: number; path: string }> }>;
}

export const TUF_FILES = {
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
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

export class TufStore {
  constructor(private readonly db: Db) {}

  /**
   * Lock the tenant row until the transaction ends (FOR NO KEY UPDATE, the lock the audit log
   * takes too): repository changes of a tenant then run one after another, on PGlite and across
   * PostgreSQL instances alike. Returns the tenant's stored configuration.
   */
  async lockTenant(tenant: string): Promise<Record<string, unknown>> {
    const row = await this.db.selectFrom('tenants').select(['id', 'config']).where('id', '=', tenant).forNoKeyUpdate().executeTakeFirst();
    if (!row) throw notFound(`tenant ${tenant}`);
    return row.config;
  }

  async file(tenant: string, name: string): Promise<Buffer | undefined> {
    const row = await this.db.selectFrom('tuf_files').select('bytes').where('tenant', '=', tenant).where('name', '=', name).executeTakeFirst();
    return row ? Buffer.from(row.bytes) : undefined;
  }

  /** The newest root version (the highest N of `N.root.json`), undefined without a repository. */
  async rootVersion(tenant: string): Promise<number | undefined> {
    const rows = await this.db.selectFrom('tuf_files').select('name').where('tenant', '=', tenant).where('name', 'like', '%.root.json').execute();
    const versions = rows
      .map((r) => ROOT_FILE.exec(r.name)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number);
    return versions.length === 0 ? undefined : Math.max(...versions);
  }

  /** The bytes of the newest `N.root.json`. */
  async newestRoot(tenant: string): Promise<Buffer | undefined> {
    const version = await this.rootVersion(tenant);
    return version === undefined ? undefined : this.file(tenant, TUF_FILES.root(version));
  }

  /**
   * The repository as a client walks it: the newest root, then timestamp → the snapshot it names
   * → the targets that snapshot names; and the pending targets. Undefined without a root.
   */
  async load(tenant: string): Promise<TufMetadataSet | undefined> {
    const rootBytes = await this.newestRoot(tenant);
    if (!rootBytes) return undefined;
    const root = parseMetadata('root', rootBytes);
    const timestampBytes = await this.file(tenant, TUF_FILES.timestamp);
    const timestamp = timestampBytes ? parseMetadata('timestamp', timestampBytes) : undefined;
    const snapshotBytes = timestamp ? await this.file(tenant, TUF_FILES.snapshot(timestamp.signed.snapshotMeta.version)) : undefined;
    const snapshot = snapshotBytes ? parseMetadata('snapshot', snapshotBytes) : undefined;
    const targetsVersion = snapshot?.signed.meta['targets.json']?.version;
    const targetsBytes = targetsVersion === undefined ? undefined : await this.file(tenant, TUF_FILES.targets(targetsVersion));
    const targets = targetsBytes ? parseMetadata('targets', targetsBytes) : undefined;
    const pendingBytes = await this.file(tenant, TUF_FILES.pendingTargets);
    const pending = pendingBytes ? parseMetadata('targets', pendingBytes) : undefined;
    return { root, targets, snapshot, timestamp, pending };
  }

  /** Write what a change produced; timestamp.json, the entry point, last. */
  async write(tenant: string, writes: TufWrites, now: Date): Promise<void> {
    if (writes.root) {
      const bytes = serializeMetadata(writes.root);
      await this.put(tenant, TUF_FILES.root(writes.root.signed.version), bytes, now, false);
      await this.put(tenant, TUF_FILES.latestRoot, bytes, now, true);
    }
    if (writes.targets) await this.put(tenant, TUF_FILES.targets(writes.targets.signed.version), serializeMetadata(writes.targets), now, false);
    if (writes.snapshot) await this.put(tenant, TUF_FILES.snapshot(writes.snapshot.signed.version), serializeMetadata(writes.snapshot), now, false);
    if (writes.pending === null) await this.remove(tenant, TUF_FILES.pendingTargets, TUF_FILES.pendingRelease);
    else if (writes.pending) await this.put(tenant, TUF_FILES.pendingTargets, serializeMetadata(writes.pending), now, true);
    if (writes.timestamp) await this.put(tenant, TUF_FILES.timestamp, serializeMetadata(writes.timestamp), now, true);
  }

  /** An imported root replaces the generated repository: every file goes, but open release requests. */
  async clearForImport(tenant: string): Promise<void> {
    await this.db.deleteFrom('tuf_files').where('tenant', '=', tenant).where('name', 'not like', 'release-request.%').execute();
  }

  // --- the bookkeeping of releases (never served) --------------------------------------------------

  async pendingRelease(tenant: string): Promise<PendingRelease | undefined> {
    const bytes = await this.file(tenant, TUF_FILES.pendingRelease);
    return bytes ? (JSON.parse(bytes.toString('utf8')) as PendingRelease) : undefined;
  }

  async putPendingRelease(tenant: string, pending: PendingRelease, now: Date): Promise<void> {
    await this.put(tenant, TUF_FILES.pendingRelease, json(pending), now, true);
  }

  /** A four-eyes release request as recorded (the request body, validated when it was made). */
  async releaseRequest(tenant: string, dsId: number): Promise<unknown> {
    const bytes = await this.file(tenant, TUF_FILES.releaseRequest(dsId));
    return bytes ? (JSON.parse(bytes.toString('utf8')) as unknown) : undefined;
  }

  async putReleaseRequest(tenant: string, dsId: number, request: object, now: Date): Promise<void> {
    await this.put(tenant, TUF_FILES.releaseRequest(dsId), json(request), now, true);
  }

  async removeReleaseRequest(tenant: string, dsId: number): Promise<void> {
    await this.remove(tenant, TUF_FILES.releaseRequest(dsId));
  }

  // --- across tenants (the periodic job) and for serving --------------------------------------------

  /** Tenants without `root.json`; root.json is written with every root, so a seeded tenant with only N.root.json files is listed too. */
  async tenantsWithoutLatestRoot(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('tenants as t')
      .leftJoin('tuf_files as f', (join) => join.onRef('f.tenant', '=', 't.id').on('f.name', '=', TUF_FILES.latestRoot))
      .select('t.id')
      .where('f.name', 'is', null)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Every tenant's timestamp.json (one query: the periodic job locks only the tenants that are due). */
  async timestamps(): Promise<Array<{ tenant: string; bytes: Buffer }>> {
    const rows = await this.db.selectFrom('tuf_files').select(['tenant', 'bytes']).where('name', '=', TUF_FILES.timestamp).execute();
    return rows.map((r) => ({ tenant: r.tenant, bytes: Buffer.from(r.bytes) }));
  }

  /** An encrypted artifact that is TUF target `path` with these bytes (only those are served publicly). */
  async encryptedTarget(tenant: string, sha256: string, path: string): Promise<{ size: number; sha256: string } | undefined> {
    const row = await this.db
      .selectFrom('artifacts')
      .select(['size', 'sha256'])
      .where('tenant', '=', tenant)
      .where('sha256', '=', sha256)
      .where('tuf_target', '=', path)
      .where('escrow_header', 'is not', null)
      .executeTakeFirst();
    return row ? { size: Number(row.size), sha256: row.sha256 } : undefined;
  }

  // --- rows ------------------------------------------------------------------------------------------

  private async put(tenant: string, name: string, bytes: Buffer, now: Date, replace: boolean): Promise<void> {
    const insert = this.db.insertInto('tuf_files').values({ tenant, name, bytes });
    await (replace ? insert.onConflict((oc) => oc.columns(['tenant', 'name']).doUpdateSet({ bytes, created_at: now })) : insert).execute();
  }

  private async remove(tenant: string, ...names: string[]): Promise<void> {
    if (names.length > 0) await this.db.deleteFrom('tuf_files').where('tenant', '=', tenant).where('name', 'in', names).execute();
  }
}
