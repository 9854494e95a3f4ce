/**
 * The age payload: a 16-byte nonce, then ChaCha20-Poly1305 STREAM over 64 KiB plaintext chunks
 * (C2SP age specification, "Payload"). Chunk nonce = 11-byte big-endian counter || last-chunk flag.
 *
 * StreamSealer / StreamOpener are incremental and synchronous (bytes in, bytes out); the Transform
 * classes wrap them for Node streams. Memory is bounded by one chunk whatever the payload size.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, type DecipherChaCha20Poly1305 } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { OspreyError } from '../errors.js';
import { ByteQueue } from './bytequeue.js';
import { FILE_KEY_SIZE } from './format.js';

export const CHUNK_SIZE = 64 * 1024;
export const TAG_SIZE = 16;
export const PAYLOAD_NONCE_SIZE = 16;
export const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE;

export function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Buffer {
  if (fileKey.byteLength !== FILE_KEY_SIZE) throw new RangeError('age file keys are 16 bytes');
  return Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
}

function chunkNonce(counter: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(counter, 5, 6); // the upper 5 of the 11 counter bytes stay zero (< 2^48 chunks)
  nonce[11] = last ? 1 : 0;
  return nonce;
}

export function sealChunk(key: Uint8Array, counter: number, last: boolean, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, chunkNonce(counter, last), { authTagLength: TAG_SIZE });
  const body = cipher.update(plaintext);
  cipher.final();
  return Buffer.concat([body, cipher.getAuthTag()]);
}

/** Open one sealed chunk; null when it does not authenticate under (counter, last). */
export function openChunk(key: Uint8Array, counter: number, last: boolean, sealed: Uint8Array): Buffer | null {
  if (sealed.byteLength < TAG_SIZE) return null;
  const tagAt = sealed.byteLength - TAG_SIZE;
  const decipher = createDecipheriv('chacha20-poly1305', key, chunkNonce(counter, last), { authTagLength: TAG_SIZE });
  decipher.setAuthTag(sealed.subarray(tagAt));
  const plaintext = decipher.update(sealed.subarray(0, tagAt));
  try {
    decipher.final();
  } catch {
    return null; // the plaintext computed above is dropped: it never leaves this function
  }
  return plaintext;
}

export class StreamSealer {
  private readonly key: Buffer;
  private readonly queue = new ByteQueue();
  private counter = 0;
  readonly nonce: Buffer;

  constructor(fileKey: Uint8Array, nonce: Uint8Array = randomBytes(PAYLOAD_NONCE_SIZE)) {
    this.nonce = Buffer.from(nonce);
    this.key = payloadKey(fileKey, this.nonce);
  }

  /** Seal every chunk that is certainly not the last one (a full chunk followed by more data). */
  push(data: Uint8Array): Buffer[] {
    this.queue.push(data);
    const out: Buffer[] = [];
    while (this.queue.length > CHUNK_SIZE) out.push(sealChunk(this.key, this.counter++, false, this.queue.take(CHUNK_SIZE)));
    return out;
  }

  /** The final chunk: short, full, or empty only when the whole payload is empty. */
  finish(): Buffer {
    return sealChunk(this.key, this.counter++, true, this.queue.takeAll());
  }
}

export class StreamOpener {
  private readonly fileKey: Buffer;
  private key: Buffer | undefined;
  private readonly queue = new ByteQueue();
  private counter = 0;
  /** Plaintext bytes released so far (all of them authenticated). */
  released = 0;

  constructor(fileKey: Uint8Array) {
    this.fileKey = Buffer.from(fileKey);
  }

