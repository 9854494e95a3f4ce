/**
 * Direct downloads (#16) against a real Ceph RGW, which checks every signature, with the server on
 * its S3 blob store and OSPREY_DIRECT_DOWNLOADS=presigned: deploymentBase links the artifact to a
 * presigned URL on storage (the `.MD5SUM` and `.sig` links stay on the
 * server, and so does its own download route); the URL serves the bytes with Range and the
 * artifact's file name; an expired or altered URL is refused by RGW (403); a damaged artifact gets
 * no link to storage; CDN mode builds links on the base URL, and a CDN in front of the bucket
 * serves them. The configuration's own rules are checked here too.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, seed, ConfigError } from '@osprey/server';
import { banner } from '../src/banner.js';
import { blobKey, CdnDownloads, presignedOrigin } from '../src/blob/direct.js';
import { artifactBody, deviceUrls } from '../src/http/ddi-dto.js';
import { cephOrFail, startDirectStorage, type DirectStorage } from '../../../testkit/direct-storage.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';
import { tempDirForFile } from '../../../testkit/temp-dir.js';

const files = tempDirForFile('osprey-direct-files-');
const image = randomBytes(400_000);
const other = randomBytes(100_000);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
writeFileSync(join(files, 'image.swu'), image);
writeFileSync(join(files, 'other.bin'), other);

const base = '/DEFAULT/controller/v1';
const auth = (id: string) => ({ authorization: `TargetToken token-${id}-abcdef`, accept: 'application/json' });

describe('direct-download configuration', () => {
  it('defaults to off with a 900 s TTL; bounds and cross-checks are ConfigErrors naming the variable', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ directDownloads: 'off', directDownloadTtlSeconds: 900 });
    expect(loadConfig({ OSPREY_DIRECT_DOWNLOADS: 'cdn', OSPREY_DOWNLOAD_BASE_URL: 'https://cdn.example/osprey' })).toMatchObject({
      directDownloads: 'cdn',
      downloadBaseUrl: 'https://cdn.example/osprey',
    });
    const refused = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(refused({ OSPREY_DIRECT_DOWNLOADS: 'sometimes' })).toContain('OSPREY_DIRECT_DOWNLOADS');
    expect(refused({ OSPREY_DIRECT_DOWNLOAD_TTL_SECONDS: '59' })).toContain('OSPREY_DIRECT_DOWNLOAD_TTL_SECONDS');
    expect(refused({ OSPREY_DIRECT_DOWNLOAD_TTL_SECONDS: '604801' })).toContain('OSPREY_DIRECT_DOWNLOAD_TTL_SECONDS');
    expect(refused({ OSPREY_DIRECT_DOWNLOADS: 'cdn' })).toContain('OSPREY_DOWNLOAD_BASE_URL');
    expect(refused({ OSPREY_DIRECT_DOWNLOADS: 'cdn', OSPREY_DOWNLOAD_BASE_URL: 'ftp://cdn.example' })).toContain('OSPREY_DOWNLOAD_BASE_URL');
    // Presigned URLs are signed by the S3 blob store's credentials: with the file store there is nothing to sign.
    expect(refused({ OSPREY_DIRECT_DOWNLOADS: 'presigned' })).toContain('S3 blob store');
    const s3 = { OSPREY_BLOB_STORE: 's3', OSPREY_S3_BUCKET: 'osprey', OSPREY_S3_ENDPOINT: 'https://s3.example.com' };
    expect(loadConfig({ ...s3, OSPREY_DIRECT_DOWNLOADS: 'presigned', OSPREY_DIRECT_DOWNLOAD_TTL_SECONDS: '600' })).toMatchObject({
      directDownloads: 'presigned',
      directDownloadTtlSeconds: 600,
    });
    // The banner says where devices get the bytes (and so what their agents must admit).
    const running = { url: 'http://127.0.0.1:8080' };
    expect(banner(running, loadConfig({ ...s3, OSPREY_DIRECT_DOWNLOADS: 'presigned' }))).toContain('presigned S3 URLs, valid 900 s (agents: storageOrigins)');
    expect(banner(running, loadConfig({}))).not.toContain('storageOrigins');
  });

  it('CDN links are the base URL and the S3 layout key', async () => {
    const s = sha(image);
    expect(await new CdnDownloads('https://cdn.example/osprey/').urlFor(s)).toBe(`https://cdn.example/osprey/sha256/${s.slice(0, 2)}/${s}`);
    expect(await new CdnDownloads('https://cdn.example', 'tenant-a/').urlFor(s)).toBe(`https://cdn.example/tenant-a/sha256/${s.slice(0, 2)}/${s}`);
    expect(new CdnDownloads('https://cdn.example:8443/x').origin).toBe('https://cdn.example:8443');
    expect(blobKey('p/', s)).toBe(`p/sha256/${s.slice(0, 2)}/${s}`);
    expect(() => blobKey('', 'nope')).toThrow();
  });

  it("presigned URLs are on the endpoint (path-style) or the bucket host; https links get hawkBit's download rel too", () => {
    expect(presignedOrigin({ bucket: 'b', region: 'eu-west-1', endpoint: 'https://s3.example.com:8443/x', forcePathStyle: true })).toBe(
      'https://s3.example.com:8443',
    );
    expect(presignedOrigin({ bucket: 'b', region: 'eu-west-1', endpoint: 'https://s3.example.com', forcePathStyle: false })).toBe('https://b.s3.example.com');
    expect(presignedOrigin({ bucket: 'b', region: 'eu-west-1' })).toBe('https://b.s3.eu-west-1.amazonaws.com');
    const urls = deviceUrls('http://osprey.example', 'DEFAULT', 'dev01');
    const view = { id: 7, filename: 'a.bin', hashes: { sha1: 'x', md5: 'y', sha256: 'z' }, size: 1, signature: true };
    const https = artifactBody(urls, 3, view, new Map([[7, 'https://s3.example.com/b/k?X-Amz-Signature=1']]));
    expect(https._links).toMatchObject({
      download: { href: 'https://s3.example.com/b/k?X-Amz-Signature=1' },
      'download-http': { href: 'https://s3.example.com/b/k?X-Amz-Signature=1' },
      'md5sum-http': { href: 'http://osprey.example/DEFAULT/controller/v1/dev01/softwaremodules/3/artifacts/a.bin.MD5SUM' },
      'signature-http': { href: 'http://osprey.example/DEFAULT/controller/v1/dev01/softwaremodules/3/artifacts/a.bin.sig' },
    });
    const http = artifactBody(urls, 3, view, new Map([[7, 'http://s3.example.com/b/k']]));
    expect(http._links.download).toBeUndefined();
    // Another artifact of the response (no direct link for it): the server's route.
    expect(artifactBody(urls, 3, { ...view, id: 8 }, new Map([[7, 'https://s3.example.com/b/k']]))._links).toEqual({
      'download-http': { href: 'http://osprey.example/DEFAULT/controller/v1/dev01/softwaremodules/3/artifacts/a.bin' },
      'md5sum-http': { href: 'http://osprey.example/DEFAULT/controller/v1/dev01/softwaremodules/3/artifacts/a.bin.MD5SUM' },
      'signature-http': { href: 'http://osprey.example/DEFAULT/controller/v1/dev01/softwaremodules/3/artifacts/a.bin.sig' },
    });
  });
});

describe.runIf(cephOrFail())('direct downloads from Ceph RGW', () => {
  let storage: DirectStorage;
  let server: TestServer;
  let ids: Awaited<ReturnType<typeof seed>>;

  const deployment = async (server: TestServer, id: string) => {
    await server.ddi.settle();
    const poll = await server.app.inject({ method: 'GET', url: `${base}/${id}`, headers: auth(id) });
    const href = new URL(poll.json()._links.deploymentBase.href);
    const res = await server.app.inject({ method: 'GET', url: `${href.pathname}${href.search}`, headers: auth(id) });
    expect(res.statusCode).toBe(200);
    return res.json().deployment.chunks[0].artifacts[0] as { filename: string; _links: Record<string, { href: string }> };
  };

  beforeAll(async () => {
    storage = await startDirectStorage();
    // Through the proxy: the presigned URLs name its origin (and it sees what storage receives).
    server = await startTestServer('pglite', { blobStore: storage.blobStoreConfig('proxy'), directDownloads: 'presigned' });
    ids = await seed(server.database.db, server.blobs, server.keys, {
      targets: [
        { controllerId: 'dev01', securityToken: 'token-dev01-abcdef' },
        { controllerId: 'dev02', securityToken: 'token-dev02-abcdef' },
      ],
      modules: [
        { key: 'os', type: 'os', name: 'gw-os', version: '1.0', artifacts: [{ file: join(files, 'image.swu'), filename: 'update+image.swu' }] },
        { key: 'app', type: 'application', name: 'app', version: '1.0', artifacts: [{ file: join(files, 'other.bin'), filename: 'other.bin' }] },
      ],
      distributionSets: [
        { key: 'ds1', name: 'gw', version: '1.0', modules: ['os'] },
        { key: 'ds2', name: 'app', version: '1.0', modules: ['app'] },
      ],
      assignments: [
        { target: 'dev01', ds: 'ds1', type: 'forced' },
        { target: 'dev02', ds: 'ds2', type: 'forced' },
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await storage?.stop();
  });

  it('links download-http to a presigned URL on storage; MD5SUM and .sig stay on the server', async () => {
    const artifact = await deployment(server, 'dev01');
    const direct = new URL(artifact._links['download-http']!.href);
    expect(direct.origin).toBe(storage.proxy.origin);
    expect(direct.pathname).toBe(`/${storage.bucket}/${blobKey('', sha(image))}`);
    expect(direct.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(direct.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    // http storage: no `download` (hawkBit's https rel).
    expect(artifact._links.download).toBeUndefined();
    const own = `/DEFAULT/controller/v1/dev01/softwaremodules/${ids.modules.os}/artifacts/${encodeURIComponent('update+image.swu')}`;
    expect(new URL(artifact._links['md5sum-http']!.href).pathname).toBe(`${own}.MD5SUM`);
    expect(new URL(artifact._links['signature-http']!.href).pathname).toBe(`${own}.sig`);

    const res = await fetch(direct);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment;filename=${encodeURIComponent('update+image.swu')}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(image)).toBe(true);
    const part = await fetch(direct, { headers: { range: 'bytes=1000-1999' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-1999/${image.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(image.subarray(1000, 2000))).toBe(true);

    // The server's own route keeps working (a device that cannot reach storage).
    const served = await server.app.inject({ method: 'GET', url: own, headers: auth('dev01') });
    expect(served.statusCode).toBe(200);
    expect(served.rawPayload.equals(image)).toBe(true);
    // A device that may not see the module gets no link, direct or not.
    const foreign = await server.app.inject({ method: 'GET', url: `${base}/dev02/softwaremodules/${ids.modules.os}/artifacts`, headers: auth('dev02') });
    expect(foreign.statusCode).toBe(404);
  });

  it('an expired presigned URL is refused by RGW (403); so is one altered in any signed part', async () => {
    const hourAgo = new Date(Date.now() - 3600_000);
    const expired = await storage.presigned(() => hourAgo).urlFor(sha(image), { expiresInSeconds: 60, fileName: 'x.bin' });
    const res = await fetch(expired);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/AccessDenied|RequestExpired|expired/i);

    const good = await storage.presigned().urlFor(sha(image), { expiresInSeconds: 900, fileName: 'x.bin' });
    expect((await fetch(good)).status).toBe(200);
    const altered = (change: (url: URL) => void) => {
      const url = new URL(good);
      change(url);
      return url;
    };
    for (const tampered of [
      altered((u) => u.searchParams.set('X-Amz-Expires', '604800')),
      altered((u) => u.searchParams.set('response-content-disposition', 'attachment;filename=evil.sh')),
      altered((u) => (u.pathname = u.pathname.replace(sha(image), sha(other)))),
      altered((u) => u.searchParams.set('X-Amz-Signature', '0'.repeat(64))),
    ]) {
      expect((await fetch(tampered)).status, tampered.toString()).toBe(403);
    }
  });

  it('the artifact is in the bucket at the S3 layout; an s3 store without presigned keeps links on the server', async () => {
    const stored = await fetch(await storage.presigned().urlFor(sha(image), { expiresInSeconds: 60, fileName: 'x' }));
    expect(Buffer.from(await stored.arrayBuffer()).equals(image)).toBe(true);
    const plain = await startTestServer('pglite', { blobStore: storage.blobStoreConfig() });
    try {
      await seed(plain.database.db, plain.blobs, plain.keys, {
        targets: [{ controllerId: 'dev01', securityToken: 'token-dev01-abcdef' }],
        modules: [{ key: 'os', type: 'os', name: 'gw-os', version: '1.0', artifacts: [{ file: join(files, 'image.swu'), filename: 'image.swu' }] }],
        distributionSets: [{ key: 'ds1', name: 'gw', version: '1.0', modules: ['os'] }],
        assignments: [{ target: 'dev01', ds: 'ds1', type: 'forced' }],
      });
      const artifact = await deployment(plain, 'dev01');
      expect(new URL(artifact._links['download-http']!.href).pathname).toMatch(
        /^\/DEFAULT\/controller\/v1\/dev01\/softwaremodules\/\d+\/artifacts\/image\.swu$/,
      );
    } finally {
      await plain.stop();
    }
  });

  it('a store that cannot be asked (503) leaves the deployment answered, linked to the server, and records no damage', async () => {
    storage.proxy.failWith = 503;
    try {
      const artifact = await deployment(server, 'dev01');
      expect(new URL(artifact._links['download-http']!.href).pathname).toMatch(/\/DEFAULT\/controller\/v1\/dev01\/softwaremodules\/\d+\/artifacts\//);
    } finally {
      delete storage.proxy.failWith;
    }
    const row = await server.database.db.selectFrom('artifacts').select('damaged_at').where('sha256', '=', sha(image)).executeTakeFirstOrThrow();
    expect(row.damaged_at).toBeNull();
    // Back: storage links again.
    expect(new URL((await deployment(server, 'dev01'))._links['download-http']!.href).origin).toBe(storage.proxy.origin);
  });

  it('a damaged artifact (its blob gone) gets no link to storage, and the damage is recorded', async () => {
    await server.blobs.delete(sha(other));
    const artifact = await deployment(server, 'dev02');
    const href = new URL(artifact._links['download-http']!.href);
    expect(href.pathname).toMatch(/\/DEFAULT\/controller\/v1\/dev02\/softwaremodules\/\d+\/artifacts\/other\.bin$/);
    const row = await server.database.db.selectFrom('artifacts').select('damaged_at').where('sha256', '=', sha(other)).executeTakeFirstOrThrow();
    expect(row.damaged_at).not.toBeNull();
  });

  it('CDN mode: links on the base URL; a CDN in front of the bucket serves them', async () => {
    const cdn = await startTestServer('pglite', { blobStore: storage.blobStoreConfig(), directDownloads: 'cdn', downloadBaseUrl: `${storage.cdn.origin}/` });
    try {
      await seed(cdn.database.db, cdn.blobs, cdn.keys, {
        targets: [{ controllerId: 'dev01', securityToken: 'token-dev01-abcdef' }],
        modules: [{ key: 'os', type: 'os', name: 'gw-os', version: '1.0', artifacts: [{ file: join(files, 'image.swu'), filename: 'image.swu' }] }],
        distributionSets: [{ key: 'ds1', name: 'gw', version: '1.0', modules: ['os'] }],
        assignments: [{ target: 'dev01', ds: 'ds1', type: 'forced' }],
      });
      const artifact = await deployment(cdn, 'dev01');
      const href = artifact._links['download-http']!.href;
      expect(href).toBe(`${storage.cdn.origin}/${blobKey('', sha(image))}`);
      const res = await fetch(href);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(image)).toBe(true);
    } finally {
      await cdn.stop();
    }
  });
});
