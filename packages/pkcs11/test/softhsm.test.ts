/**
 * The PKCS#11 token against SoftHSM2: keys generated inside the token sign TUF metadata that an
 * independent verifier accepts, and ECDH in the token unwraps age p256tag files written by the
 * independent `age-encryption` implementation.
 */
import { verify } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Encrypter } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTargets,
  decrypt,
  encrypt,
  isOspreyError,
  P256TagIdentity,
  P256TagRecipient,
  signMetadata,
  signedBytes,
  tufKeyFromPublicKey,
  verifyRole,
  buildRoot,
  expiresAfter,
} from '@osprey/core';
import { Pkcs11Token } from '@osprey/pkcs11';
import { hasSoftHsm } from '../../../testkit/tools.js';
import { createSoftHsmToken, type SoftHsmToken } from '../../../testkit/softhsm.js';

const present = hasSoftHsm();

describe.runIf(present)('Pkcs11Token on SoftHSM2', () => {
  let hsm: SoftHsmToken;
  let token: Pkcs11Token;

  beforeAll(() => {
    hsm = createSoftHsmToken();
    // Login state is per process, so the wrong PIN is tried before any session logs in.
    try {
      Pkcs11Token.open({ ...hsm, pin: '9999' }).close();
    } catch (e) {
      wrongPinError = e;
    }
    token = Pkcs11Token.open(hsm);
  });
  let wrongPinError: unknown;
  afterAll(() => {
    token?.close();
    if (hsm) rmSync(hsm.dir, { recursive: true, force: true });
  });

  it('signs TUF metadata with a P-256 key that never leaves the token', async () => {
    const publicKey = token.generateKeyPair('targets-p256', 'p256');
    const signer = token.signer('targets-p256');
    const md = buildTargets(1, expiresAfter(new Date(), 30), []);
    await signMetadata(md, [signer]);
    const sig = Buffer.from(md.signatures[signer.key.keyID]!.sig, 'hex');
    // node:crypto (OpenSSL) verifies the DER signature over the canonical bytes.
    expect(verify('sha256', signedBytes(md), publicKey, sig)).toBe(true);
    // and @tufjs/models, the TUF client's own verifier, accepts it through a root.
    const root = buildRoot({
      expires: expiresAfter(new Date(), 365),
      roles: {
        root: { keys: [signer.key], threshold: 1 },
        targets: { keys: [signer.key], threshold: 1 },
        snapshot: { keys: [signer.key], threshold: 1 },
        timestamp: { keys: [signer.key], threshold: 1 },
      },
    });
    expect(() => verifyRole(root.signed, 'targets', md)).not.toThrow();
  });

  it('signs with an Ed25519 key in the token', async () => {
    const publicKey = token.generateKeyPair('root-ed25519', 'ed25519');
    const signer = token.signer('root-ed25519');
    const md = buildTargets(2, expiresAfter(new Date(), 30), []);
    await signMetadata(md, [signer]);
    const sig = Buffer.from(md.signatures[signer.key.keyID]!.sig, 'hex');
    expect(verify(null, signedBytes(md), publicKey, sig)).toBe(true);
    expect(signer.key.keyType).toBe('ed25519');
  });

  it('unwraps a p256tag file from age-encryption with ECDH in the token', async () => {
    token.generateKeyPair('device-key', 'p256', { derive: true });
    const identity = new P256TagIdentity(token.keyAgreement('device-key'));
    const recipient = identity.recipient.toString();
    expect(recipient).toMatch(/^age1tag1/);
    const e = new Encrypter();
    e.addRecipient(recipient);
    const file = await e.encrypt(new TextEncoder().encode('firmware for the token'));
    expect((await decrypt(file, [identity])).toString()).toBe('firmware for the token');
    // Osprey's own p256tag wrapping opens in the token too.
    const own = await encrypt(Buffer.from('second image'), [new P256TagRecipient(recipient)]);
    expect((await decrypt(own, [identity])).toString()).toBe('second image');
  });

  it('refuses a key that is not on the token, with a typed error', () => {
    const error = (() => {
      try {
        token.signer('no-such-key');
      } catch (e) {
        return e;
      }
    })();
    expect(isOspreyError(error, 'PKCS11_OBJECT_NOT_FOUND')).toBe(true);
  });

  it('reports a wrong PIN', () => {
    expect(isOspreyError(wrongPinError, 'PKCS11_ERROR')).toBe(true);
    expect((wrongPinError as Error).message).toMatch(/wrong PIN/);
  });

  it('exports the same public key it signs with', () => {
    const pub = token.publicKey('targets-p256');
    expect(pub.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(tufKeyFromPublicKey(pub).keyID).toBe(token.signer('targets-p256').key.keyID);
  });
});
