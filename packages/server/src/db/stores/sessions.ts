/**
 * Console sessions (POST /rest/v1/sessions): a signed-in user's bearer token, stored only as its
 * SHA-256. `byHash` names no tenant (the token names none; the row says which), every other
 * method does.
 */
import type { Selectable } from 'kysely';
import type { SessionsTable } from '../schema.js';
import type { Db } from './common.js';

export type SessionRow = Selectable<SessionsTable>;

export class SessionStore {
  constructor(private readonly db: Db) {}

  async insert(session: { tenant: string; username: string; tokenHash: string; createdAt: Date; expiresAt: Date }): Promise<SessionRow> {
    return this.db
      .insertInto('sessions')
      .values({
        tenant: session.tenant,
        username: session.username,
        token_hash: session.tokenHash,
        created_at: session.createdAt,
        last_seen_at: session.createdAt,
        expires_at: session.expiresAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** For authentication only: the session whose token has this SHA-256, in whichever tenant. */
  async byHash(tokenHash: string): Promise<SessionRow | undefined> {
    return this.db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  /** The session was used at `at` (callers write this at most once a minute, not per request). */
  async touch(tenant: string, id: number, at: Date): Promise<void> {
    await this.db.updateTable('sessions').set({ last_seen_at: at }).where('tenant', '=', tenant).where('id', '=', id).execute();
  }

  /** Sign-out or expiry; true if it existed. */
  async delete(tenant: string, id: number): Promise<boolean> {
    const rows = await this.db.deleteFrom('sessions').where('tenant', '=', tenant).where('id', '=', id).returning('id').execute();
    return rows.length > 0;
  }

  /** The user's sessions that have ended by now (absolute or idle end): purged at the user's next sign-in. */
  async deleteEndedOfUser(tenant: string, username: string, now: Date, idleSeconds: number): Promise<void> {
    const idleSince = new Date(now.getTime() - idleSeconds * 1000);
    await this.db
      .deleteFrom('sessions')
      .where('tenant', '=', tenant)
      .where('username', '=', username)
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleSince)]))
      .execute();
  }

  /** Every session of a user (deleted, or its password changed); returns how many ended. */
  async deleteOfUser(tenant: string, username: string): Promise<number> {
    const rows = await this.db.deleteFrom('sessions').where('tenant', '=', tenant).where('username', '=', username).returning('id').execute();
    return rows.length;
  }
}
