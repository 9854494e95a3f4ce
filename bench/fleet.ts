/**
 * `npm run bench -- fleet [--devices N (100000)] [--interval S (5)] [--duration S (60)] [--connections N (32)]
 *                         [--artifact-mib N (16)] [--download-connections N (4)] [--postgres ADMIN_URL]`
 *
 * One Osprey server on PostgreSQL (a fresh database, dropped afterwards) with N registered devices,
 * each with its own TargetToken, polling on a schedule compressed in time: every device once per
 * --interval seconds, spread uniformly (hawkBit's default is every 300 s: --interval 5 is that
 * fleet 60 times faster). Meanwhile 1 % of the devices (dl-1 … dl-N/100, assigned an age-encrypted --artifact-mib
 * artifact by a rollout created and started through the management API) start at random moments: poll, feedback
 * "proceeding", download, feedback "closed"; every 10th download is cut half-way and resumed with
 * Range. Bounded by --duration: the load stops by itself.
 *
 * Baseline, in the same run: bare fastify answering a poll-shaped route with a small JSON, polled by
 * the same load generator with the same schedule and connections; the ratios are printed.
 *
 * Design. The server runs in a child process of its own (ddi-server-child.ts, as the ddi benchmark
 * starts it: transpiled to plain JavaScript, no tsx loader thread in the measured process), so its
 * peak RSS (VmHWM) is its own. The poll fleet is registered by ONE `INSERT … SELECT
 * generate_series` into the migrated targets table (tokens derived in SQL), not N HTTP calls. The
 * load comes from two child processes (polls; downloads + feedback) using node's fetch (undici,
 * keep-alive). The parent samples pg_stat_activity once a second for the connections the server
 * holds. Nothing here asserts anything: it prints a table and a last line `result: {json}`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, closeSync, readFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { kibToMB, parseOrExplain, positive, round1, runJsonChild, scratchDir, startReadyChild, stopChild, transpileChild } from './common.js';
import type { HelloReady, OspreyReady, OspreySpec } from './ddi-common.js';
import type { LoadResult, LoadSpec } from './fleet-load-child.js';

/** hawkBit's default polling interval: what a fleet of N needs is N / 300 polls per second. */
const HAWKBIT_POLL_SECONDS = 300;
const P99_GOAL_MS = 50;
const RSS_GOAL_MB = 1000;
const ARTIFACT_NAME = 'update.bin.age';

const USAGE =
  'usage: npm run bench -- fleet [--devices N (100000)] [--interval S (5)] [--duration S (60)] [--connections N (32)]\n' +
  '         [--artifact-mib N (16)] [--download-connections N (4)] [--postgres ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres)]';

interface Options {
  devices: number;
  interval: number;
  duration: number;
  connections: number;
  artifactMiB: number;
  downloadConnections: number;
  postgres: string;
}

