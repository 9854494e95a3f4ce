/**
 * Shared pieces of the `crypto` benchmark: the plaintext generator, the encrypt-to-file step, the
 * exact Osprey decrypt + final-hash pipeline that is measured, and the bare node:crypto baseline. crypto.ts (throughput, in process)
 * and crypto-rss-child.ts (peak RSS, in child processes) both use these, so the code whose speed is
 * measured is the code whose memory is measured.
 */
import { createDecipheriv, createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CHUNK_SIZE,
  decryptPayload,
  PAYLOAD_NONCE_SIZE,
  PayloadEncryptStream,
  SEALED_CHUNK_SIZE,
  TAG_SIZE,
  payloadKey,
} from '../packages/core/src/age/stream.js';

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
 * What is measured for Osprey: ciphertext file → fs.createReadStream → decryptPayload (the
 * async-iterator form of as the device agent reads) → SHA-256 of the
 * plaintext, in stream.pipeline (backpressure, error propagation).
 *
 * Why the iterator form (measured, Node 20): with stream-to-stream pipe() the ReadStream issues its
 * next read only after the whole 1 MiB read was decrypted inside its 'data' event, so reads do not
 * overlap the cryptography (~0.15 ms idle per MiB, about 10 %); an iterator reads ahead.
 */
export async function ospreyDecryptAndHash(file: string, fileKey: Uint8Array): Promise<{ sha256: string; bytes: number }> {
  const sink = new HashSink();
  await pipeline(createReadStream(file, { highWaterMark: READ_HIGH_WATER_MARK }), (source: AsyncIterable<Uint8Array>) => decryptPayload(source, fileKey), sink);
  return { sha256: sink.hash.digest('hex'), bytes: sink.bytes };
}

// ---------------------------------------------------------------------------------------------
// Baseline: the least code that does the same cryptographic work as PayloadDecryptStream + hash.
// ---------------------------------------------------------------------------------------------

/** Baseline sealed chunks per read: 16 × (64 KiB + 16) ≈ 1 MiB, the same read size as the Osprey side. */
export const BASELINE_CHUNKS_PER_READ = 16;

async function readFully(fh: FileHandle, buffer: Buffer, length: number, position: number): Promise<void> {
  for (let done = 0; done < length;) {
    const { bytesRead } = await fh.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at ${position + done}`);
    done += bytesRead;
  }
}

/**
 * Bare node:crypto loop: per 64 KiB+16 sealed chunk, one chacha20-poly1305 decipher with the STREAM
 * nonce (11-byte big-endian counter || last flag), authenticated (final() throws otherwise), then
 * hash.update(plaintext). Two reused read buffers with one read always in flight, so file I/O
 * overlaps the cryptography as it does behind fs.createReadStream; there is no stream machinery,
 * no queueing and no per-read allocation, which makes this a practical upper bound.
 */
export async function baselineDecryptAndHash(file: string, fileKey: Uint8Array): Promise<{ sha256: string; bytes: number }> {
  const fh = await open(file, 'r');
  let pending: Promise<number> = Promise.resolve(0);
  try {
    const size = (await fh.stat()).size;
    if (size < PAYLOAD_NONCE_SIZE + TAG_SIZE) throw new Error('ciphertext too short');
    const payloadNonce = Buffer.alloc(PAYLOAD_NONCE_SIZE);
    await readFully(fh, payloadNonce, PAYLOAD_NONCE_SIZE, 0);
    const key = payloadKey(fileKey, payloadNonce);

    const body = size - PAYLOAD_NONCE_SIZE;
    const chunkCount = Math.ceil(body / SEALED_CHUNK_SIZE);
    const blockSize = SEALED_CHUNK_SIZE * BASELINE_CHUNKS_PER_READ;
    const blockCount = Math.ceil(body / blockSize);
    const buffers = [Buffer.allocUnsafe(blockSize), Buffer.allocUnsafe(blockSize)] as const;
    const readBlock = async (block: number): Promise<number> => {
      const start = block * blockSize;
      const length = Math.min(blockSize, body - start);
      await readFully(fh, buffers[block % 2]!, length, PAYLOAD_NONCE_SIZE + start);
      return length;
    };

    const hash = createHash('sha256');
    const nonce = Buffer.alloc(12);
    let counter = 0;
    let bytes = 0;
    pending = readBlock(0);
    for (let block = 0; block < blockCount; block++) {
      const length = await pending;
      const buffer = buffers[block % 2]!;
      if (block + 1 < blockCount) pending = readBlock(block + 1); // read ahead into the other buffer
      for (let offset = 0; offset < length; offset += SEALED_CHUNK_SIZE) {
        const sealed = buffer.subarray(offset, Math.min(offset + SEALED_CHUNK_SIZE, length));
        nonce.writeUIntBE(counter, 5, 6); // upper 5 counter bytes stay 0
        nonce[11] = counter === chunkCount - 1 ? 1 : 0;
        const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_SIZE });
        decipher.setAuthTag(sealed.subarray(sealed.length - TAG_SIZE));
        const plaintext = decipher.update(sealed.subarray(0, sealed.length - TAG_SIZE));
        decipher.final(); // throws "Unsupported state or unable to authenticate data" on a bad chunk
        hash.update(plaintext);
        bytes += plaintext.length;
        counter++;
      }
    }
    return { sha256: hash.digest('hex'), bytes };
  } finally {
    await pending.catch(() => 0); // never close the file under an in-flight read
    await fh.close();
  }
}
