/**
 * Two server processes (the built binary) on one PostgreSQL database run a rollout together, and
 * one of them dies by SIGKILL in the middle of it: the rollout still finishes, and every device is
 * offered the update exactly once.
 *
 * Both processes run the scheduler (OSPREY_ROLLOUT_TICK_MS=100), so both apply ticks to the same
 * rollout, one at a time (FOR UPDATE SKIP LOCKED). 60 simulated devices in this process poll over
 * HTTP with their target tokens, each request going to A or B at random; a device fetches the
 * deployment it is offered, counts the offer and reports closed/success. Once about a third of
 * them have reported, A is killed (possibly mid-tick or mid-request: its open transaction rolls
 * back), and the devices carry on against B alone until B reports the rollout finished.
 *
 * An offer is a deploymentBase fetch answered 200. A link from a poll is not an offer by itself:
 * an instance's poll cache may still show a just-closed action until the database's notification
 * reaches it, and fetching that link answers 404. A device whose request died with A retries it on
 * B; a feedback whose answer was lost with A may already have been applied, so 410 (action closed)
 * is accepted for a retried feedback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restClient, TEST_ADMIN as ADMIN } from '../../testkit/rest.js';
import { hasPostgres, POSTGRES_ADMIN_URL } from '../../testkit/server.js';

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

function startServer(name: string, databaseUrl: string): Promise<ServerProcess> {
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

describe.skipIf(!(await hasPostgres()))('two server processes on one PostgreSQL, one killed mid-rollout', () => {
  let dbName: string | undefined;
  let databaseUrl = '';
  let a: ServerProcess | undefined;
  let b: ServerProcess | undefined;
  const viaA = restClient(() => a!.url, ADMIN);
  const viaB = restClient(() => b!.url, ADMIN);

  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
    dbName = `osprey_test_${randomBytes(6).toString('hex')}`;
    await adminQuery(`create database ${dbName}`);
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
    // One after the other: the first start migrates and bootstraps the database, the second joins it.
    a = await startServer('A', databaseUrl);
    b = await startServer('B', databaseUrl);
  });

  afterAll(async () => {
    await Promise.all([stopServer(a), stopServer(b)]);
    if (dbName) await adminQuery(`drop database if exists ${dbName} with (force)`);
  });

  it('finishes the rollout with every device offered the update exactly once', { timeout: 180_000 }, async () => {
    const targets = Array.from({ length: DEVICES }, (_, i) => ({ controllerId: controllerId(i), securityToken: tokenOf(i) }));
    expect((await viaA('POST', '/targets', targets)).status).toBe(201);
    const [module] = (await viaA('POST', '/softwaremodules', [{ name: 'multi-fw', version: '2', type: 'os' }])).json;
    const [ds] = (await viaA('POST', '/distributionsets', [{ name: 'multi-fw', version: '2', modules: [{ id: module.id }] }])).json;
    const created = await viaA('POST', '/rollouts', {
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
    expect((await viaA('POST', `/rollouts/${rolloutId}/start`)).status).toBe(200);
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
    const pick = () => (aKilled || Math.random() < 0.5 ? b!.url : a!.url);

    async function device(i: number): Promise<void> {
      const id = controllerId(i);
      const token = tokenOf(i);
      const base = `/DEFAULT/controller/v1/${id}`;
      offers.set(id, []);
      let pending: number | undefined; // the action fetched and not yet reported
      let feedbackUncertain = false; // a feedback for `pending` got no answer (A died)
      /** A request with no answer: expected from A once it is killed, a failure otherwise. */
      const noAnswer = (server: string, what: string, error: string) => {
        if (server === a!.url && aKilled) lostWithA++;
        else unexpected.push(`${id}: ${what} on ${server === a!.url ? 'A' : 'B'}: ${error}`);
      };
      while (!stop) {
        if (pending === undefined) {
          const server = pick();
          const poll = await ddi(server, 'GET', base, token);
          if (poll.status === undefined) noAnswer(server, 'poll', poll.error);
          else if (poll.status !== 200) unexpected.push(`${id}: poll answered ${poll.status}`);
          else {
            const href: string | undefined = poll.json?._links?.deploymentBase?.href;
            if (href) {
              const link = new URL(href);
              const actionId = Number(/deploymentBase\/(\d+)/.exec(link.pathname)?.[1]);
              const other = pick();
              const deployment = await ddi(other, 'GET', `${link.pathname}${link.search}`, token);
              if (deployment.status === undefined) noAnswer(other, 'deploymentBase', deployment.error);
              else if (deployment.status === 200) {
                offers.get(id)!.push(actionId);
                pending = actionId;
              } else if (deployment.status !== 404) unexpected.push(`${id}: deploymentBase ${actionId} answered ${deployment.status}`);
              // 404: a poll cache that had not yet heard of the action's end; not an offer.
            }
          }
        } else {
          const server = pick();
          const feedback = await ddi(server, 'POST', `${base}/deploymentBase/${pending}/feedback`, token, {
            status: { execution: 'closed', result: { finished: 'success' } },
          });
          if (feedback.status === undefined) {
            noAnswer(server, 'feedback', feedback.error);
            feedbackUncertain = true;
          } else if (feedback.status === 200 || (feedback.status === 410 && feedbackUncertain)) {
            feedbacks.set(id, (feedbacks.get(id) ?? 0) + 1);
            pending = undefined;
            feedbackUncertain = false;
            reported++;
            if (reported >= KILL_AT) killDue = true;
          } else {
            unexpected.push(`${id}: feedback for ${pending} answered ${feedback.status} ${JSON.stringify(feedback.json)}`);
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
      // Until A is killed (devices report), then until B says the rollout is finished; bounded.
      let deadline = Date.now() + FINISH_WITHIN_MS;
      while (!aKilled && Date.now() < deadline) await sleep(50);
      expect(aKilled, `only ${reported} devices reported before the deadline; server A: ${a!.output()}`).toBe(true);
      deadline = Date.now() + FINISH_WITHIN_MS;
      while (Date.now() < deadline) {
        const got = await viaB('GET', `/rollouts/${rolloutId}`);
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
    expect(unexpected, `server B: ${b!.output()}`).toEqual([]);
    expect(final, JSON.stringify(final)).toMatchObject({
      status: 'finished',
      totalTargets: DEVICES,
      totalTargetsPerStatus: { finished: DEVICES, running: 0, scheduled: 0, error: 0, cancelled: 0 },
    });
    const groups = (await viaB('GET', `/rollouts/${rolloutId}/deploygroups`)).json.content as Array<{ status: string; totalTargets: number }>;
    expect(groups.map((g) => g.status)).toEqual(Array(GROUPS).fill('finished'));
    expect(groups.map((g) => g.totalTargets)).toEqual(Array(GROUPS).fill(DEVICES / GROUPS));

    // Every device: one offer, and one feedback that closed it.
    const offerCounts = [...offers.entries()].filter(([, ids]) => ids.length !== 1);
    expect(offerCounts, 'devices not offered exactly once').toEqual([]);
    expect([...feedbacks.values()].filter((n) => n !== 1)).toEqual([]);
    expect(feedbacks.size).toBe(DEVICES);

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

    // B carried the rest alone and is still healthy.
    expect(a!.child.signalCode).toBe('SIGKILL');
    const ready = await fetch(`${b!.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    console.info(
      `multi-instance rollout: A killed ${killedMidTick ? 'inside a tick of the rollout' : '(not seen inside a tick)'} after ${finishedAtKill}/${DEVICES} devices reported; ${lostWithA} requests lost with A`,
    );
  });
});
