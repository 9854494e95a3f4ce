/**
 * Software modules and their artifacts (the rows; the bytes are in the blob store). Every query
 * names the tenant, except `blobInUse`: blobs are content-addressed and shared by all tenants.
 */
import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import { MODULE_FIELDS } from '../fields.js';
import type { ArtifactsTable, Database, SoftwareModulesTable } from '../schema.js';
import { pageOf, type Db, type Page } from './common.js';
import { pageRequestOf, type ListQuery } from './list-query.js';

export type SoftwareModuleRow = Selectable<SoftwareModulesTable>;
export type ArtifactRow = Selectable<ArtifactsTable>;

export class SoftwareModuleStore {
  constructor(private readonly db: Db) {}

  async page(tenant: string, query: ListQuery): Promise<Page<SoftwareModuleRow>> {
    const request = pageRequestOf(query, MODULE_FIELDS);
    return pageOf(this.db.selectFrom('software_modules').selectAll().where('tenant', '=', tenant), request);
  }

  async byId(tenant: string, id: number): Promise<SoftwareModuleRow | undefined> {
    return this.db.selectFrom('software_modules').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  }

  async insert(values: Insertable<SoftwareModulesTable>): Promise<SoftwareModuleRow> {
    return this.db.insertInto('software_modules').values(values).returningAll().executeTakeFirstOrThrow();
  }

  /**
   * Lock the module's row until the transaction ends. Adding it to a distribution set takes a
   * key-share lock on the same row (the foreign key), so the two wait for each other: a check of
   * aSetUsing after this sees every set membership committed before, and none can slip in after.
   */
  async lockModule(tenant: string, id: number): Promise<boolean> {
    const row = await this.db.selectFrom('software_modules').select('id').where('tenant', '=', tenant).where('id', '=', id).forUpdate().executeTakeFirst();
    return row !== undefined;
  }

  /** A distribution set this module belongs to, if any (a module in use is not deleted). */
  async aSetUsing(tenant: string, moduleId: number): Promise<{ ds_id: number } | undefined> {
    return this.db
      .selectFrom('distribution_set_modules')
      .select('ds_id')
      .where('tenant', '=', tenant)
      .where('module_id', '=', moduleId)
      .limit(1)
      .executeTakeFirst();
  }

  /** Delete a module with its artifact rows (their blobs stay: other artifacts may share them). */
  async delete(tenant: string, id: number): Promise<void> {
    await this.db.deleteFrom('artifacts').where('tenant', '=', tenant).where('module_id', '=', id).execute();
    await this.db.deleteFrom('software_modules').where('tenant', '=', tenant).where('id', '=', id).execute();
  }

  /** Uploading an encrypted payload makes its module an encrypted one. */
  async markEncrypted(tenant: string, id: number): Promise<void> {
    await this.db.updateTable('software_modules').set({ encrypted: true }).where('tenant', '=', tenant).where('id', '=', id).execute();
  }

  // --- artifacts -------------------------------------------------------------------------------

  async artifactsOf(tenant: string, moduleId: number): Promise<ArtifactRow[]> {
    return this.db.selectFrom('artifacts').selectAll().where('tenant', '=', tenant).where('module_id', '=', moduleId).orderBy('id').execute();
  }

  /** Record that an artifact's blob is damaged; undefined when it was already recorded (the first finding stays). */
  async markDamaged(tenant: string, artifactId: number, damage: string, now: Date): Promise<ArtifactRow | undefined> {
    return this.db
      .updateTable('artifacts')
      .set({ damaged_at: now, damage })
      .where('tenant', '=', tenant)
      .where('id', '=', artifactId)
      .where('damaged_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }

  /** An artifact of this module, or undefined (also for an artifact of another module). */
  async artifact(tenant: string, moduleId: number, artifactId: number): Promise<ArtifactRow | undefined> {
    return this.db
      .selectFrom('artifacts')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('module_id', '=', moduleId)
      .where('id', '=', artifactId)
      .executeTakeFirst();
  }

  /** The escrow header of the artifact signed as this TUF target (null: not encrypted). */
  async escrowHeaderOf(tenant: string, tufTarget: string): Promise<{ escrow_header: Buffer | null } | undefined> {
    return this.db.selectFrom('artifacts').select('escrow_header').where('tenant', '=', tenant).where('tuf_target', '=', tufTarget).executeTakeFirst();
  }

  /** Delete one artifact row of this module; undefined when there is none (its blob stays: see blob-gc.ts). */
  async deleteArtifact(tenant: string, moduleId: number, artifactId: number): Promise<ArtifactRow | undefined> {
    return this.db
      .deleteFrom('artifacts')
      .where('tenant', '=', tenant)
      .where('module_id', '=', moduleId)
      .where('id', '=', artifactId)
      .returningAll()
      .executeTakeFirst();
  }

  /** Record an artifact; undefined when the module already has one of that file name. */
  async insertArtifact(values: Insertable<ArtifactsTable>): Promise<ArtifactRow | undefined> {
    return this.db
      .insertInto('artifacts')
      .values(values)
      .onConflict((oc) => oc.columns(['module_id', 'filename']).doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * Does any artifact, of any tenant, refer to this blob? Blobs are named by their SHA-256 and
   * shared, so this is the one question asked across tenants; it reveals nothing to a caller.
   */
  async blobInUse(sha256: string): Promise<boolean> {
    return (await this.db.selectFrom('artifacts').select('id').where('sha256', '=', sha256).limit(1).executeTakeFirst()) !== undefined;
  }

  /**
   * Run `work` holding this blob's lock (a transaction-scoped advisory lock; in a transaction of
   * its own unless this store is already in one). Whoever removes a blob, and whoever records a
   * row naming one, take it: so a blob is never removed between an upload's check that it is
   * still there and the commit of its row (see domain/blob-gc.ts).
   */
  async underBlobLock<T>(sha256: string, work: (store: SoftwareModuleStore) => Promise<T>): Promise<T> {
    const run = async (trx: Db) => {
      await sql`select pg_advisory_xact_lock(${BLOB_LOCK_SPACE}, hashtext(${sha256}))`.execute(trx);
      return work(new SoftwareModuleStore(trx));
    };
    return this.db.isTransaction ? run(this.db) : (this.db as Kysely<Database>).transaction().execute(run);
  }
}

/** The first key of the blob locks' advisory lock pairs (an arbitrary constant: "blob" in ASCII). */
const BLOB_LOCK_SPACE = 0x626c6f62;
