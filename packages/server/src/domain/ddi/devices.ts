/**
 * The device itself (hawkBit DDI §1.9, §1.3): loading it with its tenant's configuration for
 * authentication (from the poll cache when it can), auto-registration, last-seen times, and the
 * Osprey extension by which a device registers its own public key once.
 */
import type { Kysely } from 'kysely';
import { recipientFromDeviceKey } from '@osprey/core';
import type { Database } from '../../db/schema.js';
import { TargetStore, type DeviceTarget, type LastSeen } from '../../db/stores/targets.js';
import { ServerError } from '../../errors.js';
import type { DeviceCache } from '../device-cache.js';
import { parseTenantConfig, type TenantConfig } from '../tenant-config.js';
import type { DeviceChanges } from './device-changes.js';

/** Last-seen times are written in slices, so polls interleave with a large flush instead of waiting behind one statement. */
const LAST_SEEN_SLICE = 500;
/** Distinct tenant configurations kept parsed; beyond that the memo starts again. */
const PARSED_CONFIGS_MAX = 1000;

export class DeviceService {
  private readonly lastSeen = new Map<number, LastSeen>();
  /** Parsed tenant configurations by their stored JSON: validation runs once per distinct value. */
  private readonly parsedConfigs = new Map<string, TenantConfig>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly cache: DeviceCache,
    private readonly changes: DeviceChanges,
    private readonly clock: () => Date,
  ) {}

  private parseConfig(raw: Record<string, unknown>): TenantConfig {
    const key = JSON.stringify(raw);
    let parsed = this.parsedConfigs.get(key);
    if (!parsed) {
      parsed = parseTenantConfig(raw);
      if (this.parsedConfigs.size > PARSED_CONFIGS_MAX) this.parsedConfigs.clear();
      this.parsedConfigs.set(key, parsed);
    }
    return parsed;
  }

  /**
   * The tenant's configuration and the device's target (every DDI request needs both to
   * authenticate). `config` is undefined for an unknown tenant, `target` for an unknown device.
   */
  async load(tenant: string, controllerId: string): Promise<{ config: TenantConfig | undefined; target: DeviceTarget | undefined }> {
    const cached = this.cache.get(tenant, controllerId);
    if (cached) return cached;
    const mark = this.cache.mark();
    const found = await new TargetStore(this.db).deviceWithConfig(tenant, controllerId);
    if (!found) return { config: undefined, target: undefined };
    const config = this.parseConfig(found.config);
    if (!found.target) return { config, target: undefined };
    this.cache.store(mark, tenant, { config, target: found.target });
    return { config, target: found.target };
  }

  /** Auto-registration (hawkBit: status REGISTERED); idempotent under concurrent first polls. */
  async register(tenant: string, controllerId: string): Promise<DeviceTarget> {
    const targets = new TargetStore(this.db);
    await targets.registerIfAbsent(tenant, controllerId);
    const target = await targets.device(tenant, controllerId);
    if (!target) throw new ServerError('CONFLICT', `target ${controllerId} was deleted while it registered; retry`);
    return target;
  }

  /** Poll times are kept in memory and written in batches: never a database write per poll. */
  recordSeen(target: DeviceTarget, address: string | undefined): void {
    this.lastSeen.set(target.id, { tenant: target.tenant, id: target.id, at: this.clock(), address });
  }

  async flushLastSeen(): Promise<number> {
    if (this.lastSeen.size === 0) return 0;
    const batch = [...this.lastSeen.values()];
    this.lastSeen.clear();
    const targets = new TargetStore(this.db);
    for (let at = 0; at < batch.length; at += LAST_SEEN_SLICE) await targets.writeLastSeen(batch.slice(at, at + LAST_SEEN_SLICE));
    return batch.length;
  }

  /**
   * A device registers its own public key once (when the tenant allows it); never silently
   * replaced. Accepted as an age recipient, a PEM public key or an X.509 certificate.
   */
  async registerPublicKey(target: DeviceTarget, publicKey: string, config: TenantConfig): Promise<{ created: boolean }> {
    if (!config['device.publickey.selfregister.enabled']) throw new ServerError('FORBIDDEN', 'this tenant does not let devices register their own keys');
    let recipient: string;
    try {
      recipient = recipientFromDeviceKey(publicKey);
    } catch (cause) {
      throw new ServerError('BAD_REQUEST', `publicKey: ${(cause as Error).message}`, { cause });
    }
    if (target.publicKey === recipient) return { created: false };
    const replaced = () => new ServerError('CONFLICT', 'this device already has a public key; an operator must replace it');
    if (target.publicKey) throw replaced();
    const set = await this.changes.apply(target, (trx) => new TargetStore(trx).setPublicKeyOnce(target.tenant, target.id, recipient, 'device'));
    if (!set) throw replaced();
    return { created: true };
  }
}
