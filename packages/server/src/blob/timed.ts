/**
 * A BlobStore decorator that times every operation of the store it wraps, whichever store that is
 * (file, S3): the composition root wraps the store once, so no store times itself. Reads (`get`,
 * `getVerified`) are timed to their first byte, which is the store's latency; the rest of a read
 * runs at the pace of the client that downloads it, which says nothing about the store.
 */
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobDamage, BlobStore, ListedBlob, StoredBlob } from './store.js';

export type TimedOperation = 'put' | 'get' | 'get_verified' | 'check' | 'verify' | 'size' | 'stat' | 'has' | 'delete' | 'ping' | 'remove_temporaries';

/** Receives one observation per operation: its name, whether it succeeded, and how long it took in seconds. */
export type ObserveBlobOperation = (operation: TimedOperation, outcome: 'ok' | 'error', seconds: number) => void;

export class TimedBlobStore implements BlobStore {
  readonly description: string;

  constructor(
    private readonly inner: BlobStore,
    private readonly observe: ObserveBlobOperation,
    /** Milliseconds, monotonic; injected in tests. */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.description = inner.description;
  }

  private async timed<T>(operation: TimedOperation, run: () => Promise<T>): Promise<T> {
    const start = this.now();
    try {
      const result = await run();
      this.observe(operation, 'ok', (this.now() - start) / 1000);
      return result;
    } catch (e) {
      this.observe(operation, 'error', (this.now() - start) / 1000);
      throw e;
    }
  }

  /** The stream as it is, observed once: at its first chunk, or at its failure or end before one. */
  private firstByte(operation: TimedOperation, open: () => Readable): Readable {
    const start = this.now();
    let observed = false;
    const once = (outcome: 'ok' | 'error') => {
      if (observed) return;
      observed = true;
      this.observe(operation, outcome, (this.now() - start) / 1000);
    };
    let source: Readable;
    try {
      source = open();
    } catch (e) {
      once('error');
      throw e;
    }
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        once('ok');
        done(null, chunk);
      },
      flush(done) {
        once('ok'); // an empty blob
        done();
      },
    });
    // pipeline: an error of the source (a damaged blob) destroys the tap with that same error, and a
    // consumer that goes away (a cut download) destroys the source, closing its file or connection.
    pipeline(source, tap).catch(() => once('error'));
    return tap;
  }

  put(source: Readable, options?: { maxBytes?: number }): Promise<StoredBlob> {
    return this.timed('put', () => this.inner.put(source, options));
  }

  get(sha256: string, range?: { start: number; end: number }): Readable {
    return this.firstByte('get', () => this.inner.get(sha256, range));
  }

  getVerified(sha256: string, size: number): Readable {
    return this.firstByte('get_verified', () => this.inner.getVerified(sha256, size));
  }

  check(sha256: string, size: number): Promise<BlobDamage | undefined> {
    return this.timed('check', () => this.inner.check(sha256, size));
  }

  verify(sha256: string, size: number): Promise<BlobDamage | undefined> {
    return this.timed('verify', () => this.inner.verify(sha256, size));
  }

  size(sha256: string): Promise<number | undefined> {
    return this.timed('size', () => this.inner.size(sha256));
  }

  stat(sha256: string): Promise<Omit<ListedBlob, 'sha256'> | undefined> {
    return this.timed('stat', () => this.inner.stat(sha256));
  }

  /** Not timed: a listing runs as long as garbage collection takes to walk it. */
  list(): AsyncIterable<ListedBlob> {
    return this.inner.list();
  }

  removeStaleTemporaries(olderThan: Date): Promise<number> {
    return this.timed('remove_temporaries', () => this.inner.removeStaleTemporaries(olderThan));
  }

  has(sha256: string): Promise<boolean> {
    return this.timed('has', () => this.inner.has(sha256));
  }

  delete(sha256: string): Promise<void> {
    return this.timed('delete', () => this.inner.delete(sha256));
  }

  ping(): Promise<void> {
    return this.timed('ping', () => this.inner.ping());
  }
}
