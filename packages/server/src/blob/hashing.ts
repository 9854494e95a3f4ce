/**
 * The stream stages every blob store shares, so the file store and the S3 store hash, limit and
 * verify in exactly the same way: `hashingLimiter` on the way in (SHA-256, SHA-1, MD5 and a size
 * limit), `verifiedStream` on the way out (the last chunk is held back until the hash is checked).
 */
import { createHash } from 'node:crypto';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredBlob {
  sha256: string;
  sha1: string;
  md5: string;
  size: number;
}

/** Why a stored blob is not the one recorded: gone, of another length, or other bytes. */
export type BlobDamage = 'missing' | 'size' | 'hash';

export class BlobDamagedError extends Error {
  override readonly name = 'BlobDamagedError';
  constructor(
    readonly sha256: string,
    readonly damage: BlobDamage,
  ) {
    super(`blob ${sha256} is damaged (${damage})`);
  }
}

export class BlobTooLargeError extends Error {
  override readonly name = 'BlobTooLargeError';
}

export const SHA256 = /^[0-9a-f]{64}$/;

/**
 * A pass-through that hashes what flows and fails with BlobTooLargeError past `maxBytes`.
 * `result()` is valid once the stream has ended.
 */
export function hashingLimiter(maxBytes: number = Number.POSITIVE_INFINITY): { stream: Transform; result(): StoredBlob } {
  const sha256 = createHash('sha256');
  const sha1 = createHash('sha1');
  const md5 = createHash('md5');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxBytes) return done(new BlobTooLargeError(`blob larger than ${maxBytes} bytes`));
      sha256.update(chunk);
      sha1.update(chunk);
      md5.update(chunk);
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ sha256: sha256.digest('hex'), sha1: sha1.digest('hex'), md5: md5.digest('hex'), size }) };
}

/**
 * `source` (the whole stored blob), hashed as it streams. On a short, long or changed blob the
 * stream is destroyed with a BlobDamagedError before its last chunk, so a client sees a cut
 * connection, never a complete wrong file. `isMissing` tells a store's "no such blob" error.
 */
export function verifiedStream(source: Readable, sha256: string, size: number, isMissing: (err: unknown) => boolean): Readable {
  const hash = createHash('sha256');
  let seen = 0;
  // The latest chunk is held back until the whole blob is hashed: the last byte leaves only
  // once the blob is known intact.
  let held: Buffer | undefined;
  const verifier = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > size) return done(new BlobDamagedError(sha256, 'size'));
      hash.update(chunk);
      const previous = held;
      held = chunk;
      done(null, previous);
    },
    flush(done) {
      if (seen !== size) return done(new BlobDamagedError(sha256, 'size'));
      if (hash.digest('hex') !== sha256) return done(new BlobDamagedError(sha256, 'hash'));
      done(null, held);
    },
  });
  source.on('error', (e) => verifier.destroy(isMissing(e) ? new BlobDamagedError(sha256, 'missing') : e));
  // A client that goes away must not leave the source (a file handle, an S3 response) open.
  verifier.on('close', () => source.destroy());
  return source.pipe(verifier);
}

/** Read a verified stream to its end: the damage found, or undefined for an intact blob. */
export async function damageOf(verified: Readable): Promise<BlobDamage | undefined> {
  try {
    await pipeline(verified, new Writable({ write: (_c, _e, done) => done() }));
    return undefined;
  } catch (e) {
    if (e instanceof BlobDamagedError) return e.damage;
    throw e;
  }
}

/** BlobStore.check for any store that can tell a blob's size: 'missing', 'size' or intact. */
export function sizeDamage(actual: number | undefined, size: number): BlobDamage | undefined {
  if (actual === undefined) return 'missing';
  return actual === size ? undefined : 'size';
}

/** BlobStore.verify for any store: the cheap check first, then a full re-hash. */
export async function verifyDamage(
  store: { check(sha256: string, size: number): Promise<BlobDamage | undefined>; getVerified(sha256: string, size: number): Readable },
  sha256: string,
  size: number,
): Promise<BlobDamage | undefined> {
  return (await store.check(sha256, size)) ?? damageOf(store.getVerified(sha256, size));
}
