/**
 * Who hears which live change event (domain/events.ts): only events of the caller's tenant, and
 * only of kinds the caller may read now.
 */
import { isResync, type ChangeEvent } from './events.js';
import type { Permission, Principal } from './permissions.js';

/** The permission that reading each kind takes; a kind not listed is sent to nobody (fail closed). */
const READ_PERMISSION: Record<string, Permission> = {
  target: 'READ_TARGET',
  action: 'READ_TARGET',
  targettag: 'READ_TARGET',
  targetfilter: 'READ_TARGET',
  targettype: 'READ_TARGET_TYPE',
  rollout: 'READ_ROLLOUT',
  distributionset: 'READ_DISTRIBUTION_SET',
  distributionsettag: 'READ_DISTRIBUTION_SET',
  distributionsettype: 'READ_DISTRIBUTION_SET_TYPE',
  softwaremodule: 'READ_SOFTWARE_MODULE',
  softwaremoduletype: 'READ_SOFTWARE_MODULE_TYPE',
  artifact: 'READ_SOFTWARE_MODULE',
  tuf: 'READ_DISTRIBUTION_SET',
  'tuf-key': 'READ_TENANT_CONFIGURATION',
  config: 'READ_TENANT_CONFIGURATION',
  // Who holds which credential is for administrators (http/mgmt/users.ts).
  user: 'UPDATE_TENANT_CONFIGURATION',
  apitoken: 'UPDATE_TENANT_CONFIGURATION',
  session: 'UPDATE_TENANT_CONFIGURATION',
  tenant: 'UPDATE_TENANT_CONFIGURATION',
};

/** Holding any of these lets a caller open the live channel (each event is still filtered by its kind). */
export const EVENT_READ_PERMISSIONS: readonly Permission[] = ['READ_TARGET', 'READ_ROLLOUT', 'READ_DISTRIBUTION_SET', 'READ_SOFTWARE_MODULE'];

/** Whether `principal` may hear of this event: its tenant's, of a kind it may read (or a resync, which tells nothing). */
export function mayHear(principal: Pick<Principal, 'tenant' | 'permissions'>, event: ChangeEvent): boolean {
  if (isResync(event)) return true;
  if (event.tenant !== principal.tenant) return false;
  const needed = READ_PERMISSION[event.kind];
  return needed !== undefined && principal.permissions.has(needed);
}
