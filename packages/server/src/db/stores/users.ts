/**
 * Users and API tokens: who may call the management API. Passwords are stored only as scrypt
 * hashes and tokens only as SHA-256; no method here returns either to a caller that does not ask
 * for it by name (`credential`, `byHash`), and those are for authentication only.
 *
 * Every query carries the tenant, except `ApiTokenStore.byHash`: a Bearer token names no tenant,
 * its row says which tenant it belongs to.
 */
import type { Selectable } from 'kysely';
import type { ApiTokensTable, UsersTable } from '../schema.js';
import { conflictOnDuplicate, pageOf, type Db, type Page, type PageRequest } from './common.js';

export type UserRow = Pick<Selectable<UsersTable>, 'username' | 'roles' | 'created_at'>;
export type ApiTokenRow = Selectable<ApiTokensTable>;

const USER_COLUMNS = ['username', 'roles', 'created_at'] as const;

export class UserStore {
  constructor(private readonly db: Db) {}

  /** For login only: the stored hash and the roles. */
  async credential(tenant: string, username: string): Promise<{ password_hash: string; roles: string[] } | undefined> {
    return this.db.selectFrom('users').select(['password_hash', 'roles']).where('tenant', '=', tenant).where('username', '=', username).executeTakeFirst();
  }

  async roles(tenant: string, username: string): Promise<string[] | undefined> {
    return (await this.db.selectFrom('users').select('roles').where('tenant', '=', tenant).where('username', '=', username).executeTakeFirst())?.roles;
  }

  async page(tenant: string, request: PageRequest): Promise<Page<UserRow>> {
    return pageOf(this.db.selectFrom('users').select(USER_COLUMNS).where('tenant', '=', tenant), request, 'username');
  }

  /** A new user; an existing name is a 409. */
  async insert(tenant: string, user: { username: string; passwordHash: string; roles: readonly string[] }): Promise<UserRow> {
    return conflictOnDuplicate(
      () =>
        this.db
          .insertInto('users')
          .values({ tenant, username: user.username, password_hash: user.passwordHash, roles: JSON.stringify(user.roles) })
          .returning(USER_COLUMNS)
          .executeTakeFirstOrThrow(),
      `user ${user.username} already exists`,
    );
  }

  /**
   * Every user of the tenant, locked until the transaction ends: user changes are serialised per
   * tenant, so the last-administrator rule holds under concurrency.
   */
  async lockAll(tenant: string): Promise<Array<{ username: string; roles: string[] }>> {
    return this.db.selectFrom('users').select(['username', 'roles']).where('tenant', '=', tenant).orderBy('username').forUpdate().execute();
  }

  async setRoles(tenant: string, username: string, roles: readonly string[]): Promise<UserRow> {
    return this.db
      .updateTable('users')
      .set({ roles: JSON.stringify(roles) })
      .where('tenant', '=', tenant)
      .where('username', '=', username)
      .returning(USER_COLUMNS)
      .executeTakeFirstOrThrow();
  }

  async setPasswordHash(tenant: string, username: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash }).where('tenant', '=', tenant).where('username', '=', username).execute();
  }

  async delete(tenant: string, username: string): Promise<void> {
    await this.db.deleteFrom('users').where('tenant', '=', tenant).where('username', '=', username).execute();
  }
}

/** How deep a chain of tokens minting tokens may go; deeper tokens are refused (never happens in practice). */
export const MAX_TOKEN_CHAIN = 8;

export class ApiTokenStore {
  constructor(private readonly db: Db) {}

  /** The token whose SHA-256 this is, in whichever tenant (the token itself names none). */
  async byHash(tokenHash: string): Promise<ApiTokenRow | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  async byName(tenant: string, name: string): Promise<ApiTokenRow | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('tenant', '=', tenant).where('name', '=', name).executeTakeFirst();
  }

  async page(tenant: string, request: PageRequest): Promise<Page<ApiTokenRow>> {
    return pageOf(this.db.selectFrom('api_tokens').selectAll().where('tenant', '=', tenant), request);
  }

  /** A new token (its hash); an existing name is a 409. */
  async insert(
    tenant: string,
    token: { name: string; owner: string; tokenHash: string; roles: readonly string[]; expiresAt: Date | null },
  ): Promise<ApiTokenRow> {
    return conflictOnDuplicate(
      () =>
        this.db
          .insertInto('api_tokens')
          .values({
            tenant,
            name: token.name,
            owner: token.owner,
            token_hash: token.tokenHash,
            roles: JSON.stringify(token.roles),
            expires_at: token.expiresAt,
            last_used_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow(),
      `an API token named ${token.name} already exists`,
    );
  }

  /** One token, locked until the transaction ends. */
  async lock(tenant: string, id: number): Promise<Pick<ApiTokenRow, 'id' | 'name' | 'owner' | 'roles'> | undefined> {
    return this.db
      .selectFrom('api_tokens')
      .select(['id', 'name', 'owner', 'roles'])
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
  }

  async delete(tenant: string, id: number): Promise<void> {
    await this.db.deleteFrom('api_tokens').where('tenant', '=', tenant).where('id', '=', id).execute();
  }

  /**
   * Delete every token `owner` (`user:…` or `token:…`) made, every token those tokens made, and
   * so on: a token's power comes from its owner, so nothing it minted may outlive it (nor come
   * back to life under a new token or user of the same name). Returns what was deleted, nearest
   * first.
   */
  async deleteOwnedBy(tenant: string, owner: string): Promise<Array<{ id: number; name: string }>> {
    const deleted: Array<{ id: number; name: string }> = [];
    // A user's tokens may name it without the prefix (rows written by seeds or by hand).
    let owners = owner.startsWith('user:') ? [owner, owner.slice('user:'.length)] : [owner];
    // Chains are at most MAX_TOKEN_CHAIN long and cannot loop (a token's owner exists before it); the bound is a seatbelt.
    for (let depth = 0; owners.length > 0 && depth < 64; depth++) {
      const rows = await this.db.deleteFrom('api_tokens').where('tenant', '=', tenant).where('owner', 'in', owners).returning(['id', 'name']).execute();
      rows.sort((a, b) => Number(a.id) - Number(b.id));
      deleted.push(...rows.map((r) => ({ id: Number(r.id), name: r.name })));
      owners = rows.map((r) => `token:${r.name}`);
    }
    return deleted;
  }
}
