/**
 * configData (hawkBit DDI §1.7): the device sends its attributes — merged into, replacing or
 * removed from the stored ones — and the server stops asking for them until it needs them again.
 */
import { TargetStore, type DeviceTarget } from '../../db/stores/targets.js';
import { ServerError, notFound } from '../../errors.js';
import type { DeviceChanges } from './device-changes.js';
import { QUOTAS } from './quotas.js';

export type ConfigDataMode = 'merge' | 'replace' | 'remove';

/** The attributes after one configData request (`remove` drops the keys sent, whatever their values). */
export function nextAttributes(
  current: Readonly<Record<string, string>>,
  mode: ConfigDataMode,
  data: Readonly<Record<string, string>>,
): Record<string, string> {
  if (mode === 'replace') return { ...data };
  if (mode === 'remove') return Object.fromEntries(Object.entries(current).filter(([k]) => !(k in data)));
  return { ...current, ...data };
}

export class ConfigDataService {
  constructor(private readonly changes: DeviceChanges) {}

  /** PUT configData: read-modify-write under the target's row lock, so two requests never lose a key. */
  async apply(target: DeviceTarget, mode: ConfigDataMode, data: Record<string, string>): Promise<void> {
    await this.changes.apply(target, async (trx) => {
      const targets = new TargetStore(trx);
      const current = await targets.lockAttributes(target.tenant, target.id);
      if (!current) throw notFound(`target ${target.controllerId}`);
      const attributes = nextAttributes(current, mode, data);
      if (Object.keys(attributes).length > QUOTAS.attributesPerTarget) {
        throw new ServerError('QUOTA_EXCEEDED', `a target has at most ${QUOTAS.attributesPerTarget} attributes`);
      }
      await targets.replaceAttributes(target.tenant, target.id, attributes);
    });
  }
}
