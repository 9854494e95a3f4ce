/**
 * Child process of the `ddi` benchmark: the HTTP servers under load run here, in processes of
 * their own, so that the load generator (autocannon, in the parent) never shares their event loop.
 * ddi.ts transpiles this file and what it imports to plain JavaScript and runs it with plain `node`
 * (see transpileChild() in common.ts for why not tsx). Not a benchmark itself: run.ts does not list it.
 *
 *   hello               the baseline: a bare fastify JSON hello-world ({ hello: 'world' })
 *   osprey SPEC_JSON    the Osprey server (startServer) as SPEC_JSON says (see OspreySpec): phase
 *                       init seeds a fresh database, phase serve restarts on it and seeds nothing
 *
 * When listening it prints one JSON line on stdout, `{ "ready": true, "url": …, … }`, then serves
 * until SIGTERM or until its stdin closes (the parent died), and closes gracefully.
 */
import { HELLO_ROUTE, POLL_ID_PREFIX, targetToken, type OspreyReady, type OspreySpec } from './ddi-common.js';

const MODULE_NAME = 'ddi-bench';

function whenStopped(stop: () => Promise<void>): void {
  let stopping = false;
  const once = (): void => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(`ddi child: stopping failed: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', once);
  // The parent holds our stdin: when it goes away (even by SIGKILL), so do we.
  process.stdin.on('end', once).on('close', once).resume();
}

async function hello(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.get(HELLO_ROUTE, async () => ({ hello: 'world' }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  whenStopped(() => app.close());
  process.stdout.write(`${JSON.stringify({ ready: true, url, pid: process.pid })}\n`);
}

async function osprey(spec: OspreySpec): Promise<void> {
  const started = performance.now();
  const { sql } = await import('kysely');
  const { parseConfig, seed, startServer } = await import('../packages/server/src/index.js');
  const server = await startServer(
    parseConfig({
      host: '127.0.0.1',
      port: 0,
      dataDir: spec.dataDir,
      logLevel: 'silent',
      adminPassword: 'bench-admin-password',
      ...(spec.databaseUrl ? { databaseUrl: spec.databaseUrl } : {}),
      ...(spec.consoleDir ? { consoleDir: spec.consoleDir } : {}),
      ...(spec.blobStore ? { blobStore: spec.blobStore } : {}),
      ...(spec.directDownloads ? { directDownloads: spec.directDownloads } : {}),
    }),
    // PGlite on disk in dataDir (the server's default, what a small installation runs), not in memory.
    { inMemoryDatabase: false, listen: true },
  );
  whenStopped(() => server.close());
  const { db } = server.database;

  let download: OspreyReady['download'];
  if (spec.artifact) {
    const { file, filename, clients } = spec.artifact;
    const targets = Array.from({ length: clients }, (_, i) => {
      const controllerId = `dl-${i + 1}`;
      return { controllerId, token: targetToken(spec.tokenKey, controllerId) };
    });
    if (spec.phase === 'init') {
      await seed(db, server.blobs, server.keys, {
        tenant: 'DEFAULT',
        targets: targets.map((t) => ({ controllerId: t.controllerId, securityToken: t.token })),
        modules: [{ key: 'bench', type: 'os', name: MODULE_NAME, version: '1.0.0', artifacts: [{ file, filename }] }],
        distributionSets: [{ key: 'bench', name: MODULE_NAME, version: '1.0.0', type: 'os', modules: ['bench'] }],
        // One target and one action per client, as 16 devices downloading the same update would be.
        assignments: spec.artifact.assign === false ? [] : targets.map((t) => ({ target: t.controllerId, ds: 'bench', type: 'forced' as const })),
      });
    }
    const artifact = await db
      .selectFrom('artifacts as a')
      .innerJoin('software_modules as m', 'm.id', 'a.module_id')
      .select(['a.module_id', 'a.size'])
      .where('m.name', '=', MODULE_NAME)
      .where('a.filename', '=', filename)
      .executeTakeFirstOrThrow();
    download = { moduleId: Number(artifact.module_id), filename, size: Number(artifact.size), targets };
  }

  if (spec.phase === 'init') {
    // The poll fleet in ONE statement (no 10,000 round trips): controller ids poll-1 … poll-N,
    // each with its own token, no action. Tokens are derived in SQL as targetToken() does.
    await sql`
      insert into targets (tenant, controller_id, name, security_token, attributes, request_attributes)
      select 'DEFAULT', id, id, md5(${spec.tokenKey}::text || id), '{}'::jsonb, ${spec.requestAttributes}::boolean
      from (select ${POLL_ID_PREFIX}::text || i as id from generate_series(1, ${spec.devices}::int) as i) as ids`.execute(db);
    // Fresh statistics, as autovacuum would have them on a server that has been running a while.
    await sql`analyze`.execute(db);
  }
  const counted = await db
    .selectFrom('targets')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();

  const ready: OspreyReady = {
    ready: true,
    url: server.url,
    pid: process.pid,
    dbKind: server.database.kind,
    targetsInDb: Number(counted.n),
    startSeconds: (performance.now() - started) / 1000,
    ...(download ? { download } : {}),
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

const [mode, specJson] = process.argv.slice(2);
if (mode === 'hello') await hello();
else if (mode === 'osprey') await osprey(JSON.parse(specJson ?? '') as OspreySpec);
else throw new Error(`unknown mode ${JSON.stringify(mode)}; expected hello | osprey SPEC_JSON`);
