/**
 * The X25519 recipient type (C2SP age specification, "The X25519 recipient type"), on node:crypto.
 * Recipients are `age1…`, identities `AGE-SECRET-KEY-1…` (Bech32).
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { OspreyError } from '../errors.js';
import { base64NoPad, decodeBase64NoPad } from '../encoding.js';
import { chachaOpen, chachaSeal } from './aead.js';
import { bech32Decode, bech32Encode } from './bech32.js';
import { FILE_KEY_SIZE, type Stanza } from './format.js';
import type { Identity, Recipient } from './recipient.js';

const INFO = 'age-encryption.org/v1/X25519';
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

function rawPrivateKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
}

function wrapKey(sharedSecret: Uint8Array, share: Uint8Array, recipient: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', sharedSecret, Buffer.concat([share, recipient]), INFO, 32));
}

function x25519(privateKey: KeyObject, publicKey: KeyObject): Buffer | null {
  try {
    const secret = diffieHellman({ privateKey, publicKey });
    // The spec forbids the all-zero shared secret (a low-order share); OpenSSL may already refuse it.
    return secret.every((b) => b === 0) ? null : secret;
  } catch {
    return null;
  }
}

export class X25519Recipient implements Recipient {
  readonly publicKey: Buffer;

  constructor(recipient: string | Uint8Array) {
    this.publicKey = typeof recipient === 'string' ? bech32Decode(recipient, 'age', 'AGE_INVALID_RECIPIENT') : Buffer.from(recipient);
    if (this.publicKey.length !== 32) throw new OspreyError('AGE_INVALID_RECIPIENT', 'X25519 recipients are 32 bytes');
  }

  toString(): string {
    return bech32Encode('age', this.publicKey);
  }

  wrapFileKey(fileKey: Uint8Array): Stanza[] {
    const ephemeral = generateKeyPairSync('x25519');
    const share = rawPublicKey(ephemeral.publicKey);
    const secret = x25519(ephemeral.privateKey, publicKeyFromRaw(this.publicKey));
    if (!secret) throw new OspreyError('AGE_INVALID_RECIPIENT', 'X25519 recipient is a low-order point');
    const body = chachaSeal(wrapKey(secret, share, this.publicKey), fileKey);
    return [{ type: 'X25519', args: [base64NoPad(share)], body }];
  }
}

export class X25519Identity implements Identity {
  private readonly privateKey: KeyObject;
  readonly recipient: X25519Recipient;

  constructor(identity: string | KeyObject) {
    if (typeof identity === 'string') {
      const scalar = bech32Decode(identity.trim(), 'age-secret-key-', 'AGE_INVALID_IDENTITY');
      if (scalar.length !== 32) throw new OspreyError('AGE_INVALID_IDENTITY', 'X25519 identities are 32 bytes');
      this.privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, scalar]), format: 'der', type: 'pkcs8' });
    } else {
      if (identity.asymmetricKeyType !== 'x25519') throw new OspreyError('AGE_INVALID_IDENTITY', 'not an X25519 key');
      this.privateKey = identity;
    }
    this.recipient = new X25519Recipient(rawPublicKey(createPublicKey(this.privateKey)));
  }

  static generate(): X25519Identity {
    return new X25519Identity(generateKeyPairSync('x25519').privateKey);
  }

  /** The `AGE-SECRET-KEY-1…` form that the `age` command reads. */
  toString(): string {
    return bech32Encode('age-secret-key-', rawPrivateKey(this.privateKey)).toUpperCase();
  }

  async unwrapFileKey(stanzas: readonly Stanza[]): Promise<Uint8Array | null> {
    for (const stanza of stanzas) {
      if (stanza.type !== 'X25519') continue;
      if (stanza.args.length !== 1) throw new OspreyError('AGE_STANZA_INVALID', 'X25519 stanza must have exactly one argument');
      const share = decodeBase64NoPad(stanza.args[0]!, 'AGE_STANZA_INVALID');
      if (share.length !== 32) throw new OspreyError('AGE_STANZA_INVALID', 'X25519 share must be 32 bytes');
      if (stanza.body.byteLength !== FILE_KEY_SIZE + 16) throw new OspreyError('AGE_STANZA_INVALID', 'X25519 stanza body must be 32 bytes');
      const secret = x25519(this.privateKey, publicKeyFromRaw(share));
      if (!secret) throw new OspreyError('AGE_STANZA_INVALID', 'X25519 share is a low-order point');
      const fileKey = chachaOpen(wrapKey(secret, share, this.recipient.publicKey), stanza.body);
      if (fileKey) return fileKey;
    }
    return null;
  }
}
