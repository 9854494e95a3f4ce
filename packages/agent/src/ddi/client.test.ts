/**
 * The DDI client against a scripted local server: parsing, link policy (credentials only to the
 * configured server), bounded responses, typed errors, feedback bodies, and mTLS.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OspreyError } from '@osprey/core';
import { settledCode } from '../../../../testkit/errors.js';
import { closeServer, listenOnLoopback } from '../../../../testkit/http.js';
import { TestPki } from '../../../../testkit/pki.js';
import { tempDirForFile } from '../../../../testkit/temp-dir.js';
import { hasCommand } from '../../../../testkit/tools.js';
import { failureOf, isAgentError } from '../errors.js';
import { DdiClient, deploymentPlan } from './client.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let origin: string;
let route: (req: IncomingMessage, res: ServerResponse, body: string) => void;
const seen: Seen[] = [];
const BASE_PATH = '/DEFAULT/controller/v1/dev-1';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      route(req, res, body);
    });
  });
  origin = await listenOnLoopback(server);
});
afterAll(async () => {
  server.closeAllConnections();
  await closeServer(server);
});

const client = (extra: Partial<ConstructorParameters<typeof DdiClient>[0]> = {}) =>
  new DdiClient({ server: origin, tenant: 'DEFAULT', controllerId: 'dev-1', targetToken: 'secret-token', ...extra });
const json = (res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/hal+json', ...headers }).end(JSON.stringify(body));

const code = (promise: Promise<unknown>) => settledCode(promise, (e) => isAgentError(e));

const HEADER = Buffer.from('age-encryption.org/v1\n-> p256tag x y\nbody\n--- mac\n');
const deploymentBody = (id = '7') => ({
  id,
  deployment: {
    download: 'forced',
    update: 'attempt',
    maintenanceWindow: 'available',
    somethingNew: { ignored: true },
    chunks: [
      {
        part: 'os',
        version: '2.0.0',
        name: 'gw-os',
        encrypted: true,
        metadata: [{ key: 'k', value: 'v' }],
        artifacts: [
          {
            filename: 'gw-os.img',
            hashes: { sha1: 'a'.repeat(40), md5: 'b'.repeat(32), sha256: 'c'.repeat(64) },
            size: 1234,
            _links: { 'download-http': { href: `${origin}${BASE_PATH}/softwaremodules/3/artifacts/gw-os.img` }, 'md5sum-http': { href: 'x' } },
            osprey: { tufTarget: 'gw-os-2.0.0.age', encryption: { format: 'age-v1', header: HEADER.toString('base64') } },
          },
        ],
      },
    ],
  },
  osprey: { tuf: { metadata: `${origin}/DEFAULT/tuf/metadata`, targets: `${origin}/DEFAULT/tuf/targets` } },
});

describe('DdiClient', () => {
  it('polls: sleep, links with action ids, the TargetToken, and a 304 for an unchanged answer', async () => {
    route = (req, res) => {
      const body = {
        config: { polling: { sleep: '00:01:30' } },
        _links: {
          deploymentBase: { href: `${origin}${BASE_PATH}/deploymentBase/7?c=-2129030598` },
          configData: { href: `${origin}${BASE_PATH}/configData` },
          installedBase: { href: `${origin}${BASE_PATH}/installedBase/5` },
          somethingElse: { href: 'https://elsewhere.example/x' },
        },
      };
      if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304).end();
      json(res, body, 200, { etag: '"v1"' });
    };
    const ddi = client();
    const first = await ddi.poll();
    expect(first).toEqual({
      sleepSeconds: 90,
      notModified: false,
      links: {
        deploymentBase: { href: `${origin}${BASE_PATH}/deploymentBase/7?c=-2129030598`, actionId: 7 },
        installedBase: { href: `${origin}${BASE_PATH}/installedBase/5`, actionId: 5 },
        configData: `${origin}${BASE_PATH}/configData`,
      },
    });
    expect(seen.at(-1)!.headers.authorization).toBe('TargetToken secret-token');
    expect(seen.at(-1)!.headers.accept).toBe('application/json');
    const second = await ddi.poll();
    expect(seen.at(-1)!.headers['if-none-match']).toBe('"v1"');
    expect(second).toEqual({ ...first, notModified: true });
  });

  it('follows links on the configured origin only: another host or another device is refused', async () => {
    const poll = (href: string) => {
      route = (_req, res) => json(res, { config: { polling: { sleep: '00:00:10' } }, _links: { deploymentBase: { href } } });
      return client().poll();
    };
    expect(await code(poll(`https://evil.example${BASE_PATH}/deploymentBase/7`))).toBe('AGENT_DDI_RESPONSE_INVALID');
    expect(await code(poll(`${origin}/DEFAULT/controller/v1/dev-2/deploymentBase/7`))).toBe('AGENT_DDI_RESPONSE_INVALID');
    expect(await code(poll(`${origin}${BASE_PATH}/deploymentBase/x7`))).toBe('AGENT_DDI_RESPONSE_INVALID');
    // A proxy that terminates TLS makes the server say http: the link is followed on our origin.
    const rewritten = await poll(`https://127.0.0.1${BASE_PATH}/deploymentBase/9?c=1`);
    expect(rewritten.links.deploymentBase).toEqual({ href: `${origin}${BASE_PATH}/deploymentBase/9?c=1`, actionId: 9 });
    const ddi = client();
    expect(ddi.downloadHeaders(`${origin}/x`)).toEqual({ authorization: 'TargetToken secret-token' });
    // Without storage origins, a download elsewhere is refused.
    expect(() => ddi.downloadHeaders('https://cdn.example/x')).toThrow(expect.objectContaining({ code: 'AGENT_DOWNLOAD_ORIGIN_REFUSED' }));
  });

  it('admits download links to the configured storage origins only (scheme, host and port), without credentials', () => {
    const port = Number(new URL(origin).port);
    const storage = `http://127.0.0.1:${port + 1}`;
    const ddi = new DdiClient({
      server: origin,
      tenant: 'DEFAULT',
      controllerId: 'dev-1',
      targetToken: 'secret-token',
      storageOrigins: ['https://cdn.example', storage],
    });
    expect(ddi.downloadOrigin('https://cdn.example/sha256/ab/abcd?X-Amz-Signature=1')).toBe('storage');
    expect(ddi.downloadHeaders('https://cdn.example/sha256/ab/abcd')).toEqual({});
    expect(ddi.downloadTransport('https://cdn.example/x')).not.toBe(ddi.transport);
    // The storage origin shares the server's host: still storage, still no credentials.
    expect(ddi.downloadHeaders(`${storage}/bucket/key`)).toEqual({});
    expect(ddi.downloadOrigin(`${origin}/x`)).toBe('server');
    // The server's host on another port is neither the server nor storage.
    expect(() => ddi.downloadHeaders(`http://127.0.0.1:${port + 2}/x`)).toThrow(expect.objectContaining({ code: 'AGENT_DOWNLOAD_ORIGIN_REFUSED' }));
    expect(ddi.downloadTransport(`${origin}/x`)).toBe(ddi.transport);
    for (const foreign of ['https://cdn.example:8443/x', 'http://cdn.example/x', 'https://evil.example/x', 'https://sub.cdn.example/x']) {
      expect(() => ddi.downloadOrigin(foreign), foreign).toThrow(expect.objectContaining({ code: 'AGENT_DOWNLOAD_ORIGIN_REFUSED' }));
    }
  });

  it('reads a deployment: typed, unknown fields ignored, the age header decoded', async () => {
    route = (_req, res) => json(res, deploymentBody());
    const d = await client().deployment(`${origin}${BASE_PATH}/deploymentBase/7?c=1`);
    expect(d).toMatchObject({
      actionId: 7,
      download: 'forced',
      update: 'attempt',
      maintenanceWindow: 'available',
      tuf: { metadataUrl: `${origin}/DEFAULT/tuf/metadata`, targetsUrl: `${origin}/DEFAULT/tuf/targets` },
    });
    const artifact = d.chunks[0]!.artifacts[0]!;
    expect(artifact).toMatchObject({
      filename: 'gw-os.img',
      size: 1234,
      tufTarget: 'gw-os-2.0.0.age',
      downloadUrl: `${origin}${BASE_PATH}/softwaremodules/3/artifacts/gw-os.img`,
    });
    expect(artifact.encryption!.header!.equals(HEADER)).toBe(true);
    expect(d.chunks[0]).toMatchObject({ encrypted: true, metadata: [{ key: 'k', value: 'v' }] });
    expect(JSON.stringify(d)).not.toContain('somethingNew');
  });

  it('refuses a deployment for another action, with a bad header or a missing field', async () => {
    const href = `${origin}${BASE_PATH}/deploymentBase/7`;
    route = (_req, res) => json(res, deploymentBody('8'));
    expect(await code(client().deployment(href))).toBe('AGENT_DDI_RESPONSE_INVALID');
    const badHeader = deploymentBody();
    badHeader.deployment.chunks[0]!.artifacts[0]!.osprey.encryption.header = 'not base64!';
    route = (_req, res) => json(res, badHeader);
    expect(await code(client().deployment(href))).toBe('AGENT_DDI_RESPONSE_INVALID');
    const missing = deploymentBody() as { deployment: Partial<ReturnType<typeof deploymentBody>['deployment']> };
    delete missing.deployment.update;
    route = (_req, res) => json(res, missing);
    await expect(client().deployment(href)).rejects.toThrow(/deployment\.update/);
    route = (_req, res) => res.writeHead(200).end('<html>');
    expect(await code(client().deployment(href))).toBe('AGENT_DDI_RESPONSE_INVALID');
  });

  it('plans from download/update skip|attempt|forced and the maintenance window', () => {
    expect(deploymentPlan({ download: 'forced', update: 'forced' })).toEqual({
      download: true,
      install: true,
      downloadForced: true,
      updateForced: true,
      waitForWindow: false,
    });
    expect(deploymentPlan({ download: 'attempt', update: 'attempt' })).toMatchObject({
      download: true,
      install: true,
      downloadForced: false,
      updateForced: false,
    });
    expect(deploymentPlan({ download: 'forced', update: 'skip' })).toMatchObject({ download: true, install: false });
    expect(deploymentPlan({ download: 'forced', update: 'skip', maintenanceWindow: 'unavailable' })).toMatchObject({
      download: true,
      install: false,
      waitForWindow: true,
    });
    expect(deploymentPlan({ download: 'skip', update: 'skip' })).toMatchObject({ download: false, install: false });
  });

  it('sends feedback, refusals with their reason, attributes, the cancel handshake and the public key', async () => {
    route = (req, res) => {
      if (req.url?.startsWith(`${BASE_PATH}/cancelAction/4`) && req.method === 'GET') return json(res, { id: '4', cancelAction: { stopId: '4' } });
      if (req.url === `${BASE_PATH}/osprey/publicKey`) return void res.writeHead(201).end();
      res.writeHead(200).end();
    };
    const ddi = client();
    await ddi.feedback(7, 'proceeding', 'none', ['downloading', 'x'.repeat(600)], { cnt: 1, of: 3 });
    let sent = JSON.parse(seen.at(-1)!.body);
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: `${BASE_PATH}/deploymentBase/7/feedback` });
    expect(seen.at(-1)!.headers['content-type']).toBe('application/json');
    expect(sent.status).toMatchObject({ execution: 'proceeding', result: { finished: 'none', progress: { cnt: 1, of: 3 } } });
    expect(sent.status.details[1]).toHaveLength(512);

    await ddi.reportRefusal(7, new OspreyError('RELEASE_DOWNGRADE', 'release 4 is below 5'), ['target gw-os-2.0.0.age']);
    sent = JSON.parse(seen.at(-1)!.body);
    expect(sent.status).toMatchObject({
      execution: 'closed',
      result: { finished: 'failure' },
      details: ['RELEASE_DOWNGRADE: release 4 is below 5', 'target gw-os-2.0.0.age'],
    });

    await ddi.putConfigData({ hardware: 'board-a', securityVersion: '5' });
    expect(seen.at(-1)).toMatchObject({ method: 'PUT', url: `${BASE_PATH}/configData` });
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ mode: 'merge', data: { hardware: 'board-a', securityVersion: '5' } });

    expect(await ddi.cancelAction(`${origin}${BASE_PATH}/cancelAction/4`)).toEqual({ actionId: 4, stopId: 4 });
    await ddi.cancelFeedback(4, 'closed', 'success');
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: `${BASE_PATH}/cancelAction/4/feedback` });

    await ddi.confirm(4, 'denied', ['not now']);
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ confirmation: 'denied', details: ['not now'] });

    expect(await ddi.registerPublicKey('age1tag1xyz')).toEqual({ created: true });
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ publicKey: 'age1tag1xyz' });
  });

  it('types failures: unauthorized, server errors with Retry-After, oversized, unreachable, timeout', async () => {
    route = (_req, res) => json(res, { message: 'authentication required' }, 401);
    expect(await code(client().poll())).toBe('AGENT_DDI_UNAUTHORIZED');

    route = (_req, res) => json(res, { message: 'busy' }, 503, { 'retry-after': '17' });
    const busy = await client()
      .poll()
      .catch((e: unknown) => e);
    expect(failureOf(busy)).toMatchObject({ code: 'AGENT_DDI_HTTP', retryable: true, details: { status: 503, retryAfterSeconds: 17 } });
    expect((busy as Error).message).toMatch(/HTTP 503: busy/);

    route = (_req, res) => json(res, { config: { polling: { sleep: '00:00:10' } }, padding: 'x'.repeat(5000) });
    expect(await code(client({ maxResponseBytes: 1000 }).poll())).toBe('AGENT_DDI_RESPONSE_TOO_LARGE');
    route = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"config":{"polling":{"sleep":"00:00:10"}},"padding":"${'x'.repeat(5000)}"}`);
    };
    expect(await code(client({ maxResponseBytes: 1000 }).poll())).toBe('AGENT_DDI_RESPONSE_TOO_LARGE');

    route = () => undefined; // never answers
    const unreachable = await client({ requestTimeoutMs: 200 })
      .poll()
      .catch((e: unknown) => e);
    expect(failureOf(unreachable)).toMatchObject({ code: 'AGENT_DDI_UNREACHABLE', retryable: true });
    server.closeAllConnections();

    expect(await code(new DdiClient({ server: 'http://127.0.0.1:1', tenant: 'T', controllerId: 'd' }).poll())).toBe('AGENT_DDI_UNREACHABLE');
  });
});

describe.runIf(hasCommand('openssl'))('DdiClient over mTLS', () => {
  const dir = tempDirForFile('osprey-agent-mtls-');
  const pki = new TestPki(dir);
  const file = (name: string) => pki.file(name);
  let tlsServer: ReturnType<typeof createHttpsServer>;
  let tlsOrigin: string;

  beforeAll(async () => {
    pki.ca('ca', 'osprey-test-ca');
    pki.issue('server', 'localhost', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    pki.issue('device', 'dev-1', 'ca', 'extendedKeyUsage=clientAuth\n');
    tlsServer = createHttpsServer(
      { key: file('server.key'), cert: file('server.crt'), ca: file('ca.crt'), requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
        json(res, {
          config: { polling: { sleep: '00:00:42' } },
          _links: { deploymentBase: { href: `https://127.0.0.1${BASE_PATH}/deploymentBase/${cn === 'dev-1' ? 1 : 2}` } },
        });
      },
    );
    tlsOrigin = await listenOnLoopback(tlsServer, 'https');
  });
  afterAll(async () => {
    tlsServer?.closeAllConnections();
    await closeServer(tlsServer);
  });

  it('presents the device certificate; without it the server refuses the connection', async () => {
    const ddi = new DdiClient({
      server: tlsOrigin,
      tenant: 'DEFAULT',
      controllerId: 'dev-1',
      tls: { cert: file('device.crt'), key: file('device.key'), ca: file('ca.crt') },
    });
    const poll = await ddi.poll();
    expect(poll.sleepSeconds).toBe(42);
    expect(poll.links.deploymentBase?.actionId).toBe(1);
    const anonymous = new DdiClient({ server: tlsOrigin, tenant: 'DEFAULT', controllerId: 'dev-1', tls: { ca: file('ca.crt') } });
    expect(await code(anonymous.poll())).toBe('AGENT_DDI_UNREACHABLE');
  });
});
