import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
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
  /**
   * A pooled connection was cut outside a query (PostgreSQL restarted or terminated it). The pool
   * drops the connection and the next query opens a new one; this only tells the operator.
   */
  onIdleConnectionLost?: (error: Error) => void;
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  /**
   * Subscribe to a NOTIFY channel. `onLost` is called when delivery may have been interrupted
   * (connection dropped): subscribers must then assume they missed messages. Delivery resumes
   * with `onResumed` once the listener is back.
   */
  listen(channel: string, handlers: { onMessage: (payload: string) => void; onLost: () => void; onResumed: () => void }): Promise<void>;
  /** Whether the database answers a trivial query now (the readiness probe). */
  ping(): Promise<boolean>;
  /** The connection pool now, for the metrics (read at scrape time; no query). */
  poolStats(): DatabasePoolStats;
  close(): Promise<void>;
}

export interface DatabasePoolStats {
  /** Connections open, busy or idle. */
  total: number;
  idle: number;
  /** Queries (or transactions) waiting for a connection. */
  waiting: number;
  max: number;
}

// bigint columns (ids, sizes) come back as strings from pg; ids stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

/** LISTEN on a dedicated PostgreSQL connection, reconnecting with backoff when it drops. */
function postgresListener(url: string) {
  const subscriptions: Array<{ channel: string; handlers: Parameters<DatabaseHandle['listen']>[1] }> = [];
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: url });
    c.on('notification', (msg) => {
      for (const s of subscriptions) if (s.channel === msg.channel) s.handlers.onMessage(msg.payload ?? '');
    });
    const lost = () => {
      if (client !== c || closed) return;
      client = undefined;
      for (const s of subscriptions) s.handlers.onLost();
      schedule(1000);
    };
    c.on('error', lost);
    c.on('end', lost);
    await c.connect();
    for (const channel of new Set(subscriptions.map((s) => s.channel))) await c.query(`listen ${channel}`);
    client = c;
    for (const s of subscriptions) s.handlers.onResumed();
  }

  function schedule(delay: number): void {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().catch(() => schedule(Math.min(delay * 2, 30_000)));
    }, delay);
    retry.unref();
  }

  return {
    async listen(channel: string, handlers: Parameters<DatabaseHandle['listen']>[1]): Promise<void> {
      subscriptions.push({ channel, handlers });
      if (client) {
        await client.query(`listen ${channel}`);
        handlers.onResumed();
      } else {
        await connect();
      }
    },
    async close(): Promise<void> {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}

const CHANNEL = /^[a-z_]{1,63}$/;

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  let db: Kysely<Database>;
  let kind: DatabaseHandle['kind'];
  let listen: DatabaseHandle['listen'];
  let closeListener: () => Promise<void> = async () => undefined;
  let poolStats: DatabaseHandle['poolStats'];
  if (options.databaseUrl) {
    kind = 'postgres';
    const max = 10;
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max });
    poolStats = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max });
    // pg emits 'error' on a client whose connection the server cut, idle in the pool or checked
    // out between queries; unhandled, it would end the process. A query running on it fails on
    // its own (and becomes a 503); the pool then drops the client and the next query reconnects.
    pool.on('error', (error) => options.onIdleConnectionLost?.(error));
    pool.on('connect', (client) => client.on('error', (error) => options.onIdleConnectionLost?.(error)));
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const listener = postgresListener(options.databaseUrl);
    listen = (channel, handlers) => {
      if (!CHANNEL.test(channel)) throw new Error(`invalid channel ${channel}`);
      return listener.listen(channel, handlers);
    };
    closeListener = () => listener.close();
  } else {
    kind = 'pglite';
    const { PGlite } = await import('@electric-sql/pglite');
    let dataDir: string | undefined;
    if (!options.inMemory) {
      dataDir = join(options.dataDir, 'pglite');
      mkdirSync(dataDir, { recursive: true });
    }
    const lite = new PGlite(dataDir, { parsers: { 20: (v: string) => Number(v) } });
    const dialect = new PGliteDialect(lite);
    db = new Kysely<Database>({ dialect });
    poolStats = () => dialect.stats();
    // PGlite lives in this process: the "connection" cannot drop while it is open.
    listen = async (channel, handlers) => {
      if (!CHANNEL.test(channel)) throw new Error(`invalid channel ${channel}`);
      await lite.listen(channel, handlers.onMessage);
      handlers.onResumed();
    };
  }
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) {
    await db.destroy();
    throw new Error(`database migration failed: ${(error as Error).message}`, { cause: error });
  }
  return {
    db,
    kind,
    listen,
    poolStats,
    ping: () =>
      sql`select 1`.execute(db).then(
        () => true,
        () => false,
      ),
    async close() {
      await closeListener();
      await db.destroy();
    },
  };
}
