/**
 * Content-addressed blob storage: a blob's name is the SHA-256 of its bytes. Writes stream into a
 * temporary file while hashing, are fsynced, then renamed into place, so a blob is either absent
 * or complete; a crash leaves at most a temporary file, removed at the next start.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredBlob {
  sha256: string;
  sha1: string;
  md5: string;
  size: number;
}

export interface BlobStore {
  /** Stream `source` into the store. Optionally refuse above `maxBytes`. */
  put(source: Readable, options?: { maxBytes?: number }): Promise<StoredBlob>;
  /** A stream of the blob, or of bytes [start, end] inclusive. Unverified: see getVerified. */
  get(sha256: string, range?: { start: number; end: number }): Readable;
  /**
   * The whole blob, hashed as it streams. On a short, long or changed file the stream is
   * destroyed with a BlobDamagedError before its last chunk, so a client sees a cut connection,
   * never a complete wrong file.
   */
  getVerified(sha256: string, size: number): Readable;
  /** Cheap check before answering (a stat): why the blob cannot be served at `size`, or undefined. */
  check(sha256: string, size: number): Promise<BlobDamage | undefined>;
  /** Full check (re-hashes the file), for scrubbing: why the blob is damaged, or undefined. */
  verify(sha256: string, size: number): Promise<BlobDamage | undefined>;
  size(sha256: string): Promise<number | undefined>;
  has(sha256: string): Promise<boolean>;
  /** Remove a blob (callers make sure nothing refers to it any more). */
  delete(sha256: string): Promise<void>;
  /** The readiness probe: resolves when the store can be read and written now, else rejects saying why. */
  ping(): Promise<void>;
}

const SHA256 = /^[0-9a-f]{64}$/;

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

export class FileBlobStore implements BlobStore {
  private readonly root: string;
  private readonly temp: string;

  constructor(dir: string) {
    this.root = join(dir, 'sha256');
    this.temp = join(dir, 'tmp');
    mkdirSync(this.root, { recursive: true });
    mkdirSync(this.temp, { recursive: true });
    // Leftovers of writes interrupted by a crash: never visible as blobs, safe to drop.
    for (const name of readdirSync(this.temp)) rmSync(join(this.temp, name), { force: true });
  }

  private path(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  async put(source: Readable, options: { maxBytes?: number } = {}): Promise<StoredBlob> {
    const sha256 = createHash('sha256');
    const sha1 = createHash('sha1');
    const md5 = createHash('md5');
    let size = 0;
    const max = options.maxBytes ?? Number.POSITIVE_INFINITY;
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > max) return done(new BlobTooLargeError(`blob larger than ${max} bytes`));
        sha256.update(chunk);
        sha1.update(chunk);
        md5.update(chunk);
        done(null, chunk);
      },
    });
    const tempPath = join(this.temp, randomBytes(12).toString('hex'));
    try {
      await pipeline(source, hasher, createWriteStream(tempPath, { flags: 'wx' }));
      const handle = await open(tempPath, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      const digest = sha256.digest('hex');
      const finalPath = this.path(digest);
      mkdirSync(join(this.root, digest.slice(0, 2)), { recursive: true });
      await rename(tempPath, finalPath); // same content, same name: replacing is harmless
      const dir = await open(join(this.root, digest.slice(0, 2)), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
      return { sha256: digest, sha1: sha1.digest('hex'), md5: md5.digest('hex'), size };
    } catch (e) {
      await rm(tempPath, { force: true });
      throw e;
    }
  }

  get(sha256: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.path(sha256), range ? { start: range.start, end: range.end } : {});
  }

  getVerified(sha256: string, size: number): Readable {
    const hash = createHash('sha256');
    let seen = 0;
    // The latest chunk is held back until the whole file is hashed: the last byte leaves only
    // once the file is known intact.
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
    const source = createReadStream(this.path(sha256));
    source.on('error', (e: NodeJS.ErrnoException) => verifier.destroy(e.code === 'ENOENT' ? new BlobDamagedError(sha256, 'missing') : e));
    return source.pipe(verifier);
  }

  async check(sha256: string, size: number): Promise<BlobDamage | undefined> {
    const actual = await this.size(sha256);
    if (actual === undefined) return 'missing';
    return actual === size ? undefined : 'size';
  }

  async verify(sha256: string, size: number): Promise<BlobDamage | undefined> {
    const quick = await this.check(sha256, size);
    if (quick) return quick;
    try {
      await pipeline(this.getVerified(sha256, size), new Writable({ write: (_c, _e, done) => done() }));
      return undefined;
    } catch (e) {
      if (e instanceof BlobDamagedError) return e.damage;
      throw e;
    }
  }

  async size(sha256: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(sha256))).size;
    } catch {
      return undefined;
    }
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.path(sha256), { force: true });
  }

  /** The blobs directory is there and a file can be written into it (a full or read-only disk fails). */
  async ping(): Promise<void> {
    if (!(await stat(this.root)).isDirectory()) throw new Error(`${this.root} is not a directory`);
    const probe = join(this.temp, `ping-${randomBytes(6).toString('hex')}`);
    try {
      await writeFile(probe, 'ping', { flag: 'wx' });
    } finally {
      await rm(probe, { force: true });
    }
  }

  async has(sha256: string): Promise<boolean> {
    try {
      return statSync(this.path(sha256)).isFile();
    } catch {
      return false;
    }
  }
}
