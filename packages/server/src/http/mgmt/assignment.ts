/**
 * The options of an assignment, shared by `POST /targets/{id}/assignedDS` and
 * `POST /distributionsets/{id}/assignedTargets` (hawkBit §2.3 "Assign"), and their mapping to
 * the domain's AssignOptions.
 */
import { z } from 'zod';
import type { AssignOptions } from '../../domain/deployments.js';
import { line } from './text.js';

/** The latest time a timestamptz written from a JS Date round-trips (9999-12-31T23:59:59.999Z). */
const LATEST_MS = Date.parse('9999-12-31T23:59:59.999Z');

const maintenanceWindow = z.strictObject({
  schedule: line(256).describe('quartz cron expression: when the window opens'),
  duration: z.string().regex(/^\d{2}:[0-5]\d:[0-5]\d$/, 'use HH:mm:ss'),
  timezone: line(64, 0).default('UTC'),
});

/** One assignment's options (hawkBit §2.3 "Assign"). */
export const assignmentOptions = z.strictObject({
  type: z.enum(['forced', 'soft', 'timeforced', 'downloadonly']).default('forced'),
  forcetime: z.int().min(0).max(LATEST_MS).optional().describe('epoch milliseconds; a timeforced action becomes forced then'),
  weight: z.int().min(0).max(1000).optional(),
  confirmationRequired: z.boolean().optional(),
  maintenanceWindow: maintenanceWindow.optional(),
});

export function assignOptions(item: z.output<typeof assignmentOptions>): AssignOptions {
  return {
    type: item.type,
    ...(item.forcetime !== undefined ? { forceTime: new Date(item.forcetime) } : {}),
    ...(item.weight !== undefined ? { weight: item.weight } : {}),
    ...(item.confirmationRequired !== undefined ? { confirmationRequired: item.confirmationRequired } : {}),
    ...(item.maintenanceWindow ? { maintenanceWindow: item.maintenanceWindow } : {}),
  };
}
