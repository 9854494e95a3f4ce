/**
 * The `osprey` CLI end to end: key ceremony, packing, verification through tuf-js (from a
 * directory and over HTTP on 127.0.0.1), re-wrapping, decryption, rotation, and the exit code and
 * one-line message for each kind of bad input.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parseMetadata, verifyRootRotation, X25519Identity } from '@osprey/core';
import { tempDirForFile } from '../../../testkit/temp-dir.js';
import { runCli } from './run-cli.js';
import type { CliEnvironment } from '../src/config.js';
import { hasCommand, hasSoftHsm } from '../../../testkit/tools.js';
import { createSoftHsmToken } from '../../../testkit/softhsm.js';
import { Pkcs11Token } from '@osprey/pkcs11';

const work = tempDirForFile('osprey-cli-');

const baseEnv: CliEnvironment = {
  passphrase: 'correct horse battery',
  pkcs11: { module: undefined, tokenLabel: undefined, pin: undefined },
  interactive: false,
};

/** Run the CLI in-process; capture stdout and stderr. */
function osprey(args: string[], env: Partial<CliEnvironment> = {}) {
  return runCli(args, { ...baseEnv, ...env });
}

const dir = join(work, 'vendor');
const root1 = join(dir, 'public', 'metadata', '1.root.json');
const image = join(work, 'image.bin');
const imageBytes = randomBytes(3 * 65536 + 999);
const device = X25519Identity.generate();

