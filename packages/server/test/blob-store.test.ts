/**
 * One contract for every BlobStore: the same tests run on the file store and on the S3 store
 * against a real Ceph RGW (it checks every signature). After a failed put, the whole store is
 * listed to prove nothing is left under sha256/ or tmp/ (nor an unfinished multipart upload).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, DeleteObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BlobDamagedError, BlobTooLargeError, FileBlobStore, type BlobStore } from '../src/blob/store.js';
import { S3BlobStore } from '../src/blob/s3-store.js';
import { hasCeph, s3ClientOf, startS3, type S3Service } from '../../../testkit/ceph.js';
import { makeTempDir, removeTempDir } from '../../../testkit/temp-dir.js';
import { hasTool } from '../../../testkit/tools.js';

const MiB = 1024 * 1024;
const sha256Of = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A store under test and the means to look behind its back (list everything, damage a blob). */
interface Fixture {
  store: BlobStore;
  /** Every object or file the store holds, as relative keys (sha256/…, tmp/…). */
  everything(): Promise<string[]>;
  /** Replace a blob's bytes behind the store's back (damage). */
  overwrite(sha256: string, bytes: Buffer): Promise<void>;
  remove(sha256: string): Promise<void>;
  /** A temporary as a crashed upload leaves it, written `ageMs` ago. */
  leaveTemporary(name: string, ageMs: number): Promise<void>;
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Read a stream until it fails: the bytes that arrived and the error. */
async function collectUntilError(stream: Readable): Promise<{ bytes: Buffer; error: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error };
  }
  return { bytes: Buffer.concat(chunks), error: undefined };
}

/** A source that sends `bytes` and then fails. */
function failingSource(bytes: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytes) return this.destroy(new Error('the client went away'));
      const chunk = randomBytes(Math.min(256 * 1024, bytes - sent));
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

function fileFixture(): { make(): Fixture; cleanup(): void } {
  const dirs: string[] = [];
  return {
    make() {
      const dir = makeTempDir('osprey-blobs-');
      dirs.push(dir);
      const store = new FileBlobStore(dir);
      const path = (sha: string) => join(dir, 'sha256', sha.slice(0, 2), sha);
      const walk = (d: string): string[] =>
        readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [relative(dir, join(d, e.name))]));
      return {
        store,
        everything: async () => walk(dir).sort(),
        overwrite: async (sha, bytes) => writeFileSync(path(sha), bytes),
        remove: async (sha) => rmSync(path(sha)),
        leaveTemporary: async (name, ageMs) => {
          mkdirSync(join(dir, 'tmp'), { recursive: true });
          writeFileSync(join(dir, 'tmp', name), 'partial');
          const then = new Date(Date.now() - ageMs);
          utimesSync(join(dir, 'tmp', name), then, then);
        },
      };
    },
    cleanup: () => dirs.forEach(removeTempDir),
  };
}

const cephPresent = hasTool('Ceph RGW', hasCeph, 'apt-get install ceph-mon ceph-osd radosgw ceph-common');

