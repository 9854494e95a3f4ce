/**
 * The agent with direct downloads (#16) from a real Ceph RGW, behind a recording proxy: an
 * encrypted update streamed from a presigned URL, continued with Range after a cut; a link that
 * expired on the way (RGW answers 403) replaced by a fresh one from deploymentBase, the download
 * continuing where it was; no Authorization header ever reaching storage; and a link to an origin
 * the device was not configured with — the storage host on another port included — refused with
 * AGENT_DOWNLOAD_ORIGIN_REFUSED before a byte is fetched.
 *
 * The server is a real Osprey server on its S3 blob store in that bucket; its presigned direct
 * downloads name the proxy's origin and are signed at a time the test sets (to make one expire).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftwareKeyElement, type SecureElement } from '@osprey/agent';
import { cephOrFail, startDirectStorage, type DirectStorage } from '../../../testkit/direct-storage.js';
import { restClient, TEST_ADMIN as ADMIN } from '../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';
import { tempDirForFile } from '../../../testkit/temp-dir.js';
import { makeRelease, openDevice, provisionDevice, settle, sha256 } from './device-kit.js';

const OLD = randomBytes(150_000);
const NEW = randomBytes(6 * 65536 + 777);
/** How long a link stays valid in the expiry case: long enough for the first request, short enough to wait out. */
const SHORT_LIFE_SECONDS = 12;
const TTL_SECONDS = 900;

