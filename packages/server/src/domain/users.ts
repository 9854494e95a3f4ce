/**
 * Users, API tokens and tenants: who may call the management API, and with which permissions.
 *
 *   - Users log in with HTTP Basic (`user` in tenant DEFAULT, `TENANT\user` elsewhere). Passwords
 *     are stored only as scrypt hashes (passwords.ts); roles are any mix of role names, current
 *     and legacy hawkBit permission names, validated with resolvePermissions.
 *   - API tokens (`osp_` + 32 random bytes, base64url) are for pipelines. Only their SHA-256 is
 *     stored; the token is returned once, by the create call. A token never has a permission its
 *     owner lacks — not when it is made, and not later: what it may do is computed at each request
 *     as its roles intersected with its owner's roles at that moment (credentials.ts).
 *   - Tenants are created by a system administrator (a user or token of tenant DEFAULT granted
 *     `admin` or `SYSTEM_ADMIN`), each with its own first administrator (role TENANT_ADMIN).
 *
 * Rules that keep a tenant administrable and stop privilege escalation:
 *   - nobody grants (to a user or a token) a permission they do not hold themselves;
 *   - the system grants (`admin`, `SYSTEM_ADMIN`) are given, and users or tokens holding them are
 *     changed, only by a system administrator: TENANT_ADMIN resolves to the same permission set,
 *     but administers one tenant and must not be able to make itself a system administrator;
 *   - nobody acts on (deletes, resets the password of, changes the roles of) a user, or revokes a
 *     token, holding a permission they lack;
 *   - nobody deletes themself or changes their own roles, and no API token changes the roles or
 *     the password of the user it acts for (else a demoted user's token could restore the old
 *     roles, or turn itself into a password that outlives it);
 *   - the last user of a tenant who can administer users (holds UPDATE_TENANT_CONFIGURATION, as
 *     TENANT_ADMIN and admin do) can be neither deleted nor demoted.
 *
 * What changes of a user do to its tokens (issue 12): a demotion limits them at once (the
 * intersection); a deletion deletes them, and the tokens they made; a password change (by the
 * user or an administrator) revokes them too — a password is changed because it may be known to
 * someone else, who may have made tokens with it. The audit entry lists the tokens revoked.
 *
 * Every change goes through `Changes.apply`: one transaction together with its audit entry. Audit
 * entries name users, tokens and roles, never a password, a hash or a token.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Db, PageRequest } from '../db/stores/common.js';
import { TenantStore } from '../db/stores/tenants.js';
import { SessionStore } from '../db/stores/sessions.js';
import { ApiTokenStore, MAX_TOKEN_CHAIN, UserStore, type ApiTokenRow, type UserRow } from '../db/stores/users.js';
import { ServerError, badRequest, notFound } from '../errors.js';
import { DEFAULT_TENANT } from './bootstrap.js';
import type { Changes } from './changes.js';
import { credentialOf, storedPermissions } from './credentials.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { PERMISSIONS, resolvePermissions, UnknownPermissionError, type Permission, type Principal } from './permissions.js';

/** User and token names: 1–64 letters, digits or `. _ @ -` (no `\` or `:`, which Basic login uses). */
export const USERNAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
/** Tenant ids: they appear in URLs (`/{tenant}/controller/v1/…`) and key directories. */
export const TENANT_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const MIN_PASSWORD_LENGTH = 12;
/** scrypt takes any length; a bound keeps a request from hashing megabytes. */
export const MAX_PASSWORD_LENGTH = 1024;
/** The permission that user and token management needs (held by TENANT_ADMIN and admin). */
export const USER_ADMIN_PERMISSION: Permission = 'UPDATE_TENANT_CONFIGURATION';
/** The role a new tenant's first user gets. */
export const FIRST_USER_ROLES = ['TENANT_ADMIN'] as const;
/** The latest time a JavaScript Date holds. */
export const MAX_DATE_MS = 8_640_000_000_000_000;

