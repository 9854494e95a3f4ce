/**
 * What a user or API token may do now. The rule (issue 12, "a demoted user keeps full power
 * through its API tokens"): a token never carries more than its owner has at this moment. Its
 * permissions are those of its own roles intersected with its owner's, computed from the stored
 * rows at every request — nothing is cached across a change — and an owner that no longer exists
 * (a deleted user, a revoked or expired token) leaves the token nothing. A token made by a token
 * is bounded by the whole chain up to the user at its end.
 */
import { MAX_TOKEN_CHAIN, ApiTokenStore, UserStore, type ApiTokenRow } from '../db/stores/users.js';
import type { Db } from '../db/stores/common.js';
import { resolvePermissions, type Permission } from './permissions.js';

export interface Credential {
  permissions: Set<Permission>;
  /** The grants at each link, the caller's own first and the user's last (system grants must hold at every link). */
  grants: string[][];
  /** The user at the end of the chain (`user:alice`): for a user, itself. */
  user: string;
}

/** Stored grants; a grant that no longer resolves counts as nothing rather than failing. */
export function storedPermissions(grants: readonly string[]): Set<Permission> {
  try {
    return resolvePermissions(grants);
  } catch {
    return new Set();
  }
}

const intersect = <T>(a: ReadonlySet<T>, b: ReadonlySet<T>) => new Set([...a].filter((x) => b.has(x)));
/** Expired: its expiry has passed (a token without one never expires). */
export const tokenExpired = (row: Pick<ApiTokenRow, 'expires_at'>, now: Date) => row.expires_at !== null && new Date(row.expires_at).getTime() < now.getTime();

/**
 * The credential of an actor (`user:…` or `token:…`) of `tenant` now; undefined if it does not
 * exist or has expired. An owner without a prefix (rows written by seeds or by hand) is a user name.
 */
export async function credentialOf(db: Db, tenant: string, actor: string, now: Date, depth = 0): Promise<Credential | undefined> {
  if (actor.startsWith('token:')) {
    const row = await new ApiTokenStore(db).byName(tenant, actor.slice('token:'.length));
    return row ? tokenCredential(db, row, now, depth) : undefined;
  }
  const name = actor.replace(/^user:/, '');
  const roles = await new UserStore(db).roles(tenant, name);
  return roles === undefined ? undefined : { permissions: storedPermissions(roles), grants: [roles], user: `user:${name}` };
}

/** The credential of a token row: its roles bounded by its owner's credential now. */
export async function tokenCredential(db: Db, row: ApiTokenRow, now: Date, depth = 0): Promise<Credential | undefined> {
  if (tokenExpired(row, now) || depth >= MAX_TOKEN_CHAIN) return undefined;
  const owner = await credentialOf(db, row.tenant, row.owner, now, depth + 1);
  if (!owner) return undefined;
  return { permissions: intersect(storedPermissions(row.roles), owner.permissions), grants: [row.roles, ...owner.grants], user: owner.user };
}
