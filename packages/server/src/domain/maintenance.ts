/**
 * Maintenance windows (hawkBit: a cron schedule, a duration HH:MM:SS and a timezone). Outside the
 * window a device may download but is told `update: skip`.
 */
import { CronExpressionParser } from 'cron-parser';
import { durationToSeconds } from './tenant-config.js';

export interface MaintenanceWindow {
  schedule: string;
  duration: string;
  timezone: string;
}

/** Quartz-style `?` means "any" here; cron-parser reads `*`. Timezones as IANA names or `+01:00`. */
function parse(window: MaintenanceWindow, now: Date) {
  const tz = /^[+-]\d{2}:\d{2}$/.test(window.timezone)
    ? `Etc/GMT${window.timezone.startsWith('+') ? '-' : '+'}${Number(window.timezone.slice(1, 3))}`
    : window.timezone;
  return CronExpressionParser.parse(window.schedule.replace(/\?/g, '*'), { currentDate: now, tz });
}

export function validateMaintenanceWindow(window: MaintenanceWindow): string | undefined {
  try {
    parse(window, new Date());
  } catch (e) {
    return `invalid maintenance schedule: ${(e as Error).message}`;
  }
  if (!/^\d{2}:[0-5]\d:[0-5]\d$/.test(window.duration)) return 'maintenance window duration must be HH:MM:SS';
  return undefined;
}

/** Whether `now` falls inside a window, and when the next one starts. */
export function maintenanceState(window: MaintenanceWindow, now: Date): { available: boolean; nextStart: Date | undefined } {
  const durationMs = durationToSeconds(window.duration) * 1000;
  const previous = parse(window, now).prev().toDate();
  const available = now.getTime() < previous.getTime() + durationMs;
  let nextStart: Date | undefined;
  try {
    nextStart = parse(window, now).next().toDate();
  } catch {
    nextStart = undefined;
  }
  return { available, nextStart };
}
