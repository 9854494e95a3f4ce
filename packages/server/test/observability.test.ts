/**
 * Observability (#16), over real HTTP on a listening server:
 *   - /metrics parses with a Prometheus text-format parser, passes `promtool check metrics`, and
 *     its counters move as a small rollout runs: polls, downloads and bytes, feedback and its
 *     errors, actions/rollouts/groups by status, authentication failures, blob-store latency;
 *   - the database pool gauges on PGlite and on PostgreSQL;
 *   - /readyz: 200 when the database and the blob store answer, 503 naming the check that failed
 *     (database closed; blob directory removed);
 *   - every log line of a request carries its request id (the caller's X-Request-Id when sane),
 *     echoed in the response; no password, Basic credential or token reaches the log.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { seed, type S3BlobStoreConfig } from '@osprey/server';
import { s3ClientConfig } from '../src/blob/s3-store.js';
import { compileTargetFilter } from '../src/db/fields.js';
import { tickRollouts } from '../src/domain/rollouts.js';
import { histogramCount, metricValue as value, parseMetrics, promtoolCheck, type MetricFamilies } from '../../../testkit/prometheus.js';
import { hasCeph, startS3, type S3Service } from '../../../testkit/ceph.js';
import { restClient, TEST_ADMIN } from '../../../testkit/rest.js';
import { hasTool } from '../../../testkit/tools.js';
import { hasPostgres, startTestServer, type TestServer } from '../../../testkit/server.js';

const files = mkdtempSync(join(tmpdir(), 'osprey-obs-files-'));
afterAll(() => rmSync(files, { recursive: true, force: true }));
const image = randomBytes(200_000);
writeFileSync(join(files, 'image.swu'), image);

async function scrape(server: TestServer): Promise<{ text: string; families: MetricFamilies }> {
  const res = await fetch(`${server.url}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, families: parseMetrics(text) };
}

describe('metrics as a small rollout runs (PGlite)', () => {
  let server: TestServer;
  const api = restClient(() => server.url, TEST_ADMIN);
  const devices = ['obs-1', 'obs-2'];
  const token = (id: string) => `token-${id}-0123456789`;
  const ddi = (id: string, path = '', init: RequestInit = {}) =>
    fetch(`${server.url}/DEFAULT/controller/v1/${id}${path}`, {
      ...init,
      headers: { authorization: `TargetToken ${token(id)}`, accept: 'application/hal+json', ...(init.headers as Record<string, string>) },
    });
  const feedback = (id: string, actionId: number, execution: string, finished: string) =>
    ddi(id, `/deploymentBase/${actionId}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: { execution, result: { finished } } }),
    });

  beforeAll(async () => {
    server = await startTestServer('pglite', { rolloutTickMs: 0, metricsDatabaseCacheMs: 0 }, { listen: true });
  });
  afterAll(() => server?.stop());

  it('parses with a text-format parser and promtool, and the counters and gauges follow the rollout', async () => {
    const ids = await seed(server.database.db, server.blobs, server.keys, {
      targets: devices.map((controllerId) => ({ controllerId, securityToken: token(controllerId) })),
      modules: [{ key: 'os', name: 'obs-os', version: '1.0', artifacts: [{ file: join(files, 'image.swu'), filename: 'image.swu' }] }],
      distributionSets: [{ key: 'ds', name: 'obs', version: '1.0', modules: ['os'] }],
    });
    const before = await scrape(server);
    expect(value(before.families, 'osprey_actions', { status: 'running' })).toBe(0);
    expect(value(before.families, 'osprey_rollouts', { status: 'finished' })).toBe(0);
    expect(value(before.families, 'osprey_ddi_polls_total', { outcome: 'ok' })).toBe(0);
    // The store was timed while seeding stored the artifact.
    expect(histogramCount(before.text, 'osprey_blob_operation_duration_seconds', { operation: 'put', outcome: 'ok' })).toBeGreaterThanOrEqual(1);

    const created = await api('POST', '/rollouts', {
      name: 'obs',
      distributionSetId: ids.distributionSets.ds,
      targetFilterQuery: 'controllerId==obs-*',
      amountGroups: 1,
    });
    expect(created.status, created.text).toBe(201);
    expect((await api('POST', `/rollouts/${created.json.id}/start`)).status).toBe(200);
    const start = Date.now() + 1000;
    await tickRollouts(server.database.db, new Date(start), { compileFilter: compileTargetFilter });
    await server.ddi.settle();

    const during = await scrape(server);
    expect(value(during.families, 'osprey_actions', { status: 'running' })).toBe(2);
    expect(value(during.families, 'osprey_rollouts', { status: 'running' })).toBe(1);
    expect(value(during.families, 'osprey_rollout_groups', { status: 'running' })).toBe(1);

    // A device with a wrong token, and one without any credential.
    expect((await fetch(`${server.url}/DEFAULT/controller/v1/obs-1`, { headers: { authorization: 'TargetToken wrong-token-000' } })).status).toBe(401);
    expect((await fetch(`${server.url}/DEFAULT/controller/v1/obs-1`)).status).toBe(401);
    expect((await api('GET', '/targets', undefined, 'Basic ' + Buffer.from('admin:not-the-password').toString('base64'))).status).toBe(401);
    expect((await fetch(`${server.url}/DEFAULT/controller/v1/obs-1`, { headers: { authorization: 'GatewayToken not-the-key-000' } })).status).toBe(401);
    expect((await api('GET', '/targets', undefined, 'Bearer oss_not-a-session-0000000000')).status).toBe(401);
    expect((await api('GET', '/targets', undefined, 'Bearer osp_not-a-token-00000000000')).status).toBe(401);
    expect((await api('POST', '/sessions', { username: 'admin', password: 'not-the-password' }, '')).status).toBe(401);

    for (const id of devices) {
      const poll = await ddi(id);
      expect(poll.status).toBe(200);
      const href = ((await poll.json()) as { _links: { deploymentBase: { href: string } } })._links.deploymentBase.href;
      const actionId = Number(/deploymentBase\/(\d+)/.exec(href)![1]);
      const again = await ddi(id, '', { headers: { 'if-none-match': poll.headers.get('etag')! } });
      expect(again.status).toBe(304);
      const deployment = (await (await ddi(id, new URL(href).pathname.split(id)[1] + new URL(href).search)).json()) as any;
      const download = new URL(deployment.deployment.chunks[0].artifacts[0]._links['download-http'].href).pathname;
      const full = await fetch(`${server.url}${download}`, { headers: { authorization: `TargetToken ${token(id)}` } });
      expect(Buffer.from(await full.arrayBuffer()).equals(image)).toBe(true);
      const part = await fetch(`${server.url}${download}`, { headers: { authorization: `TargetToken ${token(id)}`, range: 'bytes=0-999' } });
      expect(part.status).toBe(206);
      expect((await part.arrayBuffer()).byteLength).toBe(1000);
      expect((await feedback(id, actionId, 'proceeding', 'none')).status).toBe(200);
      expect((await feedback(id, actionId, 'closed', 'success')).status).toBe(200);
      // Feedback the schema refuses, and feedback on the closed action.
      expect((await feedback(id, actionId, 'exploded', 'none')).status).toBe(400);
      expect((await feedback(id, actionId, 'closed', 'success')).status).toBe(410);
    }
    await tickRollouts(server.database.db, new Date(start + 5000), { compileFilter: compileTargetFilter });
    await tickRollouts(server.database.db, new Date(start + 10_000), { compileFilter: compileTargetFilter });
    const rolloutStatus = (await api('GET', `/rollouts/${created.json.id}`)).json.status;
    expect(rolloutStatus).toBe('finished');

    const after = await scrape(server);
    const m = after.families;
    expect(value(m, 'osprey_ddi_polls_total', { outcome: 'ok' })).toBe(2);
    expect(value(m, 'osprey_ddi_polls_total', { outcome: 'not_modified' })).toBe(2);
    expect(value(m, 'osprey_ddi_polls_total', { outcome: 'unauthorized' })).toBe(3);
    expect(value(m, 'osprey_ddi_downloads_total', { mode: 'full', outcome: 'complete' })).toBe(2);
    expect(value(m, 'osprey_ddi_downloads_total', { mode: 'range', outcome: 'complete' })).toBe(2);
    expect(value(m, 'osprey_ddi_download_sent_bytes_total', { mode: 'full' })).toBe(2 * image.length);
    expect(value(m, 'osprey_ddi_download_sent_bytes_total', { mode: 'range' })).toBe(2 * 1000);
    expect(value(m, 'osprey_ddi_feedback_total', { kind: 'deployment', execution: 'proceeding', finished: 'none' })).toBe(2);
    expect(value(m, 'osprey_ddi_feedback_total', { kind: 'deployment', execution: 'closed', finished: 'success' })).toBe(2);
    expect(value(m, 'osprey_ddi_feedback_errors_total', { kind: 'deployment', reason: 'invalid' })).toBe(2);
    expect(value(m, 'osprey_ddi_feedback_errors_total', { kind: 'deployment', reason: 'refused' })).toBe(2);
    expect(value(m, 'osprey_authentication_failures_total', { kind: 'device_token' })).toBe(1);
    expect(value(m, 'osprey_authentication_failures_total', { kind: 'missing' })).toBe(1);
    expect(value(m, 'osprey_authentication_failures_total', { kind: 'basic' })).toBe(1);
    expect(value(m, 'osprey_authentication_failures_total', { kind: 'gateway_token' })).toBe(1);
    expect(value(m, 'osprey_authentication_failures_total', { kind: 'session' })).toBe(1);
    expect(value(m, 'osprey_authentication_failures_total', { kind: 'api_token' })).toBe(1);
    expect(value(m, 'osprey_authentication_failures_total', { kind: 'login' })).toBe(1);
    expect(value(m, 'osprey_authentication_failures_total', { kind: 'other' })).toBe(0);
    expect(value(m, 'osprey_actions', { status: 'running' })).toBe(0);
    expect(value(m, 'osprey_actions', { status: 'finished' })).toBe(2);
    expect(value(m, 'osprey_rollouts', { status: 'finished' })).toBe(1);
    expect(value(m, 'osprey_rollout_groups', { status: 'finished' })).toBe(1);
    expect(histogramCount(after.text, 'osprey_blob_operation_duration_seconds', { operation: 'get_verified', outcome: 'ok' })).toBe(2);
    expect(histogramCount(after.text, 'osprey_blob_operation_duration_seconds', { operation: 'get', outcome: 'ok' })).toBe(2);
    // Route patterns, never a device id, in the request histogram.
    const routes = new Set([...after.text.matchAll(/^osprey_http_request_duration_seconds_count\{.*route="([^"]*)"/gm)].map((r) => r[1]));
    expect(routes).toContain('/:tenant/controller/v1/:controllerId');
    expect([...routes].some((r) => r?.includes('obs-1'))).toBe(false);
    expect(after.text).not.toMatch(/obs-[12]/);
    expect(
      histogramCount(after.text, 'osprey_http_request_duration_seconds', {
        route: '/:tenant/controller/v1/:controllerId',
        status_class: '2xx',
        method: 'GET',
      }),
    ).toBe(2);
    // Event-loop lag (default metrics) and the PGlite "pool" of one connection.
    expect(m.get('osprey_nodejs_eventloop_lag_seconds')?.type).toBe('GAUGE');
    expect(value(m, 'osprey_database_pool_max_connections')).toBe(1);
    expect(value(m, 'osprey_database_pool_connections')).toBe(1);
    expect(Number.isInteger(value(m, 'osprey_database_pool_waiting_queries'))).toBe(true); // a moment's figure: see the pool test below

    // promtool parses the text (exit 1 on a syntax error) and lints it (exit 3): the only findings
    // allowed are prom-client's own default gauges named *_total, which we do not control.
    const check = promtoolCheck(after.text);
    if (check) {
      const findings = check.output.split('\n').filter(Boolean);
      const ours = findings.filter(
        (f) => !/^osprey_nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/.test(f),
      );
      expect(ours).toEqual([]);
      expect([0, 3]).toContain(check.status);
    }
  });
});

describe('a download the device cuts', () => {
  let server: TestServer;
  const big = randomBytes(48 * 1024 * 1024); // more than loopback's socket buffers hold
  beforeAll(async () => {
    writeFileSync(join(files, 'big.swu'), big);
    server = await startTestServer('pglite', { rolloutTickMs: 0 }, { listen: true });
    await seed(server.database.db, server.blobs, server.keys, {
      targets: [{ controllerId: 'cut-1', securityToken: 'token-cut-1-0123456789' }],
      modules: [{ key: 'os', name: 'cut-os', version: '1.0', artifacts: [{ file: join(files, 'big.swu'), filename: 'big.swu' }] }],
      distributionSets: [{ key: 'ds', name: 'cut', version: '1.0', modules: ['os'] }],
      assignments: [{ target: 'cut-1', ds: 'ds' }],
    });
    await server.ddi.settle();
  });
  afterAll(() => server?.stop());

  it('counts it as aborted, with the bytes that left before the cut', async () => {
    const headers = { authorization: 'TargetToken token-cut-1-0123456789', accept: 'application/json' };
    const poll = (await (await fetch(`${server.url}/DEFAULT/controller/v1/cut-1`, { headers })).json()) as { _links: { deploymentBase: { href: string } } };
    const deployment = (await (await fetch(poll._links.deploymentBase.href.replace(/^https?:\/\/[^/]+/, server.url), { headers })).json()) as any;
    const href = new URL(deployment.deployment.chunks[0].artifacts[0]._links['download-http'].href).pathname;
    await new Promise<void>((resolve, reject) => {
      const req = httpGet(`${server.url}${href}`, { headers }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
    });
    // The server sees the cut when its write fails or the socket closes: wait for the count (bounded).
    let families = (await scrape(server)).families;
    for (let i = 0; i < 100 && value(families, 'osprey_ddi_downloads_total', { mode: 'full', outcome: 'aborted' }) === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      families = (await scrape(server)).families;
    }
    expect(value(families, 'osprey_ddi_downloads_total', { mode: 'full', outcome: 'aborted' })).toBe(1);
    expect(value(families, 'osprey_ddi_downloads_total', { mode: 'full', outcome: 'complete' })).toBe(0);
    const sent = value(families, 'osprey_ddi_download_sent_bytes_total', { mode: 'full' });
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(big.length);
  });
});

describe('the PGlite pool of one connection', () => {
  it('is busy while a transaction holds it, and counts the queries waiting for it', async () => {
    const server = await startTestServer('pglite', { rolloutTickMs: 0 });
    try {
      const { db } = server.database;
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const transaction = db.transaction().execute(async (trx) => {
        await trx.selectFrom('tenants').select('id').execute();
        entered();
        await held;
      });
      await inside;
      const waiting = [db.selectFrom('tenants').select('id').execute(), db.selectFrom('targets').select('id').execute()];
      await new Promise((r) => setImmediate(r));
      expect(server.database.poolStats()).toMatchObject({ total: 1, idle: 0, max: 1 });
      expect(server.database.poolStats().waiting).toBeGreaterThanOrEqual(2);
      release();
      await transaction;
      await Promise.all(waiting);
      expect(server.database.poolStats()).toEqual({ total: 1, idle: 1, waiting: 0, max: 1 });
    } finally {
      await server.stop();
    }
  });
});

describe.runIf(await hasPostgres())('metrics on PostgreSQL', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('postgres', { rolloutTickMs: 0 }, { listen: true });
  });
  afterAll(() => server?.stop());

  it("exports pg.Pool's connections and the status gauges", async () => {
    const { families } = await scrape(server);
    expect(value(families, 'osprey_database_pool_max_connections')).toBe(10);
    expect(value(families, 'osprey_database_pool_connections')).toBeGreaterThanOrEqual(1);
    expect(value(families, 'osprey_database_pool_idle_connections')).toBeLessThanOrEqual(value(families, 'osprey_database_pool_connections'));
    expect(value(families, 'osprey_actions', { status: 'finished' })).toBe(0);
    expect(value(families, 'osprey_rollouts', { status: 'ready' })).toBe(0);
    expect(value(families, 'osprey_metrics_database_read_errors_total')).toBe(0);
  });
});

describe('readiness', () => {
  it('is ready with both, and names the database when it is closed', async () => {
    const server = await startTestServer('pglite');
    try {
      const ok = await server.app.inject({ method: 'GET', url: '/readyz' });
      expect([ok.statusCode, ok.json()]).toEqual([200, { status: 'ready' }]);
      await server.database.close();
      const res = await server.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({
        status: 'not ready',
        failed: [{ check: 'database', code: 'DATABASE_UNAVAILABLE', message: expect.stringMatching(/^the database does not answer/) }],
      });
    } finally {
      await server.stop();
    }
  });

  it('names the blob store when its directory is gone', async () => {
    const server = await startTestServer('pglite');
    try {
      rmSync(join(server.dataDir, 'blobs'), { recursive: true, force: true });
      const res = await server.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({
        status: 'not ready',
        failed: [{ check: 'blobStore', code: 'BLOB_STORE_UNAVAILABLE', message: 'the blob store cannot be read and written (ENOENT)' }],
      });
      const text = (await server.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' })).body;
      expect(parseMetrics(text).get('osprey_blob_operation_duration_seconds')?.type).toBe('HISTOGRAM');
      expect(histogramCount(text, 'osprey_blob_operation_duration_seconds', { operation: 'ping', outcome: 'error' })).toBe(1);
    } finally {
      await server.stop();
    }
  });
});

const cephPresent = hasTool('Ceph RGW', hasCeph, 'apt-get install ceph-mon ceph-osd radosgw ceph-common');

describe.runIf(cephPresent)('on the S3 store (Ceph RGW)', () => {
  let s3: S3Service;
  let client: S3Client;
  let server: TestServer;
  let cfg: S3BlobStoreConfig;
  beforeAll(async () => {
    s3 = await startS3();
    cfg = {
      kind: 's3',
      bucket: 'observed',
      region: s3.region,
      endpoint: s3.endpoint,
      prefix: '',
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    };
    client = new S3Client(s3ClientConfig(cfg));
    await client.send(new CreateBucketCommand({ Bucket: cfg.bucket }));
    server = await startTestServer('pglite', { blobStore: cfg, rolloutTickMs: 0 }, { listen: true });
  });
  afterAll(async () => {
    await server?.stop();
    client?.destroy();
    await s3?.stop();
  });

  it('times the S3 store like the file store, and /readyz names it once its bucket is gone', async () => {
    const api = restClient(() => server.url, TEST_ADMIN);
    const [module] = (await api('POST', '/softwaremodules', [{ name: 'on-s3', version: '1.0', type: 'os' }])).json;
    const form = new FormData();
    form.append('file', new Blob([randomBytes(100_000)]), 'image.bin');
    expect((await api('POST', `/softwaremodules/${module.id}/artifacts`, form)).status).toBe(201);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(histogramCount(text, 'osprey_blob_operation_duration_seconds', { operation: 'put', outcome: 'ok' })).toBe(1);
    expect(histogramCount(text, 'osprey_blob_operation_duration_seconds', { operation: 'ping', outcome: 'ok' })).toBe(1);

    for (const object of (await client.send(new ListObjectsV2Command({ Bucket: cfg.bucket }))).Contents ?? []) {
      await client.send(new DeleteObjectCommand({ Bucket: cfg.bucket, Key: object.Key! }));
    }
    await client.send(new DeleteBucketCommand({ Bucket: cfg.bucket }));
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'not ready',
      failed: [{ check: 'blobStore', code: 'BLOB_STORE_UNAVAILABLE', message: expect.stringMatching(/^the blob store cannot be read and written/) }],
    });
  });
});

describe('request ids and secrets in the log', () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', { logLevel: 'trace' }, { listen: true, logStream: stream });
  });
  afterAll(() => server?.stop());
  const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  it("takes a sane X-Request-Id, puts it on every line of the request, echoes it, and replaces one that isn't sane", async () => {
    const res = await fetch(`${server.url}/rest/v1/targets`, { headers: { authorization: TEST_ADMIN, 'x-request-id': 'edge-7f3a.42' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('edge-7f3a.42');
    const mine = logged().filter((l) => l.requestId === 'edge-7f3a.42');
    expect(mine.map((l) => l.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
    // A failing readiness check logs a warning inside the request: it carries the id too.
    rmSync(join(server.dataDir, 'blobs', 'tmp'), { recursive: true, force: true });
    const ready = await fetch(`${server.url}/readyz`, { headers: { 'x-request-id': 'probe-1' } });
    expect(ready.status).toBe(503);
    expect(
      logged()
        .filter((l) => l.requestId === 'probe-1')
        .map((l) => l.msg),
    ).toContain('readiness: the blob store cannot be read and written');
    for (const bad of ['has spaces in it', 'x'.repeat(129), 'semi;colon', 'new\u00e9line']) {
      const r = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': bad } });
      const id = r.headers.get('x-request-id')!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(logged().some((l) => l.requestId === id)).toBe(true);
    }
    // Every line about a request has its id.
    for (const line of logged()) if (line.req || line.res) expect(line.requestId).toEqual(expect.any(String));
  });

  it('never writes a password, a Basic credential or a token', async () => {
    const password = 'admin-password';
    const signIn = await fetch(`${server.url}/rest/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(signIn.status).toBe(201);
    const session = ((await signIn.json()) as { token: string }).token;
    const wrong = 'wrong-secret-password-123';
    const refused = await fetch(`${server.url}/rest/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'osprey=cookie-secret-value' },
      body: JSON.stringify({ username: 'admin', password: wrong }),
    });
    expect(refused.status).toBe(401);
    expect((await fetch(`${server.url}/rest/v1/targets`, { headers: { authorization: `Bearer ${session}` } })).status).toBe(200);
    const created = await fetch(`${server.url}/rest/v1/targets`, {
      method: 'POST',
      headers: { authorization: TEST_ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify([{ controllerId: 'log-1', securityToken: 'device-secret-token-123' }]),
    });
    expect(created.status).toBe(201);
    expect((await fetch(`${server.url}/DEFAULT/controller/v1/log-1`, { headers: { authorization: 'TargetToken device-secret-token-123' } })).status).toBe(200);
    const all = lines.join('\n');
    expect(all).toContain('request completed'); // the log was written at trace level
    for (const secret of [password, wrong, session, TEST_ADMIN.slice('Basic '.length), 'device-secret-token-123', 'cookie-secret-value']) {
      expect(all).not.toContain(secret);
    }
  });
});
