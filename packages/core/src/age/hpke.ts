/**
 * HPKE base mode (RFC 9180) for the one suite age's p256tag recipient uses:
 * KEM DHKEM(P-256, HKDF-SHA256) = 0x0010, KDF HKDF-SHA256 = 0x0001, AEAD ChaCha20Poly1305 = 0x0003.
 * Built from node:crypto primitives only and checked against @hpke/core in the tests. The KEM's
 * single private-key step, DH(skR, pkE), is delegated to a P256KeyAgreement, so the private key can
 * stay inside a secure element (PKCS#11 C_DeriveKey with CKM_ECDH1_DERIVE).
 */
import { createECDH, createHmac } from 'node:crypto';
import { chachaOpen, chachaSeal } from './aead.js';

const KEM_ID = 0x0010;
const KDF_ID = 0x0001;
const AEAD_ID = 0x0003;
const N_SECRET = 32;
const N_KEY = 32;
const N_NONCE = 12;
export const P256_POINT_SIZE = 65;

/** A P-256 private key that can do ECDH but need not reveal itself. */
export interface P256KeyAgreement {
  /** The uncompressed (65-byte, 0x04 || x || y) public point. */
  readonly publicKey: Uint8Array;
  /** The 32-byte x-coordinate of d·peer, for an uncompressed peer point. Throws for an invalid point. */
  deriveSharedSecret(peerPublicKey: Uint8Array): Promise<Uint8Array>;
}

function i2osp(value: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  out.writeUIntBE(value, 0, length);
  return out;
}

const KEM_SUITE = Buffer.concat([Buffer.from('KEM'), i2osp(KEM_ID, 2)]);
const HPKE_SUITE = Buffer.concat([Buffer.from('HPKE'), i2osp(KEM_ID, 2), i2osp(KDF_ID, 2), i2osp(AEAD_ID, 2)]);
const VERSION_LABEL = Buffer.from('HPKE-v1');

/** HKDF-Extract (RFC 5869 §2.2). */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Buffer {
  return createHmac('sha256', salt.byteLength ? salt : Buffer.alloc(32))
    .update(ikm)
    .digest();
}

/** HKDF-Expand (RFC 5869 §2.3). */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; blocks.length * 32 < length; i++) {
    previous = createHmac('sha256', prk)
      .update(previous)
      .update(info)
      .update(Buffer.from([i]))
      .digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function labeledExtract(suite: Buffer, salt: Uint8Array, label: string, ikm: Uint8Array): Buffer {
  return hkdfExtract(salt, Buffer.concat([VERSION_LABEL, suite, Buffer.from(label), ikm]));
}

function labeledExpand(suite: Buffer, prk: Uint8Array, label: string, info: Uint8Array, length: number): Buffer {
  return hkdfExpand(prk, Buffer.concat([i2osp(length, 2), VERSION_LABEL, suite, Buffer.from(label), info]), length);
}

/** RFC 9180 §4.1 ExtractAndExpand. */
function extractAndExpand(dh: Uint8Array, kemContext: Uint8Array): Buffer {
  const eaePrk = labeledExtract(KEM_SUITE, Buffer.alloc(0), 'eae_prk', dh);
  return labeledExpand(KEM_SUITE, eaePrk, 'shared_secret', kemContext, N_SECRET);
}

/** RFC 9180 §5.1 KeySchedule for mode_base (no PSK). */
function keySchedule(sharedSecret: Uint8Array, info: Uint8Array): { key: Buffer; baseNonce: Buffer } {
  const empty = Buffer.alloc(0);
  const pskIdHash = labeledExtract(HPKE_SUITE, empty, 'psk_id_hash', empty);
  const infoHash = labeledExtract(HPKE_SUITE, empty, 'info_hash', info);
  const context = Buffer.concat([Buffer.from([0x00]), pskIdHash, infoHash]);
  const secret = labeledExtract(HPKE_SUITE, sharedSecret, 'secret', empty);
  return {
    key: labeledExpand(HPKE_SUITE, secret, 'key', context, N_KEY),
    baseNonce: labeledExpand(HPKE_SUITE, secret, 'base_nonce', context, N_NONCE),
  };
}

/** Single-shot SealBase (RFC 9180 §6.1): returns the encapsulated key and the ciphertext. */
export function hpkeSealBase(recipientPublicKey: Uint8Array, info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): { enc: Buffer; ciphertext: Buffer } {
  const ephemeral = createECDH('prime256v1');
  const enc = ephemeral.generateKeys(); // uncompressed point by default
  const dh = ephemeral.computeSecret(recipientPublicKey);
  const sharedSecret = extractAndExpand(dh, Buffer.concat([enc, recipientPublicKey]));
  const { key, baseNonce } = keySchedule(sharedSecret, info);
  return { enc, ciphertext: chachaSeal(key, plaintext, baseNonce, aad) };
}

/** Single-shot OpenBase (RFC 9180 §6.1); null when the ciphertext does not authenticate. */
export async function hpkeOpenBase(
  recipient: P256KeyAgreement,
  enc: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Promise<Buffer | null> {
  const dh = await recipient.deriveSharedSecret(enc); // DH(skR, pkE): the only private-key step
  const sharedSecret = extractAndExpand(dh, Buffer.concat([enc, recipient.publicKey]));
  const { key, baseNonce } = keySchedule(sharedSecret, info);
  return chachaOpen(key, ciphertext, baseNonce, aad);
}
