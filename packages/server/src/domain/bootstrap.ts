/**
 * First start on an empty database: tenant DEFAULT and an `admin` user. The password comes from
 * configuration or is generated and returned (the caller prints it once; it is stored only hashed).
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;
// scrypt, memory-hard: N=2^15, r=8 → 32 MiB per hash.
const PARAMS = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, 32, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: PARAMS.maxmem });
  return timingSafeEqual(actual, expected);
}

export const DEFAULT_TENANT = 'DEFAULT';

/** Idempotent: creates tenant DEFAULT and user admin only when no tenant exists yet. */
export async function bootstrap(db: Kysely<Database>, adminPassword: string | undefined): Promise<{ created: boolean; generatedPassword?: string }> {
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('tenants').select('id').limit(1).executeTakeFirst();
    if (existing) return { created: false };
    const password = adminPassword ?? randomBytes(18).toString('base64url');
    await trx
      .insertInto('tenants')
      .values({ id: DEFAULT_TENANT, config: JSON.stringify({}) })
      .execute();
    await trx
      .insertInto('users')
      .values({ tenant: DEFAULT_TENANT, username: 'admin', password_hash: await hashPassword(password), roles: JSON.stringify(['admin']) })
      .execute();
    return adminPassword ? { created: true } : { created: true, generatedPassword: password };
  });
}
