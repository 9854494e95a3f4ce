/**
 * Announcements on a PostgreSQL NOTIFY channel (the poll cache's `osprey_cache`, migration 0002):
 * PostgreSQL delivers them in commit order, which is what makes a `sync:` marker a barrier.
 */
import { sql } from 'kysely';
import type { Db } from './common.js';

export class AnnouncementStore {
  constructor(private readonly db: Db) {}

  async announce(channel: string, payload: string): Promise<void> {
    await sql`select pg_notify(${channel}, ${payload})`.execute(this.db);
  }
}
