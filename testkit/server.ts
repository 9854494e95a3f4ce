/**
 * A real server for tests, on PGlite (in memory) or on PostgreSQL (a fresh database per server,
 * dropped afterwards). PostgreSQL comes from OSPREY_TEST_POSTGRES (default: the local trust-auth
 * server); outside CI its absence skips those suites with one line, in CI it fails them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DestinationStream } from 'pino';
import { parseConfig, startServer, type RunningServer, type ServerConfig } from '@osprey/server';

export type DbKind = 'pglite' | 'postgres';

export const POSTGRES_ADMIN_URL = process.env.OSPREY_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let postgresAvailable: boolean | undefined;

export async function hasPostgres(): Promise<boolean> {
  if (postgresAvailable !== undefined) return postgresAvailable;
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    postgresAvailable = true;
  } catch {
    postgresAvailable = false;
  } finally {
    await client.end().catch(() => undefined);
  }
  if (!postgresAvailable) {
    const line = `PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL} (set OSPREY_TEST_POSTGRES)`;
    if (process.env.CI) throw new Error(`${line}: CI must start it (see .ci/run)`);
    console.warn(`skipping PostgreSQL tests: ${line}`);
  }
  return postgresAvailable;
}

export interface TestServer extends RunningServer {
  dataDir: string;
  config: ServerConfig;
  kind: DbKind;
  stop(): Promise<void>;
}

export async function startTestServer(
  kind: DbKind,
  overrides: Partial<ServerConfig> = {},
  options: {
    listen?: boolean;
    clock?: () => Date;
    logStream?: DestinationStream;
    loginThrottle?: NonNullable<Parameters<typeof startServer>[1]>['loginThrottle'];
    /** The live channel's timers and bounds (GET /rest/v1/events). */
    liveEvents?: NonNullable<Parameters<typeof startServer>[1]>['liveEvents'];
    /** Direct downloads made by the test (presigned URLs on its own S3). */
    directDownloads?: NonNullable<Parameters<typeof startServer>[1]>['directDownloads'];
  } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'osprey-server-'));
  let databaseUrl: string | undefined;
  let dbName: string | undefined;
  if (kind === 'postgres') {
    dbName = `osprey_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
  }
  const config = parseConfig({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    logLevel: 'silent',
    adminPassword: 'admin-password',
    lastSeenFlushMs: 100,
    ...(databaseUrl ? { databaseUrl } : {}),
    ...overrides,
  });
  const server = await startServer(config, {
    inMemoryDatabase: kind === 'pglite',
    listen: options.listen ?? false,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logStream ? { logStream: options.logStream } : {}),
    ...(options.loginThrottle ? { loginThrottle: options.loginThrottle } : {}),
    ...(options.liveEvents ? { liveEvents: options.liveEvents } : {}),
    ...(options.directDownloads ? { directDownloads: options.directDownloads } : {}),
  });
  return {
    ...server,
    dataDir,
    config,
    kind,
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
      if (dbName) {
        // pg's pool may still be closing its connections: wait for them rather than kill them
        // (a killed connection surfaces as an uncaught error in the test process).
        const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
        await admin.connect();
        try {
          for (let attempt = 0; ; attempt++) {
            try {
              await admin.query(`drop database if exists ${dbName}`);
              break;
            } catch (e) {
              if (attempt >= 20) {
                await admin.query(`drop database if exists ${dbName} with (force)`);
                break;
              }
              if (!/being accessed by other users/.test((e as Error).message)) throw e;
              await new Promise((r) => setTimeout(r, 100));
            }
          }
        } finally {
          await admin.end();
        }
      }
    },
  };
}
