/**
 * Certificate-based device authentication: mTLS on Osprey's own HTTPS listener (CN = controllerId,
 * issuer checked against the tenant's CAs) and mTLS terminated by a reverse proxy whose headers are
 * trusted only from configured addresses. Certificates are made with the openssl command.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed } from '@osprey/server';
import { hasCommand } from '../../../testkit/tools.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';
import { TestPki } from '../../../testkit/pki.js';
import { tempDirForFile } from '../../../testkit/temp-dir.js';

const dir = tempDirForFile('osprey-mtls-');
const pki = new TestPki(dir, { certSuffix: '.pem' });

/** A CA, and a certificate signed by it for `cn`. */
const makeCa = (name: string): void => pki.ca(name);
const makeCert = (name: string, cn: string, ca: string): void => pki.issue(name, cn, ca, 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');

describe.runIf(hasCommand('openssl'))('certificate authentication', () => {
  let server: TestServer;
  let port: number;

  beforeAll(async () => {
    makeCa('tenant-ca');
    makeCa('rogue-ca');
    makeCa('server-ca');
    makeCert('server', 'localhost', 'server-ca');
    makeCert('dev01', 'dev01', 'tenant-ca');
    makeCert('rogue01', 'dev01', 'rogue-ca');
    server = await startTestServer(
      'pglite',
      { tls: { cert: join(dir, 'server.pem'), key: join(dir, 'server.key') }, trustedProxies: ['10.9.9.9'] },
      { listen: true },
    );
    port = Number(new URL(server.url).port);
    await seed(server.database.db, server.blobs, server.keys, {
      config: {
        'authentication.mtls.enabled': true,
        'authentication.mtls.trustedCAs': readFileSync(join(dir, 'tenant-ca.pem'), 'utf8'),
        'authentication.header.enabled': true,
        'authentication.header.authority': 'issuer-hash-1;issuer-hash-2',
      },
      targets: [{ controllerId: 'dev01' }],
    });
  });
  afterAll(() => server?.stop());

  function get(path: string, cert?: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          ca: readFileSync(join(dir, 'server-ca.pem')),
          servername: 'localhost',
          ...(cert ? { cert: readFileSync(join(dir, `${cert}.pem`)), key: readFileSync(join(dir, `${cert}.key`)) } : {}),
        },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('accepts a certificate from a tenant CA whose CN is the controllerId', async () => {
    const res = await get('/DEFAULT/controller/v1/dev01', 'dev01');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).config.polling.sleep).toBeDefined();
  });

  it('refuses another controllerId, a foreign CA, and no certificate', async () => {
    expect((await get('/DEFAULT/controller/v1/dev02', 'dev01')).status).toBe(401);
    expect((await get('/DEFAULT/controller/v1/dev01', 'rogue01')).status).toBe(401);
    const none = await get('/DEFAULT/controller/v1/dev01');
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).errorCode).toBe('hawkbit.server.error.unauthorized');
  });

  it('trusts reverse-proxy certificate headers only from the configured proxy', async () => {
    const headers = { 'x-controller-id': 'dev01', 'x-authority': 'issuer-hash-2' };
    const viaProxy = await server.app.inject({ method: 'GET', url: '/DEFAULT/controller/v1/dev01', headers, remoteAddress: '10.9.9.9' });
    expect(viaProxy.statusCode).toBe(200);
    const direct = await server.app.inject({ method: 'GET', url: '/DEFAULT/controller/v1/dev01', headers, remoteAddress: '10.1.1.1' });
    expect(direct.statusCode).toBe(401);
    const wrongIssuer = await server.app.inject({
      method: 'GET',
      url: '/DEFAULT/controller/v1/dev01',
      headers: { ...headers, 'x-authority': 'evil' },
      remoteAddress: '10.9.9.9',
    });
    expect(wrongIssuer.statusCode).toBe(401);
    const otherDevice = await server.app.inject({ method: 'GET', url: '/DEFAULT/controller/v1/dev02', headers, remoteAddress: '10.9.9.9' });
    expect(otherDevice.statusCode).toBe(401);
    const indexed = await server.app.inject({
      method: 'GET',
      url: '/DEFAULT/controller/v1/dev01',
      headers: { 'x-controller-id': 'dev01', 'x-authority-0': 'x', 'x-authority-1': 'issuer-hash-1' },
      remoteAddress: '10.9.9.9',
    });
    expect(indexed.statusCode).toBe(200);
  });
});