describe.runIf(cephOrFail())('the agent downloading directly from storage (RGW)', () => {
  let storage: DirectStorage;
  let server: TestServer;
  const work = tempDirForFile('osprey-agent-direct-');
  const api = restClient(() => server.url, ADMIN);
  let setId: number;
  let rootJson: Buffer;
  let payloadKey: string;
  const elements: SecureElement[] = [];
  /** Links are signed this many seconds in the past (the expiry case makes them short-lived). */
  let signedAgo = 0;

  const device = async (id: string) => {
    const element = new SoftwareKeyElement(join(work, id, 'device.pem'));
    elements.push(element);
    const { files, token } = await provisionDevice(api, join(work, id), id, {
      rootJson,
      factoryImage: OLD,
      securityVersion: 1,
      publicKeyPem: (await element.provision()).publicKeyPem,
    });
    return { files, element, connection: { server: server.url, id, token } };
  };
  const assign = async (id: string) => {
    expect((await api('POST', `/distributionsets/${setId}/assignedTargets`, [{ id }])).json.assigned).toBe(1);
    await server.ddi.settle();
    return (await api('GET', `/targets/${id}/actions`)).json.content[0].id as number;
  };
  const action = async (id: string, actionId: number) => {
    const status = (await api('GET', `/targets/${id}/actions/${actionId}`)).json.status as string;
    const messages = ((await api('GET', `/targets/${id}/actions/${actionId}/status`)).json.content as Array<{ messages: string[] }>).flatMap((s) => s.messages);
    return { status, messages };
  };
  /** GETs of the payload that reached storage. */
  const payloadRequests = () => storage.proxy.requests.filter((r) => r.method === 'GET' && r.url.startsWith(`/${storage.bucket}/${payloadKey}`));

  beforeAll(async () => {
    storage = await startDirectStorage();
    const presigned = storage.presigned(() => new Date(Date.now() - signedAgo * 1000));
    server = await startTestServer(
      'pglite',
      { blobStore: storage.blobStoreConfig(), directDownloadTtlSeconds: TTL_SECONDS },
      { listen: true, directDownloads: presigned },
    );
    rootJson = Buffer.from((await api('GET', '/tuf/root')).text);
    setId = await makeRelease(api, 'gw-os', '3.0.0', NEW, { encrypted: true, release: { securityVersion: 2, hardware: ['board-a'] } });
    const rows = await server.database.db.selectFrom('artifacts').select('sha256').execute();
    expect(rows).toHaveLength(1);
    payloadKey = `sha256/${rows[0]!.sha256.slice(0, 2)}/${rows[0]!.sha256}`;
  }, 120_000);
  afterAll(async () => {
    for (const e of elements) e.close();
    await server?.stop();
    await storage?.stop();
  });

  it('installs from a presigned URL, continues a cut with Range, and sends storage no credentials', async () => {
    const { files, element, connection } = await device('direct-1');
    const actionId = await assign('direct-1');
    storage.proxy.cutNextAfter(150_000);
    const before = payloadRequests().length;
    const dev = openDevice(files, { ...connection, storageOrigins: [storage.proxy.origin] }, { element });
    const log = await settle(dev.agent);
    expect(log).toEqual(expect.arrayContaining(['started action ' + actionId, 'committed', 'reported committed']));
    expect(sha256(readFileSync(files.slotB))).toBe(sha256(NEW));
    expect((await action('direct-1', actionId)).status).toBe('finished');
    const gets = payloadRequests().slice(before);
    expect(gets.length).toBe(2);
    expect(gets[0]!.headers.range).toBeUndefined();
    const start = Number(/^bytes=(\d+)-$/.exec(gets[1]!.headers.range ?? '')?.[1]);
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThanOrEqual(150_000);
    expect(gets.every((r) => r.status === 200 || r.status === 206)).toBe(true);
    // Not one request to storage carried the device's token (or any Authorization).
    expect(storage.proxy.requests.length).toBeGreaterThan(0);
    expect(storage.proxy.requests.filter((r) => r.headers.authorization !== undefined)).toEqual([]);
  });

  it('a link that expires mid-download (RGW: 403) is replaced by a fresh one; the download continues where it was', async () => {
    const { files, element, connection } = await device('direct-2');
    const actionId = await assign('direct-2');
    // The deployment's link is valid SHORT_LIFE_SECONDS from now; the continuation after the cut is
    // held back until it expired, and links signed after that are valid for the full TTL.
    signedAgo = TTL_SECONDS - SHORT_LIFE_SECONDS;
    const expiresAt = Date.now() + SHORT_LIFE_SECONDS * 1000;
    storage.proxy.cutNextAfter(200_000);
    const before = payloadRequests().length;
    storage.proxy.beforeForward = async (r) => {
      if (!(r.method === 'GET' && r.headers.range && r.url.startsWith(`/${storage.bucket}/${payloadKey}`))) return;
      storage.proxy.beforeForward = undefined;
      await new Promise((done) => setTimeout(done, Math.max(0, expiresAt - Date.now()) + 1500));
      signedAgo = 0;
    };
    try {
      const dev = openDevice(files, { ...connection, storageOrigins: [storage.proxy.origin] }, { element });
      const log = await settle(dev.agent);
      expect(log).toEqual(expect.arrayContaining(['committed', 'reported committed']));
    } finally {
      storage.proxy.beforeForward = undefined;
      signedAgo = 0;
    }
    expect(sha256(readFileSync(files.slotB))).toBe(sha256(NEW));
    expect((await action('direct-2', actionId)).status).toBe('finished');
    const gets = payloadRequests().slice(before);
    // Whole (cut), Range on the expired link (403), Range on the fresh link from the same offset.
    expect(gets.map((r) => r.status)).toEqual([200, 403, 206]);
    const offsets = gets.slice(1).map((r) => Number(/^bytes=(\d+)-$/.exec(r.headers.range ?? '')?.[1]));
    expect(offsets[0]).toBeGreaterThan(0);
    expect(offsets[1]).toBe(offsets[0]);
    const signature = (r: { url: string }) => new URL(r.url, 'http://x').searchParams.get('X-Amz-Signature');
    expect(signature(gets[2]!)).not.toBe(signature(gets[1]!));
    expect(storage.proxy.requests.filter((r) => r.headers.authorization !== undefined)).toEqual([]);
  }, 60_000);

  it('refuses a link to an origin it was not given — the storage host on another port too — before fetching a byte', async () => {
    for (const [id, storageOrigins] of [
      ['direct-none', []],
      ['direct-port', [storage.cdn.origin]], // 127.0.0.1 like the presigned links' proxy, another port
    ] as const) {
      const { files, element, connection } = await device(id);
      const actionId = await assign(id);
      const before = storage.proxy.requests.length;
      const dev = openDevice(files, { ...connection, storageOrigins }, { element });
      await settle(dev.agent);
      const result = await action(id, actionId);
      expect(result.status).toBe('error');
      expect(result.messages.join('\n')).toContain('AGENT_DOWNLOAD_ORIGIN_REFUSED');
      expect(storage.proxy.requests.length).toBe(before);
      expect(sha256(readFileSync(files.slotB, { flag: 'a+' }))).not.toBe(sha256(NEW));
    }
  });
});
