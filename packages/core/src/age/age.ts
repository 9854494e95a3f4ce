/**
 * age v1 files: header + payload. Encryption emits the header followed by the STREAM payload;
 * decryption parses the header from the stream, unwraps the file key with the given identities,
 * checks the header MAC, then releases plaintext one authenticated chunk at a time.
 *
 * Osprey's split: one payload per release, shared by the whole fleet; a small header per device,
 * written by `wrapHeader` from the file key without touching the payload (header || payload is a
 * complete age file for that device).
 */
import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OspreyError } from '../errors.js';
import { encodeHeader, FILE_KEY_SIZE, findHeaderEnd, parseHeader, verifyHeaderMac } from './format.js';
import type { Identity, Recipient } from './recipient.js';
import { PayloadEncryptStream, StreamOpener } from './stream.js';

/** Headers are small (a stanza is ~150 bytes); refuse to buffer an endless one. */
export const DEFAULT_MAX_HEADER_SIZE = 1024 * 1024;

export function generateFileKey(): Buffer {
  return randomBytes(FILE_KEY_SIZE);
}

/** A header wrapping `fileKey` for every recipient, MACed with the file key. */
export async function wrapHeader(fileKey: Uint8Array, recipients: readonly Recipient[]): Promise<Buffer> {
  if (fileKey.byteLength !== FILE_KEY_SIZE) throw new RangeError('age file keys are 16 bytes');
  if (recipients.length === 0) throw new OspreyError('AGE_INVALID_RECIPIENT', 'at least one recipient is needed');
  const stanzas = (await Promise.all(recipients.map((r) => r.wrapFileKey(fileKey)))).flat();
  return encodeHeader(fileKey, stanzas);
}

/**
 * Parse a complete header, unwrap its file key with the first identity that matches, and verify
 * the header MAC. Throws AGE_NO_MATCHING_KEY, AGE_HEADER_MAC_MISMATCH or a header format error.
 */
export async function unwrapHeader(header: Uint8Array, identities: readonly Identity[]): Promise<Buffer> {
  const parsed = parseHeader(header);
  for (const identity of identities) {
    const fileKey = await identity.unwrapFileKey(parsed.stanzas);
    if (fileKey) {
      if (fileKey.byteLength !== FILE_KEY_SIZE) throw new OspreyError('AGE_STANZA_INVALID', 'unwrapped file key is not 16 bytes');
      verifyHeaderMac(fileKey, parsed);
      return Buffer.from(fileKey);
    }
  }
  throw new OspreyError('AGE_NO_MATCHING_KEY');
}

/** Identity that already knows the file key (the server re-wrapping, or a test). */
export class FileKeyIdentity implements Identity {
  constructor(private readonly fileKey: Uint8Array) {}
  async unwrapFileKey(): Promise<Uint8Array> {
    return this.fileKey;
  }
}

export interface EncryptStreamOptions {
  fileKey?: Uint8Array;
  /** Omit the header: emit only the shared payload (nonce || chunks). */
  payloadOnly?: boolean;
}

/** A Transform that turns plaintext into an age file (or only its payload) for `recipients`. */
export async function createEncryptStream(
  recipients: readonly Recipient[],
  options: EncryptStreamOptions = {},
): Promise<{ fileKey: Buffer; header: Buffer; stream: PayloadEncryptStream }> {
  const fileKey = Buffer.from(options.fileKey ?? generateFileKey());
  const header = await wrapHeader(fileKey, recipients);
  const stream = new PayloadEncryptStream(fileKey, options.payloadOnly ? {} : { prefix: header });
  return { fileKey, header, stream };
}

export interface DecryptStreamOptions {
  maxHeaderSize?: number;
  /** Called once the header has been authenticated, with the file key. */
  onFileKey?: (fileKey: Buffer) => void;
}

const VERSION_PREFIX = Buffer.from('age-encryption.org/');

/** Whether the bytes so far can still be the start of an age file. */
function looksLikeAge(buffered: Buffer): boolean {
  const n = Math.min(buffered.length, VERSION_PREFIX.length);
  return buffered.subarray(0, n).equals(VERSION_PREFIX.subarray(0, n)) && (n > 0 || buffered.length === 0);
}

/** A Transform that turns an age file into plaintext, authenticating each chunk before release. */
export class AgeDecryptStream extends Transform {
  private headerBytes: Buffer[] = [];
  private headerLength = 0;
  private opener: StreamOpener | undefined;
  private readonly maxHeaderSize: number;

  constructor(
    private readonly identities: readonly Identity[],
    private readonly options: DecryptStreamOptions = {},
  ) {
    super();
    this.maxHeaderSize = options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.opener) return this.feed(chunk, done);
    this.headerBytes.push(chunk);
    this.headerLength += chunk.length;
    const buffered = Buffer.concat(this.headerBytes);
    this.headerBytes = [buffered];
    if (!looksLikeAge(buffered)) return done(new OspreyError('AGE_HEADER_INVALID', 'not an age file (no age-encryption.org/ version line)'));
    const end = findHeaderEnd(buffered);
    if (end < 0) {
      if (this.headerLength > this.maxHeaderSize) {
        return done(new OspreyError('AGE_HEADER_INVALID', `no complete age header in the first ${this.maxHeaderSize} bytes`));
      }
      return done();
    }
    unwrapHeader(buffered.subarray(0, end), this.identities).then(
      (fileKey) => {
        this.options.onFileKey?.(fileKey);
        this.opener = new StreamOpener(fileKey);
        this.headerBytes = [];
        this.feed(buffered.subarray(end), done);
      },
      (error: unknown) => done(error as Error),
    );
  }

  private feed(chunk: Buffer, done: TransformCallback): void {
    try {
      for (const plaintext of this.opener!.push(chunk)) this.push(plaintext);
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (!this.opener) {
      if (!looksLikeAge(Buffer.concat(this.headerBytes)))
        return done(new OspreyError('AGE_HEADER_INVALID', 'not an age file (no age-encryption.org/ version line)'));
      return done(new OspreyError(this.headerLength === 0 ? 'AGE_HEADER_INVALID' : 'AGE_TRUNCATED', 'the file ends inside the age header'));
    }
    try {
      this.push(this.opener.finish());
      done();
    } catch (e) {
      done(e as Error);
    }
  }
}

/** Run a small in-memory input through a Transform and collect its output. */
async function transformBuffer(input: Uint8Array, transform: Transform): Promise<Buffer> {
  const parts: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      parts.push(chunk);
      cb();
    },
  });
  await pipeline(Readable.from([Buffer.from(input)]), transform, sink);
  return Buffer.concat(parts);
}

/** Encrypt a small in-memory plaintext (tests, metadata-sized data). Use streams for images. */
export async function encrypt(plaintext: Uint8Array, recipients: readonly Recipient[]): Promise<Buffer> {
  const { stream } = await createEncryptStream(recipients);
  return transformBuffer(plaintext, stream);
}

/** Decrypt a small in-memory age file. Use AgeDecryptStream for images. */
export async function decrypt(file: Uint8Array, identities: readonly Identity[]): Promise<Buffer> {
  return transformBuffer(file, new AgeDecryptStream(identities));
}