describe('osprey keys and release', () => {
  beforeAll(async () => {
    writeFileSync(image, imageBytes);
    writeFileSync(join(work, 'device.txt'), device.toString() + '\n');
    const init = await osprey(['keys', 'init', '--dir', dir, '--root-keys', '3', '--threshold', '2']);
    expect(init.code, init.err).toBe(0);
  });

  it('keys init writes a root signed by all three root keys, threshold 2', () => {
    const root = parseMetadata('root', readFileSync(root1));
    expect(root.signed.roles.root?.threshold).toBe(2);
    expect(Object.keys(root.signatures)).toHaveLength(3);
    expect(readFileSync(join(dir, 'keys', 'root-1.pem'), 'utf8')).toContain('ENCRYPTED PRIVATE KEY');
    expect(existsSync(join(dir, 'public', 'metadata', 'timestamp.json'))).toBe(true);
  });

  it('keys init refuses to overwrite a repository', async () => {
    const again = await osprey(['keys', 'init', '--dir', dir]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already holds a repository/);
  });

  it('pack → verify (tuf-js) → decrypt with the final hash checked', async () => {
    const pack = await osprey([
      'release',
      'pack',
      image,
      '--dir',
      dir,
      '--name',
      'gw-os',
      '--version',
      '1.0.0',
      '--security-version',
      '5',
      '--hardware',
      'board-a,board-b',
      '--recipient',
      device.recipient.toString(),
      '--out',
      join(work, 'gw.age'),
    ]);
    expect(pack.code, pack.err).toBe(0);
    expect(pack.json.custom.plaintext.length).toBe(imageBytes.length);
    const verify = await osprey([
      'release',
      'verify',
      '--repo',
      dir,
      '--root',
      root1,
      '--target',
      'gw-os-1.0.0.age',
      '--hardware',
      'board-b',
      '--security-version',
      '5',
    ]);
    expect(verify.code, verify.err).toBe(0);
    expect(verify.json.custom.securityVersion).toBe(5);
    const rewrap = await osprey([
      'release',
      'rewrap',
      '--dir',
      dir,
      '--target',
      'gw-os-1.0.0.age',
      '--recipient',
      device.recipient.toString(),
      '--out',
      join(work, 'device.hdr'),
    ]);
    expect(rewrap.code, rewrap.err).toBe(0);
    const out = join(work, 'decrypted.bin');
    const dec = await osprey([
      'release',
      'decrypt',
      '--identity',
      join(work, 'device.txt'),
      '--header',
      join(work, 'device.hdr'),
      '--repo',
      dir,
      '--root',
      root1,
      '--target',
      'gw-os-1.0.0.age',
      '--hardware',
      'board-a',
      '--out',
      out,
    ]);
    expect(dec.code, dec.err).toBe(0);
    expect(dec.json.verified).toBe(true);
    expect(readFileSync(out).equals(imageBytes)).toBe(true);
  });

  it.runIf(hasCommand('age'))('the --out age file decrypts with the age command', () => {
    const plain = execFileSync('age', ['-d', '-i', join(work, 'device.txt'), join(work, 'gw.age')], { maxBuffer: 16 << 20 });
    expect(plain.equals(imageBytes)).toBe(true);
  });

  it('verifies over HTTP on 127.0.0.1 as a device would', async () => {
    const server: Server = createServer((req, res) => {
      const file = join(dir, 'public', decodeURIComponent(new URL(req.url!, 'http://x').pathname));
      if (!file.startsWith(join(dir, 'public')) || !existsSync(file)) return res.writeHead(404).end();
      res.writeHead(200).end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const verify = await osprey(['release', 'verify', '--repo', `http://127.0.0.1:${port}`, '--root', root1, '--target', 'gw-os-1.0.0.age']);
      expect(verify.code, verify.err).toBe(0);
      expect(verify.json.custom.name).toBe('gw-os');
    } finally {
      server.close();
    }
  });

  it('refuses a downgrade and foreign hardware with exit 1', async () => {
    const down = await osprey(['release', 'verify', '--repo', dir, '--root', root1, '--target', 'gw-os-1.0.0.age', '--security-version', '6']);
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/RELEASE_DOWNGRADE/);
    const hw = await osprey(['release', 'verify', '--repo', dir, '--root', root1, '--target', 'gw-os-1.0.0.age', '--hardware', 'board-z']);
    expect(hw.code).toBe(1);
    expect(hw.err).toMatch(/RELEASE_HARDWARE_MISMATCH/);
  });

  it('a tampered payload fails verification and no output appears', async () => {
    const targets = join(dir, 'public', 'targets');
    const name = readdirSync(targets).find((f) => f.endsWith('gw-os-1.0.0.age'))!;
    const original = readFileSync(join(targets, name));
    const tampered = Buffer.from(original);
    tampered[tampered.length - 20] = tampered[tampered.length - 20]! ^ 1;
    writeFileSync(join(targets, name), tampered);
    try {
      const out = join(work, 'never.bin');
      const dec = await osprey([
        'release',
        'decrypt',
        '--identity',
        join(work, 'device.txt'),
        '--header',
        join(work, 'device.hdr'),
        '--repo',
        dir,
        '--root',
        root1,
        '--target',
        'gw-os-1.0.0.age',
        '--out',
        out,
      ]);
      expect(dec.code).toBe(1);
      expect(dec.err.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
      // Without TUF, the AEAD catches it: the output still never appears.
      writeFileSync(join(work, 'tampered.age'), Buffer.concat([readFileSync(join(work, 'device.hdr')), tampered]));
      const raw = await osprey(['release', 'decrypt', '--identity', join(work, 'device.txt'), '--in', join(work, 'tampered.age'), '--out', out]);
      expect(raw.code).toBe(1);
      expect(raw.err).toMatch(/AGE_CHUNK_AUTH_FAILED/);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(work).filter((f) => f.includes('never'))).toEqual([]);
    } finally {
      writeFileSync(join(targets, name), original);
    }
  });

  it('another device cannot decrypt', async () => {
    const other = X25519Identity.generate();
    writeFileSync(join(work, 'other.txt'), other.toString() + '\n');
    const dec = await osprey(['release', 'decrypt', '--identity', join(work, 'other.txt'), '--in', join(work, 'gw.age'), '--out', join(work, 'x.bin')]);
    expect(dec.code).toBe(1);
    expect(dec.err).toMatch(/AGE_NO_MATCHING_KEY/);
  });

  it('bad input: exit 2 and one line saying what to fix', async () => {
    const cases: Array<[string[], Partial<CliEnvironment>, RegExp]> = [
      [
        ['release', 'pack', image, '--dir', dir, '--name', 'gw-os', '--version', '1.0.1', '--security-version', '5', '--hardware', 'a'],
        { passphrase: 'wrong passphrase' },
        /passphrase does not open/,
      ],
      [
        ['release', 'pack', image, '--dir', dir, '--name', 'gw-os', '--version', '1.0.1', '--security-version', '5', '--hardware', 'a'],
        { passphrase: undefined },
        /OSPREY_PASSPHRASE/,
      ],
      [['release', 'pack', image, '--dir', dir, '--name', 'gw os', '--version', '1', '--security-version', '5', '--hardware', 'a'], {}, /custom\.name/],
      [
        ['release', 'pack', join(work, 'missing.bin'), '--dir', dir, '--name', 'x', '--version', '1', '--security-version', '5', '--hardware', 'a'],
        {},
        /cannot read/,
      ],
      [['release', 'pack', image, '--dir', dir, '--name', 'gw-os', '--version', '1.0.0', '--security-version', '5', '--hardware', 'a'], {}, /already exists/],
      [
        ['release', 'pack', image, '--dir', join(work, 'nowhere'), '--name', 'x', '--version', '1', '--security-version', '1', '--hardware', 'a'],
        {},
        /not an Osprey repository/,
      ],
      [
        ['release', 'pack', image, '--dir', dir, '--name', 'x', '--version', '1', '--security-version', '1', '--hardware', 'a', '--recipient', 'age1nope'],
        {},
        /recipient/,
      ],
      [['keys', 'init', '--dir', join(work, 'k2'), '--root-keys', '3', '--threshold', '4'], {}, /threshold/],
      [['release', 'verify', '--repo', dir, '--root', join(work, 'missing-root.json'), '--target', 'x'], {}, /trusted root/],
    ];
    for (const [args, env, pattern] of cases) {
      const r = await osprey(args, env);
      expect(r.code, `${args.join(' ')} → ${r.err}`).toBe(2);
      expect(r.err).toMatch(pattern);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });

  it('a missing key file is named, and signing stops', async () => {
    const key = join(dir, 'keys', 'targets.pem');
    renameSync(key, key + '.away');
    try {
      const r = await osprey(['release', 'pack', image, '--dir', dir, '--name', 'gw-os', '--version', '9', '--security-version', '5', '--hardware', 'a']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/targets needs 1 key\(s\).*keys\/targets\.pem/);
    } finally {
      renameSync(key + '.away', key);
    }
  });

  it('rotates the root (old and new keys sign) and the timestamp key; devices follow', async () => {
    const rot = await osprey(['keys', 'rotate', '--dir', dir, '--role', 'root', '--keys', '2', '--threshold', '2']);
    expect(rot.code, rot.err).toBe(0);
    const ts = await osprey(['keys', 'rotate', '--dir', dir, '--role', 'timestamp', '--key-type', 'ecdsa']);
    expect(ts.code, ts.err).toBe(0);
    const meta = join(dir, 'public', 'metadata');
    const v1 = parseMetadata('root', readFileSync(join(meta, '1.root.json')));
    const v2 = parseMetadata('root', readFileSync(join(meta, '2.root.json')));
    const v3 = parseMetadata('root', readFileSync(join(meta, '3.root.json')));
    expect(() => verifyRootRotation(v1, v2)).not.toThrow();
    expect(() => verifyRootRotation(v2, v3)).not.toThrow();
    // A device provisioned with root v1 walks the chain and still verifies the release.
    const verify = await osprey(['release', 'verify', '--repo', dir, '--root', root1, '--target', 'gw-os-1.0.0.age']);
    expect(verify.code, verify.err).toBe(0);
    expect(existsSync(join(dir, 'keys', 'retired', 'root-1.pem'))).toBe(true);
  });

  it('the built binary exits 2 with one line on a usage error', () => {
    const bin = join(import.meta.dirname, '..', 'dist', 'main.js');
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first (npm test does)`);
    const r = spawnSync(process.execPath, [bin, 'release', 'pack'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/missing required argument|required option/);
    const ok = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('keys');
  });
});

describe.runIf(hasSoftHsm())('osprey with keys in a PKCS#11 token (SoftHSM2)', () => {
  it('online role keys in the token sign releases; a device key in the token decrypts', async () => {
    const hsm = createSoftHsmToken('osprey-cli', '4321');
    onTestFinished(() => rmSync(hsm.dir, { recursive: true, force: true }));
    const pkcs11 = { module: hsm.module, tokenLabel: hsm.tokenLabel, pin: hsm.pin };
    const hsmDir = join(work, 'hsm-vendor');
    const init = await osprey(
      ['keys', 'init', '--dir', hsmDir, '--root-keys', '1', '--threshold', '1', '--key-type', 'ecdsa', '--token-roles', 'targets,snapshot,timestamp'],
      { pkcs11 },
    );
    expect(init.code, init.err).toBe(0);
    const keyring = JSON.parse(readFileSync(join(hsmDir, 'keyring.json'), 'utf8'));
    expect(keyring.roles.targets.keys[0].source).toBe('pkcs11');
    // The device's own key, generated inside the token.
    const token = Pkcs11Token.open(hsm);
    let recipient: string;
    try {
      token.generateKeyPair('device-1', 'p256', { derive: true });
      const { P256TagRecipient } = await import('@osprey/core');
      recipient = new P256TagRecipient(token.publicPoint('device-1').point).toString();
    } finally {
      token.close();
    }
    const pack = await osprey(
      [
        'release',
        'pack',
        image,
        '--dir',
        hsmDir,
        '--name',
        'fw',
        '--version',
        '3',
        '--security-version',
        '1',
        '--hardware',
        'board-a',
        '--recipient',
        recipient,
        '--out',
        join(work, 'fw.age'),
      ],
      { pkcs11 },
    );
    expect(pack.code, pack.err).toBe(0);
    const out = join(work, 'fw.bin');
    const dec = await osprey(['release', 'decrypt', '--pkcs11-key', 'device-1', '--in', join(work, 'fw.age'), '--out', out], { pkcs11 });
    expect(dec.code, dec.err).toBe(0);
    expect(readFileSync(out).equals(imageBytes)).toBe(true);
    const verify = await osprey(['release', 'verify', '--repo', hsmDir, '--root', join(hsmDir, 'public', 'metadata', '1.root.json'), '--target', 'fw-3.age']);
    expect(verify.code, verify.err).toBe(0);
  });
});
