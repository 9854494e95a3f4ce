import { OspreyError, type ErrorCode } from './errors.js';

const B64_CANONICAL = /^[A-Za-z0-9+/]*$/;

/** Standard base64 without padding, as the age format writes it. */
export function base64NoPad(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64').replace(/=+$/, '');
}

/**
 * Decode unpadded standard base64 and reject every non-canonical encoding (age spec: "decoders
 * MUST reject non-canonical encodings"): padding, foreign characters, non-zero trailing bits.
 */
export function decodeBase64NoPad(text: string, code: ErrorCode = 'AGE_HEADER_INVALID'): Buffer {
  if (!B64_CANONICAL.test(text) || text.length % 4 === 1) {
    throw new OspreyError(code, `invalid base64: ${JSON.stringify(text.slice(0, 80))}`);
  }
  const bytes = Buffer.from(text, 'base64');
  if (base64NoPad(bytes) !== text) {
    throw new OspreyError(code, `non-canonical base64: ${JSON.stringify(text.slice(0, 80))}`);
  }
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function concatBytes(...parts: Uint8Array[]): Buffer {
  return Buffer.concat(parts);
}
