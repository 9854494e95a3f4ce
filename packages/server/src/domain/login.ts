/**
 * Logging in to the management API: a user's password (HTTP Basic) or an API token (Bearer).
 * The HTTP side (http/mgmt/auth.ts) only reads the header; the rules are here.
 *
 *   - Passwords are checked with scrypt (passwords.ts, bounded so hashing never starves file I/O).
 *     A verified credential is remembered for five minutes, keyed by the stored hash as well, so
 *     each request does not pay the KDF and a changed password ends it at once. The permissions
 *     are read from the user's row at every request: a change of roles takes effect at once.
 *   - Failed logins are throttled per account and per address (login-throttle.ts): 429 with
 *     Retry-After, without hashing, checked before the password is looked at at all. An address
 *     that logged in to an account is exempt from that account's count, so an attacker failing
 *     on an account does not lock out the people using it.
 *   - An unknown user costs the same KDF time as a known one, so timing does not reveal names.
 *   - A token carries its roles intersected with its owner's now (credentials.ts).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ApiTokenStore, UserStore } from '../db/stores/users.js';
import { ServerError } from '../errors.js';
import { tokenCredential, storedPermissions, tokenExpired } from './credentials.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { Principal } from './permissions.js';
import { LoginThrottle } from './login-throttle.js';

const VERIFIED_TTL_MS = 5 * 60 * 1000;
const MAX_REMEMBERED = 10_000;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** `osp_` and base64url: what createToken issues (43 characters), with room for other lengths. */
const TOKEN_PATTERN = /^osp_[A-Za-z0-9_-]{20,200}$/;

const wrongCredentials = () => new ServerError('UNAUTHORIZED', 'wrong user name or password');

export class LoginService {
  /** sha256(tenant, user, password, stored hash) → expiry (ms). */
  private readonly verified = new Map<string, number>();
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: () => Date = () => new Date(),
    readonly throttle: LoginThrottle = new LoginThrottle(clock),
  ) {}

  /** A user of `tenant` with this password, calling from `address`. */
  async password(tenant: string, username: string, password: string, address: string): Promise<Principal> {
    const account = `${tenant}\u0000${username}`;
    const user = await new UserStore(this.db).credential(tenant, username);
    // Before anything about the password is looked at (see login-throttle.ts), and with no await
    // between this check and `begin`, so parallel guesses cannot all pass it.
    const waitMs = this.throttle.retryAfterMs(account, address);
    if (waitMs > 0) {
      throw new ServerError('LOGIN_THROTTLED', `too many failed logins; try again in ${Math.ceil(waitMs / 1000)} s`, { retryAfterSeconds: waitMs / 1000 });
    }
    const now = this.clock().getTime();
    const key = user && sha256(`${tenant}\u0000${username}\u0000${password}\u0000${user.password_hash}`);
    if (user && key && (this.verified.get(key) ?? 0) > now) {
      this.throttle.succeeded(account, address);
    } else {
      const attempt = this.throttle.begin(account, address);
      let matches: boolean;
      try {
        // An unknown user costs the same KDF time as a real one, so timing does not reveal which names exist.
        matches = await verifyPassword(password, user ? user.password_hash : await this.dummy());
      } catch (e) {
        attempt.abandon(); // refused before hashing (too many at once): not a guess
        throw e;
      }
      if (!user || !key || !matches) throw wrongCredentials();
      attempt.succeeded();
      if (this.verified.size >= MAX_REMEMBERED) this.verified.clear();
      this.verified.set(key, now + VERIFIED_TTL_MS);
    }
    return { tenant, actor: `user:${username}`, permissions: storedPermissions(user.roles) };
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashPassword(randomBytes(16).toString('hex')).catch((e: unknown) => {
      this.dummyHash = undefined;
      throw e;
    });
    return this.dummyHash;
  }

  /** An API token (`osp_…`): its tenant, name and what it may do now. */
  async token(token: string): Promise<Principal> {
    if (!TOKEN_PATTERN.test(token)) throw new ServerError('UNAUTHORIZED', 'malformed API token');
    const hash = sha256(token);
    const row = await new ApiTokenStore(this.db).byHash(hash);
    if (!row || !timingSafeEqual(Buffer.from(row.token_hash), Buffer.from(hash))) throw new ServerError('UNAUTHORIZED', 'unknown API token');
    const now = this.clock();
    if (tokenExpired(row, now)) throw new ServerError('UNAUTHORIZED', 'the API token has expired');
    const credential = await tokenCredential(this.db, row, now);
    // Its owner is gone or expired (a token it was made with): the token has nothing left to carry.
    if (!credential) throw new ServerError('UNAUTHORIZED', 'the API token is no longer valid: its owner no longer exists');
    return { tenant: row.tenant, actor: `token:${row.name}`, permissions: credential.permissions, owner: credential.user };
  }
}
