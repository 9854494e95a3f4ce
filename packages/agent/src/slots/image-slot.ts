/**
 * Slots that hold a raw image at offset 0: an image file ({@link FileSlot}) or a partition / block
 * device ({@link BlockDeviceSlot}). Both write in place through a plain file descriptor (no
 * O_DIRECT, no temp file: a slot is as big as a partition) and make the write safe against power
 * cuts by ordering it:
 *
 * 1. the head of the slot (first {@link HEAD_SIZE} bytes) is overwritten with an "incomplete"
 *    marker and fsynced: from here on the slot matches no image, whatever else it holds;
 * 2. the rest of the image is streamed to its offsets and hashed on the way (the writes of a few
 *    MiB in flight while the source produces the next bytes, so the source must not reuse a buffer
 *    it yielded); a stream that is short, long or has the wrong SHA-256 is refused here, before
 *    the head is written;
 * 3. (image file) the file is cut to the image length; fsync;
 * 4. the real head is written; fsync;
 * 5. the slot is read back and hashed; only a match is success (unless the caller opts out, see
 *    SlotWriteOptions.readBack).
 *
 * A power cut or crash anywhere before 4 completes leaves the marker in the head, so the slot
 * fails verification against any image (and its header is not bootable); only after 4 can it pass,
 * and then it holds the whole image. The state machine rewrites the slot from the start on resume.
 *
 * Read-back goes through the page cache after fsync: it checks what the kernel will write back,
 * not the medium itself (that would need O_DIRECT and aligned buffers).
 */
import { createHash } from 'node:crypto';
import { constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { checkDigest, isSlotError, SlotError, type Slot, type SlotDigest, type SlotId, type SlotWriteOptions } from './types.js';

/** Bytes at the start of the slot written last. 4 KiB: one page / filesystem block / eMMC sector group. */
export const HEAD_SIZE = 4096;
const CHUNK = 1 << 20;
/** Bytes of body writes in flight at once: enough to keep the disk busy while the next chunk is decrypted. */
const WRITE_AHEAD = 2 << 20;
/** Bytes per writev() call. */
const WRITE_BATCH = 1 << 20;
const MARKER = Buffer.from('OSPREY: slot write incomplete; this slot holds no valid image.\n', 'utf8');

function markerBlock(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += MARKER.length) MARKER.copy(out, i, 0, Math.min(MARKER.length, length - i));
  return out;
}

async function writeAt(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, position + done);
    done += bytesWritten;
  }
}

async function writevAt(handle: FileHandle, buffers: Uint8Array[], position: number): Promise<void> {
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const { bytesWritten } = await handle.writev(buffers, position);
  if (bytesWritten < total) {
    // A short writev (rare: a signal, a full device): finish the rest one buffer at a time.
    let skip = bytesWritten;
    let at = position;
    for (const b of buffers) {
      const rest = skip >= b.byteLength ? undefined : b.subarray(skip);
      skip = Math.max(0, skip - b.byteLength);
      if (rest) await writeAt(handle, rest, at + (b.byteLength - rest.byteLength));
      at += b.byteLength;
    }
  }
}

/** Hash bytes [from, to) of an open slot. */
async function hashRange(handle: FileHandle, hash: ReturnType<typeof createHash>, from: number, to: number, chunkSize: number): Promise<void> {
  const buffer = Buffer.allocUnsafe(chunkSize);
  for (let position = from; position < to;) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(chunkSize, to - position), position);
    if (bytesRead === 0) throw new SlotError('SOURCE_TRUNCATED', null, `the slot ends at ${position}, before the ${to} bytes written before the restart`);
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
}

export interface ImageSlotOptions {
  /** Read and write chunk size in bytes. Default 1 MiB. */
  readonly chunkSize?: number;
}

/**
 * The system's refusal to store the image (ENOSPC, EIO, EROFS…) as the slot's WRITE_FAILED, in the
 * system's words ("no space left on device"), so the failure reported to the server says what to fix.
 * Slot errors and the source's own errors (a broken download) pass through unchanged.
 */
function writeFailure(slot: SlotId, e: unknown): unknown {
  const errno = e as NodeJS.ErrnoException;
  if (isSlotError(e) || typeof errno?.code !== 'string' || typeof errno.syscall !== 'string') return e;
  return new SlotError('WRITE_FAILED', slot, `slot ${slot} cannot be written: ${errno.message}`, { cause: e });
}

abstract class ImageSlot implements Slot {
  readonly resumable = true;
  readonly id: SlotId;
  readonly path: string;
  protected readonly chunkSize: number;

  constructor(id: SlotId, path: string, options: ImageSlotOptions = {}) {
    this.id = id;
    this.path = path;
    this.chunkSize = options.chunkSize ?? CHUNK;
  }

  /** Opens the slot for writing an image of `length` bytes; refuses (`TOO_LARGE`…) before touching it. */
  protected abstract openForWrite(length: number): Promise<FileHandle>;
  /** After the body is durable, before the head is written. */
  protected abstract finishBody(handle: FileHandle, length: number): Promise<void>;
  /** Bytes readable from the slot. */
  protected abstract capacity(): Promise<number>;

