/**
 * Metadata of targets, software modules and distribution sets: a list of `{key, value}` (software
 * modules add `targetVisible`: shown to devices in the deployment) kept as one jsonb column of the
 * owner's row. Changes lock the owner row, so concurrent changes of one owner's metadata never
 * lose an entry.
 */
import type { Db } from './common.js';

export type MetadataOwner = 'targets' | 'software_modules' | 'distribution_sets';

export interface MetadataItem {
  key: string;
  value: string;
  targetVisible?: boolean;
}

export class MetadataStore {
  constructor(private readonly db: Db) {}

  /**
   * The owner's id and metadata, a target found by controllerId, a module or set by id, inside
   * the tenant; `lock` holds the row until the transaction ends.
   */
  async find(
    owner: MetadataOwner,
    tenant: string,
    ref: string | number,
    options: { lock?: boolean } = {},
  ): Promise<{ id: number; items: MetadataItem[] } | undefined> {
    const lock = options.lock ?? false;
    let row: { id: number; metadata: MetadataItem[] | null } | undefined;
    if (owner === 'targets') {
      if (typeof ref !== 'string') return undefined;
      const q = this.db.selectFrom('targets').select(['id', 'metadata']).where('tenant', '=', tenant).where('controller_id', '=', ref);
      row = await (lock ? q.forUpdate() : q).executeTakeFirst();
    } else {
      if (typeof ref !== 'number') return undefined;
      const q = this.db.selectFrom(owner).select(['id', 'metadata']).where('tenant', '=', tenant).where('id', '=', ref);
      row = await (lock ? q.forUpdate() : q).executeTakeFirst();
    }
    return row ? { id: row.id, items: row.metadata ?? [] } : undefined;
  }

  /** Replace the owner's metadata list (the owner row is locked by `find` in this transaction). */
  async replace(owner: MetadataOwner, tenant: string, id: number, items: readonly MetadataItem[]): Promise<void> {
    await this.db
      .updateTable(owner)
      .set({ metadata: JSON.stringify(items) })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .execute();
  }
}
