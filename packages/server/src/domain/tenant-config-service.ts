/**
 * Reading and changing a tenant's configuration (hawkBit `/rest/v1/system/configs`). Secrets (the
 * gateway key, any `*.key`) are shown only to callers allowed to read them and never enter the
 * audit log: it records that the value changed, not the value.
 */
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../db/schema.js';
import { TenantStore } from '../db/stores/tenants.js';
import { badRequest } from '../errors.js';
import type { Actor, Changes } from './changes.js';
import { tenantConfigSchema } from './tenant-config.js';

export const SECRET_SHOWN_AS = '(secret)';
const isSecretKey = (key: string) => key.endsWith('.key');

export interface ConfigEntry {
  value: unknown;
  /** true: the default applies (the tenant never set it). */
  global: boolean;
}

export class TenantConfigService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: Changes,
  ) {}

  /** Every key with its effective value; secrets masked unless `mayReadSecrets`. */
  async effective(tenant: string, options: { mayReadSecrets: boolean }): Promise<Record<string, ConfigEntry>> {
    const stored = await new TenantStore(this.db).config(tenant);
    const effective = tenantConfigSchema.parse(stored);
    const shown = (key: string, value: unknown) => (isSecretKey(key) && value !== '' && !options.mayReadSecrets ? SECRET_SHOWN_AS : value);
    return Object.fromEntries(Object.entries(effective).map(([key, value]) => [key, { value: shown(key, value), global: !(key in stored) }]));
  }

  /** Set one key; an unknown key or a value of the wrong type is a 400 naming it. Returns the value as shown. */
  async set(who: Actor, key: string, value: unknown): Promise<unknown> {
    const shape = tenantConfigSchema.shape as Record<string, z.ZodType>;
    const field = shape[key];
    if (!field) throw badRequest(`unknown configuration key ${key}; known: ${Object.keys(shape).join(', ')}`);
    const parsed = field.safeParse(value);
    if (!parsed.success) throw badRequest(`invalid value for ${key}: ${parsed.error.issues[0]?.message}`);
    const secret = isSecretKey(key);
    await this.changes.apply(who, async (trx) => {
      const tenants = new TenantStore(trx);
      const before = await tenants.lockConfig(who.tenant);
      await tenants.replaceConfig(who.tenant, { ...before, [key]: parsed.data });
      const shown = (v: unknown) => (secret ? (v === undefined ? null : SECRET_SHOWN_AS) : (v ?? null));
      return {
        result: undefined,
        audit: { action: 'config.update', subject: { type: 'config', id: key }, before: { value: shown(before[key]) }, after: { value: shown(parsed.data) } },
      };
    });
    return secret ? SECRET_SHOWN_AS : parsed.data;
  }
}
