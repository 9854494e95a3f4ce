/**
 * The audit log in the database: append-only, hash-chained per tenant (core/src/audit.ts).
 *
 * Every change appends through `Changes` (domain/changes.ts), inside the change's own transaction,
 * so the change and its entry commit together or not at all. Appends of one tenant are serialised by a row lock on the
 * tenant, so concurrent changes never fork the chain; the primary key (tenant, seq) is the
 * backstop (a racing duplicate seq fails its transaction instead of forking).
 *
 * What is hashed is exactly what reads back (db/stores/audit.ts says how). `AuditLog` reads the
 * log for the management API: a page, or every entry in slices for the JSON Lines export.
 */
import { nextAuditEntry, verifyAuditChain, type AuditEntry, type AuditHead, type AuditVerification } from '@osprey/core';
import type { Kysely, Transaction } from 'kysely';
import { parsePaging } from '../db/rsql.js';
import type { Database } from '../db/schema.js';
import { AuditStore } from '../db/stores/audit.js';
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
  const store = new AuditStore(db);
  if (!(await store.lockTenant(change.tenant))) throw notFound(`tenant ${change.tenant}`);
  const entry = nextAuditEntry(await store.last(change.tenant), change);
  await store.insert(entry);
  return entry;
}

/** The entries of a tenant in seq order, after `afterSeq` (default: from entry 1), at most `limit` (default: all). */
export async function readAudit(db: Kysely<Database>, tenant: string, options: { afterSeq?: number; limit?: number } = {}): Promise<AuditEntry[]> {
  return new AuditStore(db).entries(tenant, options);
}

/** The last entry's seq and hash (undefined: no entry yet): record it elsewhere to detect truncation later. */
export async function auditHead(db: Kysely<Database>, tenant: string): Promise<AuditHead | undefined> {
  return new AuditStore(db).head(tenant);
}

/** Export slices: a long history is streamed, never held in memory at once. */
const EXPORT_SLICE = 1000;

/** Reading a tenant's audit log (`GET /rest/v1/audit`). */
export class AuditLog {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * A page in seq order. `offset` counts entries from the first, as seq does (seqs are 1, 2, …
   * without gaps per tenant), so the page is an index range scan, not an OFFSET.
   */
  async page(tenant: string, query: { offset?: string | undefined; limit?: string | undefined }): Promise<AuditEntry[]> {
    const { offset, limit } = parsePaging(query.offset, query.limit);
    return new AuditStore(this.db).entries(tenant, { afterSeq: offset, limit });
  }

  /** How many entries the tenant's log holds (seqs run 1…n without gaps, so the head's seq). */
  async count(tenant: string): Promise<number> {
    return (await new AuditStore(this.db).head(tenant))?.seq ?? 0;
  }

  /**
   * The tenant's chain verified on the server, from entry 1, slice by slice (what `osprey audit
   * verify` does with an export), for the console. It shows that the stored log is consistent;
   * catching a log rewritten as a whole still needs a head recorded elsewhere (`--expect-head`).
   */
  async verify(tenant: string, slice = EXPORT_SLICE): Promise<AuditVerification> {
    const store = new AuditStore(this.db);
    let last: AuditEntry | undefined;
    for (;;) {
      const entries = await store.entries(tenant, { afterSeq: last?.seq ?? 0, limit: slice });
      const result = verifyAuditChain(entries, last ? { after: last } : {});
      if (!result.ok || entries.length === 0) return result;
      last = entries.at(-1)!;
    }
  }

  /** Every entry from the first, for `osprey audit verify`, read in slices as the consumer pulls. */
  async *all(tenant: string): AsyncGenerator<AuditEntry> {
    const store = new AuditStore(this.db);
    let afterSeq = 0;
    for (;;) {
      const entries = await store.entries(tenant, { afterSeq, limit: EXPORT_SLICE });
      if (entries.length === 0) return;
      yield* entries;
      afterSeq = entries.at(-1)!.seq;
    }
  }
}
