/**
 * Artifact storage end to end, on a real Ceph RGW (one cluster for this file): a server on the S3
 * store takes an upload through the management API and serves it over DDI; the bucket holds
 * exactly the stored bytes (ciphertext for an encrypted module). Deleting modules and `gc` keep
 * shared blobs and remove unreferenced ones, on both stores. A missing bucket or refused
 * credentials stop the start with one line saying what to fix.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StartError, type S3BlobStoreConfig } from '@osprey/server';
import { collectGarbage } from '../src/domain/blob-gc.js';
import { hasCeph, s3ClientOf, startS3, type S3Service } from '../../../testkit/ceph.js';
import { basicAuth, restClient, TEST_ADMIN, type RestCall } from '../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';
import { hasTool } from '../../../testkit/tools.js';
import { freePort } from '../../../testkit/ports.js';
import { makeTempDir, removeTempDir } from '../../../testkit/temp-dir.js';

const cephPresent = hasTool('Ceph RGW', hasCeph, 'apt-get install ceph-mon ceph-osd radosgw ceph-common');
const sha256Of = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const HOUR = 60 * 60 * 1000;

let s3: S3Service | undefined;
let client: S3Client;
let buckets = 0;

/** A fresh bucket's store configuration (keys under `osprey/`, to prove the prefix is honoured). */
async function newBucket(): Promise<S3BlobStoreConfig> {
  const cfg: S3BlobStoreConfig = {
    kind: 's3',
    bucket: `artifacts-${++buckets}`,
    region: s3!.region,
    endpoint: s3!.endpoint,
    prefix: 'osprey/',
    accessKeyId: s3!.accessKeyId,
    secretAccessKey: s3!.secretAccessKey,
  };
  await client.send(new CreateBucketCommand({ Bucket: cfg.bucket }));
  return cfg;
}

async function objectBytes(bucket: string, key: string): Promise<Buffer> {
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

async function keysOf(bucket: string): Promise<string[]> {
  return ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).sort();
}

beforeAll(async () => {
  if (!cephPresent) return;
  s3 = await startS3();
  client = s3ClientOf(s3);
});
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

/** The management API and DDI calls a test needs, on a server that listens. */
function calls(server: () => TestServer, authorization = TEST_ADMIN) {
  const api: RestCall = restClient(() => server().url, authorization);
  let n = 0;
  return {
    api,
    async moduleWith(bytes: Buffer, options: { encrypted?: boolean } = {}) {
      const [module] = (await api('POST', '/softwaremodules', [{ name: `fw-${++n}`, version: '1.0', type: 'os', encrypted: options.encrypted ?? false }])).json;
      const form = new FormData();
      form.append('file', new Blob([bytes]), 'image.bin');
      const artifact = await api('POST', `/softwaremodules/${module.id}/artifacts`, form);
      expect(artifact.status).toBe(201);
      return { module: module.id as number, artifact: artifact.json as { id: number; size: number; hashes: { sha256: string } } };
    },
  };
}