function parseOptions(args: string[]): Options | undefined {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      devices: { type: 'string', default: '100000' },
      interval: { type: 'string', default: '5' },
      duration: { type: 'string', default: '60' },
      connections: { type: 'string', default: '32' },
      'artifact-mib': { type: 'string', default: '16' },
      'download-connections': { type: 'string', default: '4' },
      postgres: { type: 'string', default: process.env.OSPREY_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  if (!/^postgres(ql)?:\/\//.test(values.postgres)) throw new Error('--postgres wants a postgres://… URL of a server where a database may be created');
  const int = (flag: string, text: string): number => positive(text.replaceAll('_', ''), flag, true);
  const devices = int('--devices', values.devices);
  if (devices < 100) throw new Error('--devices must be at least 100 (1 % of them download)');
  return {
    devices,
    interval: positive(values.interval, '--interval', false),
    duration: positive(values.duration, '--duration', false),
    connections: int('--connections', values.connections),
    artifactMiB: int('--artifact-mib', values['artifact-mib']),
    downloadConnections: int('--download-connections', values['download-connections']),
    postgres: values.postgres,
  };
}

/** VmHWM (peak RSS) of a live process, in KiB. */
function peakKiBOf(pid: number): number | undefined {
  try {
    const hwm = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return hwm ? Number(hwm[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** A 16 MiB-ish artifact as a release would ship it: random bytes encrypted to a fresh age recipient. */
function encryptedArtifact(dir: string, mib: number): string {
  const keyFile = join(dir, 'device.agekey');
  execFileSync('age-keygen', ['-o', keyFile], { stdio: ['ignore', 'ignore', 'ignore'] });
  const recipient = /public key: (age1[0-9a-z]+)/.exec(readFileSync(keyFile, 'utf8'))?.[1];
  if (!recipient) throw new Error('age-keygen wrote no public key');
  const out = join(dir, ARTIFACT_NAME);
  const fd = openSync(out, 'w');
  try {
    execFileSync('age', ['-r', recipient], { input: randomBytes(mib * 1024 * 1024), stdio: ['pipe', fd, 'inherit'], maxBuffer: 1 << 20 });
  } finally {
    closeSync(fd);
  }
  return out;
}

/** Connections to `database` once a second: all of them and those running a query; the maxima. */
function sampleConnections(adminUrl: string, database: string): { stop: () => Promise<{ max: number; maxActive: number; samples: number }> } {
  const client = new pg.Client({ connectionString: adminUrl });
  const seen = { max: 0, maxActive: 0, samples: 0 };
  let timer: NodeJS.Timeout | undefined;
  const connected = client.connect().then(() => {
    const sample = async (): Promise<void> => {
      const { rows } = await client.query<{ n: string; active: string }>(
        "select count(*) as n, count(*) filter (where state = 'active') as active from pg_stat_activity where datname = $1",
        [database],
      );
      seen.max = Math.max(seen.max, Number(rows[0]!.n));
      seen.maxActive = Math.max(seen.maxActive, Number(rows[0]!.active));
      seen.samples++;
    };
    timer = setInterval(() => void sample().catch(() => undefined), 1000);
    return sample();
  });
  return {
    stop: async () => {
      await connected.catch(() => undefined);
      clearInterval(timer);
      await client.end().catch(() => undefined);
      return seen;
    },
  };
}

async function adminQuery(adminUrl: string, query: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(query);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

const ADMIN_AUTH = `Basic ${Buffer.from('admin:bench-admin-password').toString('base64')}`;

async function management(base: string, method: string, path: string, expected: number, body?: unknown): Promise<any> {
  const response = await fetch(`${base}/rest/v1${path}`, {
    method,
    headers: { authorization: ADMIN_AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status !== expected) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * The downloading devices get their update the way an operator ships one: a rollout (one group,
 * filter `controllerId==dl-*`) created and started through the management API; the server's own
 * scheduler (its default 2 s tick) releases the actions. Waits until every one is released.
 */
async function startRollout(base: string, databaseUrl: string, clients: number): Promise<{ id: number; released: number; seconds: number }> {
  const started = performance.now();
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const ds = await db.query<{ id: string }>("select id from distribution_sets where name = 'ddi-bench'");
    const created = await management(base, 'POST', '/rollouts', 201, {
      name: 'fleet',
      distributionSetId: Number(ds.rows[0]!.id),
      targetFilterQuery: 'controllerId==dl-*',
      amountGroups: 1,
      successCondition: { condition: 'THRESHOLD', expression: '100' },
      successAction: { action: 'NEXTGROUP', expression: '' },
      errorCondition: { condition: 'THRESHOLD', expression: '50' },
      errorAction: { action: 'PAUSE', expression: '' },
    });
    const id = Number(created.id);
    await management(base, 'POST', `/rollouts/${id}/start`, 200);
    for (;;) {
      const { rows } = await db.query<{ released: number }>(
        "select count(*)::int as released from actions where rollout_id = $1 and active and status = 'RUNNING'",
        [id],
      );
      const released = rows[0]!.released;
      if (released >= clients) return { id, released, seconds: (performance.now() - started) / 1000 };
      if (performance.now() - started > 120_000) throw new Error(`rollout ${id}: ${released} of ${clients} actions released after 120 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await db.end().catch(() => undefined);
  }
}

const ms = (v: number | null): string => (v === null ? '   n/a' : `${v.toFixed(1).padStart(6)} ms`);
const rate = (n: number, s: number): number => n / s;

export async function main(args: string[]): Promise<void> {
  const o = parseOrExplain(parseOptions, USAGE, args);
  if (!o) return;
  const { dir, release } = scratchDir('fleet-');
  const dbName = `osprey_fleet_${randomBytes(4).toString('hex')}`;
  const dbUrl = new URL(o.postgres);
  dbUrl.pathname = `/${dbName}`;
  let created = false;
  try {
    const jsDir = join(dir, 'js');
    mkdirSync(jsDir);
    const benchDir = fileURLToPath(new URL('.', import.meta.url));
    const serverJs = await transpileChild(join(benchDir, 'ddi-server-child.ts'), jsDir);
    const loadJs = await transpileChild(join(benchDir, 'fleet-load-child.ts'), jsDir);
    console.log(`fleet: encrypting a ${o.artifactMiB} MiB artifact with age ...`);
    const artifactFile = encryptedArtifact(dir, o.artifactMiB);

    await adminQuery(o.postgres, `create database ${dbName}`);
    created = true;
    const tokenKey = randomBytes(8).toString('hex');
    const clients = Math.max(1, Math.round(o.devices / 100));
    const spec: OspreySpec = {
      phase: 'init',
      dataDir: join(dir, 'data'),
      databaseUrl: dbUrl.href,
      devices: o.devices,
      tokenKey,
      requestAttributes: false,
      artifact: { file: artifactFile, filename: ARTIFACT_NAME, clients, assign: false },
    };
    console.log(
      `fleet: starting the server on PostgreSQL (${dbName}) and registering ${o.devices.toLocaleString('en')} + ${clients.toLocaleString('en')} devices ...`,
    );
    const osprey = await startReadyChild<OspreyReady>(serverJs, ['osprey', JSON.stringify(spec)]);
    const dl = osprey.ready.download!;
    const peakWhenReadyKiB = peakKiBOf(osprey.ready.pid);
    const rollout = await startRollout(osprey.ready.url, dbUrl.href, clients);
    console.log(
      `fleet: rollout ${rollout.id} over dl-* running, ${rollout.released.toLocaleString('en')} actions released after ${rollout.seconds.toFixed(1)} s`,
    );
    console.log(
      `fleet: ready after ${osprey.ready.startSeconds.toFixed(1)} s with ${osprey.ready.targetsInDb.toLocaleString('en')} targets; load for ${o.duration} s ...`,
    );

    const loadSpec = (role: LoadSpec['role'], url: string): LoadSpec => ({
      role,
      url,
      devices: o.devices,
      tokenKey,
      intervalSeconds: o.interval,
      durationSeconds: o.duration,
      connections: role === 'poll' ? o.connections : o.downloadConnections,
      seed: 12,
      ...(role === 'download' ? { download: { clients, moduleId: dl.moduleId, filename: dl.filename, size: dl.size } } : {}),
    });
    const connections = sampleConnections(o.postgres, dbName);
    const [polls, downloads] = await Promise.all([
      runJsonChild<LoadResult>(loadJs, [JSON.stringify(loadSpec('poll', osprey.ready.url))], 'load child'),
      runJsonChild<LoadResult>(loadJs, [JSON.stringify(loadSpec('download', osprey.ready.url))], 'load child'),
    ]);
    const pg_ = await connections.stop();
    const peakKiB = peakKiBOf(osprey.ready.pid);
    const load1 = loadavg()[0]!;
    await stopChild(osprey.child);

    console.log(`fleet: baseline (bare fastify, same poll load) for ${o.duration} s ...`);
    const hello = await startReadyChild<HelloReady>(serverJs, ['hello']);
    const baseline = await runJsonChild<LoadResult>(loadJs, [JSON.stringify(loadSpec('poll', hello.ready.url))], 'load child');
    await stopChild(hello.child);

    const pollRate = rate(polls.polls + downloads.polls, polls.seconds);
    const baselineRate = rate(baseline.polls, baseline.seconds);
    const needed = o.devices / HAWKBIT_POLL_SECONDS;
    const scheduled = o.devices / o.interval;
    const errors = polls.errors + downloads.errors;
    const peakMB = peakKiB === undefined ? null : round1(kibToMB(peakKiB));
    const n = o.devices.toLocaleString('en');
    const lines = [
      '',
      `fleet benchmark  node ${process.version}  ${cpus().length} x ${cpus()[0]?.model ?? '?'}  load average ${load1.toFixed(1)} (shared machine)  PostgreSQL`,
      `  ${n} devices polling every ${o.interval} s (scheduled ${Math.round(scheduled).toLocaleString('en')} polls/s) over ${o.connections} connections, ${o.duration} s; ${clients.toLocaleString('en')} downloading ${o.artifactMiB} MiB (age) over ${o.downloadConnections}`,
      `  errors ${errors}  (goal 0)${errors ? `  first: ${[...polls.firstErrors, ...downloads.firstErrors].slice(0, 3).join(' | ')}` : ''}`,
      `  polls     ${(polls.polls + downloads.polls).toLocaleString('en').padStart(9)}  p50 ${ms(polls.pollMs.p50)}  p99 ${ms(polls.pollMs.p99)}  (goal p99 < ${P99_GOAL_MS} ms)  ${Math.round(pollRate).toLocaleString('en')} polls/s, schedule lag at the end ${polls.scheduleLagSeconds.toFixed(1)} s`,
      `  feedback  ${downloads.feedbacks.toLocaleString('en').padStart(9)}  p50 ${ms(downloads.feedbackMs.p50)}  p99 ${ms(downloads.feedbackMs.p99)}  (goal p99 < ${P99_GOAL_MS} ms)`,
      `  downloads started ${downloads.downloadsStarted}, completed ${downloads.downloadsCompleted} (${rate(downloads.downloadsCompleted, downloads.seconds).toFixed(2)} devices/s), cut and resumed with Range ${downloads.resumed}, ${(downloads.bytes / 1e6 / downloads.seconds).toFixed(1)} MB/s`,
      `  server peak RSS (VmHWM) ${peakMB ?? '?'} MB with ${(o.devices + clients).toLocaleString('en')} registered (goal < ${RSS_GOAL_MB} MB at 1M); when ready ${peakWhenReadyKiB === undefined ? '?' : round1(kibToMB(peakWhenReadyKiB))} MB`,
      `  database connections (pg_stat_activity): at most ${pg_.max}, at most ${pg_.maxActive} active (${pg_.samples} samples)`,
      `  one instance sustains ${Math.round(pollRate).toLocaleString('en')} polls/s = ${(pollRate / needed).toFixed(1)} x what ${n} devices need at hawkBit's ${HAWKBIT_POLL_SECONDS} s default (${Math.round(needed).toLocaleString('en')}/s)${polls.scheduleLagSeconds < 1 ? '; the schedule was kept, so this is a lower bound: a shorter --interval finds the limit' : ''}`,
      `  baseline bare fastify: ${Math.round(baselineRate).toLocaleString('en')} polls/s  p50 ${ms(baseline.pollMs.p50)}  p99 ${ms(baseline.pollMs.p99)}  errors ${baseline.errors}`,
      `  ratio osprey/baseline: poll rate ${(pollRate / baselineRate).toFixed(2)}, p99 ${polls.pollMs.p99 !== null && baseline.pollMs.p99 ? (polls.pollMs.p99 / baseline.pollMs.p99).toFixed(1) : 'n/a'} x`,
    ];
    console.log(lines.join('\n'));
    const result = {
      benchmark: 'fleet',
      node: process.version,
      cpus: cpus().length,
      loadAverage1m: round1(load1),
      devices: o.devices,
      downloadingDevices: clients,
      intervalSeconds: o.interval,
      durationSeconds: o.duration,
      errors,
      polls: { count: polls.polls + downloads.polls, perSecond: round1(pollRate), ...polls.pollMs, scheduleLagSeconds: round1(polls.scheduleLagSeconds) },
      feedback: { count: downloads.feedbacks, ...downloads.feedbackMs },
      downloads: { started: downloads.downloadsStarted, completed: downloads.downloadsCompleted, resumed: downloads.resumed, bytes: downloads.bytes },
      serverPeakRssMB: peakMB,
      dbConnections: pg_,
      multipleOfHawkbitNeed: round1(pollRate / needed),
      baseline: { perSecond: round1(baselineRate), ...baseline.pollMs, errors: baseline.errors },
      pollRateRatio: Math.round((pollRate / baselineRate) * 1000) / 1000,
    };
    console.log(`result: ${JSON.stringify(result)}`);
  } finally {
    release(); // kills any child still running, removes the scratch folder
    if (created)
      await adminQuery(o.postgres, `drop database if exists ${dbName} with (force)`).catch((e: unknown) =>
        console.error(`fleet: dropping ${dbName} failed: ${(e as Error).message}`),
      );
  }
}
