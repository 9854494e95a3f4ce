/**
 * Console sessions: the operator console signs in once with a user's password and then sends
 * `Authorization: Bearer oss_…` (a random secret, stored only as its SHA-256), so the browser
 * never keeps the password.
 *
 *   - Signing in goes through LoginService.password: the failed-login throttle and the bound on
 *     scrypt apply, and the errors are the same 401/429.
 *   - A session acts as its user, with the permissions the user's row holds at each request (as
 *     API tokens do): a demoted user loses the power at once, a deleted one (its sessions go with
 *     it, users.ts) or one whose password changed is signed out everywhere.
 *   - It ends after `idleSeconds` without a request or `maxSeconds` after sign-in, by the injected
 *     clock; an ended session answers SESSION_EXPIRED so the console can say so. last_seen_at is
 *     written at most once a minute, not per request, so the idle end is exact to that minute.
 *   - Sign-in and sign-out are audited (`session.create`, `session.delete`), never the token.
 *     Noticing that a session expired changes nothing: the row stays (so every request of an
 *     expired console says SESSION_EXPIRED, not "unknown") until the user's next sign-in purges it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { SessionStore, type SessionRow } from '../db/stores/sessions.js';
import { UserStore } from '../db/stores/users.js';
import { ServerError } from '../errors.js';
import type { Changes } from './changes.js';
import { storedPermissions } from './credentials.js';
import type { LoginService } from './login.js';
import type { Principal } from './permissions.js';

/** `oss_` and base64url of 32 random bytes (43 characters); API tokens are `osp_`. */
export const SESSION_PREFIX = 'oss_';
const SESSION_PATTERN = /^oss_[A-Za-z0-9_-]{43}$/;
/** last_seen_at is written when it is at least this old: one write a minute per session, not one per request. */
const TOUCH_EVERY_MS = 60_000;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export interface SessionPolicy {
  idleSeconds: number;
  maxSeconds: number;
}

export interface SessionUser {
  username: string;
  tenant: string;
  /** As granted: role and permission names. */
  roles: string[];
  /** What they resolve to now. */
  permissions: string[];
}

export interface SignedIn {
  token: string;
  /** The absolute end of the session; it ends earlier after idleTimeoutSeconds without a request. */
  expiresAt: Date;
  idleTimeoutSeconds: number;
  user: SessionUser;
}

export const isSessionToken = (value: string) => value.startsWith(SESSION_PREFIX);

export class SessionService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: Changes,
    private readonly login: LoginService,
    readonly policy: SessionPolicy,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Sign in: the password as Basic would check it (throttled), then a new session. */
  async create(input: { tenant: string; username: string; password: string; address: string }): Promise<SignedIn> {
    const principal = await this.login.password(input.tenant, input.username, input.password, input.address);
    const token = `${SESSION_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row = await this.changes.apply(principal, async (trx, now) => {
      const sessions = new SessionStore(trx);
      await sessions.deleteEndedOfUser(input.tenant, input.username, now, this.policy.idleSeconds);
      const expiresAt = new Date(now.getTime() + this.policy.maxSeconds * 1000);
      const created = await sessions.insert({ tenant: input.tenant, username: input.username, tokenHash: sha256(token), createdAt: now, expiresAt });
      return {
        result: created,
        audit: {
          action: 'session.create',
          subject: { type: 'session', id: String(created.id) },
          before: null,
          after: { username: input.username, expiresAt: expiresAt.toISOString(), address: input.address },
        },
      };
    });
    return { token, expiresAt: new Date(row.expires_at), idleTimeoutSeconds: this.policy.idleSeconds, user: await this.userOf(principal) };
  }

  /** The principal of a Bearer `oss_…` token: its user, with the user's permissions now. */
  async authenticate(token: string): Promise<Principal> {
    if (!SESSION_PATTERN.test(token)) throw new ServerError('UNAUTHORIZED', 'malformed session token');
    const hash = sha256(token);
    const sessions = new SessionStore(this.db);
    const row = await sessions.byHash(hash);
    if (!row || !timingSafeEqual(Buffer.from(row.token_hash), Buffer.from(hash))) {
      throw new ServerError('UNAUTHORIZED', 'unknown session: it was signed out or its user changed; sign in again');
    }
    const now = this.clock();
    if (this.ended(row, now)) throw new ServerError('SESSION_EXPIRED', 'your session expired; sign in again');
    const roles = await new UserStore(this.db).roles(row.tenant, row.username);
    if (roles === undefined) throw new ServerError('UNAUTHORIZED', 'unknown session: its user no longer exists');
    if (now.getTime() - new Date(row.last_seen_at).getTime() >= TOUCH_EVERY_MS) await sessions.touch(row.tenant, Number(row.id), now);
    return {
      tenant: row.tenant,
      actor: `user:${row.username}`,
      permissions: storedPermissions(roles),
      session: { id: Number(row.id), expiresAt: new Date(row.expires_at) },
    };
  }

  /** Who the caller is, as the sign-in answer says it. */
  async userOf(principal: Principal): Promise<SessionUser> {
    const username = principal.actor.replace(/^(user|token):/, '');
    const roles = principal.actor.startsWith('user:') ? ((await new UserStore(this.db).roles(principal.tenant, username)) ?? []) : [];
    return { username, tenant: principal.tenant, roles, permissions: [...principal.permissions].sort() };
  }

  /** Sign-out of the caller's own session. */
  async delete(principal: Principal): Promise<void> {
    const session = principal.session;
    if (!session) throw new ServerError('BAD_REQUEST', 'this request was not made with a console session (Bearer oss_…): there is nothing to sign out');
    await this.changes.apply(principal, async (trx) => {
      const existed = await new SessionStore(trx).delete(principal.tenant, session.id);
      return {
        result: undefined,
        audit: existed
          ? {
              action: 'session.delete',
              subject: { type: 'session', id: String(session.id) },
              before: { username: principal.actor.replace(/^user:/, '') },
              after: null,
            }
          : [],
      };
    });
  }

  private ended(row: SessionRow, now: Date): boolean {
    const t = now.getTime();
    return t >= new Date(row.expires_at).getTime() || t >= new Date(row.last_seen_at).getTime() + this.policy.idleSeconds * 1000;
  }
}
