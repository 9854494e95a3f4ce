import { describe, expect, it } from 'vitest';
import { checkPassword, checkUsername, expiryFromInput, expiryOf, grantOptions } from './model.js';

const NOW = new Date('2031-01-10T12:00:00').getTime();
const DAY = 86_400_000;

describe('users and tokens', () => {
  it('offers roles with their size, then single permissions', () => {
    expect(grantOptions([{ name: 'VIEWER', permissions: ['READ_TARGET', 'READ_ROLLOUT'] }], ['READ_TARGET'])).toEqual([
      { group: 'Roles', items: [{ value: 'VIEWER', label: 'VIEWER (2 permissions)' }] },
      { group: 'Single permissions', items: [{ value: 'READ_TARGET', label: 'READ_TARGET' }] },
    ]);
  });

  it.each([
    [{ expiresAt: null, expired: false }, 'never expires', 'gray'],
    [{ expiresAt: NOW - 1, expired: false }, 'expired', 'red'],
    [{ expiresAt: NOW + 30 * DAY, expired: true }, 'expired', 'red'],
    [{ expiresAt: NOW + 2 * DAY, expired: false }, `expires soon (${new Date(NOW + 2 * DAY).toLocaleDateString()})`, 'yellow'],
    [{ expiresAt: NOW + 30 * DAY, expired: false }, `expires ${new Date(NOW + 30 * DAY).toLocaleDateString()}`, 'gray'],
  ])('token %j: %s', (token, label, color) => {
    expect(expiryOf(token, NOW)).toEqual({ label, color });
  });

  it('checks names, passwords and expiry days as the server does', () => {
    expect(checkUsername('ops.team@site-1')).toBeUndefined();
    expect(checkUsername('has space')).toBe('Use 1–64 letters, digits or . _ @ -');
    expect(checkUsername('')).toBeDefined();
    expect(checkPassword('elevenchars')).toBe('At least 12 characters.');
    expect(checkPassword('twelve chars')).toBeUndefined();
    expect(expiryFromInput('', NOW)).toEqual({ expiresAt: undefined });
    expect(expiryFromInput('2031-01-09', NOW)).toEqual({ error: 'Choose a day in the future.' });
    expect(expiryFromInput('2031-02-01', NOW)).toEqual({ expiresAt: new Date('2031-02-01T23:59:59').getTime() });
  });
});
