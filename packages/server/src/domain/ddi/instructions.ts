/**
 * What a deployment tells the device to do (hawkBit DDI §1.4), as pure functions of the action
 * and the time: download/update from the action type, forced time and maintenance window, and
 * the `?c=` cache-buster of the links that lead to it.
 */
import { createHash } from 'node:crypto';
import type { DeviceAction } from '../../db/stores/actions.js';
import { maintenanceState } from '../maintenance.js';

export interface DeploymentInstructions {
  download: 'forced' | 'attempt' | 'skip';
  update: 'forced' | 'attempt' | 'skip';
  maintenanceWindow?: 'available' | 'unavailable';
}

/** hawkBit §1.4: download/update from the action type, forced time and maintenance window. */
export function deploymentInstructions(action: DeviceAction, now: Date): DeploymentInstructions {
  const forced = action.actionType === 'forced' || (action.actionType === 'timeforced' && action.forcedTime !== null && now >= action.forcedTime);
  const download = forced || action.actionType === 'downloadonly' ? 'forced' : 'attempt';
  let update: DeploymentInstructions['update'] = action.actionType === 'downloadonly' ? 'skip' : download;
  if (!action.maintenance) return { download, update };
  const { available } = maintenanceState(action.maintenance, now);
  if (!available) update = 'skip';
  return { download, update, maintenanceWindow: available ? 'available' : 'unavailable' };
}

/** The `?c=` cache-buster: changes when the instructions change (time-forced flips, window opens). */
export function cacheBuster(action: DeviceAction, instructions: DeploymentInstructions): number {
  const digest = createHash('sha256')
    .update(`${action.id}:${instructions.download}:${instructions.update}:${instructions.maintenanceWindow ?? ''}`)
    .digest();
  return digest.readInt32BE(0);
}
