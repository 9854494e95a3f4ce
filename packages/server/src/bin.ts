#!/usr/bin/env node
/**
 * `osprey-server`: run the update server with the embedded default (PGlite and files in
 * OSPREY_DATA_DIR) or PostgreSQL (DATABASE_URL). Exit codes: 0 stopped cleanly, 1 could not
 * start (one line says why), 2 a usage or configuration mistake (one line says what to fix).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type ServerConfig } from './config.js';
import { banner } from './banner.js';
import { SERVER_VERSION } from './http/app.js';
import { StartError, startServer } from './main.js';
import { seed } from './domain/seed.js';
import { keepInitialAdminPassword } from './initial-password.js';
import { formatScrubReport, scrubArtifacts } from './domain/scrub.js';
import { Changes } from './domain/changes.js';
import { collectGarbage, formatGcReport } from './domain/blob-gc.js';

const HELP = `Usage: osprey-server [start]         run the update server
       osprey-server seed FILE.json    load tenants, targets, modules, artifacts and assignments, then exit
       osprey-server scrub             re-hash every stored artifact; exit 1 if any is damaged
       osprey-server gc                remove stored blobs no artifact refers to (older than an hour)
       osprey-server --help | --version

Settings come from the environment (or a JSON file named by OSPREY_CONFIG):
  OSPREY_HOST          address to listen on (default 127.0.0.1; 0.0.0.0 serves every interface)
  OSPREY_PORT          port (default 8080)
  OSPREY_DATA_DIR      PGlite database, artifacts and key files (default ./data)
  DATABASE_URL         postgres://… to use PostgreSQL instead of PGlite
  OSPREY_ADMIN_PASSWORD  password of the first admin user (default: generated, printed once)
  OSPREY_KEY_PASSPHRASE  protects tenant keys at rest (default: a generated key file)
  OSPREY_LOG_LEVEL     fatal, error, warn, info (default), debug (every request), trace, silent
  OSPREY_LOG_FORMAT    pretty (default on a terminal) or json
  OSPREY_BLOB_STORE    file (default: OSPREY_DATA_DIR/blobs) or s3 (OSPREY_S3_BUCKET, _REGION, _ENDPOINT,
                       _FORCE_PATH_STYLE, _PREFIX, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY; see docs/operations.md)
  OSPREY_TLS_CERT, OSPREY_TLS_KEY, OSPREY_TRUSTED_PROXIES, OSPREY_PKCS11_MODULE/TOKEN/PIN: see README.md
`;

// The AWS SDK (the S3 store) warns on stderr, once per process, that its releases from 2027 will
// need Node 22: a note for whoever upgrades the dependency (package.json engines), not for the
// operator, and it would break the one line a failed start prints. Set it to false to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Thrown for a wrong command line: exit 2 with one line. */
class UsageError extends Error {}

async function runSeed(config: ServerConfig, file: string | undefined): Promise<number> {
  if (!file) throw new UsageError('usage: osprey-server seed FILE.json');
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

/** Exit 0 when every artifact's blob is intact, 1 when any is damaged (one line each, then a summary). */
async function runScrub(config: ServerConfig): Promise<number> {
  const server = await startServer({ ...config, logLevel: 'warn' }, { listen: false });
  try {
    const report = await scrubArtifacts(server.database.db, server.blobs, new Changes(server.database.db));
    process.stdout.write(formatScrubReport(report));
    return report.damaged.length === 0 ? 0 : 1;
  } finally {
    await server.close();
  }
}

/** Remove blobs no artifact row refers to; one summary line. */
async function runGc(config: ServerConfig): Promise<number> {
  const server = await startServer({ ...config, logLevel: 'warn', rolloutTickMs: 0 }, { listen: false });
  try {
    process.stdout.write(formatGcReport(await collectGarbage(server.database.db, server.blobs, new Date())));
    return 0;
  } finally {
    await server.close();
  }
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } } });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}; see osprey-server --help`);
  }
  if (parsed.values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (parsed.values.version) {
    process.stdout.write(`${SERVER_VERSION}\n`);
    return 0;
  }
  const [command = 'start', file, ...extra] = parsed.positionals;
  if (command !== 'start' && command !== 'seed' && command !== 'scrub' && command !== 'gc')
    throw new UsageError(`unknown command "${command}": use start, seed FILE.json, scrub or gc (see --help)`);
  if (extra.length > 0 || (command !== 'seed' && file !== undefined)) throw new UsageError(`unexpected argument "${extra[0] ?? file}" (see --help)`);
  const config = loadConfig(process.env, {}, process.stdout.isTTY === true);
  if (command === 'seed') return runSeed(config, file);
  if (command === 'scrub') return runScrub(config);
  if (command === 'gc') return runGc(config);

  const server = await startServer(config);
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
  // After the handlers: whoever reads the banner may signal at once (a supervisor, a test).
  const passwordFile = server.generatedAdminPassword ? keepInitialAdminPassword(config.dataDir, server.generatedAdminPassword) : undefined;
  process.stdout.write(banner(server, config, passwordFile));
  return -1; // keep running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e: unknown) => {
    const known = e instanceof ConfigError || e instanceof UsageError || e instanceof StartError;
    process.stderr.write(`osprey-server: ${known ? (e as Error).message : ((e as Error).stack ?? String(e))}\n`);
    process.exitCode = e instanceof StartError || !known ? 1 : 2;
  },
);
