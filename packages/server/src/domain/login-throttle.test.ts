import { describe, expect, it } from 'vitest';
import { addressKey, LoginThrottle, type ThrottlePolicy } from './login-throttle.js';

const POLICY: ThrottlePolicy = { account: { failures: 3, windowMs: 60_000 }, address: { failures: 5, windowMs: 60_000 }, trustMs: 600_000, maxEntries: 10 };

function throttle(policy = POLICY) {
  let now = 1_000_000;
  const t = new LoginThrottle(() => new Date(now), policy);
  return { t, advance: (ms: number) => (now += ms) };
}
const fail = (t: LoginThrottle, account: string, address: string) => {
  expect(t.retryAfterMs(account, address)).toBe(0);
  t.begin(account, address); // never succeeded: a failure
};

describe('login throttle', () => {
  it('groups addresses: IPv4 as is, IPv4-mapped as IPv4, IPv6 by /64', () => {
    expect(addressKey('10.1.2.3')).toBe('10.1.2.3');
    expect(addressKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('2001:0db8:0000:0007:1:2:3:4')).toBe('2001:db8:0:7::/64');
    expect(addressKey('2001:db8:0:7:ffff::')).toBe('2001:db8:0:7::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('refuses an account after its failures until the oldest leaves the window', () => {
    const { t, advance } = throttle();
    fail(t, 'acct', 'a1');
    advance(10_000);
    fail(t, 'acct', 'a2');
    fail(t, 'acct', 'a3');
    expect(t.retryAfterMs('acct', 'a4')).toBe(50_000);
    expect(t.retryAfterMs('other', 'a4')).toBe(0);
    advance(50_000);
    expect(t.retryAfterMs('acct', 'a4')).toBe(0); // the first failure left the window: two remain
  });

  it('counts an attempt from its start, and takes it back when it succeeds or is abandoned', () => {
    const { t } = throttle();
    const attempts = [t.begin('acct', 'a1'), t.begin('acct', 'a2'), t.begin('acct', 'a3')];
    expect(t.retryAfterMs('acct', 'a4')).toBeGreaterThan(0);
    attempts[0]!.succeeded();
    attempts[1]!.abandon();
    expect(t.retryAfterMs('acct', 'a4')).toBe(0);
  });

  it('exempts an address that logged in to the account from that account’s count, not from its own', () => {
    const { t, advance } = throttle();
    t.begin('acct', 'home').succeeded();
    for (const a of ['x1', 'x2', 'x3']) fail(t, 'acct', a);
    expect(t.retryAfterMs('acct', 'x4')).toBeGreaterThan(0);
    expect(t.retryAfterMs('acct', 'home')).toBe(0);
    for (let i = 0; i < 5; i++) fail(t, `sprayed-${i}`, 'home');
    expect(t.retryAfterMs('acct', 'home')).toBeGreaterThan(0);
    advance(60_000);
    expect(t.retryAfterMs('acct', 'home')).toBe(0);
    // The exemption ends.
    advance(POLICY.trustMs);
    for (const a of ['x1', 'x2', 'x3']) fail(t, 'acct', a);
    expect(t.retryAfterMs('acct', 'home')).toBeGreaterThan(0);
  });

  it('remembers a bounded number of accounts and addresses', () => {
    const { t } = throttle();
    for (let i = 0; i < 50; i++) t.begin(`acct-${i}`, `10.0.0.${i}`).succeeded();
    for (let i = 0; i < 50; i++) t.begin(`acct-${i}`, `10.0.1.${i}`);
    expect(t.size.accounts).toBeLessThanOrEqual(10);
    expect(t.size.addresses).toBeLessThanOrEqual(10);
    expect(t.size.trusted).toBeLessThanOrEqual(10);
  });
});
