/**
 * Shared pieces of the `crypto` benchmark: the plaintext generator, the encrypt-to-file step and the
 * exact Osprey decrypt + final-hash pipeline that is measured. crypto.ts (throughput, in process)
 * and crypto-rss-child.ts (peak RSS, in child processes) both use these, so the code whose speed is
 * measured is the code whose memory is measured.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CHUNK_SIZE, PAYLOAD_NONCE_SIZE, PayloadDecryptStream, PayloadEncryptStream, TAG_SIZE } from '../packages/core/src/age/stream.js';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** Read size for the ciphertext file: what a device would plausibly use, and the same for every run. */
export const READ_HIGH_WATER_MARK = MiB;

/** Size on disk of `nonce || sealed chunks` for a plaintext of `plaintextBytes` bytes. */
export function ciphertextSize(plaintextBytes: number): number {
  const chunks = Math.max(1, Math.ceil(plaintextBytes / CHUNK_SIZE));
  return PAYLOAD_NONCE_SIZE + plaintextBytes + chunks * TAG_SIZE;
}

/**
 * Pseudo-random plaintext of `bytes` bytes, generated on the fly: one 1 MiB random block repeated
 * (the last piece cut short). Nothing close to the payload size is ever held in memory, and
 * generation costs next to nothing, so the encrypt step is dominated by the encryption itself.
 * Every byte handed out is also fed to `hash`, which gives the expected final hash.
 */
export function plaintextSource(bytes: number, hash?: Hash): Readable {
  const block = randomBytes(MiB);
  let left = bytes;
  return new Readable({
    highWaterMark: MiB,
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      // Re-pushing the same Buffer is safe: nothing downstream writes into its input.
      const piece = left >= block.length ? block : block.subarray(0, left);
      left -= piece.length;
      hash?.update(piece);
      this.push(piece);
    },
  });
}

/** Encrypt `bytes` generated plaintext bytes with PayloadEncryptStream into `file` (no age header). */
export async function encryptToFile(file: string, bytes: number, fileKey: Uint8Array): Promise<{ plaintextSha256: string }> {
  const hash = createHash('sha256');
  await pipeline(plaintextSource(bytes, hash), new PayloadEncryptStream(fileKey), createWriteStream(file, { flags: 'wx' }));
  return { plaintextSha256: hash.digest('hex') };
}

/** The device's "final hash": SHA-256 over the authenticated plaintext, as a sink. */
class HashSink extends Writable {
  readonly hash = createHash('sha256');
  bytes = 0;

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done();
  }
}

/**
 * What is measured for Osprey: ciphertext file → fs.createReadStream → PayloadDecryptStream →
 * SHA-256 of the plaintext, with stream.pipeline (backpressure, error propagation) as a device does.
 */
export async function ospreyDecryptAndHash(file: string, fileKey: Uint8Array): Promise<{ sha256: string; bytes: number }> {
  const sink = new HashSink();
  await pipeline(createReadStream(file, { highWaterMark: READ_HIGH_WATER_MARK }), new PayloadDecryptStream(fileKey), sink);
  return { sha256: sink.hash.digest('hex'), bytes: sink.bytes };
}
