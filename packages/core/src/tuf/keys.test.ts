import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isOspreyError } from '../errors.js';
import { ecdsaP1363ToDer, keyIdOf, tufKeyFromPublicKey } from './keys.js';

describe('TUF keys', () => {
  it('converts P1363 (r||s) ECDSA signatures to the DER that TUF and OpenSSL verify', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    // Many signatures, so r or s with a high bit or leading zero bytes are covered.
    for (let i = 0; i < 200; i++) {
      const data = Buffer.from(`message ${i}`);
      const raw = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      expect(verify('sha256', data, publicKey, ecdsaP1363ToDer(raw))).toBe(true);
    }
  });

  it('refuses a signature of the wrong size', () => {
    let error: unknown;
    try {
      ecdsaP1363ToDer(new Uint8Array(63));
    } catch (e) {
      error = e;
    }
    expect(isOspreyError(error, 'KEY_INVALID')).toBe(true);
  });

  it('computes key IDs over the canonical key object', () => {
    const ed = tufKeyFromPublicKey(generateKeyPairSync('ed25519').publicKey);
    expect(ed.keyType).toBe('ed25519');
    expect(ed.keyVal.public).toMatch(/^[0-9a-f]{64}$/);
    expect(ed.keyID).toBe(keyIdOf({ keytype: 'ed25519', scheme: 'ed25519', keyval: { public: ed.keyVal.public! } }));
    const ec = tufKeyFromPublicKey(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
    expect(ec.scheme).toBe('ecdsa-sha2-nistp256');
    expect(ec.keyVal.public).toContain('BEGIN PUBLIC KEY');
  });

  it('refuses RSA and other curves', () => {
    for (const key of [generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey, generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey]) {
      let error: unknown;
      try {
        tufKeyFromPublicKey(key);
      } catch (e) {
        error = e;
      }
      expect(isOspreyError(error, 'KEY_UNSUPPORTED')).toBe(true);
    }
  });
});
