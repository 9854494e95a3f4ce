/**
 * The p256tag recipient type (C2SP age specification, tagged recipients): HPKE with
 * DHKEM(P-256, HKDF-SHA256) and ChaCha20Poly1305, info "age-encryption.org/p256tag". This is the
 * type hardware-key plugins (age-plugin-tpm, age-plugin-se) emit, so the device key can live in a
 * secure element: decryption needs only one ECDH with it.
 *
 *   recipient  age1tag1… = Bech32(compressed P-256 point, 33 bytes)
 *   stanza     -> p256tag base64(tag) base64(enc)   body = HPKE ciphertext of the file key (32 bytes)
 *   tag        HKDF-Extract(salt = "age-encryption.org/p256tag", ikm = enc || SHA-256(recipient)[:4])[:4]
 */
import { ECDH, createECDH, createHash, createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { OspreyError } from '../errors.js';
import { base64NoPad, decodeBase64NoPad } from '../encoding.js';
import { bech32Decode, bech32Encode } from './bech32.js';
import { FILE_KEY_SIZE, type Stanza } from './format.js';
import { hkdfExtract, hpkeOpenBase, hpkeSealBase, P256_POINT_SIZE, type P256KeyAgreement } from './hpke.js';
import type { Identity, Recipient } from './recipient.js';

const LABEL = Buffer.from('age-encryption.org/p256tag');
const HRP = 'age1tag';

export function compressP256(point: Uint8Array): Buffer {
  return ECDH.convertKey(point, 'prime256v1', undefined, undefined, 'compressed') as Buffer;
}

export function decompressP256(point: Uint8Array): Buffer {
  return ECDH.convertKey(point, 'prime256v1', undefined, undefined, 'uncompressed') as Buffer;
}

function recipientTag(enc: Uint8Array, compressedRecipient: Uint8Array): Buffer {
  const recipientHash = createHash('sha256').update(compressedRecipient).digest().subarray(0, 4);
  return hkdfExtract(LABEL, Buffer.concat([enc, recipientHash])).subarray(0, 4);
}

export class P256TagRecipient implements Recipient {
  /** Compressed point, 33 bytes. */
  readonly compressed: Buffer;
  private readonly uncompressed: Buffer;

  /** From an `age1tag1…` string or a compressed or uncompressed P-256 point. */
  constructor(recipient: string | Uint8Array) {
    const bytes = typeof recipient === 'string' ? bech32Decode(recipient, HRP, 'AGE_INVALID_RECIPIENT') : Buffer.from(recipient);
    try {
      this.uncompressed = decompressP256(bytes);
      this.compressed = compressP256(bytes);
    } catch (cause) {
      throw new OspreyError('AGE_INVALID_RECIPIENT', 'p256tag recipient is not a valid P-256 point', { cause });
    }
    if (typeof recipient === 'string' && bytes.length !== 33) {
      throw new OspreyError('AGE_INVALID_RECIPIENT', 'p256tag recipients encode a 33-byte compressed point');
    }
  }

  toString(): string {
    return bech32Encode(HRP, this.compressed);
  }

  wrapFileKey(fileKey: Uint8Array): Stanza[] {
    const { enc, ciphertext } = hpkeSealBase(this.uncompressed, LABEL, new Uint8Array(0), fileKey);
    const tag = recipientTag(enc, this.compressed);
    return [{ type: 'p256tag', args: [base64NoPad(tag), base64NoPad(enc)], body: ciphertext }];
  }
}

/** A P-256 key held in software (development keys, tests). */
export class SoftwareP256KeyAgreement implements P256KeyAgreement {
  private readonly ecdh: ECDH;
  readonly publicKey: Buffer;

  constructor(privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new OspreyError('KEY_UNSUPPORTED', 'a p256tag identity needs a P-256 (prime256v1) key');
    }
    const jwk = privateKey.export({ format: 'jwk' });
    this.ecdh = createECDH('prime256v1');
    this.ecdh.setPrivateKey(Buffer.from(jwk.d!, 'base64url'));
    this.publicKey = this.ecdh.getPublicKey();
  }

  static generate(): SoftwareP256KeyAgreement {
    return new SoftwareP256KeyAgreement(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
  }

  static fromPem(pem: string | Buffer, passphrase?: string): SoftwareP256KeyAgreement {
    return new SoftwareP256KeyAgreement(createPrivateKey(passphrase === undefined ? pem : { key: pem, passphrase }));
  }

  async deriveSharedSecret(peerPublicKey: Uint8Array): Promise<Uint8Array> {
    return this.ecdh.computeSecret(peerPublicKey);
  }
}

export class P256TagIdentity implements Identity {
  readonly recipient: P256TagRecipient;

  constructor(private readonly key: P256KeyAgreement) {
    this.recipient = new P256TagRecipient(key.publicKey);
  }

  async unwrapFileKey(stanzas: readonly Stanza[]): Promise<Uint8Array | null> {
    for (const stanza of stanzas) {
      if (stanza.type !== 'p256tag') continue;
      if (stanza.args.length !== 2) throw new OspreyError('AGE_STANZA_INVALID', 'p256tag stanza must have exactly two arguments');
      const tag = decodeBase64NoPad(stanza.args[0]!, 'AGE_STANZA_INVALID');
      const enc = decodeBase64NoPad(stanza.args[1]!, 'AGE_STANZA_INVALID');
      if (tag.length !== 4) throw new OspreyError('AGE_STANZA_INVALID', 'p256tag tag must be 4 bytes');
      if (enc.length !== P256_POINT_SIZE || enc[0] !== 0x04) {
        throw new OspreyError('AGE_STANZA_INVALID', 'p256tag enc must be a 65-byte uncompressed point');
      }
      if (stanza.body.byteLength !== FILE_KEY_SIZE + 16) throw new OspreyError('AGE_STANZA_INVALID', 'p256tag body must be 32 bytes');
      // The tag only says which stanza to try; it is not a security check (the AEAD is).
      if (!recipientTag(enc, this.recipient.compressed).equals(tag)) continue;
      let fileKey: Buffer | null;
      try {
        fileKey = await hpkeOpenBase(this.key, enc, LABEL, new Uint8Array(0), stanza.body);
      } catch (cause) {
        if (cause instanceof OspreyError) throw cause;
        throw new OspreyError('AGE_STANZA_INVALID', 'p256tag enc is not a valid P-256 point', { cause });
      }
      if (fileKey) return fileKey;
    }
    return null;
  }
}
