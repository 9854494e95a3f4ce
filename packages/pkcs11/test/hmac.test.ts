/**
 * HMAC keys in the token against SoftHSM2: generated inside as sensitive and non-extractable (the
 * token refuses to give their value), idempotent by label, and CKM_SHA256_HMAC in the token
 * equals node:crypto's HMAC-SHA256 under the same key (checked with an extractable test key).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOspreyError } from '@osprey/core';
import { Pkcs11Token } from '@osprey/pkcs11';
import { createSoftHsmToken, type SoftHsmToken } from '../../../testkit/softhsm.js';
import { hasSoftHsm } from '../../../testkit/tools.js';

const CKK_GENERIC_SECRET = 0x10;
const CKR_ATTRIBUTE_SENSITIVE = 0x11;

describe.runIf(hasSoftHsm())('Pkcs11Token HMAC keys on SoftHSM2', () => {
  let hsm: SoftHsmToken;
  let token: Pkcs11Token;

  beforeAll(() => {
    hsm = createSoftHsmToken('osprey-hmac', '1357');
    token = Pkcs11Token.open(hsm);
  });
  afterAll(() => {
    token?.close();
    if (hsm) rmSync(hsm.dir, { recursive: true, force: true });
  });

  it('generates a token-resident, sensitive, non-extractable 32-byte generic secret once per label', () => {
    expect(token.generateHmacKey('counter-key')).toEqual({ created: true });
    expect(token.generateHmacKey('counter-key')).toEqual({ created: false });
    expect(token.secretKeyAttributes('counter-key')).toEqual({
      keyType: CKK_GENERIC_SECRET,
      valueLength: 32,
      token: true,
      sensitive: true,
      extractable: false,
      alwaysSensitive: true,
      neverExtractable: true,
      sign: true,
      verify: true,
    });
    // The token refuses to give the value (C_GetAttributeValue of CKA_VALUE: CKR_ATTRIBUTE_SENSITIVE).
    let refused: unknown;
    try {
      token.secretKeyValue('counter-key');
    } catch (e) {
      refused = e;
    }
    expect(isOspreyError(refused, 'PKCS11_ERROR')).toBe(true);
    expect(((refused as Error).cause as { code?: number }).code).toBe(CKR_ATTRIBUTE_SENSITIVE);
  });

  it('keeps the key across sessions and computes a deterministic 32-byte tag that depends on key and data', () => {
    token.generateHmacKey('other-key');
    const data = Buffer.from('osprey-security-version/1\n3\n');
    const tag = token.hmacSha256('counter-key', data);
    expect(tag).toHaveLength(32);
    expect(token.hmacSha256('counter-key', data)).toEqual(tag);
    expect(token.hmacSha256('counter-key', Buffer.from('osprey-security-version/1\n4\n'))).not.toEqual(tag);
    expect(token.hmacSha256('other-key', data)).not.toEqual(tag);
    // A token object: still there after the module is finalized and loaded again.
    token.close();
    token = Pkcs11Token.open(hsm);
    expect(token.hmacSha256('counter-key', data)).toEqual(tag);
  });

  it("the token's CKM_SHA256_HMAC equals node:crypto's HMAC-SHA256 (extractable test key)", () => {
    expect(token.generateHmacKey('test-extractable', { testOnlyExtractable: true })).toEqual({ created: true });
    expect(token.secretKeyAttributes('test-extractable')).toMatchObject({ sensitive: false, extractable: true, valueLength: 32 });
    const key = token.secretKeyValue('test-extractable');
    expect(key).toHaveLength(32);
    for (const data of [Buffer.alloc(0), Buffer.from('osprey-security-version/1\n0\n'), randomBytes(1000), randomBytes(70_000)]) {
      expect(token.hmacSha256('test-extractable', data).toString('hex')).toBe(createHmac('sha256', key).update(data).digest('hex'));
    }
  });

  it('a missing key is PKCS11_OBJECT_NOT_FOUND; a key pair label is not an HMAC key', () => {
    let missing: unknown;
    try {
      token.hmacSha256('no-such-key', Buffer.from('x'));
    } catch (e) {
      missing = e;
    }
    expect(isOspreyError(missing, 'PKCS11_OBJECT_NOT_FOUND')).toBe(true);
    token.generateKeyPair('an-ec-key', 'p256');
    expect(() => token.hmacSha256('an-ec-key', Buffer.from('x'))).toThrow(/no key labelled "an-ec-key"/);
  });
});