  async write(source: AsyncIterable<Uint8Array>, expected: SlotDigest, options: SlotWriteOptions = {}): Promise<SlotDigest> {
    try {
      return await this.#write(source, expected, options);
    } catch (e) {
      throw writeFailure(this.id, e);
    }
  }

  async #write(source: AsyncIterable<Uint8Array>, expected: SlotDigest, options: SlotWriteOptions): Promise<SlotDigest> {
    checkDigest(this.id, expected);
    const handle = await this.openForWrite(expected.length);
    // Body writes go out while the next chunk is produced (decrypted), up to WRITE_AHEAD bytes.
    const writing: { done: Promise<void>; bytes: number }[] = [];
    let writingBytes = 0;
    const settleWrites = async (downTo: number): Promise<void> => {
      while (writing.length > 0 && writingBytes > downTo) {
        const oldest = writing.shift()!;
        writingBytes -= oldest.bytes;
        await oldest.done;
      }
    };
    // Consecutive chunks are written with one writev() call per WRITE_BATCH bytes.
    let batch: Uint8Array[] = [];
    let batchAt = 0;
    let batchBytes = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const done = writevAt(handle, batch, batchAt);
      done.catch(() => undefined); // awaited in order by settleWrites; never unhandled
      writing.push({ done, bytes: batchBytes });
      writingBytes += batchBytes;
      batch = [];
      batchBytes = 0;
      await settleWrites(WRITE_AHEAD);
    };
    try {
      const headLength = Math.min(HEAD_SIZE, expected.length);
      const head = Buffer.alloc(headLength);
      const hash = createHash('sha256');
      let offset = 0;
      const { resume, checkpoint } = options;
      if (resume) {
        // A write that was cut: the marker is still in the head, the prefix up to `offset` was made
        // durable at a checkpoint. Its hash is rebuilt from the kept head and the slot itself.
        if (!Number.isSafeInteger(resume.offset) || resume.offset < headLength || resume.offset >= expected.length || resume.head.byteLength !== headLength) {
          throw new SlotError('INVALID_DIGEST', this.id, `slot ${this.id}: cannot resume an image of ${expected.length} bytes at ${resume.offset}`);
        }
        head.set(resume.head);
        hash.update(head);
        await hashRange(handle, hash, headLength, resume.offset, this.chunkSize);
        offset = resume.offset;
      } else {
        // 1. Invalidate first.
        await writeAt(handle, markerBlock(headLength), 0);
        await handle.sync();
      }
      let checkpointed = offset;
      // 2. Body, hashed as it streams; the head is kept back in memory.
      for await (const chunk of source) {
        if (offset + chunk.byteLength > expected.length) {
          throw new SlotError('SOURCE_TOO_LONG', this.id, `slot ${this.id}: the image stream exceeds its signed length of ${expected.length} bytes`);
        }
        hash.update(chunk);
        let from = 0;
        if (offset < headLength) {
          from = Math.min(headLength - offset, chunk.byteLength);
          head.set(chunk.subarray(0, from), offset);
        }
        if (from < chunk.byteLength) {
          if (batch.length === 0) batchAt = offset + from;
          batch.push(chunk.subarray(from));
          batchBytes += chunk.byteLength - from;
          if (batchBytes >= WRITE_BATCH) await flush();
        }
        offset += chunk.byteLength;
        if (checkpoint && offset - checkpointed >= checkpoint.every && offset % checkpoint.align === 0 && offset < expected.length) {
          // The prefix made durable, then reported: a restart may resume here.
          await flush();
          await settleWrites(0);
          await handle.sync();
          checkpoint.save(offset, Buffer.from(head));
          checkpointed = offset;
        }
      }
      await flush();
      await settleWrites(0);
      if (offset !== expected.length) {
        throw new SlotError('SOURCE_TRUNCATED', this.id, `slot ${this.id}: the image stream ended after ${offset} of ${expected.length} bytes`);
      }
      const sha256 = hash.digest('hex');
      if (sha256 !== expected.sha256) {
        throw new SlotError('SOURCE_MISMATCH', this.id, `slot ${this.id}: the image stream has SHA-256 ${sha256}, expected ${expected.sha256}`);
      }
      // 3. Body durable.
      await this.finishBody(handle, expected.length);
      await handle.sync();
      // 4. Head last.
      await writeAt(handle, head, 0);
      await handle.sync();
    } finally {
      // Never close the descriptor under a write still in flight (a source that failed midway).
      await Promise.allSettled(writing.map((w) => w.done));
      await handle.close();
    }
    // 5. Read back.
    if (options.readBack === false) return { length: expected.length, sha256: expected.sha256 };
    const actual = await this.hash(expected.length);
    if (actual.length !== expected.length || actual.sha256 !== expected.sha256) {
      throw new SlotError(
        'READBACK_MISMATCH',
        this.id,
        `slot ${this.id}: read back ${actual.length} bytes with SHA-256 ${actual.sha256}, expected ${expected.length} bytes with ${expected.sha256}`,
      );
    }
    return actual;
  }

  async *read(length?: number): AsyncIterable<Uint8Array> {
    const limit = length ?? (await this.capacity());
    const handle = await open(this.path, 'r');
    try {
      let position = 0;
      while (position < limit) {
        const buffer = Buffer.allocUnsafe(Math.min(this.chunkSize, limit - position));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) return;
        position += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }

  async hash(length?: number): Promise<SlotDigest> {
    const hash = createHash('sha256');
    let total = 0;
    for await (const chunk of this.read(length)) {
      hash.update(chunk);
      total += chunk.byteLength;
    }
    return { length: total, sha256: hash.digest('hex') };
  }

  async verify(expected: SlotDigest): Promise<void> {
    checkDigest(this.id, expected);
    let actual: SlotDigest;
    try {
      actual = await this.hash(expected.length);
    } catch (e) {
      throw new SlotError('VERIFY_FAILED', this.id, `slot ${this.id} cannot be read: ${(e as Error).message}`, { cause: e });
    }
    if (actual.length !== expected.length || actual.sha256 !== expected.sha256) {
      throw new SlotError(
        'VERIFY_FAILED',
        this.id,
        `slot ${this.id} holds ${actual.length} bytes with SHA-256 ${actual.sha256}, expected ${expected.length} bytes with ${expected.sha256}`,
      );
    }
  }
}

