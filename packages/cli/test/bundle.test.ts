/**
 * `osprey bundle create` end to end: from a repository directory (with a rotated root, so the
 * device walks the root chain from the bundle), from a copy of the metadata with a rewrapped
 * header, and from a server's TUF repository; each bundle is listed by GNU tar (an independent
 * reader) and opened by the agent's openBundle and openRelease as a device would. Bad input gives
 * one line and the exit code of its kind, and leaves no file behind.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X25519Identity } from '@osprey/core';
import { seed } from '@osprey/server';
import { openBundle, openRelease, type DeviceFacts } from '@osprey/agent';
import { tempDirForFile } from '../../../testkit/temp-dir.js';
import { sha256Hex as sha256 } from '../../../testkit/hash.js';
import { runCli } from './run-cli.js';
import type { CliEnvironment } from '../src/config.js';
import { hasCommand } from '../../../testkit/tools.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';

const work = tempDirForFile('osprey-cli-bundle-');
const env: CliEnvironment = { passphrase: 'bundle passphrase', pkcs11: { module: undefined, tokenLabel: undefined, pin: undefined }, interactive: false };
const osprey = (args: string[]) => runCli(args, env);

const dir = join(work, 'vendor');
const metadata = join(dir, 'public', 'metadata');
const image = randomBytes(2 * 65536 + 4321);
const plainImage = randomBytes(10_000);
const device = X25519Identity.generate();
const board: DeviceFacts = { hardware: 'board-a', securityVersion: 1 };
let devices = 0;

/** A device provisioned with root v1 of `rootFile`; opens `bundle` and decrypts it. */
async function install(bundle: string, rootFile = join(metadata, '1.root.json')): Promise<{ image: Buffer; header: boolean }> {
  const home = join(work, `device-${++devices}`);
  mkdirSync(join(home, 'tuf'), { recursive: true });
  writeFileSync(join(home, 'tuf', 'root.json'), readFileSync(rootFile));
  const opened = await openBundle(bundle, { metadataDir: join(home, 'tuf'), workDir: join(home, 'work'), device: board });
  const verified = await openRelease(opened.release, {
    payloadFile: opened.payloadFile,
    ...(opened.header ? { header: opened.header } : {}),
    identity: device,
  });
  const parts: Buffer[] = [];
  for await (const chunk of verified) parts.push(chunk);
  return { image: Buffer.concat(parts), header: opened.header !== undefined };
}

function tarList(file: string): string[] {
  return execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');
}

