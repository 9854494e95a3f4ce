import { createCipheriv, createDecipheriv } from 'node:crypto';

const ZERO_NONCE = Buffer.alloc(12);

/** ChaCha20-Poly1305 seal, tag appended (RFC 8439). */
export function chachaSeal(key: Uint8Array, plaintext: Uint8Array, nonce: Uint8Array = ZERO_NONCE, aad?: Uint8Array): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  if (aad && aad.byteLength > 0) cipher.setAAD(aad, { plaintextLength: plaintext.byteLength });
  const body = cipher.update(plaintext);
  cipher.final();
  return Buffer.concat([body, cipher.getAuthTag()]);
}

/** ChaCha20-Poly1305 open; null when the tag does not verify. */
export function chachaOpen(key: Uint8Array, sealed: Uint8Array, nonce: Uint8Array = ZERO_NONCE, aad?: Uint8Array): Buffer | null {
  if (sealed.byteLength < 16) return null;
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  decipher.setAuthTag(sealed.subarray(sealed.byteLength - 16));
  if (aad && aad.byteLength > 0) decipher.setAAD(aad, { plaintextLength: sealed.byteLength - 16 });
  const plaintext = decipher.update(sealed.subarray(0, sealed.byteLength - 16));
  try {
    decipher.final();
  } catch {
    return null;
  }
  return plaintext;
}