describe.runIf(cephPresent)('a server on the S3 store', () => {
  let server: TestServer;
  let cfg: S3BlobStoreConfig;
  const { api, moduleWith } = calls(() => server);

  beforeAll(async () => {
    cfg = await newBucket();
    server = await startTestServer('pglite', { blobStore: cfg }, { listen: true });
  });
  afterAll(() => server?.stop());

  it('stores an upload in the bucket under sha256/ and serves it over DDI, whole and in ranges', async () => {
    const bytes = randomBytes(6 * 1024 * 1024 + 5); // more than one multipart part
    const { module, artifact } = await moduleWith(bytes);
    expect(artifact.hashes.sha256).toBe(sha256Of(bytes));
    const key = `osprey/sha256/${artifact.hashes.sha256.slice(0, 2)}/${artifact.hashes.sha256}`;
    expect(await keysOf(cfg.bucket)).toEqual([key]);
    expect((await objectBytes(cfg.bucket, key)).equals(bytes)).toBe(true);

    const [ds] = (await api('POST', '/distributionsets', [{ name: 'on-s3', version: '1', modules: [{ id: module }] }])).json;
    await api('POST', '/targets', [{ controllerId: 's3-dev-1', name: 's3 device', securityToken: 's3-device-token-1' }]);
    const assigned = await api('POST', `/distributionsets/${ds.id}/assignedTargets`, [{ id: 's3-dev-1' }]);
    const actionId = assigned.json.assignedActions[0].id;
    await server.ddi.settle();
    const device = { authorization: 'TargetToken s3-device-token-1', accept: 'application/hal+json' };
    const base = await fetch(`${server.url}/DEFAULT/controller/v1/s3-dev-1/deploymentBase/${actionId}`, { headers: device });
    expect(base.status).toBe(200);
    const href = ((await base.json()) as any).deployment.chunks[0].artifacts[0]._links['download-http'].href as string;
    const whole = await fetch(href, { headers: device });
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    const part = await fetch(href, { headers: { ...device, range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
  });

  it('holds only ciphertext for an encrypted module: exactly the bytes the server stored and serves', async () => {
    const plaintext = randomBytes(300_000);
    const { module, artifact } = await moduleWith(plaintext, { encrypted: true });
    const key = `osprey/sha256/${artifact.hashes.sha256.slice(0, 2)}/${artifact.hashes.sha256}`;
    const atRest = await objectBytes(cfg.bucket, key);
    expect(sha256Of(atRest)).toBe(artifact.hashes.sha256);
    expect(atRest.length).toBe(artifact.size);
    expect(sha256Of(atRest)).not.toBe(sha256Of(plaintext));
    expect(atRest.includes(plaintext.subarray(1000, 1064))).toBe(false);
    const served = await api('GET', `/softwaremodules/${module}/artifacts/${artifact.id}/download`);
    expect(served.status).toBe(200);
    expect(served.bytes.equals(atRest)).toBe(true);
  });

  it('a refused upload (hash mismatch) leaves nothing in the bucket', async () => {
    const before = await keysOf(cfg.bucket);
    const [module] = (await api('POST', '/softwaremodules', [{ name: 'refused', version: '1.0', type: 'os' }])).json;
    const form = new FormData();
    form.append('sha256sum', '0'.repeat(64));
    form.append('file', new Blob([randomBytes(100_000)]), 'image.bin');
    expect((await api('POST', `/softwaremodules/${module.id}/artifacts`, form)).status).toBe(400);
    expect(await keysOf(cfg.bucket)).toEqual(before);
  });
});

describe.runIf(cephPresent)('starting on a bucket that cannot be used', () => {
  it('a missing bucket is a StartError naming the bucket and OSPREY_S3_BUCKET', async () => {
    const cfg = { ...(await newBucket()), bucket: 'no-such-bucket' };
    const failure = await startTestServer('pglite', { blobStore: cfg }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(StartError);
    expect((failure as Error).message).toBe(`S3 bucket no-such-bucket at ${cfg.endpoint} does not exist: create it or set OSPREY_S3_BUCKET`);
  });

  it('an endpoint where nothing listens is a StartError naming OSPREY_S3_ENDPOINT', async () => {
    const cfg = { ...(await newBucket()), endpoint: `http://127.0.0.1:${await freePort()}` };
    const failure = await startTestServer('pglite', { blobStore: cfg }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(StartError);
    expect((failure as Error).message).toMatch(
      new RegExp(`^cannot reach S3 bucket ${cfg.bucket} at ${cfg.endpoint}.*: check OSPREY_S3_ENDPOINT and the network$`),
    );
  });

  it('a wrong secret is a StartError naming the key variables, never the secret', async () => {
    const cfg = { ...(await newBucket()), secretAccessKey: 'wrong-secret-never-printed-000000000000' };
    const failure = await startTestServer('pglite', { blobStore: cfg }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(StartError);
    expect((failure as Error).message).toBe(
      `S3 bucket ${cfg.bucket} at ${cfg.endpoint} refused these credentials: check OSPREY_S3_ACCESS_KEY_ID and OSPREY_S3_SECRET_ACCESS_KEY and the bucket's policy`,
    );
    expect((failure as Error).message).not.toContain('wrong-secret');
  });
});

describe.runIf(cephPresent)('osprey-server on S3, configured from the environment', () => {
  /** Run the built server until it prints its banner's first line or exits; then stop it. */
  async function run(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    const dataDir = makeTempDir('osprey-s3-bin-');
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'dist', 'bin.js')], {
      env: { ...process.env, OSPREY_DATA_DIR: dataDir, OSPREY_PORT: '0', OSPREY_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c) => {
      output += c;
      if (/listening on/.test(output)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (c) => (output += c));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    removeTempDir(dataDir);
    return { code, output };
  }

  const envOf = (cfg: S3BlobStoreConfig) => ({
    OSPREY_BLOB_STORE: 's3',
    OSPREY_S3_BUCKET: cfg.bucket,
    OSPREY_S3_ENDPOINT: cfg.endpoint!,
    OSPREY_S3_REGION: cfg.region,
    OSPREY_S3_PREFIX: cfg.prefix,
    OSPREY_S3_ACCESS_KEY_ID: cfg.accessKeyId!,
    OSPREY_S3_SECRET_ACCESS_KEY: cfg.secretAccessKey!,
  });

  it('names the bucket in its banner', async () => {
    const cfg = await newBucket();
    const { output } = await run(envOf(cfg));
    expect(output).toMatch(
      new RegExp(`listening on http://\\S+ \\(database: PGlite in .*, artifacts: S3 bucket ${cfg.bucket} prefix osprey/ at ${cfg.endpoint}\\)`),
    );
  });

  it('exits 1 with one line for a missing bucket and a wrong secret, never printing the secret', async () => {
    const cfg = await newBucket();
    const missing = await run({ ...envOf(cfg), OSPREY_S3_BUCKET: 'not-there' });
    expect(missing.code).toBe(1);
    expect(missing.output.trim().split('\n')).toEqual([
      `osprey-server: S3 bucket not-there at ${cfg.endpoint} does not exist: create it or set OSPREY_S3_BUCKET`,
    ]);
    const wrong = await run({ ...envOf(cfg), OSPREY_S3_SECRET_ACCESS_KEY: 'wrong-secret-9f8e7d6c5b4a' });
    expect(wrong.code).toBe(1);
    expect(wrong.output.trim().split('\n')).toHaveLength(1);
    expect(wrong.output).toMatch(/refused these credentials: check OSPREY_S3_ACCESS_KEY_ID and OSPREY_S3_SECRET_ACCESS_KEY/);
    expect(wrong.output).not.toContain('wrong-secret');
  });

  it('exits 2 with one line naming the variable for a bad setting', async () => {
    const bad = await run({ OSPREY_BLOB_STORE: 's3', OSPREY_S3_BUCKET: 'Bad_Name' });
    expect(bad.code).toBe(2);
    expect(bad.output.trim().split('\n')).toHaveLength(1);
    expect(bad.output).toMatch(/blobStore\.bucket \(OSPREY_S3_BUCKET\)/);
  });
});

// Deletes and gc on both stores. The server's clock is moved past the grace period to let a blob
// count as old; S3 sets an object's LastModified itself, so nothing is backdated.
const stores = [
  { kind: 'file store', run: true, blobStore: async () => ({ kind: 'file' as const }) },
  { kind: 'S3 store', run: cephPresent, blobStore: () => newBucket() },
];
for (const { kind, run, blobStore } of stores) {
  describe.runIf(run)(`deleting and gc on the ${kind}`, () => {
    let server: TestServer;
    let offset = 0;
    const clock = () => new Date(Date.now() + offset);
    const { api, moduleWith } = calls(() => server);

    beforeAll(async () => {
      server = await startTestServer('pglite', { blobStore: await blobStore() }, { listen: true, clock });
    });
    afterAll(() => server?.stop());

    it('deleting one of two modules with the same bytes keeps the blob; deleting the last removes it', async () => {
      offset = 0;
      const bytes = randomBytes(50_000);
      const a = await moduleWith(bytes);
      const b = await moduleWith(bytes);
      const sha = a.artifact.hashes.sha256;
      expect(b.artifact.hashes.sha256).toBe(sha);
      offset = 2 * HOUR; // both rows are old enough that only references keep the blob
      expect((await api('DELETE', `/softwaremodules/${a.module}`)).status).toBe(204);
      expect(await server.blobs.has(sha)).toBe(true);
      const served = await api('GET', `/softwaremodules/${b.module}/artifacts/${b.artifact.id}/download`);
      expect(served.bytes.equals(bytes)).toBe(true);
      expect((await api('DELETE', `/softwaremodules/${b.module}`)).status).toBe(204);
      expect(await server.blobs.has(sha)).toBe(false);
    });

    it('deleting one of two artifacts with the same bytes (in two tenants) keeps the blob; deleting the last removes it', async () => {
      offset = 0;
      const tenant = `T${kind.replace(/\W/g, '').toUpperCase()}`;
      expect((await api('POST', '/tenants', { id: tenant, adminPassword: 'other-tenant-password' })).status).toBe(201);
      const other = calls(() => server, basicAuth(`${tenant}\\admin`, 'other-tenant-password'));
      const bytes = randomBytes(40_000);
      const mine = await moduleWith(bytes);
      const theirs = await other.moduleWith(bytes);
      const sha = mine.artifact.hashes.sha256;
      expect(theirs.artifact.hashes.sha256).toBe(sha);
      offset = 2 * HOUR;
      expect((await api('DELETE', `/softwaremodules/${mine.module}/artifacts/${mine.artifact.id}`)).status).toBe(204);
      expect((await api('GET', `/softwaremodules/${mine.module}/artifacts`)).json).toEqual([]);
      expect(await server.blobs.has(sha)).toBe(true);
      const served = await other.api('GET', `/softwaremodules/${theirs.module}/artifacts/${theirs.artifact.id}/download`);
      expect(served.bytes.equals(bytes)).toBe(true);
      // Another tenant's artifact is not found, and so not deleted.
      expect((await api('DELETE', `/softwaremodules/${theirs.module}/artifacts/${theirs.artifact.id}`)).status).toBe(404);
      expect((await other.api('DELETE', `/softwaremodules/${theirs.module}/artifacts/${theirs.artifact.id}`)).status).toBe(204);
      expect(await server.blobs.has(sha)).toBe(false);
    });

    it('an artifact of a module in a distribution set is kept (409), with its blob', async () => {
      offset = 2 * HOUR;
      const { module, artifact } = await moduleWith(randomBytes(1000));
      await api('POST', '/distributionsets', [{ name: `kept-${kind.replace(/\W/g, '')}`, version: '1', modules: [{ id: module }] }]);
      const refused = await api('DELETE', `/softwaremodules/${module}/artifacts/${artifact.id}`);
      expect(refused.status).toBe(409);
      expect(await server.blobs.has(artifact.hashes.sha256)).toBe(true);
    });

    it('deleting the last module of a blob written within the grace period leaves it to gc', async () => {
      offset = 0;
      const { module, artifact } = await moduleWith(randomBytes(20_000));
      expect((await api('DELETE', `/softwaremodules/${module}`)).status).toBe(204);
      expect(await server.blobs.has(artifact.hashes.sha256)).toBe(true); // an upload of these bytes may be recording its row
      const report = await collectGarbage(server.database.db, server.blobs, new Date(Date.now() + 2 * HOUR));
      expect(report.removed).toContain(artifact.hashes.sha256);
      expect(await server.blobs.has(artifact.hashes.sha256)).toBe(false);
    });

    it('gc removes an old orphan, keeps a fresh orphan and every blob a row refers to', async () => {
      offset = 0;
      const kept = await moduleWith(randomBytes(10_000));
      const orphan = await server.blobs.put(Readable.from([randomBytes(5_000)]));
      const fresh = await collectGarbage(server.database.db, server.blobs, new Date());
      expect(fresh.removed).toEqual([]);
      expect(await server.blobs.has(orphan.sha256)).toBe(true);
      const later = await collectGarbage(server.database.db, server.blobs, new Date(Date.now() + 2 * HOUR));
      expect(later.removed).toEqual([orphan.sha256]);
      expect(later.bytes).toBe(5_000);
      expect(await server.blobs.has(orphan.sha256)).toBe(false);
      expect(await server.blobs.has(kept.artifact.hashes.sha256)).toBe(true);
    });
  });
}