  push(data: Uint8Array): Buffer[] {
    this.queue.push(data);
    if (!this.key) {
      if (this.queue.length < PAYLOAD_NONCE_SIZE) return [];
      this.key = payloadKey(this.fileKey, this.queue.take(PAYLOAD_NONCE_SIZE));
    }
    const out: Buffer[] = [];
    // A full sealed chunk followed by at least one more byte cannot be the final chunk.
    while (this.queue.length > SEALED_CHUNK_SIZE) {
      const sealed = this.queue.take(SEALED_CHUNK_SIZE);
      const plaintext = openChunk(this.key, this.counter, false, sealed);
      if (!plaintext) {
        if (openChunk(this.key, this.counter, true, sealed)) {
          throw new OspreyError('AGE_TRAILING_DATA', `data follows the final chunk (chunk ${this.counter})`);
        }
        throw new OspreyError('AGE_CHUNK_AUTH_FAILED', `payload chunk ${this.counter} failed authentication`);
      }
      this.counter++;
      this.released += plaintext.length;
      out.push(plaintext);
    }
    return out;
  }

  finish(): Buffer {
    if (!this.key) throw new OspreyError('AGE_TRUNCATED', 'the payload ends before its nonce');
    const sealed = this.queue.takeAll();
    if (sealed.length < TAG_SIZE) {
      throw new OspreyError('AGE_TRUNCATED', `the payload ends before its final chunk (after chunk ${this.counter})`);
    }
    const plaintext = openChunk(this.key, this.counter, true, sealed);
    if (!plaintext) {
      if (openChunk(this.key, this.counter, false, sealed)) {
        throw new OspreyError('AGE_TRUNCATED', `the payload ends after chunk ${this.counter}, which is not the final chunk`);
      }
      throw new OspreyError('AGE_CHUNK_AUTH_FAILED', `final payload chunk ${this.counter} failed authentication`);
    }
    if (plaintext.length === 0 && this.counter > 0) {
      throw new OspreyError('AGE_CHUNK_AUTH_FAILED', 'an empty final chunk is only allowed for an empty payload');
    }
    this.released += plaintext.length;
    return plaintext;
  }
}

/**
 * Async-iterator form of payload decryption: authenticated plaintext chunks from an iterable of
 * `nonce || sealed chunks`. Usable as a `pipeline()` stage or with `for await`; reading a file
 * this way lets the next read start while a chunk is being decrypted (faster than `pipe()`).
 */
export async function* decryptPayload(source: AsyncIterable<Uint8Array>, fileKey: Uint8Array): AsyncGenerator<Buffer> {
  const opener = new StreamOpener(fileKey);
  for await (const chunk of source) yield* opener.push(chunk);
  yield opener.finish();
}

export interface PayloadEncryptOptions {
  /** Bytes to emit before the payload, typically the age header. */
  prefix?: Uint8Array;
  /** For tests only: a fixed payload nonce. */
  nonce?: Uint8Array;
}

/** Node Transform: plaintext in, `[prefix] nonce || sealed chunks` out. */
export class PayloadEncryptStream extends Transform {
  private readonly sealer: StreamSealer;
  private started = false;

  constructor(
    fileKey: Uint8Array,
    private readonly options: PayloadEncryptOptions = {},
  ) {
    super();
    this.sealer = new StreamSealer(fileKey, options.nonce);
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    if (this.options.prefix) this.push(Buffer.from(this.options.prefix));
    this.push(this.sealer.nonce);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.start();
    for (const sealed of this.sealer.push(chunk)) this.push(sealed);
    done();
  }

  override _flush(done: TransformCallback): void {
    this.start();
    this.push(this.sealer.finish());
    done();
  }
}

/** Node Transform: `nonce || sealed chunks` in, authenticated plaintext out. */
export class PayloadDecryptStream extends Transform {
  private readonly opener: StreamOpener;

  constructor(fileKey: Uint8Array) {
    super();
    this.opener = new StreamOpener(fileKey);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      for (const plaintext of this.opener.push(chunk)) this.push(plaintext);
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.push(this.opener.finish());
      done();
    } catch (e) {
      done(e as Error);
    }
  }
}

