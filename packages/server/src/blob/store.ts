/**
 * Content-addressed blob storage: a blob's name is the SHA-256 of its bytes. Writes stream into a
 * temporary file while hashing, are fsynced, then renamed into place, so a blob is either absent
 * or complete; a crash leaves at most a temporary file, removed at the next start.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { access, constants, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { hashingLimiter, SHA256, sizeDamage, verifyDamage, verifiedStream, type BlobDamage, type StoredBlob } from './hashing.js';

export { BlobDamagedError, BlobTooLargeError, type BlobDamage, type StoredBlob } from './hashing.js';

/** One stored blob, as listed for garbage collection. */
export interface ListedBlob {
  sha256: string;
  size: number;
  /** When it was last written (a re-upload of the same bytes writes it again). */
  modifiedAt: Date;
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
  /** Size and last write of a blob, or undefined when there is none. */
  stat(sha256: string): Promise<Omit<ListedBlob, 'sha256'> | undefined>;
  has(sha256: string): Promise<boolean>;
  /** Remove a blob (callers make sure nothing refers to it any more). */
  delete(sha256: string): Promise<void>;
  /** Every stored blob (for garbage collection). */
  list(): AsyncIterable<ListedBlob>;
  /** Resolves when the store can be written (readiness); rejects saying why not. */
  ping(): Promise<void>;
  /** Remove temporaries of uploads begun before `olderThan` (left by a crash); returns how many. */
  removeStaleTemporaries(olderThan: Date): Promise<number>;
  /** Where the blobs are, for the start banner: "files in /data/blobs", "S3 bucket b at …". */
  readonly description: string;
}

export class FileBlobStore implements BlobStore {
  private readonly root: string;
  private readonly temp: string;
  readonly description: string;

  constructor(dir: string) {
    this.description = `files in ${dir}`;
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
    const hasher = hashingLimiter(options.maxBytes);
    const tempPath = join(this.temp, randomBytes(12).toString('hex'));
    try {
      await pipeline(source, hasher.stream, createWriteStream(tempPath, { flags: 'wx' }));
      const handle = await open(tempPath, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      const stored = hasher.result();
      const finalPath = this.path(stored.sha256);
      mkdirSync(join(this.root, stored.sha256.slice(0, 2)), { recursive: true });
      // Same content, same name: replacing is harmless, and it renews the blob's mtime, so that
      // garbage collection's grace period counts from this upload.
      await rename(tempPath, finalPath);
      const dir = await open(join(this.root, stored.sha256.slice(0, 2)), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
      return stored;
    } catch (e) {
      await rm(tempPath, { force: true });
      throw e;
    }
  }

  get(sha256: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.path(sha256), range ? { start: range.start, end: range.end } : {});
  }

  getVerified(sha256: string, size: number): Readable {
    return verifiedStream(createReadStream(this.path(sha256)), sha256, size, (e) => (e as NodeJS.ErrnoException).code === 'ENOENT');
  }

  async check(sha256: string, size: number): Promise<BlobDamage | undefined> {
    return sizeDamage(await this.size(sha256), size);
  }

  verify(sha256: string, size: number): Promise<BlobDamage | undefined> {
    return verifyDamage(this, sha256, size);
  }

  async size(sha256: string): Promise<number | undefined> {
    return (await this.stat(sha256))?.size;
  }

  async stat(sha256: string): Promise<Omit<ListedBlob, 'sha256'> | undefined> {
    try {
      const info = await stat(this.path(sha256));
      return { size: info.size, modifiedAt: info.mtime };
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

  async *list(): AsyncIterable<ListedBlob> {
    for (const fan of await readdir(this.root)) {
      for (const name of await readdir(join(this.root, fan)).catch(() => [] as string[])) {
        if (!SHA256.test(name)) continue;
        const info = await stat(join(this.root, fan, name)).catch(() => undefined);
        if (info?.isFile()) yield { sha256: name, size: info.size, modifiedAt: info.mtime };
      }
    }
  }

  /** The directories are there and writable (a read-only or removed volume fails here). */
  async ping(): Promise<void> {
    await access(this.root, constants.W_OK);
    await access(this.temp, constants.W_OK);
  }

  async removeStaleTemporaries(olderThan: Date): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.temp)) {
      const info = await stat(join(this.temp, name)).catch(() => undefined);
      if (info && info.mtime < olderThan) {
        await rm(join(this.temp, name), { force: true });
        removed++;
      }
    }
    return removed;
  }
}
