/**
 * `npm run bench -- rollout [--targets N] [--postgres ADMIN_URL] [--baseline-rounds N] [--ticks N]
 *                           [--skip-no-trigger] [--check]`
 *
 * Rollouts at fleet scale, on PostgreSQL, with N registered targets (default 1,000,000):
 *
 * (a) Create and start. `POST /rest/v1/rollouts` with amountGroups 10 over every target, then
 *     `POST /rollouts/{id}/start`, then the first scheduler tick (group 1 starts and its N/10
 *     actions are released) — wall time of the three, back to back, as an operator and the
 *     scheduler would do them. Baseline, in the same run and database: the bare
 *     `INSERT INTO … SELECT … FROM targets` of the same N action rows into a scratch copy of the
 *     actions table (`LIKE actions INCLUDING ALL`: the same columns, defaults and indexes, plus its
 *     five foreign keys; no trigger), median of --baseline-rounds. Goal: ratio ≤ 3. The foreign
 *     keys are part of what writing an action row costs in this schema (a lookup in each
 *     referenced table per row: ~4x the insert without them); the same insert without them is
 *     measured too and its ratio printed, for scale.
 * (b) One scheduler tick of that rollout with its first group running (N/10 running actions,
 *     100,000 for N = 1,000,000, the rest scheduled): median of --ticks ticks. Such a tick decides
 *     nothing (group 1 is not done) but recounts every group, as each tick does.
 * (c) Peak RSS (VmHWM) of the server process, at the end and after each phase.
 *
 * The actions table has a row trigger (migration 0002) that NOTIFYs `target:<id>` for every
 * inserted or updated action, for the poll caches of all server instances: creating the rollout
 * sends N notifications, releasing group 1 N/10 more, and every instance's listener then processes
 * them. To show what that costs, (a) runs a second time with the trigger disabled (in this
 * scratch database only; --skip-no-trigger skips it), and the time the server takes to drain the
 * notification backlog (its cache settled) is printed next to (a), outside the ratio.
 *
 * Design. The server runs in a child process, so that its peak RSS is its own: this very file,
 * transpiled with the server sources to plain JavaScript (transpileChild in common.ts: the current
 * sources, not a possibly stale dist/, and no tsx loader thread in the measured process) and
 * started as `node rollout.js --serve-child SPEC`. It is the real server (startServer: migrations,
 * HTTP API, device cache with its LISTEN connection, as configured by default) with its scheduler
 * timer off (rolloutTickMs 0), plus a command line on stdin: `tick` runs exactly the call the
 * timer makes (tickRollouts with the target-filter compiler) in the server process and answers
 * how long it took, so a tick is timed alone and precisely, not sampled off a 2 s timer; `settle`
 * waits until the cache has processed every notification committed so far. Create and start go
 * through the HTTP API like any client's. Targets are registered with one
 * `INSERT … SELECT generate_series` from this process.
 *
 * Prints a table and a last line `result: {json}`. A fresh database per run, dropped at the end,
 * on errors and on Ctrl-C, as the child is killed. Never asserts durations except with --check
 * (exit code 1 when the ratio goal is missed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { kibToMB, median, parseOrExplain, positive, REPO_ROOT, round1, round3, transpileChild, verdict } from './common.js';

const RATIO_GOAL = 3;
const GROUPS = 10;
const TENANT = 'DEFAULT';
const ID_PREFIX = 'bench-';
const ADMIN_PASSWORD = 'bench-admin-password';
const AUTH = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
/** The server child's protocol lines on stdout start with this; anything else (logs) goes to stderr. */
const MARK = '@@rollout-bench ';
const CHILD_MODE = '--serve-child';

const USAGE =
  'usage: npm run bench -- rollout [--targets N (1000000)] [--postgres ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres)]\n' +
  '         [--baseline-rounds N (3)] [--ticks N (5)] [--skip-no-trigger] [--check]';

interface Options {
  targets: number;
  postgres: string;
  baselineRounds: number;
  ticks: number;
  skipNoTrigger: boolean;
  check: boolean;
}

