/**
 * The one way a state change is made: `changes.apply(actor, work)` runs `work` in a transaction,
 * and `work` must return the audit entries of what it changed, which are appended to the tenant's
 * hash chain (domain/audit.ts) in that same transaction. A change and its entry therefore commit
 * together or not at all, and a service cannot forget the entry: the type asks for it.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { appendAudit } from './audit.js';

/** Who acts: the tenant and the name the audit log records (`user:alice`, `token:ci`, `device:dev01`, `system`). */
export interface Actor {
  tenant: string;
  actor: string;
}

/** One audit entry of a change. `before`/`after` never hold a secret (say '(secret)' instead). */
export interface AuditRecord {
  action: string;
  subject: { type: string; id: string };
  before: object | null;
  after: object | null;
}

/**
 * What a change returns. `audit` lists its entries in order. It is empty only when the request
 * turned out to change nothing (an assignment already in place), or for the system's own upkeep
 * that no one asked for and that is not audited (re-signing an expiring timestamp, creating a
 * tenant's generated repository): the audit log records what people and devices did.
 */
export interface Changed<T> {
  result: T;
  audit: AuditRecord | readonly AuditRecord[];
}

export type ChangeWork<T> = (trx: Transaction<Database>, now: Date) => Promise<Changed<T>>;

export class Changes {
  constructor(
    private readonly db: Kysely<Database>,
    /** The injected clock: the audit entry's time and `now` for the change. */
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async apply<T>(who: Actor, work: ChangeWork<T>): Promise<T> {
    return this.db.transaction().execute((trx) => this.applyIn(trx, who, work));
  }

  /** The same inside a transaction the caller already holds (the scheduler's tick, a batch). */
  async applyIn<T>(trx: Transaction<Database>, who: Actor, work: ChangeWork<T>): Promise<T> {
    const now = this.clock();
    const { result, audit } = await work(trx, now);
    for (const entry of [audit].flat() as AuditRecord[]) {
      await appendAudit(trx, { tenant: who.tenant, at: now, actor: who.actor, ...entry });
    }
    return result;
  }
}
