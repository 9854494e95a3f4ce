/**
 * How soon TUF metadata expires, as a warning level. Pure, the clock a parameter. Each role has
 * its own horizon because their lifetimes differ by orders of magnitude (root 365 days, targets
 * 90, snapshot 7, timestamp 1; the server re-signs the online roles within half of that): a
 * timestamp a few hours from expiry is normal, a root a few days from expiry is an emergency.
 */
export type TufRole = 'root' | 'targets' | 'snapshot' | 'timestamp';
export type ExpiryLevel = 'ok' | 'soon' | 'expired';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** Warn ("soon", yellow) when less than this is left. */
export const WARN_WITHIN: Record<TufRole, number> = {
  root: 30 * DAY,
  targets: 14 * DAY,
  snapshot: 2 * DAY,
  timestamp: 6 * HOUR,
};

export interface ExpiryState {
  level: ExpiryLevel;
  color: 'teal' | 'yellow' | 'red';
  /** "expires in 12 days", "expired 3 hours ago". */
  text: string;
  msLeft: number;
}

function span(ms: number): string {
  const abs = Math.abs(ms);
  if (abs >= 2 * DAY) return `${Math.floor(abs / DAY)} days`;
  if (abs >= 2 * HOUR) return `${Math.floor(abs / HOUR)} hours`;
  const minutes = Math.max(1, Math.floor(abs / 60_000));
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

export function expiryState(role: TufRole, expires: string | Date, now: Date, warnWithin: number = WARN_WITHIN[role]): ExpiryState {
  const at = typeof expires === 'string' ? new Date(expires) : expires;
  const msLeft = at.getTime() - now.getTime();
  if (Number.isNaN(msLeft)) return { level: 'expired', color: 'red', text: 'expiry unreadable', msLeft: 0 };
  if (msLeft <= 0) return { level: 'expired', color: 'red', text: `expired ${span(msLeft)} ago`, msLeft };
  if (msLeft < warnWithin) return { level: 'soon', color: 'yellow', text: `expires in ${span(msLeft)}`, msLeft };
  return { level: 'ok', color: 'teal', text: `expires in ${span(msLeft)}`, msLeft };
}