describe('osprey bundle create (offline)', () => {
  beforeAll(async () => {
    writeFileSync(join(work, 'image.bin'), image);
    writeFileSync(join(work, 'plain.bin'), plainImage);
    writeFileSync(join(work, 'device.txt'), device.toString() + '\n');
    for (const args of [
      ['keys', 'init', '--dir', dir, '--root-keys', '1', '--threshold', '1'],
      ['release', 'pack', join(work, 'image.bin'), '--dir', dir, '--name', 'gw-os', '--version', '1.0.0', '--security-version', '2', '--hardware', 'board-a'],
      [
        'release',
        'pack',
        join(work, 'plain.bin'),
        '--dir',
        dir,
        '--name',
        'gw-os',
        '--version',
        '1.0.1',
        '--security-version',
        '2',
        '--hardware',
        'board-a',
        '--no-encrypt',
      ],
      // A new timestamp key: root v2, which a device provisioned with v1 must walk to.
      ['keys', 'rotate', '--dir', dir, '--role', 'timestamp'],
    ]) {
      const r = await osprey(args);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
    }
  });

  it('--dir with --recipient: a bundle GNU tar lists in order, that the device opens and decrypts', async () => {
    const out = join(work, 'out', 'gw-os-1.0.0.osb');
    const r = await osprey(['bundle', 'create', '--dir', dir, '--target', 'gw-os-1.0.0.age', '--recipient', device.recipient.toString(), '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.json).toMatchObject({
      bundle: out,
      targetPath: 'gw-os-1.0.0.age',
      header: true,
      custom: { version: '1.0.0', plaintext: { sha256: sha256(image) } },
    });
    expect(r.json.metadata).toEqual([
      '2.root.json',
      'timestamp.json',
      expect.stringMatching(/^\d+\.snapshot\.json$/),
      expect.stringMatching(/^\d+\.targets\.json$/),
    ]);
    expect(Date.parse(r.json.expires)).toBeGreaterThan(Date.now());
    expect(r.err).toMatch(/refuses it after/);
    if (hasCommand('tar')) {
      expect(tarList(out)).toEqual(['osprey-bundle.json', ...r.json.metadata.map((m: string) => `metadata/${m}`), 'header.age', 'payload']);
      const manifest = JSON.parse(execFileSync('tar', ['-xOf', out, 'osprey-bundle.json'], { encoding: 'utf8' }));
      expect(manifest).toMatchObject({ format: 'osprey-bundle/1', targetPath: 'gw-os-1.0.0.age', header: true, payload: { length: r.json.length } });
    }
    const installed = await install(out);
    expect(installed.image.equals(image)).toBe(true);
    expect(readdirSync(join(work, 'out'))).toEqual(['gw-os-1.0.0.osb']); // no temporary file left
  });

  it('--metadata-dir with --payload and a --header from release rewrap', async () => {
    const header = join(work, 'device.hdr');
    expect(
      (await osprey(['release', 'rewrap', '--dir', dir, '--target', 'gw-os-1.0.0.age', '--recipient', device.recipient.toString(), '--out', header])).code,
    ).toBe(0);
    const payload = readdirSync(join(dir, 'public', 'targets')).find((f) => f.endsWith('.gw-os-1.0.0.age'))!;
    const out = join(work, 'copy.osb');
    const r = await osprey([
      'bundle',
      'create',
      '--metadata-dir',
      metadata,
      '--payload',
      join(dir, 'public', 'targets', payload),
      '--header',
      header,
      '--target',
      'gw-os-1.0.0.age',
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    expect((await install(out)).image.equals(image)).toBe(true);
  });

  it('an unencrypted release needs no header', async () => {
    const out = join(work, 'plain.osb');
    const r = await osprey(['bundle', 'create', '--dir', dir, '--target', 'gw-os-1.0.1.img', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.json.header).toBe(false);
    if (hasCommand('tar')) expect(tarList(out).slice(-1)).toEqual(['payload']);
    expect(await install(out)).toEqual({ image: plainImage, header: false });
  });

  it('bad input: one line, the exit code of its kind, no bundle written', async () => {
    const out = join(work, 'bad.osb');
    const cases: Array<[string[], number, RegExp]> = [
      [['--dir', dir, '--target', 'gw-os-9.9.9.age'], 1, /not a target .*TUF_TARGET_UNKNOWN/],
      [
        ['--dir', dir, '--target', 'gw-os-1.0.0.age'],
        2,
        /is encrypted: give the device's --header FILE, --controller-id with --profile, or --recipient with --dir/,
      ],
      [['--dir', dir, '--target', 'gw-os-1.0.1.img', '--header', join(work, 'device.hdr')], 2, /not encrypted/],
      [['--dir', dir, '--target', 'gw-os-1.0.0.age', '--header', join(work, 'image.bin')], 1, /AGE_HEADER_INVALID/],
      [['--dir', dir, '--target', 'gw-os-1.0.0.age', '--header', join(work, 'device.hdr'), '--payload', join(work, 'image.bin')], 1, /TUF_TARGET_MISMATCH/],
      [['--metadata-dir', metadata, '--target', 'gw-os-1.0.0.age', '--header', join(work, 'device.hdr')], 2, /needs --payload/],
      [['--metadata-dir', metadata, '--server', 'http://127.0.0.1:1', '--target', 'gw-os-1.0.0.age'], 2, /not both/],
      [['--target', 'gw-os-1.0.0.age'], 2, /give --dir DIR, --metadata-dir DIR or --server URL/],
      [['--dir', dir, '--target', '../evil.age', '--recipient', device.recipient.toString()], 2, /RELEASE_METADATA_INVALID/],
    ];
    for (const [args, code, message] of cases) {
      const r = await osprey(['bundle', 'create', ...args, '--out', out]);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.err, args.join(' ')).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
    expect(readdirSync(work).filter((f) => f.startsWith('.bad.osb'))).toEqual([]);
  });
});

describe('osprey bundle create --server', () => {
  let server: TestServer;
  const vendor = join(work, 'server-vendor');
  const serverImage = randomBytes(300_000);
  let ddiHeader: Buffer;

  beforeAll(async () => {
    writeFileSync(join(work, 'server-image.img'), serverImage);
    for (const args of [
      ['keys', 'init', '--dir', vendor, '--root-keys', '1', '--threshold', '1'],
      [
        'release',
        'pack',
        join(work, 'server-image.img'),
        '--dir',
        vendor,
        '--name',
        'gw-os',
        '--version',
        '3.1.0',
        '--security-version',
        '9',
        '--hardware',
        'board-a',
      ],
    ]) {
      const r = await osprey(args);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
    }
    server = await startTestServer('pglite', {}, { listen: true });
    const seeded = await seed(server.database.db, server.blobs, server.keys, {
      tuf: { dir: vendor, passphrase: env.passphrase! },
      targets: [{ controllerId: 'dev-usb', securityToken: 'token-dev-usb-1', publicKey: device.recipient.toString() }],
      modules: [{ key: 'os', name: 'gw-os', version: '3.1.0', artifacts: [{ tufTarget: 'gw-os-3.1.0.age' }] }],
      distributionSets: [{ key: 'ds', name: 'gw-os', version: '3.1.0', modules: ['os'] }],
      assignments: [{ target: 'dev-usb', ds: 'ds' }],
    });
    // The header the server made for this device's registered key (as a service laptop that saw the deployment would keep it).
    const deployment = (await (
      await fetch(`${server.url}/DEFAULT/controller/v1/dev-usb/deploymentBase/${seeded.actions[0]!.actionId}`, {
        headers: { authorization: 'TargetToken token-dev-usb-1' },
      })
    ).json()) as { deployment: { chunks: Array<{ artifacts: Array<{ osprey: { encryption: { header: string } } }> }> } };
    ddiHeader = Buffer.from(deployment.deployment.chunks[0]!.artifacts[0]!.osprey.encryption.header, 'base64');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("fetches the tenant's metadata chain and the payload; the header comes from --header or the vendor's escrow", async () => {
    writeFileSync(join(work, 'ddi.hdr'), ddiHeader);
    const viaHeader = join(work, 'server-a.osb');
    const a = await osprey([
      'bundle',
      'create',
      '--server',
      server.url,
      '--tenant',
      'DEFAULT',
      '--target',
      'gw-os-3.1.0.age',
      '--header',
      join(work, 'ddi.hdr'),
      '--out',
      viaHeader,
    ]);
    expect(a.code, a.err).toBe(0);
    expect((await install(viaHeader, join(vendor, 'public', 'metadata', '1.root.json'))).image.equals(serverImage)).toBe(true);
    const viaEscrow = join(work, 'server-b.osb');
    const b = await osprey([
      'bundle',
      'create',
      '--server',
      server.url,
      '--tenant',
      'DEFAULT',
      '--dir',
      vendor,
      '--recipient',
      device.recipient.toString(),
      '--target',
      'gw-os-3.1.0.age',
      '--out',
      viaEscrow,
    ]);
    expect(b.code, b.err).toBe(0);
    expect((await install(viaEscrow, join(vendor, 'public', 'metadata', '1.root.json'))).image.equals(serverImage)).toBe(true);
  });

  it("with --profile, the tenant is the API token's", async () => {
    const token = `osp_${randomBytes(24).toString('base64url')}`;
    await server.database.db
      .insertInto('api_tokens')
      .values({ tenant: 'DEFAULT', name: 'bundles', owner: 'admin', token_hash: sha256(Buffer.from(token)), roles: JSON.stringify(['TENANT_ADMIN']) })
      .execute();
    process.env.OSPREY_CONFIG_DIR = join(work, 'config');
    try {
      expect((await osprey(['login', '--url', server.url, '--token', token, '--profile', 'field'])).code).toBe(0);
      const out = join(work, 'server-profile.osb');
      const r = await osprey(['bundle', 'create', '--profile', 'field', '--target', 'gw-os-3.1.0.age', '--header', join(work, 'ddi.hdr'), '--out', out]);
      expect(r.code, r.err).toBe(0);
      expect((await install(out, join(vendor, 'public', 'metadata', '1.root.json'))).image.equals(serverImage)).toBe(true);
    } finally {
      delete process.env.OSPREY_CONFIG_DIR;
    }
  });

  it("with --profile and --controller-id the server wraps the header for the target's registered key", async () => {
    const token = `osp_${randomBytes(24).toString('base64url')}`;
    await server.database.db
      .insertInto('api_tokens')
      .values({ tenant: 'DEFAULT', name: 'bundles-by-id', owner: 'admin', token_hash: sha256(Buffer.from(token)), roles: JSON.stringify(['TENANT_ADMIN']) })
      .execute();
    process.env.OSPREY_CONFIG_DIR = join(work, 'config-by-id');
    try {
      expect((await osprey(['login', '--url', server.url, '--token', token, '--profile', 'service'])).code).toBe(0);
      const out = join(work, 'server-by-id.osb');
      const r = await osprey(['bundle', 'create', '--profile', 'service', '--controller-id', 'dev-usb', '--target', 'gw-os-3.1.0.age', '--out', out]);
      expect(r.code, r.err).toBe(0);
      expect((await install(out, join(vendor, 'public', 'metadata', '1.root.json'))).image.equals(serverImage)).toBe(true);
      const unknown = await osprey([
        'bundle',
        'create',
        '--profile',
        'service',
        '--controller-id',
        'dev-nobody',
        '--target',
        'gw-os-3.1.0.age',
        '--out',
        join(work, 'nobody.osb'),
      ]);
      expect(unknown.code).not.toBe(0);
      expect(unknown.err.trim().split('\n')).toHaveLength(1);
      expect(unknown.err).toMatch(/404 target dev-nobody not found/);
    } finally {
      delete process.env.OSPREY_CONFIG_DIR;
    }
    const withoutProfile = await osprey([
      'bundle',
      'create',
      '--server',
      server.url,
      '--tenant',
      'DEFAULT',
      '--controller-id',
      'dev-usb',
      '--target',
      'gw-os-3.1.0.age',
      '--out',
      join(work, 'x.osb'),
    ]);
    expect(withoutProfile.code).toBe(2);
    expect(withoutProfile.err).toMatch(/--controller-id needs --profile/);
  });

  it('names an unknown tenant or target in one line', async () => {
    const out = join(work, 'server-bad.osb');
    const unknownTenant = await osprey([
      'bundle',
      'create',
      '--server',
      server.url,
      '--tenant',
      'NOPE',
      '--target',
      'gw-os-3.1.0.age',
      '--header',
      join(work, 'ddi.hdr'),
      '--out',
      out,
    ]);
    expect(unknownTenant.code).not.toBe(0);
    expect(unknownTenant.err.trim().split('\n')).toHaveLength(1);
    expect(unknownTenant.err).toMatch(/NOPE\/tuf\/metadata has no 1\.root\.json/);
    const unknownTarget = await osprey([
      'bundle',
      'create',
      '--server',
      server.url,
      '--tenant',
      'DEFAULT',
      '--target',
      'gw-os-0.0.1.age',
      '--header',
      join(work, 'ddi.hdr'),
      '--out',
      out,
    ]);
    expect(unknownTarget.code).toBe(1);
    expect(unknownTarget.err).toMatch(/TUF_TARGET_UNKNOWN/);
    expect(existsSync(out)).toBe(false);
  });
});