export interface User {
  username: string;
  roles: string[];
  permissions: Permission[];
  createdAt: Date;
}

export interface ApiToken {
  id: number;
  name: string;
  /** The actor that created it (`user:alice`, or `token:ci` for a token made with a token). */
  owner: string;
  roles: string[];
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  expired: boolean;
}

export interface Listed<T> {
  items: T[];
  total: number;
}

const SYSTEM_GRANTS = new Set(['admin', 'SYSTEM_ADMIN']);
const isSystemGrant = (grant: string) => SYSTEM_GRANTS.has(grant.replace(/^ROLE_/, ''));
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The permissions of grants given in a request: an unknown grant is a 400 naming it. */
function permissionsOf(grants: readonly string[], field: string): Set<Permission> {
  try {
    return resolvePermissions(grants);
  } catch (e) {
    if (e instanceof UnknownPermissionError) throw badRequest(`${field}: ${e.message}`);
    throw e;
  }
}

const canAdministerUsers = (grants: readonly string[]) => storedPermissions(grants).has(USER_ADMIN_PERMISSION);
const normaliseRoles = (roles: readonly string[]) => [...new Set(roles)];

function checkUsername(name: string, what = 'username'): void {
  if (!USERNAME_PATTERN.test(name)) throw badRequest(`invalid ${what} ${JSON.stringify(name)}: use 1–64 letters, digits or . _ @ -`);
}

