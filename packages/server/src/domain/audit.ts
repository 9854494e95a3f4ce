/**
 * The audit log in the database: append-only, hash-chained per tenant (core/src/audit.ts).
 *
 * Every management change calls `appendAudit` inside its own transaction, so the change and its
 * entry commit together or not at all. Appends of one tenant are serialised by a row lock on the
 * tenant, so concurrent changes never fork the chain; the primary key (tenant, seq) is the
 * backstop (a racing duplicate seq fails its transaction instead of forking).
 *
 * What is hashed is exactly what reads back: `at` as `toISOString()` (a timestamptz keeps
 * microseconds, a Date milliseconds, so the millisecond ISO string survives the round trip), and
 * before/after normalised through JSON; jsonb reorders keys and drops whitespace, which the
 * canonical JSON of the hash ignores.
 */
import { nextAuditEntry, type AuditEntry, type AuditHead, type AuditJson } from '@osprey/core';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AuditLogTable, Database } from '../db/schema.js';
import { notFound } from '../errors.js';

export interface AuditChange {
  tenant: string;
  /** The clock is the caller's (injected), not the database's. */
  at: Date;
  actor: string;
  action: string;
  subject: { type: string; id: string };
  before: object | null;
  after: object | null;
}

/**
 * Append the entry for one change. Call it in the transaction that makes the change, preferably
 * last: it locks the tenant row (FOR NO KEY UPDATE, which does not block inserts referencing the
 * tenant) until commit, so other appends of the tenant wait for this transaction. Given a plain
 * Kysely handle it opens its own transaction. Under READ COMMITTED (the default) the read after
 * the lock sees every entry committed before it; under REPEATABLE READ a stale read makes the
 * insert fail on the primary key rather than fork the chain.
 */
export async function appendAudit(db: Transaction<Database> | Kysely<Database>, change: AuditChange): Promise<AuditEntry> {
  if (!db.isTransaction) return db.transaction().execute((trx) => appendAudit(trx, change));
  const locked = await db.selectFrom('tenants').select('id').where('id', '=', change.tenant).forNoKeyUpdate().executeTakeFirst();
  if (!locked) throw notFound(`tenant ${change.tenant}`);
  const last = await db.selectFrom('audit_log').selectAll().where('tenant', '=', change.tenant).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const entry = nextAuditEntry(last ? toEntry(last) : undefined, change);
  await db
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
  return entry;
}

/** The entries of a tenant in seq order, after `afterSeq` (default: from entry 1), at most `limit` (default: all). */
export async function readAudit(db: Kysely<Database>, tenant: string, options: { afterSeq?: number; limit?: number } = {}): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').selectAll().where('tenant', '=', tenant).orderBy('seq', 'asc');
  if (options.afterSeq !== undefined) query = query.where('seq', '>', options.afterSeq);
  if (options.limit !== undefined) query = query.limit(options.limit);
  return (await query.execute()).map(toEntry);
}

/** The last entry's seq and hash (undefined: no entry yet): record it elsewhere to detect truncation later. */
export async function auditHead(db: Kysely<Database>, tenant: string): Promise<AuditHead | undefined> {
  const row = await db.selectFrom('audit_log').select(['seq', 'hash']).where('tenant', '=', tenant).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row ? { seq: Number(row.seq), hash: row.hash } : undefined;
}

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
