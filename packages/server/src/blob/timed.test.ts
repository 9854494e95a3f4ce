import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobDamagedError, FileBlobStore } from './store.js';
import { TimedBlobStore, type TimedOperation } from './timed.js';

describe('TimedBlobStore', () => {
  let dir: string;
  let clock: number;
  let seen: Array<[TimedOperation, 'ok' | 'error', number]>;
  let store: TimedBlobStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'osprey-timed-'));
    clock = 1000;
    seen = [];
    store = new TimedBlobStore(
      new FileBlobStore(dir),
      (operation, outcome, seconds) => seen.push([operation, outcome, seconds]),
      () => clock,
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('times each operation on the injected clock, success or failure', async () => {
    const source = Readable.from([Buffer.from('hello '), Buffer.from('world')]);
    const put = store.put(source);
    clock += 250;
    const stored = await put;
    expect(stored.sha256).toBe(createHash('sha256').update('hello world').digest('hex'));
    expect(await store.has(stored.sha256)).toBe(true);
    await store.ping();
    await expect(store.put(Readable.from([Buffer.alloc(10)]), { maxBytes: 5 })).rejects.toThrow(/larger than 5 bytes/);
    expect(seen).toEqual([
      ['put', 'ok', 0.25],
      ['has', 'ok', 0],
      ['ping', 'ok', 0],
      ['put', 'error', 0],
    ]);
  });

  it('times a read to its first byte, and passes the bytes and a damaged blob through unchanged', async () => {
    const { sha256, size } = await store.put(Readable.from([Buffer.from('0123456789')]));
    seen = [];
    const read = store.get(sha256, { start: 2, end: 5 });
    clock += 40; // the store's latency: the first chunk comes after this
    expect(await text(read)).toBe('2345');
    clock += 1000; // the rest of a download is the client's pace, not the store's
    expect(await text(store.getVerified(sha256, size))).toBe('0123456789');
    expect(seen).toEqual([
      ['get', 'ok', 0.04],
      ['get_verified', 'ok', 0],
    ]);
    // Changed bytes: the verifier's BlobDamagedError reaches the reader as it is.
    writeFileSync(join(dir, 'sha256', sha256.slice(0, 2), sha256), 'ABCDEFGHIJ');
    const failure = await text(store.getVerified(sha256, size)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BlobDamagedError);
    expect((failure as BlobDamagedError).damage).toBe('hash');
    expect(seen.at(-1)).toEqual(['get_verified', 'error', 0]);
  });

  it('reports a missing blob and a store that cannot be written as errors', async () => {
    const missing = randomBytes(32).toString('hex');
    await expect(text(store.get(missing))).rejects.toThrow(/ENOENT/);
    rmSync(dir, { recursive: true, force: true });
    await expect(store.ping()).rejects.toThrow(/ENOENT/);
    expect(seen).toEqual([
      ['get', 'error', 0],
      ['ping', 'error', 0],
    ]);
  });
});