/**
 * Sealed chunk count and final sealed chunk size of a payload of `payloadLength` bytes (nonce
 * included), or a reason why no age payload has that length.
 */
export function payloadLayout(payloadLength: number): { chunks: number; finalSealedSize: number } | { invalid: string } {
  if (!Number.isSafeInteger(payloadLength) || payloadLength < PAYLOAD_NONCE_SIZE + TAG_SIZE) {
    return { invalid: `an age payload is at least ${PAYLOAD_NONCE_SIZE + TAG_SIZE} bytes, not ${payloadLength}` };
  }
  const body = payloadLength - PAYLOAD_NONCE_SIZE;
  const chunks = Math.max(1, Math.ceil(body / SEALED_CHUNK_SIZE));
  const finalSealedSize = body - (chunks - 1) * SEALED_CHUNK_SIZE;
  // The final chunk carries its tag; it is empty only when the whole plaintext is (C2SP age, "Payload").
  if (finalSealedSize < TAG_SIZE || (chunks > 1 && finalSealedSize === TAG_SIZE)) {
    return { invalid: `no age payload is ${payloadLength} bytes long (its final chunk would be ${finalSealedSize} bytes)` };
  }
  return { chunks, finalSealedSize };
}

/**
 * Incremental payload decryption when the payload length is known in advance (it is signed, e.g.
 * the TUF target length). Knowing which chunk is the final one, each chunk is deciphered piece by
 * piece as bytes arrive, without first gathering it into one buffer (no copy, no hold-back of a
 * chunk until the next byte shows it was not the last); its plaintext is released only once its
 * tag verified. Bytes beyond the length are refused (AGE_TRAILING_DATA) before they are processed;
 * `finish()` refuses a payload that ended early (AGE_TRUNCATED).
 */
export class SizedStreamOpener {
  private readonly fileKey: Buffer;
  private readonly layout: { chunks: number; finalSealedSize: number };
  private key: Buffer | undefined;
  private nonceValue: Buffer | undefined;
  private noncePieces: Buffer[] = [];
  private nonceBytes = 0;
  private counter = 0;
  private decipher: DecipherChaCha20Poly1305 | undefined;
  /** Bytes of the current sealed chunk seen so far. */
  private inChunk = 0;
  private pieces: Buffer[] = [];
  private tag: Buffer[] = [];
  /** Payload bytes accepted so far (nonce included). */
  received = 0;
  /** Plaintext bytes released so far (all of them authenticated). */
  released = 0;

  /**
   * `resume` continues a payload at sealed chunk `chunk` (its bytes start at
   * {@link SizedStreamOpener.offsetOfChunk}), given the payload nonce read before: the next byte
   * pushed is the first byte of that chunk.
   */
  constructor(
    fileKey: Uint8Array,
    readonly payloadLength: number,
    resume?: { readonly nonce: Uint8Array; readonly chunk: number },
  ) {
    const layout = payloadLayout(payloadLength);
    if ('invalid' in layout) throw new OspreyError('AGE_TRUNCATED', layout.invalid);
    this.layout = layout;
    this.fileKey = Buffer.from(fileKey);
    if (resume) {
      if (resume.nonce.byteLength !== PAYLOAD_NONCE_SIZE || !Number.isSafeInteger(resume.chunk) || resume.chunk < 0 || resume.chunk >= layout.chunks) {
        throw new RangeError(`cannot resume a payload of ${layout.chunks} chunks at chunk ${resume.chunk}`);
      }
      this.key = payloadKey(this.fileKey, resume.nonce);
      this.nonceValue = Buffer.from(resume.nonce);
      this.counter = resume.chunk;
      this.received = SizedStreamOpener.offsetOfChunk(resume.chunk);
      this.begin();
    }
  }

  /** Where sealed chunk `chunk` starts in the payload. */
  static offsetOfChunk(chunk: number): number {
    return PAYLOAD_NONCE_SIZE + chunk * SEALED_CHUNK_SIZE;
  }

