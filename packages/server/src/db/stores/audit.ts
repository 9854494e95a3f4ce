/**
 * The audit log's rows (domain/audit.ts keeps the hash chain: what an entry is and how the next
 * one is computed). A row reads back as exactly the entry that was hashed: `at` as
 * `toISOString()` (a timestamptz keeps microseconds, a Date milliseconds, so the millisecond ISO
 * string survives the round trip), before/after as the JSON that jsonb returns — it reorders keys
 * and drops whitespace, which the canonical JSON of the hash ignores.
 */
import type { AuditEntry, AuditHead, AuditJson } from '@osprey/core';
import type { Selectable } from 'kysely';
import type { AuditLogTable } from '../schema.js';
import type { Db } from './common.js';

/** Both drivers (pg, PGlite) parse jsonb; a value that is not an object (tampering) fails the hash. */
function json(value: unknown): AuditJson | null {
  return (value ?? null) as AuditJson | null;
}

/** A row as an entry, in the form that was hashed. */
export function toEntry(row: Selectable<AuditLogTable>): AuditEntry {
  const at: unknown = row.at;
  return {
    tenant: row.tenant,
    seq: Number(row.seq),
    at: (at instanceof Date ? at : new Date(String(at))).toISOString(),
    actor: row.actor,
    action: row.action,
    subject: { type: row.subject_type, id: row.subject_id },
    before: json(row.before),
    after: json(row.after),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export class AuditStore {
  constructor(private readonly db: Db) {}

  /**
   * Lock the tenant row until the transaction ends (FOR NO KEY UPDATE: inserts referencing the
   * tenant are not blocked), so appends of one tenant are serialised. False: no such tenant.
   */
  async lockTenant(tenant: string): Promise<boolean> {
    return (await this.db.selectFrom('tenants').select('id').where('id', '=', tenant).forNoKeyUpdate().executeTakeFirst()) !== undefined;
  }

  /** The tenant's newest entry, if any. */
  async last(tenant: string): Promise<AuditEntry | undefined> {
    const row = await this.db.selectFrom('audit_log').selectAll().where('tenant', '=', tenant).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return row ? toEntry(row) : undefined;
  }

  async insert(entry: AuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        tenant: entry.tenant,
        seq: entry.seq,
        at: entry.at,
        actor: entry.actor,
        action: entry.action,
        subject_type: entry.subject.type,
        subject_id: entry.subject.id,
        before: entry.before === null ? null : JSON.stringify(entry.before),
        after: entry.after === null ? null : JSON.stringify(entry.after),
        prev_hash: entry.prevHash,
        hash: entry.hash,
      })
      .execute();
  }

  /** Entries in seq order after `afterSeq` (default: from entry 1), at most `limit` (default: all). */
  async entries(tenant: string, options: { afterSeq?: number; limit?: number } = {}): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('audit_log').selectAll().where('tenant', '=', tenant).orderBy('seq', 'asc');
    if (options.afterSeq !== undefined) query = query.where('seq', '>', options.afterSeq);
    if (options.limit !== undefined) query = query.limit(options.limit);
    return (await query.execute()).map(toEntry);
  }

  /** The newest entry's seq and hash (undefined: none yet). */
  async head(tenant: string): Promise<AuditHead | undefined> {
    const row = await this.db.selectFrom('audit_log').select(['seq', 'hash']).where('tenant', '=', tenant).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return row ? { seq: Number(row.seq), hash: row.hash } : undefined;
  }
}
