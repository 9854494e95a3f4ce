/**
 * First start on an empty database: tenant DEFAULT and an `admin` user. The password comes from
 * configuration or is generated and returned (the caller prints it once; it is stored only hashed).
 *
 * Not an audited change: it runs before anyone can act, and tenant DEFAULT's audit log begins
 * with the first change an administrator makes.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { TenantStore } from '../db/stores/tenants.js';
import { UserStore } from '../db/stores/users.js';
import { hashPassword } from './passwords.js';

// Where they always were: seeds and tests create users with these.
export { hashPassword, verifyPassword } from './passwords.js';

export const DEFAULT_TENANT = 'DEFAULT';

/** Idempotent: creates tenant DEFAULT and user admin only when no tenant exists yet. */
export async function bootstrap(db: Kysely<Database>, adminPassword: string | undefined): Promise<{ created: boolean; generatedPassword?: string }> {
  return db.transaction().execute(async (trx) => {
    const tenants = new TenantStore(trx);
    if (await tenants.any()) return { created: false };
    const password = adminPassword ?? randomBytes(18).toString('base64url');
    await tenants.create(DEFAULT_TENANT);
    await new UserStore(trx).insert(DEFAULT_TENANT, { username: 'admin', passwordHash: await hashPassword(password), roles: ['admin'] });
    return adminPassword ? { created: true } : { created: true, generatedPassword: password };
  });
}
