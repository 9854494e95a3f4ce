/**
 * Throttling of password guessing: failed logins are counted per account (tenant and user name,
 * whether or not the user exists, so throttling does not reveal which names exist) and per client
 * address, each in a sliding window. Once either has `failures` failures in the last `windowMs`,
 * further attempts are refused with 429 and Retry-After until the oldest failure leaves the window
 * — without running the password hash at all, so a flood costs no CPU either. The check comes
 * first for every Basic request, also one whose credential was verified recently, so a throttled
 * caller learns nothing about its guesses (a remembered credential would otherwise answer 200 for
 * the right one without any limit).
 *
 * Each attempt counts as a failure from the moment it starts (and is taken back if it succeeds),
 * so a burst of parallel guesses cannot all pass the check before the first one fails. A success
 * does not forgive earlier failures: an attacker could otherwise interleave guesses with the
 * owner's own logins.
 *
 * A successful login is never throttled by other accounts' failures from other addresses: only
 * its own account's and its own address's count. So that an attacker failing on an account does
 * not lock its owner out, an address that logged in to the account successfully in the last
 * `trustMs` is exempt from the account's count (OWASP's "known device"); the address's own count
 * still applies to it, so guessing from such an address is bounded all the same.
 *
 * IPv6 addresses count per /64: one host usually owns a whole /64 and could otherwise rotate
 * through 2^64 addresses. State is per server instance and in memory (bounded; the oldest entries
 * are forgotten first); several instances each allow their own budget.
 */

export interface ThrottleWindow {
  failures: number;
  windowMs: number;
}

export interface ThrottlePolicy {
  account: ThrottleWindow;
  address: ThrottleWindow;
  /** How long an address that logged in to an account stays exempt from that account's count. */
  trustMs: number;
  /** Accounts and addresses remembered at most (each); beyond, the least recently failed are forgotten. */
  maxEntries: number;
}

/** 10 failed logins per account and 100 per address in 15 minutes; known addresses for a day. */
export const DEFAULT_THROTTLE: ThrottlePolicy = {
  account: { failures: 10, windowMs: 15 * 60_000 },
  address: { failures: 100, windowMs: 15 * 60_000 },
  trustMs: 24 * 60 * 60_000,
  maxEntries: 100_000,
};

/** The key an address counts under: IPv4 as is (also when IPv4-mapped), IPv6 by its /64 prefix. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const bare = address.split('%')[0]!.toLowerCase();
  const [head = '', tail] = bare.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

class Window {
  /** key → failure times (ms), oldest first; Map order = least recently failed first. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly policy: ThrottleWindow,
    private readonly maxEntries: number,
  ) {}

  private current(key: string, now: number): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    while (times.length > 0 && times[0]! <= now - this.policy.windowMs) times.shift();
    if (times.length === 0) this.failures.delete(key);
    return times;
  }

  /** Milliseconds until `key` may try again; 0: now. */
  wait(key: string, now: number): number {
    const times = this.current(key, now);
    if (times.length < this.policy.failures) return 0;
    return times[times.length - this.policy.failures]! + this.policy.windowMs - now;
  }

  add(key: string, now: number): void {
    const times = this.current(key, now);
    this.failures.delete(key); // re-inserted last: the most recently failed
    times.push(now);
    // Only the newest `failures` times matter for the decision.
    if (times.length > this.policy.failures) times.splice(0, times.length - this.policy.failures);
    this.failures.set(key, times);
    while (this.failures.size > this.maxEntries) this.failures.delete(this.failures.keys().next().value!);
  }

  /** Take back one failure recorded at `at` (an attempt that turned out to succeed). */
  remove(key: string, at: number): void {
    const times = this.failures.get(key);
    const i = times?.lastIndexOf(at) ?? -1;
    if (times && i >= 0) times.splice(i, 1);
    if (times?.length === 0) this.failures.delete(key);
  }

  get size(): number {
    return this.failures.size;
  }
}

/** One login attempt in progress: counted as a failure until `succeeded()`. */
export interface LoginAttempt {
  succeeded(): void;
  /** It never got to check the password (refused for load): take it back. */
  abandon(): void;
}

export class LoginThrottle {
  private readonly accounts: Window;
  private readonly addresses: Window;
  /** account + address → until when that address is exempt from the account's count (Map order: oldest first). */
  private readonly trusted = new Map<string, number>();

  constructor(
    private readonly clock: () => Date = () => new Date(),
    readonly policy: ThrottlePolicy = DEFAULT_THROTTLE,
  ) {
    this.accounts = new Window(policy.account, policy.maxEntries);
    this.addresses = new Window(policy.address, policy.maxEntries);
  }

  private trustKey = (account: string, address: string) => `${account}\u0000${addressKey(address)}`;

  /** Milliseconds until this account may try again from this address; 0: now. */
  retryAfterMs(account: string, address: string): number {
    const now = this.clock().getTime();
    const fromAddress = this.addresses.wait(addressKey(address), now);
    const known = (this.trusted.get(this.trustKey(account, address)) ?? 0) > now;
    return Math.max(fromAddress, known ? 0 : this.accounts.wait(account, now));
  }

  /** Start an attempt (call after `retryAfterMs` said 0): it counts as failed unless it succeeds. */
  begin(account: string, address: string): LoginAttempt {
    const at = this.clock().getTime();
    const where = addressKey(address);
    this.accounts.add(account, at);
    this.addresses.add(where, at);
    const takeBack = () => {
      this.accounts.remove(account, at);
      this.addresses.remove(where, at);
    };
    return {
      succeeded: () => {
        takeBack();
        this.succeeded(account, address);
      },
      abandon: takeBack,
    };
  }

  /** The account's password was shown from this address (checked now, or remembered): the address becomes known. */
  succeeded(account: string, address: string): void {
    const key = this.trustKey(account, address);
    this.trusted.delete(key); // re-inserted last: the newest
    this.trusted.set(key, this.clock().getTime() + this.policy.trustMs);
    while (this.trusted.size > this.policy.maxEntries) this.trusted.delete(this.trusted.keys().next().value!);
  }

  /** Remembered accounts, addresses and known pairs (tests check the bound). */
  get size(): { accounts: number; addresses: number; trusted: number } {
    return { accounts: this.accounts.size, addresses: this.addresses.size, trusted: this.trusted.size };
  }
}