export interface FileSlotOptions extends ImageSlotOptions {
  /** Largest image accepted, in bytes (the space reserved for the slot). Default: unlimited. */
  readonly maxSize?: number;
}

/** A slot that is an image file (created if missing, cut to the image length on every write). */
export class FileSlot extends ImageSlot {
  readonly #maxSize: number;

  constructor(id: SlotId, path: string, options: FileSlotOptions = {}) {
    super(id, path, options);
    this.#maxSize = options.maxSize ?? Number.MAX_SAFE_INTEGER;
  }

  protected async openForWrite(length: number): Promise<FileHandle> {
    if (length > this.#maxSize)
      throw new SlotError('TOO_LARGE', this.id, `slot ${this.id}: image of ${length} bytes exceeds the slot size of ${this.#maxSize}`);
    mkdirSync(dirname(this.path), { recursive: true });
    // In place (no O_TRUNC): the stale content is harmless once the head carries the marker.
    return open(this.path, constants.O_RDWR | constants.O_CREAT, 0o600);
  }

  protected async finishBody(handle: FileHandle, length: number): Promise<void> {
    await handle.truncate(length);
  }

  protected async capacity(): Promise<number> {
    try {
      return statSync(this.path).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw e;
    }
  }
}

export interface BlockDeviceSlotOptions extends ImageSlotOptions {
  /** Size of the device in bytes; default: the regular file's size, or `/sys/dev/block/M:m/size` × 512. */
  readonly size?: number;
}

/**
 * A slot that is a partition or block device (or a preallocated regular file standing in for one).
 * Never created, truncated or extended. A real block device is opened with O_EXCL, which Linux
 * refuses (EBUSY) while the device is mounted or otherwise in use: the running slot cannot be
 * overwritten by mistake.
 */
export class BlockDeviceSlot extends ImageSlot {
  readonly #size: number | undefined;

  constructor(id: SlotId, path: string, options: BlockDeviceSlotOptions = {}) {
    super(id, path, options);
    this.#size = options.size;
  }

  /** Size in bytes of the device (or stand-in file). */
  deviceSize(): number {
    if (this.#size !== undefined) return this.#size;
    const st = statSync(this.path, { bigint: true });
    if (st.isFile()) return Number(st.size);
    if (!st.isBlockDevice()) throw new SlotError('NOT_A_DEVICE', this.id, `${this.path} is neither a block device nor a regular file`);
    // glibc's major()/minor() encoding of dev_t.
    const rdev = st.rdev;
    const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
    const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
    try {
      const sectors = Number(readFileSync(`/sys/dev/block/${major}:${minor}/size`, 'utf8').trim());
      if (!Number.isSafeInteger(sectors)) throw new Error(`unexpected size ${sectors}`);
      return sectors * 512;
    } catch (e) {
      throw new SlotError('DEVICE_SIZE_UNKNOWN', this.id, `${this.path}: ${(e as Error).message}`, { cause: e });
    }
  }

  protected async openForWrite(length: number): Promise<FileHandle> {
    const size = this.deviceSize();
    if (length > size) throw new SlotError('TOO_LARGE', this.id, `slot ${this.id}: image of ${length} bytes exceeds the device size of ${size}`);
    const isDevice = statSync(this.path).isBlockDevice();
    return open(this.path, constants.O_RDWR | (isDevice ? constants.O_EXCL : 0));
  }

  protected async finishBody(): Promise<void> {
    // A device keeps its size; bytes past the image are not part of it.
  }

  protected async capacity(): Promise<number> {
    return this.deviceSize();
  }
}