/** One RGW for this file; each store gets a bucket of its own. */
function s3Fixture(): { start(): Promise<void>; make(options?: ConstructorParameters<typeof S3BlobStore>[3]): Promise<Fixture>; cleanup(): Promise<void> } {
  let s3: S3Service | undefined;
  let client: S3Client;
  let buckets = 0;
  return {
    async start() {
      s3 = await startS3();
      client = s3ClientOf(s3);
    },
    async make(options = {}) {
      const bucket = `contract-${++buckets}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      // Small parts so a few MiB already make a multipart upload.
      const store = new S3BlobStore(client, bucket, '', { partSize: 5 * MiB, ...options });
      return {
        store,
        async everything() {
          const objects = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
          const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
          return [...(objects.Contents ?? []).map((o) => o.Key!), ...(uploads.Uploads ?? []).map((u) => `multipart:${u.Key}`)].sort();
        },
        overwrite: async (sha, bytes) => void (await client.send(new PutObjectCommand({ Bucket: bucket, Key: store.key(sha), Body: bytes }))),
        remove: async (sha) => void (await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: store.key(sha) }))),
        // S3 sets LastModified itself: an "old" temporary is made by asking about a later cut-off instead (see the test).
        leaveTemporary: async (name) => void (await client.send(new PutObjectCommand({ Bucket: bucket, Key: `tmp/${name}`, Body: 'partial' }))),
      };
    },
    async cleanup() {
      client?.destroy();
      await s3?.stop();
    },
  };
}

const files = fileFixture();
const s3 = s3Fixture();
beforeAll(async () => {
  if (cephPresent) await s3.start();
});
afterAll(async () => {
  files.cleanup();
  await s3.cleanup();
});

const kinds: Array<{ kind: string; run: boolean; make: () => Promise<Fixture> }> = [
  { kind: 'FileBlobStore', run: true, make: async () => files.make() },
  { kind: 'S3BlobStore (Ceph RGW)', run: cephPresent, make: () => s3.make() },
];

for (const { kind, run, make } of kinds) {
  describe.runIf(run)(`BlobStore contract: ${kind}`, () => {
    let f: Fixture;
    beforeAll(async () => {
      f = await make();
    });
    beforeEach(async () => {
      // Each test starts from an empty store.
      for await (const blob of f.store.list()) await f.store.delete(blob.sha256);
    });

    it('put stores the bytes under their SHA-256 with sha1, md5 and size; get, range, has, size and list agree', async () => {
      const bytes = randomBytes(100_000);
      const stored = await f.store.put(Readable.from([bytes]));
      expect(stored).toEqual({
        sha256: sha256Of(bytes),
        sha1: createHash('sha1').update(bytes).digest('hex'),
        md5: createHash('md5').update(bytes).digest('hex'),
        size: bytes.length,
      });
      expect(await f.store.has(stored.sha256)).toBe(true);
      expect(await f.store.size(stored.sha256)).toBe(bytes.length);
      expect((await collect(f.store.get(stored.sha256))).equals(bytes)).toBe(true);
      expect((await collect(f.store.get(stored.sha256, { start: 10, end: 19 }))).equals(bytes.subarray(10, 20))).toBe(true);
      expect((await collect(f.store.get(stored.sha256, { start: 99_999, end: 99_999 }))).equals(bytes.subarray(99_999))).toBe(true);
      const listed = [];
      for await (const blob of f.store.list()) listed.push(blob);
      expect(listed.map((b) => [b.sha256, b.size])).toEqual([[stored.sha256, bytes.length]]);
      expect(await f.everything()).toEqual([`sha256/${stored.sha256.slice(0, 2)}/${stored.sha256}`]);
    });

    it('the same bytes twice are one blob; an empty blob is a blob', async () => {
      const bytes = randomBytes(1000);
      const a = await f.store.put(Readable.from([bytes]));
      const b = await f.store.put(Readable.from([bytes.subarray(0, 500), bytes.subarray(500)]));
      expect(b).toEqual(a);
      const empty = await f.store.put(Readable.from([]));
      expect(empty.sha256).toBe(sha256Of(Buffer.alloc(0)));
      expect((await collect(f.store.getVerified(empty.sha256, 0))).length).toBe(0);
      expect((await f.everything()).length).toBe(2);
    });

    it('a multipart-sized upload (several parts) arrives whole', async () => {
      const bytes = randomBytes(11 * MiB + 123);
      const stored = await f.store.put(Readable.from([bytes.subarray(0, 3 * MiB), bytes.subarray(3 * MiB, 9 * MiB), bytes.subarray(9 * MiB)]));
      expect(stored.sha256).toBe(sha256Of(bytes));
      expect(sha256Of(await collect(f.store.getVerified(stored.sha256, bytes.length)))).toBe(stored.sha256);
      expect(await f.everything()).toEqual([`sha256/${stored.sha256.slice(0, 2)}/${stored.sha256}`]);
    });

    it('getVerified streams an intact blob; check and verify find nothing wrong', async () => {
      const bytes = randomBytes(300_000);
      const { sha256 } = await f.store.put(Readable.from([bytes]));
      expect((await collect(f.store.getVerified(sha256, bytes.length))).equals(bytes)).toBe(true);
      expect(await f.store.check(sha256, bytes.length)).toBeUndefined();
      expect(await f.store.verify(sha256, bytes.length)).toBeUndefined();
    });

    it('getVerified of changed bytes fails with "hash" before the last chunk; check misses it, verify finds it', async () => {
      const bytes = randomBytes(300_000);
      const { sha256 } = await f.store.put(Readable.from([bytes]));
      const changed = Buffer.from(bytes);
      changed[changed.length - 1]! ^= 0xff;
      await f.overwrite(sha256, changed);
      const { bytes: got, error } = await collectUntilError(f.store.getVerified(sha256, bytes.length));
      expect(error).toBeInstanceOf(BlobDamagedError);
      expect((error as BlobDamagedError).damage).toBe('hash');
      expect(got.length).toBeLessThan(bytes.length);
      expect(await f.store.check(sha256, bytes.length)).toBeUndefined(); // same length: only a re-hash tells
      expect(await f.store.verify(sha256, bytes.length)).toBe('hash');
    });

    it('a shorter or longer blob is "size", a missing one "missing", in getVerified, check and verify', async () => {
      const bytes = randomBytes(50_000);
      const { sha256 } = await f.store.put(Readable.from([bytes]));
      for (const damaged of [bytes.subarray(0, 40_000), Buffer.concat([bytes, Buffer.from('x')])]) {
        await f.overwrite(sha256, damaged);
        const { bytes: got, error } = await collectUntilError(f.store.getVerified(sha256, bytes.length));
        expect((error as BlobDamagedError).damage).toBe('size');
        expect(got.length).toBeLessThan(bytes.length);
        expect(await f.store.check(sha256, bytes.length)).toBe('size');
        expect(await f.store.verify(sha256, bytes.length)).toBe('size');
      }
      await f.remove(sha256);
      const { bytes: got, error } = await collectUntilError(f.store.getVerified(sha256, bytes.length));
      expect(error).toBeInstanceOf(BlobDamagedError);
      expect((error as BlobDamagedError).damage).toBe('missing');
      expect(got.length).toBe(0);
      expect(await f.store.check(sha256, bytes.length)).toBe('missing');
      expect(await f.store.verify(sha256, bytes.length)).toBe('missing');
      expect(await f.store.has(sha256)).toBe(false);
      expect(await f.store.size(sha256)).toBeUndefined();
    });

    it('delete removes a blob (and deleting an absent one is fine)', async () => {
      const { sha256 } = await f.store.put(Readable.from([randomBytes(10)]));
      const other = await f.store.put(Readable.from([randomBytes(10)]));
      await f.store.delete(sha256);
      await f.store.delete(sha256);
      expect(await f.store.has(sha256)).toBe(false);
      expect(await f.store.has(other.sha256)).toBe(true);
      expect(await f.everything()).toEqual([`sha256/${other.sha256.slice(0, 2)}/${other.sha256}`]);
    });

    it('above maxBytes a put fails with BlobTooLargeError and leaves nothing', async () => {
      await expect(f.store.put(Readable.from([randomBytes(6 * MiB)]), { maxBytes: 6 * MiB - 1 })).rejects.toBeInstanceOf(BlobTooLargeError);
      expect(await f.everything()).toEqual([]);
      // Exactly the limit is fine.
      const stored = await f.store.put(Readable.from([randomBytes(1000)]), { maxBytes: 1000 });
      expect(stored.size).toBe(1000);
    });

    it('a source that fails midway (after several MiB) fails the put and leaves nothing under sha256/ or tmp/', async () => {
      await expect(f.store.put(failingSource(7 * MiB))).rejects.toThrow('the client went away');
      await expect(f.store.put(failingSource(100))).rejects.toThrow('the client went away');
      expect(await f.everything()).toEqual([]);
    });

    it('removeStaleTemporaries removes temporaries older than the cut-off only', async () => {
      const fresh = randomBytes(6).toString('hex');
      await f.leaveTemporary(fresh, 0);
      expect(await f.store.removeStaleTemporaries(new Date(Date.now() - 60 * 60 * 1000))).toBe(0);
      expect(await f.everything()).toEqual([`tmp/${fresh}`]);
      // A cut-off after its writing: it is stale now.
      expect(await f.store.removeStaleTemporaries(new Date(Date.now() + 60 * 60 * 1000))).toBe(1);
      expect(await f.everything()).toEqual([]);
    });

    it('ping answers for a usable store', async () => {
      await expect(f.store.ping()).resolves.toBeUndefined();
    });
  });
}

describe.runIf(cephPresent)('S3BlobStore specifics', () => {
  it('copies above the threshold part by part (UploadPartCopy) and the result is whole', async () => {
    const f = await s3.make({ multipartCopyThreshold: 1, copyPartSize: 5 * MiB });
    const bytes = randomBytes(12 * MiB + 7);
    const stored = await f.store.put(Readable.from([bytes]));
    expect(await f.store.size(stored.sha256)).toBe(bytes.length);
    expect(await f.store.verify(stored.sha256, bytes.length)).toBeUndefined();
    expect(await f.everything()).toEqual([`sha256/${stored.sha256.slice(0, 2)}/${stored.sha256}`]);
  });

  it('a failing part copy (parts below the 5 MiB minimum) leaves nothing behind', async () => {
    const f = await s3.make({ multipartCopyThreshold: 1, copyPartSize: 1 * MiB });
    await expect(f.store.put(Readable.from([randomBytes(3 * MiB)]))).rejects.toThrow();
    expect(await f.everything()).toEqual([]);
  });

  it('ping rejects for a bucket that does not exist', async () => {
    const f = await s3.make();
    const missing = new S3BlobStore((f.store as unknown as { client: S3Client }).client, 'no-such-bucket');
    await expect(missing.ping()).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });
});

describe('FileBlobStore specifics', () => {
  it('ping rejects when its directory is gone', async () => {
    const dir = makeTempDir('osprey-blobs-');
    const store = new FileBlobStore(dir);
    await expect(store.ping()).resolves.toBeUndefined();
    rmSync(dir, { recursive: true });
    await expect(store.ping()).rejects.toThrow();
    expect(() => statSync(dir)).toThrow();
  });
});
