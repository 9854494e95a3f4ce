/**
 * Detached artifact signatures, checked with the real `openssl dgst -sha256 -verify`, on PGlite
 * and PostgreSQL: plain and encrypted uploads through the management API, downloads and `.sig`
 * over DDI by an assigned device, the tenant's public key, seeded artifacts, tampering, and
 * another tenant's key.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed } from '@osprey/server';
import { fileArtifactSigning } from '../src/domain/signatures.js';
import { restClient, TEST_ADMIN as ADMIN } from '../../../testkit/rest.js';
import { hasPostgres, startTestServer, type DbKind, type TestServer } from '../../../testkit/server.js';
import { hasCommand } from '../../../testkit/tools.js';

const kinds: DbKind[] = ['pglite', ...((await hasPostgres()) ? (['postgres'] as const) : [])];
const openssl = hasCommand('openssl');

const work = mkdtempSync(join(tmpdir(), 'osprey-signatures-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `openssl dgst -sha256 -verify key.pem -signature file.sig file`: its exit status and output. */
function verify(publicKeyPem: string, signature: Buffer, data: Buffer): { status: number; output: string } {
  const dir = mkdtempSync(join(work, 'verify-'));
  writeFileSync(join(dir, 'key.pem'), publicKeyPem);
  writeFileSync(join(dir, 'file.sig'), signature);
  writeFileSync(join(dir, 'file'), data);
  try {
    const output = execFileSync('openssl', ['dgst', '-sha256', '-verify', join(dir, 'key.pem'), '-signature', join(dir, 'file.sig'), join(dir, 'file')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { status: 0, output: output.trim() };
  } catch (e) {
    const failure = e as { status: number | null; stdout?: string; stderr?: string };
    return { status: failure.status ?? -1, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}`.trim() };
  }
}

const flipped = (data: Buffer, at = Math.floor(data.length / 2)) => {
  const copy = Buffer.from(data);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
};

describe.skipIf(!openssl).each(kinds)('artifact signatures on %s', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind, { maxArtifactBytes: 1024 * 1024 }, { listen: true });
  });
  afterAll(() => server?.stop());

  const api = restClient(() => server.url, ADMIN);
  const upload = (moduleId: number, filename: string, bytes: Buffer) => {
    const form = new FormData();
    form.append('file', new Blob([bytes]), filename);
    return api('POST', `/softwaremodules/${moduleId}/artifacts`, form);
  };
  /** A DDI GET by a device with its TargetToken (absolute URL or path under the server). */
  const ddi = async (urlOrPath: string, token: string) => {
    await server.ddi.settle();
    const res = await fetch(urlOrPath.startsWith('http') ? urlOrPath : `${server.url}${urlOrPath}`, {
      headers: { authorization: `TargetToken ${token}`, accept: 'application/hal+json' },
    });
    return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
  };
  const ddiJson = async (urlOrPath: string, token: string) => JSON.parse((await ddi(urlOrPath, token)).bytes.toString('utf8'));
  const publicKey = async () => {
    const res = await api('GET', '/system/signingkey');
    expect(res.status).toBe(200);
    return res.bytes.toString('utf8');
  };

  it('signs plain and encrypted uploads; the device gets bytes and .sig that openssl verifies', async () => {
    const [plain, secret, docs] = (
      await api('POST', '/softwaremodules', [
        { name: 'sig-fw', version: '1.0', type: 'os' },
        { name: 'sig-secret', version: '1.0', type: 'application', encrypted: true },
        { name: 'sig-docs', version: '1.0', type: 'application' },
      ])
    ).json;
    const image = randomBytes(300_000);
    const confidential = randomBytes(150_000);
    const own = Buffer.from('a signature the operator brought along\n');
    expect((await upload(plain.id, 'fw.bin', image)).status).toBe(201);
    expect((await upload(docs.id, 'notes.txt', Buffer.from('notes\n'))).status).toBe(201);
    expect((await upload(docs.id, 'notes.txt.sig', own)).status).toBe(201);
    const enc = await upload(secret.id, 'secret.bin', confidential);
    expect(enc.status).toBe(201);
    // The signing tap changes nothing about refusals: too large is still a 413 leaving nothing behind.
    for (const moduleId of [plain.id, secret.id]) expect((await upload(moduleId, 'huge.bin', randomBytes(1024 * 1024 + 10))).status).toBe(413);
    expect(readdirSync(join(server.dataDir, 'blobs', 'tmp'))).toEqual([]);

    const [ds] = (await api('POST', '/distributionsets', [{ name: 'sig-ds', version: '1.0', modules: [{ id: plain.id }, { id: secret.id }, { id: docs.id }] }]))
      .json;
    expect(
      (
        await api('POST', '/targets', [
          { controllerId: 'sig-dev', securityToken: 'sig-dev-token-123' },
          { controllerId: 'sig-other', securityToken: 'sig-other-token-1' },
        ])
      ).status,
    ).toBe(201);
    const assigned = await api('POST', `/distributionsets/${ds.id}/assignedTargets`, [{ id: 'sig-dev' }]);
    expect(assigned.json.assigned).toBe(1);

    const poll = await ddiJson('/DEFAULT/controller/v1/sig-dev', 'sig-dev-token-123');
    const deployment = await ddiJson(poll._links.deploymentBase.href, 'sig-dev-token-123');
    const artifacts = deployment.deployment.chunks.flatMap((c: { artifacts: unknown[] }) => c.artifacts) as Array<{
      filename: string;
      _links: Record<string, { href: string }>;
    }>;
    const byName = Object.fromEntries(artifacts.map((a) => [a.filename, a]));
    const key = await publicKey();
    expect(key).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);

    for (const [name, uploaded] of [
      ['fw.bin', image],
      ['secret.bin', confidential],
    ] as const) {
      const links = byName[name]!._links;
      expect(links['signature-http']!.href).toBe(`${links['download-http']!.href}.sig`);
      const file = await ddi(links['download-http']!.href, 'sig-dev-token-123');
      expect(file.status).toBe(200);
      const sig = await ddi(links['signature-http']!.href, 'sig-dev-token-123');
      expect(sig.status).toBe(200);
      expect(sig.headers.get('content-type')).toBe('application/octet-stream');
      expect(sig.headers.get('content-disposition')).toBe(`attachment;filename=${name}.sig`);
      expect(sig.bytes[0]).toBe(0x30); // a DER SEQUENCE (r, s)
      if (name === 'secret.bin')
        expect(file.bytes.equals(uploaded)).toBe(false); // served ciphertext is what is signed
      else expect(file.bytes.equals(uploaded)).toBe(true);
      expect(verify(key, sig.bytes, file.bytes)).toEqual({ status: 0, output: 'Verified OK' });
      const tampered = verify(key, sig.bytes, flipped(file.bytes));
      expect(tampered.status).not.toBe(0);
      expect(tampered.output).toMatch(/Verification failure/);
    }

    // The management API hands out the same signature, over the same (ciphertext) bytes.
    const mgmtSig = await api('GET', `/softwaremodules/${secret.id}/artifacts/${enc.json.id}/signature`);
    expect(mgmtSig.status).toBe(200);
    expect(mgmtSig.headers.get('content-disposition')).toBe('attachment;filename=secret.bin.sig');
    const mgmtFile = await api('GET', `/softwaremodules/${secret.id}/artifacts/${enc.json.id}/download`);
    expect(verify(key, mgmtSig.bytes, mgmtFile.bytes).output).toBe('Verified OK');
    expect((await api('GET', `/softwaremodules/${secret.id}/artifacts/999999/signature`)).status).toBe(404);

    // An artifact that is itself named `notes.txt.sig` keeps its download URL; notes.txt then has no signature link.
    expect(byName['notes.txt']!._links['signature-http']).toBeUndefined();
    const ownDownload = await ddi(byName['notes.txt.sig']!._links['download-http']!.href, 'sig-dev-token-123');
    expect(ownDownload.bytes.equals(own)).toBe(true);
    expect(byName['notes.txt.sig']!._links['signature-http']!.href).toMatch(/notes\.txt\.sig\.sig$/);

    // The module's artifact list (DDI) carries the link too.
    const listed = await ddiJson(`/DEFAULT/controller/v1/sig-dev/softwaremodules/${secret.id}/artifacts`, 'sig-dev-token-123');
    expect(listed[0]._links['signature-http'].href).toMatch(/\/softwaremodules\/\d+\/artifacts\/secret\.bin\.sig$/);

    // Same access rules as the artifact: a device without the module assigned gets nothing.
    expect((await ddi(`/DEFAULT/controller/v1/sig-other/softwaremodules/${secret.id}/artifacts/secret.bin.sig`, 'sig-other-token-1')).status).toBe(404);
    expect((await ddi(`/DEFAULT/controller/v1/sig-dev/softwaremodules/${secret.id}/artifacts/nothing.bin.sig`, 'sig-dev-token-123')).status).toBe(404);
  });

  it('signs seeded artifacts; another tenant has its own key', async () => {
    const image = randomBytes(120_000);
    const path = join(work, `seeded-${kind}.bin`);
    writeFileSync(path, image);
    const spec = (tenant: string) => ({
      tenant,
      targets: [{ controllerId: 'seed-dev', securityToken: 'seed-dev-token-1' }],
      modules: [
        {
          key: 'm',
          name: `seeded-${tenant}`,
          version: '1.0',
          artifacts: [
            { file: path, filename: 'plain.bin' },
            { file: path, filename: 'sealed.bin', encrypt: true },
          ],
        },
      ],
      distributionSets: [{ key: 'ds', name: `seeded-${tenant}`, version: '1.0', modules: ['m'] }],
      assignments: [{ target: 'seed-dev', ds: 'ds' }],
    });
    const mine = await seed(server.database.db, server.blobs, server.keys, spec('DEFAULT'));
    const theirs = await seed(server.database.db, server.blobs, server.keys, spec('OTHER'));
    const key = await publicKey();
    const otherKey = server.management.modules.signingPublicKeyPem('OTHER');
    expect(otherKey).not.toBe(key);

    const fetchPair = async (tenant: string, moduleId: number, filename: string) => {
      const base = `/${tenant}/controller/v1/seed-dev/softwaremodules/${moduleId}/artifacts/${filename}`;
      const file = await ddi(base, 'seed-dev-token-1');
      const sig = await ddi(`${base}.sig`, 'seed-dev-token-1');
      expect([file.status, sig.status]).toEqual([200, 200]);
      return { file: file.bytes, sig: sig.bytes };
    };
    for (const filename of ['plain.bin', 'sealed.bin']) {
      const a = await fetchPair('DEFAULT', mine.modules.m!, filename);
      expect(verify(key, a.sig, a.file).output).toBe('Verified OK');
      expect(verify(otherKey, a.sig, a.file).status).not.toBe(0);
      const b = await fetchPair('OTHER', theirs.modules.m!, filename);
      expect(verify(otherKey, b.sig, b.file).output).toBe('Verified OK');
      expect(verify(key, b.sig, b.file).status).not.toBe(0);
    }
  });

  it('keeps the key encrypted on disk and reuses it', async () => {
    const keysDir = join(server.dataDir, 'keys');
    const pem = readFileSync(join(keysDir, 'DEFAULT', 'artifact-signing.pem'), 'utf8');
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(fileArtifactSigning(keysDir, undefined).signingPublicKeyPem('DEFAULT')).toBe(await publicKey());
    expect(() => fileArtifactSigning(keysDir, 'a-wrong-passphrase').signingPublicKeyPem('DEFAULT')).toThrow();
    expect(() => server.management.modules.signingPublicKeyPem('../etc')).toThrow(/invalid tenant/);
  });
});
