import { describe, expect, it } from 'vitest';
import { expiryState, WARN_WITHIN } from './expiry.js';
import { approvalRefusal, releaseStateLabel } from './release.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('TUF expiry warnings', () => {
  it('is fine well before the horizon, yellow within it, red once expired', () => {
    expect(expiryState('root', at(200 * DAY), NOW)).toMatchObject({ level: 'ok', color: 'teal', text: 'expires in 200 days' });
    expect(expiryState('root', at(29 * DAY), NOW)).toMatchObject({ level: 'soon', color: 'yellow', text: 'expires in 29 days' });
    expect(expiryState('root', at(-3 * HOUR), NOW)).toMatchObject({ level: 'expired', color: 'red', text: 'expired 3 hours ago' });
    expect(expiryState('root', at(0), NOW).level).toBe('expired');
  });

  it('judges each role by its own lifetime', () => {
    // Twelve hours left: normal for a timestamp (1 day), alarming for targets (90 days).
    expect(expiryState('timestamp', at(12 * HOUR), NOW).level).toBe('ok');
    expect(expiryState('targets', at(12 * HOUR), NOW).level).toBe('soon');
    expect(expiryState('timestamp', at(WARN_WITHIN.timestamp - 1), NOW).level).toBe('soon');
    expect(expiryState('timestamp', at(WARN_WITHIN.timestamp), NOW).level).toBe('ok');
    expect(expiryState('snapshot', at(1 * DAY), NOW)).toMatchObject({ level: 'soon', text: 'expires in 24 hours' });
  });

  it('takes another horizon, and says unreadable dates are expired rather than fine', () => {
    expect(expiryState('root', at(29 * DAY), NOW, 7 * DAY).level).toBe('ok');
    expect(expiryState('root', 'not a date', NOW)).toMatchObject({ level: 'expired', text: 'expiry unreadable' });
    expect(expiryState('timestamp', at(30_000), NOW).text).toBe('expires in 1 minute');
    expect(expiryState('timestamp', at(5 * 60_000), NOW).text).toBe('expires in 5 minutes');
  });
});

describe('release states', () => {
  it('has a label for every state, not only a colour', () => {
    expect(releaseStateLabel('draft')).toMatchObject({ label: 'not released', color: 'gray' });
    expect(releaseStateLabel('pending_approval')).toMatchObject({ label: 'awaiting approval', color: 'yellow' });
    expect(releaseStateLabel('pending_signature').label).toBe('awaiting offline signature');
    expect(releaseStateLabel('released')).toMatchObject({ label: 'released', color: 'teal' });
  });

  it('says why a user may not approve: permission, four-eyes, nothing pending', () => {
    const all = () => true;
    const pending = { state: 'pending_approval' as const, requestedBy: 'user:carol' };
    expect(approvalRefusal(pending, { username: 'bob' }, all)).toBeUndefined();
    expect(approvalRefusal(pending, { username: 'carol' }, all)).toMatch(/Four-eyes.*another user/);
    expect(approvalRefusal(pending, { username: 'bob' }, (p) => p !== 'APPROVE_RELEASE')).toBe('Needs the permission APPROVE_RELEASE');
    expect(approvalRefusal({ state: 'released', requestedBy: 'user:carol' }, { username: 'bob' }, all)).toBe('Nothing awaits approval.');
  });
});
