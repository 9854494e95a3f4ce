/**
 * Three server processes (the built binary) behind a real reverse proxy (Debian's nginx,
 * round-robin) on one PostgreSQL database and one S3 store (Ceph's RADOS Gateway) run a rollout
 * together, and one of them dies by SIGKILL in the middle of it: the rollout still finishes, every
 * device is offered the update exactly once, and no action is lost. This is the deployment
 * docs/operations.md describes.
 *
 * Every instance runs the scheduler (OSPREY_ROLLOUT_TICK_MS=100), so all apply ticks to the same
 * rollout, one at a time (FOR UPDATE SKIP LOCKED). 60 simulated devices in this process poll the
 * proxy with their target tokens; nginx spreads their requests over A, B and C. A device fetches
 * the deployment it is offered, counts the offer, downloads the artifact (uploaded once through A:
 * whichever instance answers reads it from the shared store) and checks its SHA-256, then reports
 * closed/success. Once about a third of them have reported, A is killed (possibly mid-tick or
 * mid-request: its open transaction rolls back), and the proxy carries on with B and C.
 *
 * An offer is a deploymentBase fetch answered 200. A link from a poll is not an offer by itself:
 * an instance's poll cache may still show a just-closed action until the database's notification
 * reaches it, and fetching that link answers 404. A request in flight on A when it dies is answered
 * 502 by the proxy (or not at all) and retried; a feedback whose answer was lost with A may already
 * have been applied, so 410 (action closed) is accepted for a retried feedback only.
 *
 * The console's live channel works whichever instance a browser reaches: three event streams
 * opened through the proxy land on the three instances, and each hears of changes made through
 * any one of them — the targets created through C, and the rollout the schedulers run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCeph, startS3, type S3Service } from '../../testkit/ceph.js';
import { hasNginx, startProxy, type Proxy } from '../../testkit/nginx.js';
import { restClient, TEST_ADMIN as ADMIN } from '../../testkit/rest.js';
import { hasPostgres, POSTGRES_ADMIN_URL } from '../../testkit/server.js';
import { EventStream } from '../../testkit/sse.js';

const BIN = join(import.meta.dirname, '..', '..', 'packages', 'server', 'dist', 'bin.js');
const DEVICES = 60;
const GROUPS = 6;
/** Kill A once this many devices have reported success (a third: group 2 done, group 3 due). */
const KILL_AT = Math.round(DEVICES / 3);
/** Bound on waiting for the rollout to finish after the kill (not an assertion on speed). */
const FINISH_WITHIN_MS = 60_000;
const REQUEST_TIMEOUT_MS = 15_000;

const controllerId = (i: number) => `multi-${String(i).padStart(3, '0')}`;
const tokenOf = (i: number) => `multi-token-${String(i).padStart(3, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ServerProcess {
  name: string;
  child: ChildProcess;
  url: string;
  dataDir: string;
  output: () => string;
  exited: Promise<void>;
}

const BUCKET = 'osprey-multi';

/** The instances share the key store (a shared volume in production) and its passphrase. */
function startServer(name: string, databaseUrl: string, s3: S3Service, keyDir: string): Promise<ServerProcess> {
  // Each instance's connections carry its name, so pg_locks tells who holds the rollout's lock.
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', `osprey-${name}`);
  const dataDir = mkdtempSync(join(tmpdir(), `osprey-multi-${name}-`));
  const child = spawn(process.execPath, [BIN], {
    env: {
      ...process.env,
      DATABASE_URL: url.toString(),
      OSPREY_HOST: '127.0.0.1',
      OSPREY_PORT: '0',
      OSPREY_DATA_DIR: dataDir,
      OSPREY_ADMIN_PASSWORD: 'admin-password',
      OSPREY_ROLLOUT_TICK_MS: '100',
      OSPREY_LAST_SEEN_FLUSH_MS: '200',
      OSPREY_LOG_LEVEL: 'warn',
      OSPREY_KEY_DIR: keyDir,
      OSPREY_KEY_PASSPHRASE: 'multi-instance key passphrase',
      OSPREY_BLOB_STORE: 's3',
      OSPREY_S3_ENDPOINT: s3.endpoint,
      OSPREY_S3_REGION: s3.region,
      OSPREY_S3_BUCKET: BUCKET,
      OSPREY_S3_ACCESS_KEY_ID: s3.accessKeyId,
      OSPREY_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server ${name}: no "listening" line within 30 s: ${out}`)), 30_000);
    child.stdout!.on('data', () => {
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve({ name, child, url, dataDir, output: () => out, exited });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server ${name} exited (${code ?? signal}) before listening: ${out}`));
    });
  });
}

async function stopServer(s: ServerProcess | undefined): Promise<void> {
  if (!s) return;
  if (s.child.exitCode === null && s.child.signalCode === null) {
    s.child.kill('SIGTERM');
    const timer = setTimeout(() => s.child.kill('SIGKILL'), 5000);
    await s.exited;
    clearTimeout(timer);
  }
  rmSync(s.dataDir, { recursive: true, force: true, maxRetries: 5 });
}

async function adminQuery(query: string): Promise<void> {
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(query);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/** One DDI request; `undefined` status when the request never got an answer (connection refused, reset). */
async function ddi(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; json: any } | { status: undefined; error: string }> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `TargetToken ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json };
  } catch (e) {
    return { status: undefined, error: `${(e as Error).message}${(e as { cause?: Error }).cause ? `: ${(e as { cause: Error }).cause.message}` : ''}` };
  }
}

