/**
 * What a deployment gives a device, read from the catalogue: a distribution set's software
 * modules and their artifacts, a set found by name and version, whether the tenant has a TUF
 * repository. A read model for the DDI side (the catalogue's own stores own its writes); every
 * query and join carries the tenant.
 */
import type { Selectable } from 'kysely';
import type { ArtifactsTable } from '../schema.js';
import type { Db } from './common.js';

export type ArtifactRow = Selectable<ArtifactsTable>;

export interface DeploymentModule {
  id: number;
  typeKey: string;
  name: string;
  version: string;
  encrypted: boolean;
  /** Metadata entries the module marks `targetVisible` (hawkBit shows only those to devices). */
  visibleMetadata: Array<{ key: string; value: string }>;
}

export class DeploymentContentStore {
  constructor(private readonly db: Db) {}

  /** The set's modules in id order; a link to a module of another tenant is not followed. */
  async modulesOfSet(tenant: string, dsId: number): Promise<DeploymentModule[]> {
    const rows = await this.db
      .selectFrom('distribution_set_modules as dsm')
      .innerJoin('software_modules as sm', (join) => join.onRef('sm.id', '=', 'dsm.module_id').onRef('sm.tenant', '=', 'dsm.tenant'))
      .select(['sm.id', 'sm.type_key', 'sm.name', 'sm.version', 'sm.encrypted', 'sm.metadata'])
      .where('dsm.tenant', '=', tenant)
      .where('dsm.ds_id', '=', dsId)
      .orderBy('sm.id')
      .execute();
    return rows.map((m) => ({
      id: Number(m.id),
      typeKey: m.type_key,
      name: m.name,
      version: m.version,
      encrypted: m.encrypted,
      visibleMetadata: m.metadata.filter((md) => md.targetVisible).map(({ key, value }) => ({ key, value })),
    }));
  }

  /** The artifacts a device is offered: a damaged one (its stored bytes are not the recorded ones) is no longer listed. */
  async offeredArtifactsOf(tenant: string, moduleId: number): Promise<ArtifactRow[]> {
    return this.db
      .selectFrom('artifacts')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('module_id', '=', moduleId)
      .where('damaged_at', 'is', null)
      .orderBy('id')
      .execute();
  }

  async artifact(tenant: string, moduleId: number, filename: string): Promise<ArtifactRow | undefined> {
    return this.db
      .selectFrom('artifacts')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('module_id', '=', moduleId)
      .where('filename', '=', filename)
      .executeTakeFirst();
  }

  async setByNameVersion(tenant: string, name: string, version: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('distribution_sets')
      .select('id')
      .where('tenant', '=', tenant)
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
    return row ? Number(row.id) : undefined;
  }

  /** Whether the tenant publishes a TUF repository (it has a timestamp), which a deployment then names. */
  async hasTufRepository(tenant: string): Promise<boolean> {
    const row = await this.db.selectFrom('tuf_files').select('name').where('tenant', '=', tenant).where('name', '=', 'timestamp.json').executeTakeFirst();
    return row !== undefined;
  }
}
