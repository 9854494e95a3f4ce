/**
 * TUF public keys (TUF specification §4.2 "File formats: root.json", key objects) from node:crypto
 * key objects. Supported: Ed25519 (`ed25519`) and ECDSA P-256 (`ecdsa` / `ecdsa-sha2-nistp256`,
 * PEM public key as python-tuf and securesystemslib write it).
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import { Key } from '@tufjs/models';
import { OspreyError } from '../errors.js';

export type TufKeyType = 'ed25519' | 'ecdsa';

const ED25519_SPKI_PREFIX_LENGTH = 12;

/** TUF key ID: hex SHA-256 of the canonical JSON of the key object (TUF spec §4.2). */
export function keyIdOf(key: { keytype: string; scheme: string; keyval: { public: string } }): string {
  const json = { keytype: key.keytype, scheme: key.scheme, keyval: { public: key.keyval.public } };
  return createHash('sha256').update(canonicalize(json)).digest('hex');
}

export function tufKeyTypeOf(key: KeyObject): TufKeyType {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ecdsa';
  throw new OspreyError('KEY_UNSUPPORTED', `TUF keys must be Ed25519 or ECDSA P-256, not ${key.asymmetricKeyType}`);
}

/** The TUF key object for a public (or private) key. */
export function tufKeyFromPublicKey(key: KeyObject): Key {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const type = tufKeyTypeOf(publicKey);
  const json =
    type === 'ed25519'
      ? {
          keytype: 'ed25519',
          scheme: 'ed25519',
          keyval: { public: publicKey.export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX_LENGTH).toString('hex') },
        }
      : {
          keytype: 'ecdsa',
          scheme: 'ecdsa-sha2-nistp256',
          keyval: { public: publicKey.export({ format: 'pem', type: 'spki' }).toString() },
        };
  return Key.fromJSON(keyIdOf(json), json);
}

/**
 * An ECDSA signature as IEEE P1363 (r || s, what PKCS#11 CKM_ECDSA returns) → ASN.1 DER
 * `SEQUENCE { INTEGER r, INTEGER s }`, the encoding TUF's ecdsa-sha2-nistp256 scheme carries.
 */
export function ecdsaP1363ToDer(signature: Uint8Array): Buffer {
  if (signature.byteLength !== 64) throw new OspreyError('KEY_INVALID', 'a P-256 signature is 64 bytes (r || s)');
  const integer = (bytes: Uint8Array): Buffer => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    let body = Buffer.from(bytes.subarray(start));
    if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
    return Buffer.concat([Buffer.from([0x02, body.length]), body]);
  };
  const content = Buffer.concat([integer(signature.subarray(0, 32)), integer(signature.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, content.length]), content]);
}