/** Downloads an artifact; its SHA-256, or the reason there is none (`undefined` status: no answer). */
async function download(base: string, path: string, token: string): Promise<{ status: number; sha256?: string } | { status: undefined; error: string }> {
  try {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `TargetToken ${token}` }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const bytes = Buffer.from(await res.arrayBuffer());
    return res.status === 200 ? { status: 200, sha256: createHash('sha256').update(bytes).digest('hex') } : { status: res.status };
  } catch (e) {
    return { status: undefined, error: (e as Error).message };
  }
}

/** Present here, or the suite cannot run: a skip on a developer machine, a failure in CI. */
function available(what: string, present: boolean): boolean {
  if (!present && process.env.CI) throw new Error(`${what} is missing: .ci/install-system-packages installs it`);
  if (!present) console.warn(`skipping the multi-instance e2e: ${what} is not installed`);
  return present;
}

const runnable = (await hasPostgres()) && available('Ceph (ceph-mon, ceph-osd, radosgw)', hasCeph()) && available('nginx', hasNginx());

describe.runIf(runnable)('three server processes behind nginx on one PostgreSQL and one S3 store, one killed mid-rollout', () => {
  let dbName: string | undefined;
  let databaseUrl = '';
  let s3: S3Service | undefined;
  let proxy: Proxy | undefined;
  let a: ServerProcess | undefined;
  let b: ServerProcess | undefined;
  let c: ServerProcess | undefined;
  let keyDir: string | undefined;
  const viaA = restClient(() => a!.url, ADMIN);
  const viaC = restClient(() => c!.url, ADMIN);
  const viaProxy = restClient(() => proxy!.url, ADMIN);
  const image = randomBytes(256 * 1024);
  const imageSha256 = createHash('sha256').update(image).digest('hex');
  const streams: EventStream[] = [];
  const upstreamOf = new Map<EventStream, string>();

  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
    dbName = `osprey_test_${randomBytes(6).toString('hex')}`;
    await adminQuery(`create database ${dbName}`);
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
    s3 = await startS3();
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    client.destroy();
    // One after the other: the first start migrates and bootstraps the database, the others join it.
    keyDir = mkdtempSync(join(tmpdir(), 'osprey-multi-keys-'));
    a = await startServer('A', databaseUrl, s3, keyDir);
    b = await startServer('B', databaseUrl, s3, keyDir);
    c = await startServer('C', databaseUrl, s3, keyDir);
    proxy = await startProxy([a, b, c].map((s) => new URL(s.url).host));
  }, 120_000);

  afterAll(async () => {
    for (const stream of streams) stream.abort.abort();
    await proxy?.stop();
    await Promise.all([stopServer(a), stopServer(b), stopServer(c)]);
    await s3?.stop();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
    if (dbName) await adminQuery(`drop database if exists ${dbName} with (force)`);
  });

  it('gives the console a live channel on every instance: three streams through the proxy, on A, B and C', async () => {
    for (let i = 0; i < 3; i++) {
      const abort = new AbortController();
      const response = await fetch(`${proxy!.url}/rest/v1/events`, { headers: { authorization: ADMIN }, signal: abort.signal });
      expect(response.status, proxy!.errors()).toBe(200);
      const stream = new EventStream(response, abort);
      await stream.until(/: connected\n/);
      streams.push(stream);
      upstreamOf.set(stream, response.headers.get('x-osprey-upstream') ?? '');
    }
    // Round-robin: each stream is served by another instance.
    expect(new Set(upstreamOf.values())).toEqual(new Set([a, b, c].map((s) => new URL(s!.url).host)));
  });

  it('finishes the rollout with every device offered the update exactly once, and no action lost', { timeout: 240_000 }, async () => {
    // Through C: every console (on A, B and C) hears of the new targets.
    const targets = Array.from({ length: DEVICES }, (_, i) => ({ controllerId: controllerId(i), securityToken: tokenOf(i) }));
    expect((await viaC('POST', '/targets', targets)).status).toBe(201);
    for (const stream of streams) await stream.until(/"kind":"target","id":"multi-000"/);
    // The artifact goes in through A; devices download it from whichever instance the proxy picks.
    const [module] = (await viaA('POST', '/softwaremodules', [{ name: 'multi-fw', version: '2', type: 'os' }])).json;
    const form = new FormData();
    form.append('file', new Blob([image]), 'multi-fw.img');
    const uploaded = await viaA('POST', `/softwaremodules/${module.id}/artifacts`, form);
    expect(uploaded.status, uploaded.text).toBe(201);
    expect(uploaded.json.hashes.sha256).toBe(imageSha256);
    const [ds] = (await viaProxy('POST', '/distributionsets', [{ name: 'multi-fw', version: '2', modules: [{ id: module.id }] }])).json;
    const created = await viaProxy('POST', '/rollouts', {
      name: 'multi-2',
      distributionSetId: ds.id,
      targetFilterQuery: 'controllerId==multi-*',
      amountGroups: GROUPS,
      successCondition: { condition: 'THRESHOLD', expression: '100' },
      successAction: { action: 'NEXTGROUP', expression: '' },
      errorCondition: { condition: 'THRESHOLD', expression: '50' },
      errorAction: { action: 'PAUSE', expression: '' },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ status: 'ready', totalTargets: DEVICES, totalGroups: GROUPS });
    const rolloutId: number = created.json.id;

    // --- the fleet -----------------------------------------------------------------------------
    let aKilled = false;
    let stop = false;
    let reported = 0;
    let finishedAtKill: number | undefined;
    /** controllerId → action ids whose deploymentBase was answered 200 (the offers). */
    const offers = new Map<string, number[]>();
    /** controllerId → feedbacks the server took (200, or 410 for a retry whose first answer was lost with A). */
    const feedbacks = new Map<string, number>();
    const unexpected: string[] = [];
    let lostWithA = 0;
    let downloads = 0;

    let killDue = false;
    let killedMidTick = false;
    const killA = () => {
      if (aKilled) return;
      aKilled = true;
      finishedAtKill = reported;
      a!.child.kill('SIGKILL');
    };
    // Once enough devices have reported, wait (briefly) for A to be inside a tick that took the
    // rollout — it holds the rollout row lock (RowShareLock on rollouts) and has recounted its actions
    // (a lock on actions, which a tick that found the rollout locked never takes) — and kill it then,
    // so that a half-applied tick has to be rolled back. Without such a moment within 10 s or before
    // half the devices have reported, kill anyway.
    expect((await viaProxy('POST', `/rollouts/${rolloutId}/start`)).status).toBe(200);
    const watcher = new pg.Client({ connectionString: databaseUrl });
    await watcher.connect();
    const killer = (async () => {
      while (!killDue && !stop) await sleep(5);
      const until = Date.now() + 10_000;
      while (!aKilled && !stop && Date.now() < until && reported < DEVICES / 2) {
        const { rows } = await watcher.query(
          `select 1 from pg_locks r join pg_locks x on x.pid = r.pid join pg_stat_activity s on s.pid = r.pid
           where s.application_name = 'osprey-A' and r.locktype = 'relation' and r.relation = 'rollouts'::regclass and r.mode = 'RowShareLock'
             and x.locktype = 'relation' and x.relation = 'actions'::regclass limit 1`,
        );
        if (rows.length > 0) {
          killA();
          killedMidTick = true;
        }
      }
      killA();
    })().catch((e: unknown) => {
      unexpected.push(`watching A's locks failed: ${(e as Error).message}`);
      killA();
    });
    const base = () => proxy!.url;

    async function device(i: number): Promise<void> {
      const id = controllerId(i);
      const token = tokenOf(i);
      const path = `/DEFAULT/controller/v1/${id}`;
      offers.set(id, []);
      let pending: { actionId: number; artifact: string } | undefined; // fetched, not yet reported
      let downloaded = false;
      let feedbackUncertain = false; // a feedback for `pending` got no answer (A died)
      /**
       * A request without an answer from its instance: no answer at all, or the proxy's 502 for a
       * request that was in flight on A. Expected once A is killed, a failure otherwise.
       */
      const lost = (what: string, r: { status: number | undefined; error?: string }): boolean => {
        if (r.status !== undefined && r.status !== 502) return false;
        if (aKilled) lostWithA++;
        else unexpected.push(`${id}: ${what}: ${r.status ?? r.error}`);
        return true;
      };
      while (!stop) {
        if (pending === undefined) {
          const poll = await ddi(base(), 'GET', path, token);
          if (lost('poll', poll)) {
            // retried at the next round
          } else if (poll.status !== 200) unexpected.push(`${id}: poll answered ${poll.status}`);
          else {
            const href: string | undefined = poll.json?._links?.deploymentBase?.href;
            if (href) {
              const link = new URL(href);
              const actionId = Number(/deploymentBase\/(\d+)/.exec(link.pathname)?.[1]);
              const deployment = await ddi(base(), 'GET', `${link.pathname}${link.search}`, token);
              if (lost('deploymentBase', deployment)) {
                // retried
              } else if (deployment.status === 200) {
                offers.get(id)!.push(actionId);
                const artifact = deployment.json.deployment.chunks[0].artifacts[0];
                expect(artifact.hashes.sha256).toBe(imageSha256);
                pending = { actionId, artifact: new URL(artifact._links['download-http'].href).pathname };
                downloaded = false;
              } else if (deployment.status !== 404) unexpected.push(`${id}: deploymentBase ${actionId} answered ${deployment.status}`);
              // 404: a poll cache that had not yet heard of the action's end; not an offer.
            }
          }
        } else if (!downloaded) {
          const got = await download(base(), pending.artifact, token);
          if (lost('download', got)) {
            // retried
          } else if (got.status !== 200) unexpected.push(`${id}: download answered ${got.status}`);
          else if (got.sha256 !== imageSha256) unexpected.push(`${id}: downloaded other bytes (${got.sha256})`);
          else {
            downloaded = true;
            downloads++;
          }
        } else {
          const feedback = await ddi(base(), 'POST', `${path}/deploymentBase/${pending.actionId}/feedback`, token, {
            status: { execution: 'closed', result: { finished: 'success' } },
          });
          if (lost('feedback', feedback)) feedbackUncertain = true;
          else if (feedback.status === 200 || (feedback.status === 410 && feedbackUncertain)) {
            feedbacks.set(id, (feedbacks.get(id) ?? 0) + 1);
            pending = undefined;
            feedbackUncertain = false;
            reported++;
            if (reported >= KILL_AT) killDue = true;
          } else {
            unexpected.push(
              `${id}: feedback for ${pending.actionId} answered ${feedback.status} ${JSON.stringify(feedback.status !== undefined ? feedback.json : '')}`,
            );
            pending = undefined; // do not spin on it; the assertions below will fail
          }
        }
        // Devices that have reported keep polling: a second offer would show here.
        await sleep(100 + Math.random() * 200);
      }
    }

    const fleet = Promise.all(Array.from({ length: DEVICES }, (_, i) => device(i)));
    let final: any;
    try {
      // Until A is killed (devices report), then until the rollout is finished; bounded.
      let deadline = Date.now() + FINISH_WITHIN_MS;
      while (!aKilled && Date.now() < deadline) await sleep(50);
      expect(aKilled, `only ${reported} devices reported before the deadline; server A: ${a!.output()}`).toBe(true);
      deadline = Date.now() + FINISH_WITHIN_MS;
      while (Date.now() < deadline) {
        const got = await viaProxy('GET', `/rollouts/${rolloutId}`);
        if (got.status === 502) continue; // in flight on A when it died
        expect(got.status, got.text).toBe(200);
        final = got.json;
        if (final.status === 'finished') break;
        await sleep(200);
      }
      // A last poll round after the end, in which nobody may be offered anything new.
      if (final?.status === 'finished') await sleep(1000);
    } finally {
      stop = true;
      await fleet;
      await killer;
      await watcher.end();
    }
    await a!.exited;

    // The kill happened mid-run: the rollout had started, and was not over.
    expect(finishedAtKill).toBeGreaterThanOrEqual(KILL_AT);
    expect(finishedAtKill).toBeLessThan(DEVICES);
    expect(unexpected, `server B: ${b!.output()}\nserver C: ${c!.output()}\nproxy: ${proxy!.errors()}`).toEqual([]);
    expect(final, JSON.stringify(final)).toMatchObject({
      status: 'finished',
      totalTargets: DEVICES,
      totalTargetsPerStatus: { finished: DEVICES, running: 0, scheduled: 0, error: 0, cancelled: 0 },
    });
    const groups = (await viaProxy('GET', `/rollouts/${rolloutId}/deploygroups`)).json.content as Array<{ status: string; totalTargets: number }>;
    expect(groups.map((g) => g.status)).toEqual(Array(GROUPS).fill('finished'));
    expect(groups.map((g) => g.totalTargets)).toEqual(Array(GROUPS).fill(DEVICES / GROUPS));

    // Every device: one offer, one verified download, and one feedback that closed it.
    const offerCounts = [...offers.entries()].filter(([, ids]) => ids.length !== 1);
    expect(offerCounts, 'devices not offered exactly once').toEqual([]);
    expect([...feedbacks.values()].filter((n) => n !== 1)).toEqual([]);
    expect(feedbacks.size).toBe(DEVICES);
    expect(downloads).toBe(DEVICES);

    // The database agrees: one action per target for this rollout, all FINISHED and closed, each
    // released once and retrieved once (a repeated fetch does not record RETRIEVED again).
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const perTarget = await client.query<{ n: number; finished: boolean }>(
        `select count(*)::int as n, bool_and(status = 'FINISHED' and not active) as finished from actions where rollout_id = $1 group by target_id`,
        [rolloutId],
      );
      expect(perTarget.rows.length).toBe(DEVICES);
      expect(perTarget.rows.filter((r) => r.n !== 1 || !r.finished)).toEqual([]);
      const statuses = await client.query<{ released: number; retrieved: number; finished: number }>(
        `select count(*) filter (where s.messages @> '["Update Server: Rollout released the action"]')::int as released,
                count(*) filter (where s.status = 'RETRIEVED')::int as retrieved,
                count(*) filter (where s.status = 'FINISHED')::int as finished
         from actions a join action_statuses s on s.action_id = a.id where a.rollout_id = $1 group by a.id`,
        [rolloutId],
      );
      expect(statuses.rows.length).toBe(DEVICES);
      expect(statuses.rows.filter((r) => r.released !== 1 || r.retrieved !== 1 || r.finished !== 1)).toEqual([]);
      // Every device ended with the new set assigned and installed.
      const inSync = await client.query<{ n: number }>(
        `select count(*)::int as n from targets where controller_id like 'multi-%' and installed_ds_id = $1 and assigned_ds_id = $1 and update_status = 'IN_SYNC'`,
        [ds.id],
      );
      expect(inSync.rows[0]!.n).toBe(DEVICES);
    } finally {
      await client.end();
    }

    // The consoles on B and C heard the rollout the schedulers ran (A's stream died with A).
    const aHost = new URL(a!.url).host;
    for (const stream of streams.filter((s) => upstreamOf.get(s) !== aHost)) {
      await stream.until(new RegExp(`"kind":"rollout","id":"${rolloutId}"`));
    }
    const onA = streams.find((s) => upstreamOf.get(s) === aHost)!;
    await onA.finished();
    expect(onA.ended).toBe(true);

    // B and C carried the rest and are still healthy; the proxy reaches them.
    expect(a!.child.signalCode).toBe('SIGKILL');
    for (const s of [b!, c!]) {
      const ready = await fetch(`${s.url}/readyz`);
      expect(ready.status).toBe(200);
    }
    console.info(
      `multi-instance rollout behind nginx: A killed ${killedMidTick ? 'inside a tick of the rollout' : '(not seen inside a tick)'} after ${finishedAtKill}/${DEVICES} devices reported; ${lostWithA} requests lost with A`,
    );
  });
});
