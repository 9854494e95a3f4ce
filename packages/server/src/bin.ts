#!/usr/bin/env node
/**
 * `osprey-server [start]`: run the update server (PGlite in OSPREY_DATA_DIR unless DATABASE_URL).
 * `osprey-server seed FILE.json`: load tenants, targets, modules, artifacts and assignments.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, loadConfig } from './config.js';
import { startServer } from './main.js';
import { seed } from './domain/seed.js';

async function main(argv: string[]): Promise<number> {
  const [command = 'start', file] = argv;
  const config = loadConfig();
  if (command === 'seed') {
    if (!file) throw new ConfigError('usage: osprey-server seed FILE.json');
    let spec: unknown;
    try {
      spec = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(`cannot read ${file}: ${(e as Error).message}`);
    }
    const server = await startServer({ ...config, logLevel: 'warn' }, { listen: false });
    try {
      const result = await seed(server.database.db, server.blobs, server.keys, spec as never, dirname(resolve(file)));
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    } finally {
      await server.close();
    }
    return 0;
  }
  if (command !== 'start') throw new ConfigError(`unknown command "${command}": use start or seed FILE.json`);
  const server = await startServer(config);
  const where = config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}/pglite`;
  process.stdout.write(`Osprey server listening on ${server.url} (database: ${where}, artifacts: ${config.dataDir}/blobs)\n`);
  process.stdout.write(`DDI: ${server.url}/DEFAULT/controller/v1/<controllerId>   health: ${server.url}/healthz\n`);
  if (server.generatedAdminPassword) {
    process.stdout.write(
      `First start: created tenant DEFAULT and user "admin" with password ${server.generatedAdminPassword}\n(shown once; set OSPREY_ADMIN_PASSWORD to choose it)\n`,
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        server.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return -1; // keep running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`osprey-server: ${e instanceof ConfigError ? e.message : ((e as Error).stack ?? String(e))}\n`);
    process.exitCode = e instanceof ConfigError ? 2 : 1;
  },
);