function parseOptions(args: string[]): Options | undefined {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      targets: { type: 'string', default: '1000000' },
      postgres: { type: 'string', default: process.env.OSPREY_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
      'baseline-rounds': { type: 'string', default: '3' },
      ticks: { type: 'string', default: '5' },
      'skip-no-trigger': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  if (!/^postgres(ql)?:\/\//.test(values.postgres)) throw new Error('--postgres wants a postgres://… URL of a server where a database may be created');
  // Digit groups are fine: 1_000_000.
  const targets = positive(values.targets.replaceAll('_', ''), '--targets', true);
  if (targets < GROUPS) throw new Error(`--targets must be at least ${GROUPS} (one per group)`);
  return {
    targets,
    postgres: values.postgres,
    baselineRounds: positive(values['baseline-rounds'].replaceAll('_', ''), '--baseline-rounds', true),
    ticks: positive(values.ticks.replaceAll('_', ''), '--ticks', true),
    skipNoTrigger: values['skip-no-trigger'],
    check: values.check,
  };
}

// ---------------------------------------------------------------------------------------------
// The server child (this file, transpiled, run as `node rollout.js --serve-child SPEC_JSON`).
// ---------------------------------------------------------------------------------------------

interface ChildSpec {
  dataDir: string;
  databaseUrl: string;
}

type ChildCommand = { cmd: 'tick' } | { cmd: 'settle' };
type ChildReply = { reply: 'tick'; handled: number; ms: number } | { reply: 'settle'; ms: number; attempts: number } | { reply: 'error'; message: string };
interface ChildReady {
  ready: true;
  url: string;
  pid: number;
}

async function serveChild(spec: ChildSpec): Promise<void> {
  const { parseConfig, startServer } = await import('../packages/server/src/index.js');
  const { tickRollouts } = await import('../packages/server/src/domain/rollouts.js');
  const { compileTargetFilter } = await import('../packages/server/src/db/fields.js');
  const say = (message: ChildReady | ChildReply): void => void process.stdout.write(`${MARK}${JSON.stringify(message)}\n`);
  const server = await startServer(
    parseConfig({
      host: '127.0.0.1',
      port: 0,
      dataDir: spec.dataDir,
      databaseUrl: spec.databaseUrl,
      adminPassword: ADMIN_PASSWORD,
      logLevel: 'warn',
      // The scheduler ticks on command (below), not on a timer; everything else as configured by default.
      rolloutTickMs: 0,
    }),
    { listen: true },
  );
  const handle = async (command: ChildCommand): Promise<ChildReply> => {
    const started = performance.now();
    if (command.cmd === 'tick') {
      // What the server's timer runs (main.ts), once.
      const handled = await tickRollouts(server.database.db, new Date(), { compileFilter: compileTargetFilter });
      return { reply: 'tick', handled, ms: performance.now() - started };
    }
    // settle() gives up after 5 s; a backlog of a million notifications takes longer: try again
    // (each try's marker queues behind everything committed before it).
    for (let attempts = 1; ; attempts++) {
      try {
        await server.ddi.settle();
        return { reply: 'settle', ms: performance.now() - started, attempts };
      } catch (e) {
        if (attempts >= 120) throw e;
      }
    }
  };
  let queue = Promise.resolve();
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void queue
      .then(() => server.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  // One command at a time, answered in order. The parent holds stdin: if it dies, so do we.
  createInterface({ input: process.stdin })
    .on('line', (line) => {
      queue = queue.then(() =>
        handle(JSON.parse(line) as ChildCommand).then(say, (e: unknown) => say({ reply: 'error', message: (e as Error).stack ?? String(e) })),
      );
    })
    .on('close', stop);
  process.once('SIGTERM', stop);
  say({ ready: true, url: server.url, pid: process.pid });
}

// ---------------------------------------------------------------------------------------------
// The parent: child handling, HTTP, /proc.
// ---------------------------------------------------------------------------------------------

interface ServerChild {
  child: ChildProcess;
  ready: ChildReady;
  command(command: ChildCommand): Promise<ChildReply>;
}

const liveChildren = new Set<ChildProcess>();

function startChild(childJs: string, spec: ChildSpec): Promise<ServerChild> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childJs, CHILD_MODE, JSON.stringify(spec)], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    liveChildren.add(child);
    const waiting: Array<{ resolve: (r: ChildReply) => void; reject: (e: Error) => void }> = [];
    let ready = false;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith(MARK)) {
        process.stderr.write(`[server] ${line}\n`);
        return;
      }
      const message = JSON.parse(line.slice(MARK.length)) as ChildReady | ChildReply;
      if ('ready' in message) {
        ready = true;
        resolve({
          child,
          ready: message,
          command(command) {
            return new Promise<ChildReply>((res, rej) => {
              waiting.push({ resolve: res, reject: rej });
              child.stdin!.write(`${JSON.stringify(command)}\n`);
            });
          },
        });
        return;
      }
      const next = waiting.shift();
      if (!next) return;
      if (message.reply === 'error') next.reject(new Error(`server child: ${message.message}`));
      else next.resolve(message);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      liveChildren.delete(child);
      const error = new Error(`server child exited (${code ?? signal})${ready ? '' : ' before it was ready'}`);
      if (!ready) reject(error);
      for (const w of waiting.splice(0)) w.reject(error);
    });
  });
}

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.stdin?.end(); // the child closes gracefully when its stdin ends
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  liveChildren.delete(child);
}

