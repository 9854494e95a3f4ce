import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';

export interface DatabaseOptions {
  /** postgres://… ; when absent, PGlite in `<dataDir>/pglite`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** PGlite only: keep everything in memory (tests). */
  inMemory?: boolean;
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

// bigint columns (ids, sizes) come back as strings from pg; ids stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  let db: Kysely<Database>;
  let kind: DatabaseHandle['kind'];
  if (options.databaseUrl) {
    kind = 'postgres';
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: options.databaseUrl, max: 10 }) }) });
  } else {
    kind = 'pglite';
    const { PGlite } = await import('@electric-sql/pglite');
    let dataDir: string | undefined;
    if (!options.inMemory) {
      dataDir = join(options.dataDir, 'pglite');
      mkdirSync(dataDir, { recursive: true });
    }
    const lite = new PGlite(dataDir, { parsers: { 20: (v: string) => Number(v) } });
    db = new Kysely<Database>({ dialect: new PGliteDialect(lite) });
  }
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) {
    await db.destroy();
    throw new Error(`database migration failed: ${(error as Error).message}`, { cause: error });
  }
  return { db, kind, close: () => db.destroy() };
}
