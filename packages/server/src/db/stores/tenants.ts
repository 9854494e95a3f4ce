/** Tenants and their configuration (hawkBit's tenant configuration keys, stored as one jsonb object). */
import { sql } from 'kysely';
import { notFound } from '../../errors.js';
import { conflictOnDuplicate, type Db } from './common.js';

export class TenantStore {
  constructor(private readonly db: Db) {}

  async exists(tenant: string): Promise<boolean> {
    return (await this.db.selectFrom('tenants').select('id').where('id', '=', tenant).executeTakeFirst()) !== undefined;
  }

  /** Whether any tenant exists (the first start makes one). */
  async any(): Promise<boolean> {
    return (await this.db.selectFrom('tenants').select('id').limit(1).executeTakeFirst()) !== undefined;
  }

  /** The existing tenant whose id equals `id` ignoring case, if any. */
  async sameIdIgnoringCase(id: string): Promise<string | undefined> {
    return (
      await this.db
        .selectFrom('tenants')
        .select('id')
        .where(sql<string>`lower(id)`, '=', id.toLowerCase())
        .executeTakeFirst()
    )?.id;
  }

  /** A new tenant with the default configuration (no key set); an existing id is a 409. */
  async create(id: string): Promise<void> {
    await conflictOnDuplicate(
      () =>
        this.db
          .insertInto('tenants')
          .values({ id, config: JSON.stringify({}) })
          .execute(),
      `tenant ${id} already exists`,
    );
  }

  /** The stored configuration: only keys set explicitly (defaults apply to the rest). */
  async config(tenant: string): Promise<Record<string, unknown>> {
    const row = await this.db.selectFrom('tenants').select('config').where('id', '=', tenant).executeTakeFirst();
    if (!row) throw notFound(`tenant ${tenant}`);
    return row.config;
  }

  /** The same, locking the row until the transaction ends, so read-modify-write of keys never loses one. */
  async lockConfig(tenant: string): Promise<Record<string, unknown>> {
    const row = await this.db.selectFrom('tenants').select('config').where('id', '=', tenant).forUpdate().executeTakeFirst();
    if (!row) throw notFound(`tenant ${tenant}`);
    return row.config;
  }

  async replaceConfig(tenant: string, config: Record<string, unknown>): Promise<void> {
    await this.db
      .updateTable('tenants')
      .set({ config: JSON.stringify(config) })
      .where('id', '=', tenant)
      .execute();
  }
}
