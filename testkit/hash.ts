/** Hashes that tests compare against signed metadata and slot contents. */
import { createHash } from 'node:crypto';

/** SHA-256 as lowercase hex (a string is hashed as UTF-8). */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** What a slot or a signed release pins of an image: its length and SHA-256. */
export function imageDigest(bytes: Uint8Array): { length: number; sha256: string } {
  return { length: bytes.length, sha256: sha256Hex(bytes) };
}
