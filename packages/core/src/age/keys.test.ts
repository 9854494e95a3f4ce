import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recipientFromDeviceKey } from './keys.js';
import { P256TagIdentity, SoftwareP256KeyAgreement } from './p256tag.js';
import { X25519Identity } from './x25519.js';

describe('recipientFromDeviceKey', () => {
  it('keeps age recipients and reads PEM public keys', () => {
    const x = X25519Identity.generate();
    expect(recipientFromDeviceKey(x.recipient.toString())).toBe(x.recipient.toString());
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const expected = new P256TagIdentity(new SoftwareP256KeyAgreement(privateKey)).recipient.toString();
    expect(recipientFromDeviceKey(publicKey.export({ format: 'pem', type: 'spki' }).toString())).toBe(expected);
  });

  it('reads the key of an X.509 certificate (made by openssl)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osprey-cert-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          join(dir, 'k.pem'),
          '-out',
          join(dir, 'c.pem'),
          '-days',
          '1',
          '-subj',
          '/CN=dev01',
        ],
        { stdio: 'pipe' },
      );
      const identity = new P256TagIdentity(SoftwareP256KeyAgreement.fromPem(readFileSync(join(dir, 'k.pem'))));
      expect(recipientFromDeviceKey(readFileSync(join(dir, 'c.pem'), 'utf8'))).toBe(identity.recipient.toString());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses other key types and garbage with a typed error', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    for (const bad of [rsa, 'hello', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----']) {
      expect(() => recipientFromDeviceKey(bad)).toThrow(expect.objectContaining({ code: 'AGE_INVALID_RECIPIENT' }));
    }
  });
});