/** VmHWM (peak RSS) and VmRSS of a live process, in KiB. */
function memoryOf(pid: number): { peakKiB: number; rssKiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s*(\\d+)\\s*kB`, 'm').exec(status)?.[1] ?? NaN);
    return { peakKiB: field('VmHWM'), rssKiB: field('VmRSS') };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a live process has used so far; undefined if unknown. */
function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** A management API call with no client-side timeout (creating a rollout over a million targets takes a while). */
function api(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const request = http.request(
      `${base}/rest/v1${path}`,
      { method, headers: { authorization: AUTH, ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, json, text });
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

async function expectStatus<T extends { status: number; text: string }>(what: string, expected: number, call: Promise<T>): Promise<T> {
  const r = await call;
  if (r.status !== expected) throw new Error(`${what}: HTTP ${r.status} ${r.text.slice(0, 500)}`);
  return r;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL.
// ---------------------------------------------------------------------------------------------

async function adminQuery(adminUrl: string, query: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(query);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

const seconds = (since: number): number => (performance.now() - since) / 1000;

// ---------------------------------------------------------------------------------------------
// Measurements.
// ---------------------------------------------------------------------------------------------

interface CreatePass {
  trigger: boolean;
  rolloutId: number;
  createSeconds: number;
  startSeconds: number;
  firstTickSeconds: number;
  totalSeconds: number;
  released: number;
  actions: number;
  /** Time for the server's cache to process the notifications (trigger on), after the total. */
  settleSeconds: number;
  /** CPU seconds of the server process during create + start + tick. */
  serverCpuSeconds: number | null;
}

/** (a): create + start + first tick, back to back; then checks what they did. */
async function createAndStart(server: ServerChild, db: pg.Client, dsId: number, name: string, targets: number, trigger: boolean): Promise<CreatePass> {
  const base = server.ready.url;
  await db.query('checkpoint'); // no checkpoint of earlier writes in the middle of the measurement
  const cpuBefore = cpuSecondsOf(server.ready.pid);
  const t0 = performance.now();
  const created = await expectStatus(
    'POST /rollouts',
    201,
    api(base, 'POST', '/rollouts', {
      name,
      distributionSetId: dsId,
      targetFilterQuery: `controllerId==${ID_PREFIX}*`,
      amountGroups: GROUPS,
      successCondition: { condition: 'THRESHOLD', expression: '100' },
      successAction: { action: 'NEXTGROUP', expression: '' },
      errorCondition: { condition: 'THRESHOLD', expression: '50' },
      errorAction: { action: 'PAUSE', expression: '' },
    }),
  );
  const createSeconds = seconds(t0);
  const rolloutId = Number(created.json.id);
  const t1 = performance.now();
  await expectStatus('POST /rollouts/{id}/start', 200, api(base, 'POST', `/rollouts/${rolloutId}/start`));
  const startSeconds = seconds(t1);
  const t2 = performance.now();
  const tick = await server.command({ cmd: 'tick' });
  const firstTickSeconds = seconds(t2);
  const totalSeconds = seconds(t0);
  const cpuAfter = cpuSecondsOf(server.ready.pid);
  if (tick.reply !== 'tick' || tick.handled !== 1) throw new Error(`the first tick handled ${JSON.stringify(tick)} rollouts, expected 1`);

  // It did what it should: N actions in 10 groups, group 1 running and all its actions released.
  const { rows } = await db.query<{ actions: number; released: number; group1: number; scheduled_groups: number; status: string }>(
    `select (select count(*)::int from actions where rollout_id = $1) as actions,
            (select count(*)::int from actions where rollout_id = $1 and active and status = 'RUNNING') as released,
            (select total_targets from rollout_groups where rollout_id = $1 order by ord limit 1) as group1,
            (select count(*)::int from rollout_groups where rollout_id = $1 and status = 'scheduled') as scheduled_groups,
            (select status from rollouts where id = $1) as status`,
    [rolloutId],
  );
  const r = rows[0]!;
  if (r.actions !== targets || r.released !== r.group1 || r.scheduled_groups !== GROUPS - 1 || r.status !== 'running') {
    throw new Error(
      `after create + start + tick: ${JSON.stringify(r)}; expected ${targets} actions, group 1 released, ${GROUPS - 1} groups scheduled, rollout running`,
    );
  }
  const settle = await server.command({ cmd: 'settle' });
  return {
    trigger,
    rolloutId,
    createSeconds,
    startSeconds,
    firstTickSeconds,
    totalSeconds,
    released: r.released,
    actions: r.actions,
    settleSeconds: settle.reply === 'settle' ? settle.ms / 1000 : NaN,
    serverCpuSeconds: cpuBefore === undefined || cpuAfter === undefined ? null : cpuAfter - cpuBefore,
  };
}

/**
 * The baselines: the same N action rows, one INSERT … SELECT into a scratch copy of `actions`
 * (`LIKE actions INCLUDING ALL`: columns, defaults, indexes), with or without the copy's foreign
 * keys (the five of `actions`: tenant, target, distribution set, rollout, group). The rows point at
 * a placeholder rollout with GROUPS groups, target i in group i·GROUPS/N, as the real ones do.
 */
async function baselineRound(db: pg.Client, table: string, dsId: number, rolloutId: number, minTargetId: number, targets: number): Promise<number> {
  await db.query(`truncate ${table}`);
  await db.query('checkpoint');
  const t0 = performance.now();
  const inserted = await db.query(
    `insert into ${table} (tenant, target_id, ds_id, status, active, action_type, forced_time, weight, rollout_id, rollout_group_id)
     select t.tenant, t.id, $1::bigint, 'SCHEDULED', false, 'forced', null, null, $2::bigint, g.id
     from targets t join rollout_groups g on g.rollout_id = $2::bigint and g.ord = ((t.id - $3::bigint) * ${GROUPS} / $4::bigint)::int
     where t.tenant = '${TENANT}'`,
    [dsId, rolloutId, minTargetId, targets],
  );
  const s = seconds(t0);
  if (inserted.rowCount !== targets) throw new Error(`baseline inserted ${inserted.rowCount} rows into ${table}, expected ${targets}`);
  return s;
}

/** Back to no rollout: actions (and their statuses) gone, targets unassigned, statistics fresh. */
async function resetRollouts(db: pg.Client): Promise<void> {
  await db.query('truncate action_statuses, actions');
  await db.query('delete from rollouts'); // groups cascade
  await db.query(`update targets set assigned_ds_id = null, update_status = 'UNKNOWN' where assigned_ds_id is not null`);
  await db.query('vacuum analyze targets, actions, action_statuses, rollouts, rollout_groups');
}

// ---------------------------------------------------------------------------------------------

export async function main(args: string[]): Promise<void> {
  const options = parseOrExplain(parseOptions, USAGE, args);
  if (!options) return;
  const o = options;

  const benchRoot = join(REPO_ROOT, '.bench');
  mkdirSync(benchRoot, { recursive: true });
  const dir = mkdtempSync(join(benchRoot, 'rollout-'));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  const dbName = `osprey_bench_${randomBytes(6).toString('hex')}`;
  let dbCreated = false;
  const dropDatabase = async (): Promise<void> => {
    if (dbCreated) await adminQuery(o.postgres, `drop database if exists ${dbName} with (force)`);
    dbCreated = false;
  };
  // Ctrl-C / kill: `finally` does not run; kill the child, drop the database, remove the folder, exit.
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted = true;
    const children = [...liveChildren].filter((c) => c.exitCode === null && c.signalCode === null);
    const exited = Promise.all(children.map((c) => once(c, 'exit')));
    for (const child of children) child.kill('SIGKILL');
    const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<void>((r) => setTimeout(r, ms).unref())]);
    void (async () => {
      await within(exited, 3000);
      await within(
        dropDatabase().catch((e: unknown) => console.error(`rollout: dropping ${dbName} failed: ${(e as Error).message}`)),
        10_000,
      );
      removeDir();
    })().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let db: pg.Client | undefined;
  try {
    const benchStarted = performance.now();
    const childJs = await transpileChild(fileURLToPath(import.meta.url), join(dir, 'js'));
    await adminQuery(o.postgres, `create database ${dbName}`);
    dbCreated = true;
    const url = new URL(o.postgres);
    url.pathname = `/${dbName}`;
    const databaseUrl = url.toString();

    console.log(`rollout: starting the server (migrations) on a fresh PostgreSQL database ${dbName} ...`);
    const server = await startChild(childJs, { dataDir: join(dir, 'osprey'), databaseUrl });
    const readyMemory = memoryOf(server.ready.pid);
    db = new pg.Client({ connectionString: databaseUrl });
    // Dropping the database on Ctrl-C ends this connection: not an error worth a crash.
    db.on('error', (e: Error) => {
      if (!interrupted) console.error(`rollout: database connection: ${e.message}`);
    });
    await db.connect();

    // --- Fleet ---------------------------------------------------------------------------------
    console.log(`rollout: registering ${o.targets.toLocaleString('en')} targets (one INSERT … SELECT generate_series) ...`);
    const t = performance.now();
    await db.query(
      `insert into targets (tenant, controller_id, name, security_token, attributes)
       select '${TENANT}', id, id, md5(id), '{}'::jsonb from (select '${ID_PREFIX}' || i as id from generate_series(1, $1::int) as i) as ids`,
      [o.targets],
    );
    await db.query('vacuum analyze targets');
    const registerSeconds = seconds(t);
    const { rows: idRange } = await db.query<{ min: number }>(`select min(id)::int as min from targets where tenant = '${TENANT}'`);
    // The server hears of every new target (trigger on targets): let it catch up before measuring.
    const registerSettle = await server.command({ cmd: 'settle' });
    console.log(
      `  ${registerSeconds.toFixed(1)} s; the server's cache took ${((registerSettle.reply === 'settle' ? registerSettle.ms : NaN) / 1000).toFixed(1)} s more to hear of them`,
    );
    const [module] = (
      await expectStatus('POST /softwaremodules', 201, api(server.ready.url, 'POST', '/softwaremodules', [{ name: 'fleet-fw', version: '2', type: 'os' }]))
    ).json;
    const [ds] = (
      await expectStatus(
        'POST /distributionsets',
        201,
        api(server.ready.url, 'POST', '/distributionsets', [{ name: 'fleet-fw', version: '2', modules: [{ id: module.id }] }]),
      )
    ).json;
    const dsId = Number(ds.id);

    // --- Baselines -----------------------------------------------------------------------------
    // Two copies of actions: with its foreign keys (what writing N action rows costs in this
    // schema: every row is checked against targets, tenants, distribution_sets, rollouts and
    // rollout_groups), the baseline of the goal; and without them (the bare insert), for scale.
    // Neither has the NOTIFY trigger: (a) is measured without it too, below.
    const { rows: placeholder } = await db.query<{ id: number }>(
      `insert into rollouts (tenant, name, ds_id, target_filter, status, action_type, thresholds, created_by)
       values ('${TENANT}', 'bench-baseline', $1, 'none', 'finished', 'forced', '{}'::jsonb, 'bench') returning id::int`,
      [dsId],
    );
    const placeholderId = placeholder[0]!.id;
    await db.query(
      `insert into rollout_groups (tenant, rollout_id, ord, name, status) select '${TENANT}', $1, ord, 'baseline-' || ord, 'finished' from generate_series(0, ${GROUPS - 1}) as ord`,
      [placeholderId],
    );
    await db.query('create table bench_baseline_fk (like actions including all)');
    await db.query(
      `alter table bench_baseline_fk add foreign key (tenant) references tenants(id), add foreign key (target_id) references targets(id),
         add foreign key (ds_id) references distribution_sets(id), add foreign key (rollout_id) references rollouts(id) on delete set null,
         add foreign key (rollout_group_id) references rollout_groups(id) on delete set null`,
    );
    await db.query('create table bench_baseline_plain (like actions including all)');
    console.log(
      `rollout: baselines, ${o.baselineRounds} x INSERT … SELECT of ${o.targets.toLocaleString('en')} action rows into a copy of actions (same indexes), with and without its foreign keys ...`,
    );
    const baselineRounds: { fk: number[]; plain: number[] } = { fk: [], plain: [] };
    for (let i = 0; i < o.baselineRounds; i++) {
      // Alternating which goes first, so that neither always runs on a warmer cache.
      for (const kind of i % 2 === 0 ? (['fk', 'plain'] as const) : (['plain', 'fk'] as const)) {
        baselineRounds[kind].push(await baselineRound(db, `bench_baseline_${kind}`, dsId, placeholderId, idRange[0]!.min, o.targets));
      }
      console.log(
        `  round ${i + 1}/${o.baselineRounds}: with foreign keys ${baselineRounds.fk.at(-1)!.toFixed(2)} s, without ${baselineRounds.plain.at(-1)!.toFixed(2)} s`,
      );
    }
    await db.query('drop table bench_baseline_fk, bench_baseline_plain');
    await db.query('delete from rollouts where id = $1', [placeholderId]);
    await db.query('vacuum analyze rollouts, rollout_groups');
    const baseline = median(baselineRounds.fk);
    const plainBaseline = median(baselineRounds.plain);

    // --- (a) with the trigger, (b) ticks, (c) RSS -------------------------------------------------
    console.log(`rollout: (a) create (${GROUPS} groups over all targets) + start + first tick, through the server ...`);
    const withTrigger = await createAndStart(server, db, dsId, 'bench-rollout', o.targets, true);
    console.log(
      `  create ${withTrigger.createSeconds.toFixed(2)} s + start ${withTrigger.startSeconds.toFixed(3)} s + first tick ${withTrigger.firstTickSeconds.toFixed(2)} s ` +
        `(released ${withTrigger.released.toLocaleString('en')}) = ${withTrigger.totalSeconds.toFixed(2)} s; the cache then drained the notifications in ${withTrigger.settleSeconds.toFixed(1)} s`,
    );
    const afterCreateMemory = memoryOf(server.ready.pid);

    console.log(`rollout: (b) ${o.ticks} scheduler ticks with ${withTrigger.released.toLocaleString('en')} running actions ...`);
    await db.query('vacuum analyze actions'); // as autovacuum would have it on a server that has been running a while
    const ticks: number[] = [];
    for (let i = 0; i < o.ticks; i++) {
      const tick = await server.command({ cmd: 'tick' });
      if (tick.reply !== 'tick' || tick.handled !== 1) throw new Error(`tick ${i + 1} handled ${JSON.stringify(tick)}, expected 1 rollout`);
      ticks.push(tick.ms / 1000);
      console.log(`  tick ${i + 1}/${o.ticks}: ${(tick.ms / 1000).toFixed(3)} s`);
    }
    const tick = median(ticks);
    const { rows: stillRunning } = await db.query<{ running: number }>(
      `select count(*)::int as running from actions where rollout_id = $1 and status = 'RUNNING'`,
      [withTrigger.rolloutId],
    );
    if (stillRunning[0]!.running !== withTrigger.released)
      throw new Error(`after the ticks ${stillRunning[0]!.running} running actions, expected ${withTrigger.released}`);
    const afterTicksMemory = memoryOf(server.ready.pid);

    // --- (a) again, trigger disabled ---------------------------------------------------------------
    let withoutTrigger: CreatePass | undefined;
    if (!o.skipNoTrigger) {
      console.log('rollout: (a) again with the NOTIFY trigger on actions disabled (this scratch database only) ...');
      await resetRollouts(db);
      await db.query('alter table actions disable trigger actions_notify_cache');
      try {
        withoutTrigger = await createAndStart(server, db, dsId, 'bench-rollout-no-trigger', o.targets, false);
      } finally {
        await db.query('alter table actions enable trigger actions_notify_cache');
      }
      console.log(
        `  create ${withoutTrigger.createSeconds.toFixed(2)} s + start ${withoutTrigger.startSeconds.toFixed(3)} s + first tick ${withoutTrigger.firstTickSeconds.toFixed(2)} s = ${withoutTrigger.totalSeconds.toFixed(2)} s`,
      );
    }
    const endMemory = memoryOf(server.ready.pid);

    // --- Report --------------------------------------------------------------------------------
    const ratio = withTrigger.totalSeconds / baseline;
    const plainRatio = withTrigger.totalSeconds / plainBaseline;
    const ok = ratio <= RATIO_GOAL;
    const triggerShare = withoutTrigger ? (withTrigger.totalSeconds - withoutTrigger.totalSeconds) / withTrigger.totalSeconds : null;
    const mb = (m: { peakKiB: number } | undefined): string => (m ? `${kibToMB(m.peakKiB).toFixed(1)} MB` : '?');
    const n = o.targets.toLocaleString('en');
    const lines = [
      '',
      `rollout benchmark  node ${process.version}  ${cpus().length} x ${cpus()[0]?.model ?? '?'}  PostgreSQL, ${n} targets, ${GROUPS} groups`,
      `(a) create + start + first tick (group 1: ${withTrigger.released.toLocaleString('en')} actions released)`,
      `  osprey   POST /rollouts ${withTrigger.createSeconds.toFixed(2)} s + start ${withTrigger.startSeconds.toFixed(3)} s + tick ${withTrigger.firstTickSeconds.toFixed(2)} s = ${withTrigger.totalSeconds.toFixed(2).padStart(7)} s   (server CPU ${withTrigger.serverCpuSeconds?.toFixed(1) ?? '?'} s)`,
      `  baseline INSERT … SELECT of ${n} action rows into a copy of actions (same indexes and foreign keys, no trigger)   ${baseline.toFixed(2).padStart(7)} s   rounds: ${baselineRounds.fk.map((s) => s.toFixed(2)).join(' ')}`,
      `  ratio osprey/baseline ${ratio.toFixed(2).padStart(6)}   (goal <= ${RATIO_GOAL})  ${verdict(ok)}`,
      `  for scale: the same INSERT without the foreign keys ${plainBaseline.toFixed(2)} s (rounds: ${baselineRounds.plain.map((s) => s.toFixed(2)).join(' ')}); osprey/that ${plainRatio.toFixed(2)}`,
      `  afterwards the server's poll cache took ${withTrigger.settleSeconds.toFixed(1)} s to process the NOTIFY backlog (${(withTrigger.actions + withTrigger.released).toLocaleString('en')} notifications; not in the ratio)`,
    ];
    if (withoutTrigger && triggerShare !== null) {
      lines.push(
        `  without the actions NOTIFY trigger: ${withoutTrigger.createSeconds.toFixed(2)} s + ${withoutTrigger.startSeconds.toFixed(3)} s + ${withoutTrigger.firstTickSeconds.toFixed(2)} s = ${withoutTrigger.totalSeconds.toFixed(2)} s, ` +
          `ratio ${(withoutTrigger.totalSeconds / baseline).toFixed(2)}: ` +
          (triggerShare < 0.05
            ? 'the trigger costs nothing measurable in (a)'
            : `the trigger accounts for ${(triggerShare * 100).toFixed(0)}% of (a)${triggerShare >= 0.5 ? ' — it dominates' : ''}`),
      );
    }
    lines.push(
      `(b) one scheduler tick, ${withTrigger.released.toLocaleString('en')} running actions (${(o.targets - withTrigger.released).toLocaleString('en')} scheduled)   median ${(tick * 1000).toFixed(0)} ms   ticks: ${ticks.map((s) => (s * 1000).toFixed(0)).join(' ')} ms`,
      `(c) peak RSS (VmHWM) of the server process: ${mb(endMemory)} at the end (now ${endMemory ? kibToMB(endMemory.rssKiB).toFixed(1) : '?'} MB resident)`,
      `  when ready ${mb(readyMemory)}, after (a) ${mb(afterCreateMemory)}, after (b) ${mb(afterTicksMemory)}`,
      `targets registered in ${registerSeconds.toFixed(1)} s; whole run ${seconds(benchStarted).toFixed(0)} s`,
    );
    console.log(lines.join('\n'));

    const pass = (p: CreatePass) => ({
      createSeconds: round3(p.createSeconds),
      startSeconds: round3(p.startSeconds),
      firstTickSeconds: round3(p.firstTickSeconds),
      totalSeconds: round3(p.totalSeconds),
      settleSeconds: round3(p.settleSeconds),
      serverCpuSeconds: p.serverCpuSeconds === null ? null : round1(p.serverCpuSeconds),
      released: p.released,
    });
    const result = {
      benchmark: 'rollout',
      node: process.version,
      cpu: cpus()[0]?.model ?? null,
      cpus: cpus().length,
      database: 'postgres',
      targets: o.targets,
      groups: GROUPS,
      create: {
        ...pass(withTrigger),
        baselineSeconds: round3(baseline),
        baselineRounds: baselineRounds.fk.map(round3),
        baselineWithoutForeignKeysSeconds: round3(plainBaseline),
        baselineWithoutForeignKeysRounds: baselineRounds.plain.map(round3),
        ratioToBaselineWithoutForeignKeys: round3(plainRatio),
        ratio: round3(ratio),
        ratioGoal: RATIO_GOAL,
        ratioOk: ok,
        withoutTrigger: withoutTrigger ? { ...pass(withoutTrigger), ratio: round3(withoutTrigger.totalSeconds / baseline) } : null,
        triggerShare: triggerShare === null ? null : round3(triggerShare),
      },
      tick: { runningActions: withTrigger.released, medianSeconds: round3(tick), seconds: ticks.map(round3) },
      rss: endMemory
        ? {
            source: 'VmHWM',
            peakKiB: endMemory.peakKiB,
            peakMB: round1(kibToMB(endMemory.peakKiB)),
            peakKiBWhenReady: readyMemory?.peakKiB ?? null,
            peakKiBAfterCreate: afterCreateMemory?.peakKiB ?? null,
            peakKiBAfterTicks: afterTicksMemory?.peakKiB ?? null,
          }
        : null,
      registerSeconds: round1(registerSeconds),
      ok,
    };
    console.log(`result: ${JSON.stringify(result)}`);
    if (o.check && !ok) process.exitCode = 1;
  } finally {
    // Interrupted: onSignal cleans up and exits; the measurements failing meanwhile are no news.
    if (interrupted) await new Promise<never>(() => undefined);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await db?.end().catch(() => undefined);
    await Promise.all([...liveChildren].map((child) => stopChild(child).catch(() => child.kill('SIGKILL'))));
    await dropDatabase().catch((e: unknown) => console.error(`rollout: dropping ${dbName} failed: ${(e as Error).message}`));
    removeDir();
  }
}

// Run as the server child (see "Design" above); importing this module (run.ts) does nothing.
if (process.argv[2] === CHILD_MODE && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await serveChild(JSON.parse(process.argv[3] ?? '') as ChildSpec);
}