function checkPassword(password: string, what = 'password'): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw badRequest(`${what} must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) throw badRequest(`${what} must have at most ${MAX_PASSWORD_LENGTH} characters`);
}

function userOf(row: UserRow): User {
  return { username: row.username, roles: row.roles, permissions: [...storedPermissions(row.roles)].sort(), createdAt: new Date(row.created_at) };
}

function tokenOf(row: ApiTokenRow, now: Date): ApiToken {
  return {
    id: Number(row.id),
    name: row.name,
    owner: row.owner,
    roles: row.roles,
    createdAt: new Date(row.created_at),
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
    expired: row.expires_at !== null && new Date(row.expires_at).getTime() <= now.getTime(),
  };
}

/** Whether the caller is an API token acting for user `username` (made by them, or by their tokens). */
const isTokenOf = (caller: Principal, username: string) => caller.actor.startsWith('token:') && caller.owner === `user:${username}`;

export class UserService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: Changes,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  // --- who is calling ------------------------------------------------------------------------

  /**
   * A system administrator: of tenant DEFAULT (the system tenant made at first start), holding
   * every permission, and granted `admin` or `SYSTEM_ADMIN` explicitly — a token only while
   * every link up to its user holds that grant too. TENANT_ADMIN also holds every permission
   * today, which is why the explicit grant is required.
   */
  async isSystemAdmin(caller: Principal, db: Db = this.db): Promise<boolean> {
    if (caller.tenant !== DEFAULT_TENANT) return false;
    if (!PERMISSIONS.every((p) => caller.permissions.has(p))) return false;
    const credential = await credentialOf(db, caller.tenant, caller.actor, this.clock());
    return credential !== undefined && credential.grants.every((grants) => grants.some(isSystemGrant));
  }

  /**
   * The caller holds everything these grants give (else 403), and is a system administrator if
   * they include a system grant. `doing` completes "… needs ...".
   */
  private async assertCovers(db: Db, caller: Principal, grants: readonly string[], permissions: ReadonlySet<Permission>, doing: string): Promise<void> {
    const lacking = [...permissions].filter((p) => !caller.permissions.has(p)).sort();
    if (lacking.length > 0) {
      const shown = lacking.length > 5 ? `${lacking.slice(0, 5).join(', ')} and ${lacking.length - 5} more` : lacking.join(', ');
      throw new ServerError('FORBIDDEN', `${doing} needs permissions you do not hold: ${shown}`);
    }
    if (grants.some(isSystemGrant) && !(await this.isSystemAdmin(caller, db))) {
      throw new ServerError(
        'FORBIDDEN',
        `${doing} involves the system grant admin/SYSTEM_ADMIN: only a system administrator (role admin in tenant ${DEFAULT_TENANT}) may do that`,
      );
    }
  }

  // --- users ---------------------------------------------------------------------------------

  async listUsers(tenant: string, page: PageRequest): Promise<Listed<User>> {
    const { rows, total } = await new UserStore(this.db).page(tenant, page);
    return { items: rows.map(userOf), total };
  }

  async createUser(caller: Principal, input: { username: string; password: string; roles: readonly string[] }): Promise<User> {
    checkUsername(input.username);
    checkPassword(input.password);
    const roles = normaliseRoles(input.roles);
    await this.assertCovers(this.db, caller, roles, permissionsOf(roles, 'roles'), 'creating this user');
    const passwordHash = await hashPassword(input.password); // slow (memory-hard): outside the transaction
    return this.changes.apply(caller, async (trx) => {
      const row = await new UserStore(trx).insert(caller.tenant, { username: input.username, passwordHash, roles });
      return {
        result: userOf(row),
        audit: { action: 'user.create', subject: { type: 'user', id: input.username }, before: null, after: { username: input.username, roles } },
      };
    });
  }

  /** Lock the tenant's users (serialising user changes, so the last-administrator rule holds under concurrency) and find one. */
  private async lockUsers(db: Db, tenant: string, username: string) {
    const all = await new UserStore(db).lockAll(tenant);
    const user = all.find((u) => u.username === username);
    if (!user) throw notFound(`user ${username}`);
    const administrators = all.filter((u) => canAdministerUsers(u.roles)).length;
    return { user, administrators };
  }

  async deleteUser(caller: Principal, username: string): Promise<void> {
    if (caller.actor === `user:${username}`) throw badRequest('you cannot delete yourself; ask another administrator');
    await this.changes.apply(caller, async (trx) => {
      const { user, administrators } = await this.lockUsers(trx, caller.tenant, username);
      await this.assertCovers(trx, caller, user.roles, storedPermissions(user.roles), `deleting user ${username}`);
      if (canAdministerUsers(user.roles) && administrators <= 1)
        throw new ServerError(
          'CONFLICT',
          `user ${username} is the last user of tenant ${caller.tenant} who can administer users (TENANT_ADMIN or admin) and cannot be deleted`,
        );
      // The user's API tokens are that person's credentials too: they go with the user.
      const tokensRevoked = await new ApiTokenStore(trx).deleteOwnedBy(caller.tenant, `user:${username}`);
      // So are its console sessions (the foreign key would cascade too; this counts them for the entry).
      const sessionsEnded = await new SessionStore(trx).deleteOfUser(caller.tenant, username);
      await new UserStore(trx).delete(caller.tenant, username);
      return {
        result: undefined,
        audit: {
          action: 'user.delete',
          subject: { type: 'user', id: username },
          before: { username, roles: user.roles, tokensRevoked, sessionsEnded },
          after: null,
        },
      };
    });
  }

  async setRoles(caller: Principal, username: string, newRoles: readonly string[]): Promise<User> {
    if (caller.actor === `user:${username}`) throw badRequest('you cannot change your own roles; ask another administrator');
    // The "not your own roles" rule holds for the person behind a token too: a demoted user's
    // token must not give its owner the old roles back.
    if (isTokenOf(caller, username))
      throw new ServerError('FORBIDDEN', `an API token cannot change the roles of the user it acts for (${username}); ask another administrator`);
    const roles = normaliseRoles(newRoles);
    const granted = permissionsOf(roles, 'roles');
    return this.changes.apply(caller, async (trx) => {
      const { user, administrators } = await this.lockUsers(trx, caller.tenant, username);
      await this.assertCovers(trx, caller, user.roles, storedPermissions(user.roles), `changing the roles of user ${username}`);
      await this.assertCovers(trx, caller, roles, granted, `granting these roles`);
      if (canAdministerUsers(user.roles) && !granted.has(USER_ADMIN_PERMISSION) && administrators <= 1) {
        throw new ServerError(
          'CONFLICT',
          `user ${username} is the last user of tenant ${caller.tenant} who can administer users (TENANT_ADMIN or admin) and cannot lose that`,
        );
      }
      const row = await new UserStore(trx).setRoles(caller.tenant, username, roles);
      return { result: userOf(row), audit: { action: 'user.roles', subject: { type: 'user', id: username }, before: { roles: user.roles }, after: { roles } } };
    });
  }

  /**
   * A user changes their own password (giving the current one), or an administrator sets
   * another user's. Sessions elsewhere end (the login cache is keyed by the hash), and the
   * user's API tokens are revoked (see the header).
   */
  async changePassword(caller: Principal, username: string, input: { password: string; currentPassword?: string | undefined }): Promise<void> {
    checkPassword(input.password);
    const self = caller.actor === `user:${username}`;
    if (isTokenOf(caller, username))
      throw new ServerError('FORBIDDEN', `an API token cannot change the password of the user it acts for (${username}); log in with the current password`);
    const users = new UserStore(this.db);
    if (self) {
      const row = await users.credential(caller.tenant, username);
      if (!row) throw notFound(`user ${username}`);
      if (input.currentPassword === undefined) throw badRequest('give currentPassword to change your own password');
      if (!(await verifyPassword(input.currentPassword, row.password_hash))) throw new ServerError('FORBIDDEN', 'currentPassword is not your current password');
    } else if (!caller.permissions.has(USER_ADMIN_PERMISSION)) {
      throw new ServerError('FORBIDDEN', `missing permission ${USER_ADMIN_PERMISSION}`);
    }
    const passwordHash = await hashPassword(input.password);
    await this.changes.apply(caller, async (trx) => {
      const { user } = await this.lockUsers(trx, caller.tenant, username);
      if (!self) await this.assertCovers(trx, caller, user.roles, storedPermissions(user.roles), `setting the password of user ${username}`);
      await new UserStore(trx).setPasswordHash(caller.tenant, username, passwordHash);
      const tokensRevoked = await new ApiTokenStore(trx).deleteOwnedBy(caller.tenant, `user:${username}`);
      // Console sessions end too, the caller's own included: whoever knew the old password may have signed in with it.
      const sessionsEnded = await new SessionStore(trx).deleteOfUser(caller.tenant, username);
      return {
        result: undefined,
        audit: {
          action: 'user.password',
          subject: { type: 'user', id: username },
          before: null,
          after: { passwordChanged: true, by: self ? 'self' : 'administrator', tokensRevoked, sessionsEnded },
        },
      };
    });
  }

  // --- API tokens ----------------------------------------------------------------------------

  async listTokens(tenant: string, page: PageRequest): Promise<Listed<ApiToken>> {
    const now = this.clock();
    const { rows, total } = await new ApiTokenStore(this.db).page(tenant, page);
    return { items: rows.map((r) => tokenOf(r, now)), total };
  }

  /** The token itself is in the result and nowhere else, ever. */
  async createToken(
    caller: Principal,
    input: { name: string; roles: readonly string[]; expiresAt?: number | undefined },
  ): Promise<ApiToken & { token: string }> {
    checkUsername(input.name, 'token name');
    const roles = normaliseRoles(input.roles);
    if (roles.length === 0) throw badRequest('roles: give the token at least one role or permission');
    const now = this.clock();
    if (input.expiresAt !== undefined && !(Number.isSafeInteger(input.expiresAt) && input.expiresAt <= MAX_DATE_MS))
      throw badRequest('expiresAt must be a time in milliseconds since 1970');
    if (input.expiresAt !== undefined && input.expiresAt <= now.getTime()) throw badRequest('expiresAt must be in the future');
    // caller.permissions are already the caller's roles intersected with its owner's now, so a
    // token made with a token never gets more than the user behind both.
    await this.assertCovers(this.db, caller, roles, permissionsOf(roles, 'roles'), 'creating this token');
    const chain = await credentialOf(this.db, caller.tenant, caller.actor, now);
    if (chain && chain.grants.length > MAX_TOKEN_CHAIN)
      throw new ServerError('FORBIDDEN', `tokens made with tokens may go ${MAX_TOKEN_CHAIN} deep; make this one with a user's login`);
    const token = `osp_${randomBytes(32).toString('base64url')}`;
    const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt);
    return this.changes.apply(caller, async (trx) => {
      const row = await new ApiTokenStore(trx).insert(caller.tenant, { name: input.name, owner: caller.actor, tokenHash: sha256(token), roles, expiresAt });
      return {
        result: { ...tokenOf(row, now), token },
        audit: {
          action: 'apitoken.create',
          subject: { type: 'apitoken', id: String(row.id) },
          before: null,
          after: { name: input.name, owner: caller.actor, roles, expiresAt: expiresAt === null ? null : expiresAt.toISOString() },
        },
      };
    });
  }

  /** Revoke a token, and every token made with it (they carried its power). */
  async revokeToken(caller: Principal, id: number): Promise<void> {
    await this.changes.apply(caller, async (trx) => {
      const tokens = new ApiTokenStore(trx);
      const row = await tokens.lock(caller.tenant, id);
      if (!row) throw notFound(`API token ${id}`);
      await this.assertCovers(trx, caller, row.roles, storedPermissions(row.roles), `revoking API token ${row.name}`);
      await tokens.delete(caller.tenant, row.id);
      const alsoRevoked = await tokens.deleteOwnedBy(caller.tenant, `token:${row.name}`);
      return {
        result: undefined,
        audit: {
          action: 'apitoken.revoke',
          subject: { type: 'apitoken', id: String(row.id) },
          before: { name: row.name, owner: row.owner, roles: row.roles, ...(alsoRevoked.length > 0 ? { tokensRevoked: alsoRevoked } : {}) },
          after: null,
        },
      };
    });
  }

  // --- tenants -------------------------------------------------------------------------------

  /**
   * A new tenant with the default configuration and its first user (role TENANT_ADMIN). Both the
   * new tenant's audit log and the caller's record it, in the same transaction. Tenant ids
   * differing only in case are refused: they would be told apart by nobody reading a log or a URL.
   */
  async createTenant(caller: Principal, input: { id: string; adminUsername: string; adminPassword: string }): Promise<{ id: string; admin: User }> {
    if (!(await this.isSystemAdmin(caller)))
      throw new ServerError('FORBIDDEN', `creating tenants needs a system administrator (role admin in tenant ${DEFAULT_TENANT})`);
    if (!TENANT_PATTERN.test(input.id)) throw badRequest(`invalid tenant id ${JSON.stringify(input.id)}: use 1–64 letters, digits, _ or -`);
    checkUsername(input.adminUsername, 'adminUsername');
    checkPassword(input.adminPassword, 'adminPassword');
    const roles = [...FIRST_USER_ROLES];
    const passwordHash = await hashPassword(input.adminPassword);
    return this.changes.apply(caller, async (trx) => {
      const tenants = new TenantStore(trx);
      const clash = await tenants.sameIdIgnoringCase(input.id);
      if (clash) throw new ServerError('CONFLICT', `tenant ${clash} already exists`);
      await tenants.create(input.id);
      const user = await new UserStore(trx).insert(input.id, { username: input.adminUsername, passwordHash, roles });
      const record = { id: input.id, admin: input.adminUsername, roles };
      // The new tenant's log begins with its creation, naming who (of which tenant) created it.
      await this.changes.applyIn(trx, { tenant: input.id, actor: `${caller.tenant}\\${caller.actor}` }, async () => ({
        result: undefined,
        audit: { action: 'tenant.create', subject: { type: 'tenant', id: input.id }, before: null, after: record },
      }));
      return {
        result: { id: input.id, admin: userOf(user) },
        audit: { action: 'tenant.create', subject: { type: 'tenant', id: input.id }, before: null, after: record },
      };
    });
  }
}