  /** The payload nonce, once its 16 bytes have been pushed (to resume later). */
  get nonce(): Buffer | undefined {
    return this.nonceValue;
  }

  /** Sealed chunks authenticated and released so far. */
  get chunksReleased(): number {
    return this.counter;
  }

  private sealedSize(counter: number): number {
    return counter === this.layout.chunks - 1 ? this.layout.finalSealedSize : SEALED_CHUNK_SIZE;
  }

  private begin(): void {
    const nonce = chunkNonce(this.counter, this.counter === this.layout.chunks - 1);
    this.decipher = createDecipheriv('chacha20-poly1305', this.key!, nonce, { authTagLength: TAG_SIZE });
    this.inChunk = 0;
    this.pieces = [];
    this.tag = [];
  }

  /** Authenticated plaintext of every chunk completed by `data`. */
  push(data: Uint8Array): Buffer[] {
    let bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (this.received + bytes.length > this.payloadLength) {
      throw new OspreyError('AGE_TRAILING_DATA', `the payload is longer than its ${this.payloadLength} bytes`);
    }
    this.received += bytes.length;
    if (!this.key) {
      const take = Math.min(PAYLOAD_NONCE_SIZE - this.nonceBytes, bytes.length);
      this.noncePieces.push(bytes.subarray(0, take));
      this.nonceBytes += take;
      bytes = bytes.subarray(take);
      if (this.nonceBytes < PAYLOAD_NONCE_SIZE) return [];
      this.nonceValue = Buffer.concat(this.noncePieces);
      this.key = payloadKey(this.fileKey, this.nonceValue);
      this.noncePieces = [];
      this.begin();
    }
    const out: Buffer[] = [];
    while (bytes.length > 0) {
      const size = this.sealedSize(this.counter);
      const bodySize = size - TAG_SIZE;
      const take = Math.min(bytes.length, size - this.inChunk);
      const piece = bytes.subarray(0, take);
      bytes = bytes.subarray(take);
      const bodyPart = Math.max(0, Math.min(take, bodySize - this.inChunk));
      if (bodyPart > 0) this.pieces.push(this.decipher!.update(piece.subarray(0, bodyPart)));
      if (bodyPart < take) this.tag.push(piece.subarray(bodyPart));
      this.inChunk += take;
      if (this.inChunk === size) {
        this.decipher!.setAuthTag(this.tag.length === 1 ? this.tag[0]! : Buffer.concat(this.tag));
        try {
          this.decipher!.final();
        } catch {
          this.pieces = []; // the unauthenticated plaintext never leaves
          throw new OspreyError('AGE_CHUNK_AUTH_FAILED', `payload chunk ${this.counter} failed authentication`);
        }
        for (const p of this.pieces) {
          this.released += p.length;
          if (p.length > 0) out.push(p);
        }
        this.counter++;
        if (this.counter < this.layout.chunks) this.begin();
      }
    }
    return out;
  }

  /** Throws AGE_TRUNCATED unless every byte of the payload has been pushed and authenticated. */
  finish(): void {
    if (this.received < this.payloadLength || this.counter < this.layout.chunks) {
      throw new OspreyError('AGE_TRUNCATED', `the payload ends after ${this.received} of its ${this.payloadLength} bytes`);
    }
  }
}

/** {@link decryptPayload} for a payload of known (signed) length: see {@link SizedStreamOpener}. */
export function decryptPayloadOfLength(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  fileKey: Uint8Array,
  payloadLength: number,
): AsyncGenerator<Buffer> {
  return decryptWithOpener(source, new SizedStreamOpener(fileKey, payloadLength));
}

/** The authenticated plaintext `opener` releases for `source` (e.g. an opener that resumes a payload). */
export async function* decryptWithOpener(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opener: SizedStreamOpener): AsyncGenerator<Buffer> {
  for await (const chunk of source) yield* opener.push(chunk);
  opener.finish();
}
