/**
 * The one way a state change is made: `changes.apply(actor, work)` runs `work` in a transaction,
 * and `work` must return the audit entries of what it changed, which are appended to the tenant's
 * hash chain (domain/audit.ts) in that same transaction. A change and its entry therefore commit
 * together or not at all, and a service cannot forget the entry: the type asks for it.
 *
 * After the transaction commits, each entry is announced on the event bus (domain/events.ts) as
 * `{ tenant, kind: subject.type, id: subject.id }`. Only the code that opened the transaction
 * knows when it commits, so transactions that `applyIn` joins must be opened by
 * `changes.transaction(…)`: it collects the events of every `applyIn` inside (nested ones too)
 * and publishes them once the outermost work has committed; a rollback drops them.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { TargetStore } from '../db/stores/targets.js';
import { appendAudit } from './audit.js';
import { NO_EVENTS, type ChangeEvent, type EventBus } from './events.js';
import { NO_WAKEUPS, type Wakeup, type WakeupPublisher } from './wakeups.js';

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
  /** The events of each open transaction this opened, published when it commits. */
  private readonly pending = new WeakMap<Transaction<Database>, ChangeEvent[]>();
  /** The device wake-ups of each open transaction, sent when it commits (domain/wakeups.ts). */
  private readonly pendingWakeups = new WeakMap<Transaction<Database>, Wakeup[]>();

  constructor(
    private readonly db: Kysely<Database>,
    /** The injected clock: the audit entry's time and `now` for the change. */
    private readonly clock: () => Date = () => new Date(),
    /** Where committed changes are announced (the console's live channel). */
    readonly events: EventBus = NO_EVENTS,
    /** Where devices are told to poll now once their new or canceled action committed (MQTT). */
    readonly wakeups: WakeupPublisher = NO_WAKEUPS,
  ) {}

  async apply<T>(who: Actor, work: ChangeWork<T>): Promise<T> {
    return this.transaction((trx) => this.applyIn(trx, who, work));
  }

  /**
   * A transaction whose changes are announced after it commits: open one with this whenever
   * `applyIn` (or `announce`) is to run inside it.
   */
  async transaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    const events: ChangeEvent[] = [];
    const wakeups: Wakeup[] = [];
    const result = await this.db.transaction().execute((trx) => {
      this.pending.set(trx, events);
      this.pendingWakeups.set(trx, wakeups);
      return work(trx);
    });
    this.events.publish(events);
    for (const w of wakeups)
      this.wakeups.publish(w.tenant, w.controllerId, { reason: w.reason, ...(w.actionId === undefined ? {} : { actionId: w.actionId }) });
    return result;
  }

  /** The same inside a transaction the caller already holds (the scheduler's tick, a batch); opened by `transaction`. */
  async applyIn<T>(trx: Transaction<Database>, who: Actor, work: ChangeWork<T>): Promise<T> {
    const events = this.eventsOf(trx);
    const now = this.clock();
    const { result, audit } = await work(trx, now);
    for (const entry of [audit].flat() as AuditRecord[]) {
      await appendAudit(trx, { tenant: who.tenant, at: now, actor: who.actor, ...entry });
      events.push({ tenant: who.tenant, kind: entry.subject.type, id: entry.subject.id, action: entry.action });
    }
    return result;
  }

  /** Announce, after `trx` commits, changes that are not audited but that operators watch (the scheduler moving a rollout). */
  announce(trx: Transaction<Database>, events: readonly ChangeEvent[]): void {
    this.eventsOf(trx).push(...events);
  }

  /** Wake these devices (they poll at once) after `trx` commits; nothing when it rolls back. */
  wake(trx: Transaction<Database>, wakeups: readonly Wakeup[]): void {
    this.eventsOf(trx); // the same rule: only a transaction opened by `transaction` commits where this sees it
    this.pendingWakeups.get(trx)!.push(...wakeups);
  }

  /**
   * Wake the devices of these targets (by id, as bulk assignments hold them) after `trx` commits.
   * Without a publisher (no MQTT) it does not even look their controller ids up.
   */
  async wakeTargets(trx: Transaction<Database>, tenant: string, targetIds: readonly number[], reason: Wakeup['reason']): Promise<void> {
    if (this.wakeups === NO_WAKEUPS || targetIds.length === 0) return;
    const targets = await new TargetStore(trx).controllerIdsOf(tenant, targetIds);
    this.wake(
      trx,
      targets.map((t) => ({ tenant, controllerId: t.controllerId, reason })),
    );
  }

  private eventsOf(trx: Transaction<Database>): ChangeEvent[] {
    const events = this.pending.get(trx);
    // A transaction opened elsewhere commits where this cannot see it: its events would be lost
    // or, worse, sent before the commit. A programming error, caught by any test that runs it.
    if (!events) throw new Error('Changes.applyIn needs a transaction opened by Changes.transaction (so its events are published after commit)');
    return events;
  }
}
