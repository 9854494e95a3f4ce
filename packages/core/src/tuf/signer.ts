/**
 * Signing goes through one small interface so that a key can be a file on an offline laptop, a
 * PKCS#11 token or a cloud KMS. Metadata is signed over its canonical JSON (TUF spec §4.1).
 */
import { sign as cryptoSign, type KeyObject } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import { Signature, type Key } from '@tufjs/models';
import type { AnyMetadata } from './metadata.js';
import { tufKeyFromPublicKey, tufKeyTypeOf } from './keys.js';

export interface Signer {
  /** The TUF public key (with its key ID) that verifies this signer's signatures. */
  readonly key: Key;
  /** A signature over `data` in the encoding of the key's TUF scheme (Ed25519 raw, ECDSA DER). */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** A private key held in memory: read from a key file, or generated. */
export class KeyObjectSigner implements Signer {
  readonly key: Key;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.type !== 'private') throw new TypeError('KeyObjectSigner needs a private key');
    tufKeyTypeOf(privateKey);
    this.key = tufKeyFromPublicKey(privateKey);
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    // Ed25519 takes no digest; ECDSA P-256 signs SHA-256 with a DER signature (node's default).
    const digest = this.privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    return cryptoSign(digest, data, this.privateKey);
  }
}

/** The bytes TUF signs: canonical JSON of the `signed` part. */
export function signedBytes(metadata: AnyMetadata): Buffer {
  return Buffer.from(canonicalize(metadata.signed.toJSON()));
}

/** Add one signature per signer (replacing an earlier signature by the same key). */
export async function signMetadata(metadata: AnyMetadata, signers: readonly Signer[]): Promise<void> {
  const bytes = signedBytes(metadata);
  for (const signer of signers) {
    const sig = await signer.sign(bytes);
    metadata.signatures[signer.key.keyID] = new Signature({ keyID: signer.key.keyID, sig: Buffer.from(sig).toString('hex') });
  }
}
