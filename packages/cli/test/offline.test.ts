/**
 * A server tenant whose targets key stays with the vendor: `osprey tuf import-root` gives the
 * server the vendor's root v1 and only the snapshot and timestamp keys; a release on the server
 * becomes pending targets metadata that `osprey release sign` shows, signs with the vendor's
 * targets key and submits; a device (tuf-js) trusting the vendor's 1.root.json then finds it.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Updater } from 'tuf-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseMetadata, releaseCustomOf } from '@osprey/core';
import { tempDirForFile } from '../../../testkit/temp-dir.js';
import { sha256Hex as sha256 } from '../../../testkit/hash.js';
import type { CliEnvironment } from '../src/config.js';
import { runCli } from './run-cli.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';

const work = tempDirForFile('osprey-offline-');
const env: CliEnvironment = {
  passphrase: 'vendor ceremony passphrase',
  pkcs11: { module: undefined, tokenLabel: undefined, pin: undefined },
  interactive: false,
};

function osprey(args: string[]) {
  return runCli(args, env);
}

const oneLine = (err: string) => err.trim().split('\n');

describe('osprey with an offline targets key on the server', () => {
  let server: TestServer;
  const token = `osp_${randomBytes(24).toString('base64url')}`;
  const vendor = join(work, 'vendor');
  const other = join(work, 'other-vendor');
  const image = randomBytes(70_000);
  let dsId: number;

  const api = async (path: string) => {
    const res = await fetch(`${server.url}/rest/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, json: (await res.json()) as any };
  };

  beforeAll(async () => {
    process.env.OSPREY_CONFIG_DIR = join(work, 'config');
    server = await startTestServer('pglite', {}, { listen: true });
    await server.database.db
      .insertInto('api_tokens')
      .values({ tenant: 'DEFAULT', name: 'vendor-pipeline', owner: 'admin', token_hash: sha256(Buffer.from(token)), roles: JSON.stringify(['TENANT_ADMIN']) })
      .execute();
    for (const dir of [vendor, other]) {
      const init = await osprey(['keys', 'init', '--dir', dir, '--root-keys', '1', '--threshold', '1']);
      expect(init.code, init.err).toBe(0);
    }
    const login = await osprey(['login', '--url', server.url, '--token', token]);
    expect(login.code, login.err).toBe(0);
  });
  afterAll(async () => {
    delete process.env.OSPREY_CONFIG_DIR;
    await server?.stop();
  });

  it('refuses to export snapshot or timestamp keys kept in a PKCS#11 token', async () => {
    const hsm = join(work, 'vendor-hsm');
    cpSync(vendor, hsm, { recursive: true });
    const keyring = JSON.parse(readFileSync(join(hsm, 'keyring.json'), 'utf8'));
    keyring.roles.timestamp.keys = [{ keyid: keyring.roles.timestamp.keys[0].keyid, source: 'pkcs11', label: 'osprey-timestamp' }];
    writeFileSync(join(hsm, 'keyring.json'), JSON.stringify(keyring));
    const refused = await osprey(['tuf', 'import-root', '--dir', hsm]);
    expect(refused.code).toBe(2);
    expect(oneLine(refused.err)).toHaveLength(1);
    expect(refused.err).toMatch(/timestamp key "osprey-timestamp" is in the PKCS#11 token and cannot be exported/);
  });

  it('imports the vendor root v1: the server holds the snapshot and timestamp keys, never root or targets', async () => {
    const realFetch = globalThis.fetch;
    const bodies: string[] = [];
    // The typed client (openapi-fetch) sends a Request object; the hand-written calls a body in init.
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      if (typeof init?.body === 'string') bodies.push(init.body);
      else if (input instanceof Request && input.body) bodies.push(await input.clone().text());
      return realFetch(input, init);
    });
    let imported: Awaited<ReturnType<typeof osprey>>;
    try {
      imported = await osprey(['tuf', 'import-root', '--dir', vendor]);
    } finally {
      spy.mockRestore();
    }
    expect(imported.code, imported.err).toBe(0);
    // The keys travel re-encrypted under a one-time passphrase: the vendor passphrase, which also opens the root and targets keys, stays here.
    const sent = JSON.parse(bodies.find((b) => b.includes('"root"'))!);
    expect(Object.keys(sent).sort()).toEqual(['keys', 'passphrase', 'root', 'targets']);
    expect(sent.passphrase).not.toBe(env.passphrase);
    expect(sent.keys.snapshot[0]).toContain('ENCRYPTED PRIVATE KEY');
    expect(sent.keys.targets).toBeUndefined();
    expect(bodies.join('\n')).not.toContain(env.passphrase);
    const keyring = JSON.parse(readFileSync(join(vendor, 'keyring.json'), 'utf8'));
    expect(imported.json).toEqual({
      rootVersion: 1,
      targetsOffline: true,
      // The vendor's 1.targets.json (signed offline at keys init) is published at once.
      published: { targets: 1, snapshot: 1, timestamp: 1 },
      keys: { snapshot: [keyring.roles.snapshot.keys[0].keyid], timestamp: [keyring.roles.timestamp.keys[0].keyid] },
      targetsSent: true,
    });
    const vendorRoot = readFileSync(join(vendor, 'public', 'metadata', '1.root.json'));
    const served = await fetch(`${server.url}/rest/v1/tuf/root`, { headers: { authorization: `Bearer ${token}` } });
    expect(parseMetadata('root', Buffer.from(await served.arrayBuffer())).signatures).toEqual(parseMetadata('root', vendorRoot).signatures);
    const held = (await api('/tuf/keys')).json as Array<{ role: string; keyid: string; inRoot: boolean }>;
    expect(held.filter((k) => k.inRoot).map((k) => [k.role, k.keyid])).toEqual([
      ['snapshot', keyring.roles.snapshot.keys[0].keyid],
      ['timestamp', keyring.roles.timestamp.keys[0].keyid],
    ]);
    expect((await api('/system/configs')).json['tuf.targets.offline'].value).toBe(true);

    // A second import is the server's to refuse, in one line.
    const again = await osprey(['tuf', 'import-root', '--dir', vendor]);
    expect(again.code).toBe(2);
    expect(oneLine(again.err)).toHaveLength(1);
    expect(again.err).toMatch(/409 .*offline ceremony/);
  });

  it('release sign with nothing pending exits 2 in one line', async () => {
    const nothing = await osprey(['release', 'sign', '--dir', vendor]);
    expect(nothing.code).toBe(2);
    expect(oneLine(nothing.err)).toHaveLength(1);
    expect(nothing.err).toMatch(/nothing to sign/);
  });

  it('a release on the server waits for the offline signature', async () => {
    const m = await osprey(['module', 'create', '--name', 'vendor-fw', '--version', '3.1.0', '--encrypted']);
    expect(m.code, m.err).toBe(0);
    const file = join(work, 'fw.bin');
    writeFileSync(file, image);
    const up = await osprey(['upload', file, '--module', String(m.json.id)]);
    expect(up.code, up.err).toBe(0);
    const ds = await osprey(['ds', 'create', '--name', 'vendor-fw', '--version', '3.1.0', '--module', String(m.json.id)]);
    expect(ds.code, ds.err).toBe(0);
    dsId = ds.json.id;
    const published = await osprey(['release', 'publish', String(dsId), '--security-version', '4', '--hardware', 'board-a,board-b']);
    expect(published.code, published.err).toBe(0);
    expect(published.json).toMatchObject({ id: dsId, state: 'pending_signature', pendingTargetsVersion: 2, targets: [{ path: 'vendor-fw-3.1.0.age' }] });
  });

  it("refuses to sign with another vendor's targets key, in one line; the release stays pending", async () => {
    const refused = await osprey(['release', 'sign', '--dir', other]);
    expect(refused.code).not.toBe(0);
    expect(oneLine(refused.err)).toHaveLength(1);
    expect(refused.err).toMatch(/osprey: the targets key\(s\) of .*other-vendor .* are not the targets key\(s\) of the server's root v1/);
    expect(refused.out).toBe('');
    expect((await api(`/distributionsets/${dsId}/release`)).json.state).toBe('pending_signature');
  });

  it("passes the server's refusal on in one line (signed metadata that is not what is pending)", async () => {
    const realFetch = globalThis.fetch;
    // The pending metadata arrives altered on its way (a later expiry): correctly signed, but not what the server holds.
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const response = await realFetch(input, init);
      const url = input instanceof Request ? input.url : String(input); // the typed client sends a Request
      if (!url.endsWith('/rest/v1/tuf/targets/pending')) return response;
      const json = (await response.json()) as any;
      json.signed.expires = '2099-01-01T00:00:00Z';
      return new Response(JSON.stringify(json), { status: 200, headers: { 'content-type': 'application/json' } });
    });
    let refused: Awaited<ReturnType<typeof osprey>>;
    try {
      refused = await osprey(['release', 'sign', '--dir', vendor]);
    } finally {
      spy.mockRestore();
    }
    expect(refused.code).toBe(2);
    const errors = oneLine(refused.err).filter((line) => line.startsWith('osprey:'));
    expect(errors).toEqual([expect.stringMatching(/^osprey: PUT \/tuf\/targets: 409 the submitted targets v2 differs from the pending targets v2/)]);
    expect((await api(`/distributionsets/${dsId}/release`)).json.state).toBe('pending_signature');
  });

  it('release sign shows what the metadata adds, signs it with the vendor targets key and publishes it', async () => {
    const signed = await osprey(['release', 'sign', '--dir', vendor]);
    expect(signed.code, signed.err).toBe(0);
    expect(signed.err).toMatch(/^targets v2 of tenant DEFAULT .*compared with targets v1:$/m);
    expect(signed.err).toMatch(
      /^ {2}\+ vendor-fw-3\.1\.0\.age: vendor-fw 3\.1\.0, securityVersion 4, hardware board-a,board-b \(\d+ bytes, sha256 [0-9a-f]{16}…\)$/m,
    );
    const keyring = JSON.parse(readFileSync(join(vendor, 'keyring.json'), 'utf8'));
    expect(signed.json).toMatchObject({
      tenant: 'DEFAULT',
      targetsVersion: 2,
      rootVersion: 1,
      added: [{ path: 'vendor-fw-3.1.0.age', name: 'vendor-fw', version: '3.1.0', securityVersion: 4, hardware: ['board-a', 'board-b'] }],
      removed: [],
      signedBy: [keyring.roles.targets.keys[0].keyid],
      published: { targets: 2, snapshot: 2, timestamp: 2 },
      released: [dsId],
    });
    expect((await api(`/distributionsets/${dsId}/release`)).json).toMatchObject({ state: 'released', targets: [{ path: 'vendor-fw-3.1.0.age' }] });
    // Nothing is left to sign.
    expect((await osprey(['release', 'sign', '--dir', vendor])).code).toBe(2);
  });

  it('a device trusting the vendor 1.root.json refreshes (tuf-js), finds the release and downloads its payload', async () => {
    const device = join(work, 'device');
    mkdirSync(device, { recursive: true });
    writeFileSync(join(device, 'root.json'), readFileSync(join(vendor, 'public', 'metadata', '1.root.json')));
    const updater = new Updater({
      metadataDir: device,
      metadataBaseUrl: `${server.url}/DEFAULT/tuf/metadata`,
      targetBaseUrl: `${server.url}/DEFAULT/tuf/targets`,
      targetDir: device,
    });
    await updater.refresh();
    const target = await updater.getTargetInfo('vendor-fw-3.1.0.age');
    expect(target).toBeDefined();
    expect(releaseCustomOf(target!)).toMatchObject({
      name: 'vendor-fw',
      version: '3.1.0',
      securityVersion: 4,
      hardware: ['board-a', 'board-b'],
      plaintext: { length: image.length, sha256: sha256(image) },
    });
    // The targets metadata is signed by the vendor's offline key only.
    const keyring = JSON.parse(readFileSync(join(vendor, 'keyring.json'), 'utf8'));
    const targets = parseMetadata('targets', Buffer.from(await (await fetch(`${server.url}/DEFAULT/tuf/metadata/2.targets.json`)).arrayBuffer()));
    expect(Object.keys(targets.signatures)).toEqual([keyring.roles.targets.keys[0].keyid]);
    // The shared (age) payload, checked by tuf-js against the hash the vendor's key signed.
    expect(sha256(readFileSync(await updater.downloadTarget(target!, join(device, 'fw.age'))))).toBe(target!.hashes.sha256);
  });
});
