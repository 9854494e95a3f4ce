/**
 * The release columns of distribution sets (`release_state`, who requested and who released it)
 * and the artifacts' TUF target paths. Every query carries the tenant, on every joined table too.
 */
import type { Selectable } from 'kysely';
import type { DistributionSetsTable } from '../schema.js';
import type { Db } from './common.js';

export type ReleaseColumnState = Selectable<DistributionSetsTable>['release_state'];

export interface ReleaseRow {
  id: number;
  release_state: ReleaseColumnState;
  release_requested_by: string | null;
  released_by: string | null;
  released_at: Date | null;
}

/** An artifact of a set's modules, with what a TUF target of it needs. */
export interface ReleaseArtifactRow {
  module_id: number;
  module_name: string;
  module_version: string;
  id: number;
  filename: string;
  size: number;
  sha256: string;
  escrow_header: Buffer | null;
  plaintext_size: number | null;
  plaintext_sha256: string | null;
  tuf_target: string | null;
}

const RELEASE_COLUMNS = ['id', 'release_state', 'release_requested_by', 'released_by', 'released_at'] as const;

export class ReleaseStore {
  constructor(private readonly db: Db) {}

  async distributionSet(tenant: string, dsId: number): Promise<ReleaseRow | undefined> {
    return this.db.selectFrom('distribution_sets').select(RELEASE_COLUMNS).where('tenant', '=', tenant).where('id', '=', dsId).executeTakeFirst();
  }

  /** The same, locked until the transaction ends: one release decision per set at a time. */
  async lockDistributionSet(tenant: string, dsId: number): Promise<ReleaseRow | undefined> {
    return this.db.selectFrom('distribution_sets').select(RELEASE_COLUMNS).where('tenant', '=', tenant).where('id', '=', dsId).forUpdate().executeTakeFirst();
  }

  /** Every artifact of the set's modules, by module then artifact (the order targets are planned in). */
  async artifactsToRelease(tenant: string, dsId: number): Promise<ReleaseArtifactRow[]> {
    return this.db
      .selectFrom('distribution_set_modules as dsm')
      .innerJoin('software_modules as sm', (join) => join.onRef('sm.id', '=', 'dsm.module_id').onRef('sm.tenant', '=', 'dsm.tenant'))
      .innerJoin('artifacts as a', (join) => join.onRef('a.module_id', '=', 'sm.id').onRef('a.tenant', '=', 'sm.tenant'))
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
  }

  /** The set's artifacts by id, with their target paths (a release's status). */
  async artifactsOf(
    tenant: string,
    dsId: number,
  ): Promise<Array<{ id: number; module_id: number; filename: string; size: number; sha256: string; tuf_target: string | null }>> {
    return this.db
      .selectFrom('distribution_set_modules as dsm')
      .innerJoin('artifacts as a', (join) => join.onRef('a.module_id', '=', 'dsm.module_id').onRef('a.tenant', '=', 'dsm.tenant'))
      .select(['a.id', 'a.module_id', 'a.filename', 'a.size', 'a.sha256', 'a.tuf_target'])
      .where('dsm.tenant', '=', tenant)
      .where('dsm.ds_id', '=', dsId)
      .orderBy('a.id')
      .execute();
  }

  /** draft → pending_approval (four-eyes), remembering who asked. */
  async requestApproval(tenant: string, dsId: number, requestedBy: string, now: Date): Promise<void> {
    await this.db
      .updateTable('distribution_sets')
      .set({ release_state: 'pending_approval', release_requested_by: requestedBy, last_modified_at: now })
      .where('tenant', '=', tenant)
      .where('id', '=', dsId)
      .execute();
  }

  /** Who asked for a release that now awaits the offline targets signature (the state stays). */
  async recordRequester(tenant: string, dsId: number, requestedBy: string, now: Date): Promise<void> {
    await this.db
      .updateTable('distribution_sets')
      .set({ release_requested_by: requestedBy, last_modified_at: now })
      .where('tenant', '=', tenant)
      .where('id', '=', dsId)
      .execute();
  }

  /** → released: each artifact names its TUF target, the set who asked and who released it. */
  async markReleased(
    tenant: string,
    dsId: number,
    artifacts: ReadonlyArray<{ id: number; path: string }>,
    by: { requestedBy: string; releasedBy: string },
    now: Date,
  ): Promise<void> {
    for (const a of artifacts) await this.db.updateTable('artifacts').set({ tuf_target: a.path }).where('tenant', '=', tenant).where('id', '=', a.id).execute();
    await this.db
      .updateTable('distribution_sets')
      .set({ release_state: 'released', release_requested_by: by.requestedBy, released_by: by.releasedBy, released_at: now, last_modified_at: now })
      .where('tenant', '=', tenant)
      .where('id', '=', dsId)
      .execute();
  }

  /** Whether any set of the tenant was released. */
  async anyReleased(tenant: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('distribution_sets')
      .select('id')
      .where('tenant', '=', tenant)
      .where('release_state', '=', 'released')
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The owner of an API token (the four-eyes rule looks behind tokens); may move to the users store. */
  async tokenOwner(tenant: string, tokenName: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('api_tokens').select('owner').where('tenant', '=', tenant).where('name', '=', tokenName).executeTakeFirst();
    return row?.owner;
  }
}
