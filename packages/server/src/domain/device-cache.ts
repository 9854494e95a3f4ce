/**
 * What a poll reads, kept in memory: per device, its tenant's configuration, its target row and
 * its poll state (first active action, last finished action). With it, a steady-state poll does
 * not touch the database at all.
 *
 * Correctness rests on the database announcing every write that changes this state: triggers
 * (migration 0002) NOTIFY channel `osprey_cache` with `target:<id>` or `tenant:<id>`, whoever the
 * writer is — this instance, another instance, the management API, the rollout scheduler or a
 * person with psql. An announcement drops the entry. A value read from the database is stored
 * only if no announcement arrived while it was being read (a sequence number), so a write racing
 * a read can never leave a stale entry. While the listener is down the cache is off and empty.
 */
import { randomBytes } from 'node:crypto';
import type { PollState } from '../db/stores/actions.js';
import type { DeviceTarget } from '../db/stores/targets.js';
import type { TenantConfig } from './tenant-config.js';

export type { PollState };

export const CACHE_CHANNEL = 'osprey_cache';

export interface DeviceEntry {
  config: TenantConfig;
  target: DeviceTarget;
  poll?: PollState;
}

const key = (tenant: string, controllerId: string) => `${tenant}\u0000${controllerId}`;

export class DeviceCache {
  private readonly entries = new Map<string, DeviceEntry>();
  private readonly keyOfTarget = new Map<number, string>();
  private readonly syncWaiters = new Map<string, () => void>();
  private sequence = 0;
  private enabled = false;

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get active(): boolean {
    return this.enabled;
  }

  /** Take before reading from the database; give to store() with what was read. */
  mark(): number {
    return this.sequence;
  }

  get(tenant: string, controllerId: string): DeviceEntry | undefined {
    return this.enabled ? this.entries.get(key(tenant, controllerId)) : undefined;
  }

  store(mark: number, tenant: string, entry: DeviceEntry): void {
    if (!this.enabled || mark !== this.sequence) return;
    const k = key(tenant, entry.target.controllerId);
    this.entries.delete(k); // re-insert: Map order is recency order for eviction
    this.entries.set(k, entry);
    this.keyOfTarget.set(entry.target.id, k);
    while (this.entries.size > this.maxEntries) {
      const [oldest, value] = this.entries.entries().next().value as [string, DeviceEntry];
      this.entries.delete(oldest);
      this.keyOfTarget.delete(value.target.id);
    }
  }

  storePoll(mark: number, tenant: string, controllerId: string, poll: PollState): void {
    if (!this.enabled || mark !== this.sequence) return;
    const entry = this.entries.get(key(tenant, controllerId));
    if (entry) entry.poll = poll;
  }

  invalidateTarget(targetId: number): void {
    this.sequence++;
    const k = this.keyOfTarget.get(targetId);
    if (k === undefined) return;
    this.keyOfTarget.delete(targetId);
    this.entries.delete(k);
  }

  invalidateTenant(tenant: string): void {
    this.sequence++;
    const prefix = `${tenant}\u0000`;
    for (const [k, entry] of this.entries) {
      if (!k.startsWith(prefix)) continue;
      this.entries.delete(k);
      this.keyOfTarget.delete(entry.target.id);
    }
  }

  clear(): void {
    this.sequence++;
    this.entries.clear();
    this.keyOfTarget.clear();
  }

  /** Handlers for DatabaseHandle.listen(CACHE_CHANNEL, …). */
  readonly handlers = {
    onMessage: (payload: string): void => {
      const [kind, value = ''] = [payload.slice(0, payload.indexOf(':')), payload.slice(payload.indexOf(':') + 1)];
      if (kind === 'target') this.invalidateTarget(Number(value));
      else if (kind === 'tenant') this.invalidateTenant(value);
      else if (kind === 'sync') this.syncWaiters.get(value)?.();
      else this.clear(); // unknown announcement: be safe
    },
    onLost: (): void => {
      this.enabled = false;
      this.clear();
    },
    onResumed: (): void => {
      this.clear();
      this.enabled = true;
    },
  };

  /**
   * Resolves once every announcement committed before this call has been applied: PostgreSQL
   * delivers notifications in commit order, so our own `sync:` marker arrives after them.
   */
  async settle(announce: (payload: string) => Promise<void>, timeoutMs = 5000): Promise<void> {
    if (!this.enabled) return;
    const token = randomBytes(8).toString('hex');
    const arrived = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.syncWaiters.delete(token);
        this.clear(); // could not confirm delivery: start from the database again
        reject(new Error('cache announcements did not arrive in time'));
      }, timeoutMs);
      this.syncWaiters.set(token, () => {
        clearTimeout(timer);
        this.syncWaiters.delete(token);
        resolve();
      });
    });
    await announce(`sync:${token}`);
    await arrived;
  }
}
