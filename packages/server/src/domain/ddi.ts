/**
 * The device side of the server (hawkBit DDI API, shared/reference/hawkbit-api.md §1), one
 * service per concern under domain/ddi/:
 *   devices      loading a device for authentication, registration, last seen, its public key
 *   deployments  the poll, deployment content, cancel instruction, confirmation state, downloads
 *   feedback     feedback on deployments and cancellations, consent, the installed set
 *   configData   the device's attributes
 * They share the poll cache (device-cache.ts) and the clock. HTTP concerns (status codes,
 * headers, authentication, links) live in http/ddi*.ts; these decide and record, and return
 * plain values.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { AnnouncementStore } from '../db/stores/announcements.js';
import type { KeyService } from '../keys/keyservice.js';
import { ConfigDataService } from './ddi/config-data.js';
import { DeploymentService } from './ddi/deployments.js';
import { DeviceChanges } from './ddi/device-changes.js';
import { DeviceService } from './ddi/devices.js';
import { FeedbackService } from './ddi/feedback.js';
import { CACHE_CHANNEL, DeviceCache } from './device-cache.js';
import { NO_EVENTS, type EventBus } from './events.js';

export { parseRecipient } from './ddi/artifacts.js';
export { QUOTAS } from './ddi/quotas.js';
export type { DeviceAction } from '../db/stores/actions.js';
export type { DeviceTarget } from '../db/stores/targets.js';

export class DdiService {
  readonly devices: DeviceService;
  readonly deployments: DeploymentService;
  readonly feedback: FeedbackService;
  readonly configData: ConfigDataService;

  constructor(
    private readonly db: Kysely<Database>,
    keys: KeyService,
    /** The injected clock: poll decisions, status times, certificate validity. */
    readonly clock: () => Date = () => new Date(),
    /** Poll state in memory; off (always read the database) until its listener is up. */
    readonly cache: DeviceCache = new DeviceCache(0),
    /** Where device reports are announced (the console's live channel). */
    events: EventBus = NO_EVENTS,
  ) {
    const changes = new DeviceChanges(db, cache, clock, events);
    this.devices = new DeviceService(db, cache, changes, clock);
    this.deployments = new DeploymentService(db, keys, cache, clock);
    this.feedback = new FeedbackService(db, changes);
    this.configData = new ConfigDataService(changes);
  }

  /** Wait until every change committed so far is reflected in the cache (tests, admin tools). */
  async settle(): Promise<void> {
    await this.cache.settle((payload) => new AnnouncementStore(this.db).announce(CACHE_CHANNEL, payload));
  }

  /** Write the poll times collected in memory (every `lastSeenFlushMs`, and at shutdown). */
  flushLastSeen(): Promise<number> {
    return this.devices.flushLastSeen();
  }
}
