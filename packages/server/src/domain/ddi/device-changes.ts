/**
 * How a device's report changes state (feedback, confirmation, configData, installedBase, its
 * key): in one transaction, stamped by the injected clock, after which this instance's poll cache
 * forgets the device (read-your-writes; other instances hear the database trigger).
 *
 * Device reports do not enter the audit log, on purpose: the audit log is the record of what
 * operators change (domain/changes.ts), a device's reports have their own record in the action's
 * status history (hawkBit's `actionHistory`), and appending to a tenant's hash chain takes a lock
 * on the tenant, which would make every device of the tenant report one at a time.
 *
 * They are announced on the event bus after commit, though (the device and its actions changed):
 * an operator watching the console sees a device's progress as it reports.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { DeviceTarget } from '../../db/stores/targets.js';
import type { DeviceCache } from '../device-cache.js';
import { NO_EVENTS, type EventBus } from '../events.js';

export type DeviceWork<T> = (trx: Transaction<Database>, now: Date) => Promise<T>;

export class DeviceChanges {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly cache: DeviceCache,
    private readonly clock: () => Date,
    private readonly events: EventBus = NO_EVENTS,
  ) {}

  async apply<T>(target: DeviceTarget, work: DeviceWork<T>): Promise<T> {
    const result = await this.db.transaction().execute((trx) => work(trx, this.clock()));
    this.cache.invalidateTarget(target.id);
    this.events.publish([
      { tenant: target.tenant, kind: 'target', id: target.controllerId, action: 'device.report' },
      { tenant: target.tenant, kind: 'action', id: '*', action: 'device.report' },
    ]);
    return result;
  }
}
