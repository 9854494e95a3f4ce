/**
 * Interoperability with age implementations nobody on the team wrote: Debian's `age` command
 * (Go reference implementation) and the npm `age-encryption` package (typage), both directions,
 * plus the HPKE layer of p256tag against @hpke/core.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';
import { Decrypter, Encrypter } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { decrypt, encrypt, hpkeOpenBase, hpkeSealBase, P256TagIdentity, SoftwareP256KeyAgreement, X25519Identity } from '@osprey/core';
import { hasCommand } from '../../testkit/tools.js';
import { tempDirForFile } from '../../testkit/temp-dir.js';
import { sha256Hex as sha256 } from '../../testkit/hash.js';

const work = tempDirForFile('osprey-age-interop-');

describe.runIf(hasCommand('age'))('Debian age command', () => {
  it('decrypts a multi-chunk payload Osprey encrypted to an X25519 recipient', async () => {
    const identity = X25519Identity.generate();
    const plaintext = randomBytes(1024 * 1024 + 12345);
    writeFileSync(join(work, 'id.txt'), `# test identity\n${identity.toString()}\n`);
    writeFileSync(join(work, 'osprey.age'), await encrypt(plaintext, [identity.recipient]));
    const out = execFileSync('age', ['-d', '-i', join(work, 'id.txt'), join(work, 'osprey.age')], { maxBuffer: 8 << 20 });
    expect(sha256(out)).toBe(sha256(plaintext));
  });

  it('decrypts a payload whose header was re-wrapped for a second device', async () => {
    const vendor = X25519Identity.generate();
    const device = X25519Identity.generate();
    const plaintext = randomBytes(300_000);
    const original = await encrypt(plaintext, [vendor.recipient]);
    const { findHeaderEnd, unwrapHeader, wrapHeader } = await import('@osprey/core');
    const end = findHeaderEnd(original);
    const fileKey = await unwrapHeader(original.subarray(0, end), [vendor]);
    const rewrapped = Buffer.concat([await wrapHeader(fileKey, [device.recipient]), original.subarray(end)]);
    writeFileSync(join(work, 'device.txt'), device.toString() + '\n');
    writeFileSync(join(work, 'rewrapped.age'), rewrapped);
    const out = execFileSync('age', ['-d', '-i', join(work, 'device.txt'), join(work, 'rewrapped.age')], { maxBuffer: 8 << 20 });
    expect(out.equals(plaintext)).toBe(true);
  });

  it('Osprey decrypts what age encrypted, with a key from age-keygen', async () => {
    execFileSync('age-keygen', ['-o', join(work, 'keygen.txt')], { stdio: 'pipe' });
    const recipient = execFileSync('age-keygen', ['-y', join(work, 'keygen.txt')])
      .toString()
      .trim();
    const plaintext = randomBytes(200_000);
    writeFileSync(join(work, 'plain.bin'), plaintext);
    execFileSync('age', ['-r', recipient, '-o', join(work, 'from-age.age'), join(work, 'plain.bin')]);
    const identity = readFileSync(join(work, 'keygen.txt'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('AGE-SECRET-KEY-1'))!;
    expect(new X25519Identity(identity).recipient.toString()).toBe(recipient);
    const out = await decrypt(readFileSync(join(work, 'from-age.age')), [new X25519Identity(identity)]);
    expect(out.equals(plaintext)).toBe(true);
  });
});

describe('npm age-encryption (typage)', () => {
  it('decrypts a payload Osprey encrypted to an X25519 recipient', async () => {
    const identity = X25519Identity.generate();
    const plaintext = randomBytes(150_000);
    const file = await encrypt(plaintext, [identity.recipient]);
    const d = new Decrypter();
    d.addIdentity(identity.toString());
    expect(Buffer.from(await d.decrypt(file)).equals(plaintext)).toBe(true);
  });

  it('Osprey decrypts its X25519 and p256tag files', async () => {
    const x = X25519Identity.generate();
    const p = new P256TagIdentity(SoftwareP256KeyAgreement.generate());
    const plaintext = randomBytes(70_000);
    const e = new Encrypter();
    e.addRecipient(x.recipient.toString());
    e.addRecipient(p.recipient.toString());
    const file = await e.encrypt(plaintext);
    expect((await decrypt(file, [x])).equals(plaintext)).toBe(true);
    expect((await decrypt(file, [p])).equals(plaintext)).toBe(true);
  });
});

describe('HPKE (RFC 9180) DHKEM(P-256)/HKDF-SHA256/ChaCha20Poly1305 against @hpke/core', () => {
  const suite = new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });
  const info = new TextEncoder().encode('age-encryption.org/p256tag');

  function keyPair() {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const agreement = new SoftwareP256KeyAgreement(privateKey);
    const scalar = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
    return { agreement, scalar };
  }

  it('@hpke/core opens what Osprey seals', async () => {
    const { agreement, scalar } = keyPair();
    const message = randomBytes(16);
    const { enc, ciphertext } = hpkeSealBase(agreement.publicKey, info, new Uint8Array(0), message);
    const recipientKey = await suite.kem.deserializePrivateKey(scalar.buffer.slice(scalar.byteOffset, scalar.byteOffset + scalar.byteLength));
    const opened = await suite.open({ recipientKey, enc: new Uint8Array(enc).buffer, info }, new Uint8Array(ciphertext).buffer);
    expect(Buffer.from(opened).equals(message)).toBe(true);
  });

  it('Osprey opens what @hpke/core seals, and refuses a modified ciphertext', async () => {
    const { agreement } = keyPair();
    const message = randomBytes(16);
    const recipientPublicKey = await suite.kem.deserializePublicKey(new Uint8Array(agreement.publicKey).buffer);
    const sealed = await suite.seal({ recipientPublicKey, info }, new Uint8Array(message).buffer);
    const enc = new Uint8Array(sealed.enc);
    const ct = new Uint8Array(sealed.ct);
    const opened = await hpkeOpenBase(agreement, enc, info, new Uint8Array(0), ct);
    expect(opened && Buffer.from(opened).equals(message)).toBe(true);
    ct[0] = ct[0]! ^ 1;
    expect(await hpkeOpenBase(agreement, enc, info, new Uint8Array(0), ct)).toBeNull();
  });
});
