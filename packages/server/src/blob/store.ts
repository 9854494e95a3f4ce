/**
 * Content-addressed blob storage: a blob's name is the SHA-256 of its bytes. Writes stream into a
 * temporary file while hashing, are fsynced, then renamed into place, so a blob is either absent
 * or complete; a crash leaves at most a temporary file, removed at the next start.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
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
  /** A stream of the blob, or of bytes [start, end] inclusive. */
  get(sha256: string, range?: { start: number; end: number }): Readable;
  size(sha256: string): Promise<number | undefined>;
  has(sha256: string): Promise<boolean>;
  /** Remove a blob (callers make sure nothing refers to it any more). */
  delete(sha256: string): Promise<void>;
}

const SHA256 = /^[0-9a-f]{64}$/;

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

  async has(sha256: string): Promise<boolean> {
    try {
      return statSync(this.path(sha256)).isFile();
    } catch {
      return false;
    }
  }
}
