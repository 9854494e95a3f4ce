import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settledCode } from '../../../../testkit/errors.js';
import { tempDirEachTest } from '../../../../testkit/temp-dir.js';
import { imageDigest } from '../../../../testkit/hash.js';
import { AbSlots } from './ab.js';
import { BlockDeviceSlot, FileSlot, HEAD_SIZE } from './image-slot.js';
import { isSlotError, otherSlot, SlotError, type Slot, type SlotDigest, type SlotId } from './types.js';

let dir: string;
tempDirEachTest('osprey-slots-', (d) => (dir = d));

const digest = (bytes: Uint8Array): SlotDigest => imageDigest(bytes);

/** Streams `bytes` in chunks of `size` (default 64 KiB). */
async function* chunks(bytes: Uint8Array, size = 65536): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Streams the first `cut` bytes, then fails like a dropped connection or a killed decryptor. */
async function* dies(bytes: Uint8Array, cut: number, size = 65536): AsyncIterable<Uint8Array> {
  for (let i = 0; i < cut; i += size) yield bytes.subarray(i, Math.min(i + size, cut));
  throw new Error('power cut');
}

const rejection = (promise: Promise<unknown>): Promise<string> => settledCode(promise, (e) => isSlotError(e));

/** Byte equality without vitest's element-by-element deep compare (slow on big buffers). */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect({ length: actual.length, equal: Buffer.from(actual).equals(Buffer.from(expected)) }).toEqual({ length: expected.length, equal: true });
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of source) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

const IMAGE = randomBytes(300_000);

describe('FileSlot', () => {
  it('writes, reads back, hashes and verifies an image', async () => {
    const slot = new FileSlot('b', join(dir, 'slots', 'b.img'));
    expect(await slot.write(chunks(IMAGE, 7777), digest(IMAGE))).toEqual(digest(IMAGE));
    expectBytes(readFileSync(slot.path), IMAGE);
    expectBytes(await collect(slot.read()), IMAGE);
    expect(await slot.hash()).toEqual(digest(IMAGE));
    await slot.verify(digest(IMAGE));
    expect(statSync(slot.path).mode & 0o777).toBe(0o600);
  });

  it('handles any chunking, images smaller than the head, and the empty image', async () => {
    const slot = new FileSlot('a', join(dir, 'a.img'));
    for (const [image, size] of [
      [IMAGE.subarray(0, HEAD_SIZE + 1), 1],
      [IMAGE.subarray(0, HEAD_SIZE), 4095],
      [IMAGE.subarray(0, 100), 3],
      [IMAGE, HEAD_SIZE],
      [IMAGE, 1 << 20],
      [Buffer.alloc(0), 1],
    ] as const) {
      await slot.write(chunks(image, size), digest(image));
      expectBytes(readFileSync(slot.path), image);
      await slot.verify(digest(image));
    }
  });

  it('a shorter image replaces a longer one completely (file cut to length)', async () => {
    const slot = new FileSlot('a', join(dir, 'a.img'));
    await slot.write(chunks(IMAGE), digest(IMAGE));
    const small = randomBytes(10_000);
    await slot.write(chunks(small), digest(small));
    expectBytes(readFileSync(slot.path), small);
  });

  it('refuses a truncated, over-long or wrong stream, and the slot then fails verification', async () => {
    const slot = new FileSlot('b', join(dir, 'b.img'));
    const expected = digest(IMAGE);
    expect(await rejection(slot.write(chunks(IMAGE.subarray(0, IMAGE.length - 1)), expected))).toBe('SOURCE_TRUNCATED');
    expect(await rejection(slot.verify(expected))).toBe('VERIFY_FAILED');
    expect(await rejection(slot.write(chunks(Buffer.concat([IMAGE, Buffer.from([0])])), expected))).toBe('SOURCE_TOO_LONG');
    expect(await rejection(slot.verify(expected))).toBe('VERIFY_FAILED');
    const other = Buffer.from(IMAGE);
    other[123_456] = (other[123_456] ?? 0) ^ 1;
    expect(await rejection(slot.write(chunks(other), expected))).toBe('SOURCE_MISMATCH');
    expect(await rejection(slot.verify(expected))).toBe('VERIFY_FAILED');
    expect(await rejection(slot.verify(digest(other)))).toBe('VERIFY_FAILED');
  });

  it('a power cut at any point of a write leaves a slot that fails verification, even when it held the same image before', async () => {
    const slot = new FileSlot('b', join(dir, 'b.img'));
    const expected = digest(IMAGE);
    for (const cut of [0, 1, HEAD_SIZE - 1, HEAD_SIZE, HEAD_SIZE + 1, 65536, 150_000, IMAGE.length - 1, IMAGE.length]) {
      // The slot holds exactly the image we are about to rewrite: the worst case for a torn write.
      writeFileSync(slot.path, IMAGE);
      await slot.verify(expected);
      await expect(slot.write(dies(IMAGE, cut), expected)).rejects.toThrow('power cut');
      expect({ cut, code: await rejection(slot.verify(expected)) }).toEqual({ cut, code: 'VERIFY_FAILED' });
      // The head carries the marker, not the image's header.
      expect(readFileSync(slot.path).subarray(0, 14).toString()).toBe('OSPREY: slot w');
    }
  });

  it('a read-back that differs from what was streamed is refused', async () => {
    /** Simulates a medium that corrupts data after fsync (bad flash block). */
    class FlakyFileSlot extends FileSlot {
      protected override async finishBody(handle: FileHandle, length: number): Promise<void> {
        await super.finishBody(handle, length);
        await handle.write(Buffer.from([0xff, 0xee]), 0, 2, length - 2);
      }
    }
    const slot = new FlakyFileSlot('a', join(dir, 'a.img'));
    expect(await rejection(slot.write(chunks(IMAGE), digest(IMAGE)))).toBe('READBACK_MISMATCH');
  });

  it('a slot changed after writing fails verification', async () => {
    const slot = new FileSlot('a', join(dir, 'a.img'));
    await slot.write(chunks(IMAGE), digest(IMAGE));
    const bytes = readFileSync(slot.path);
    bytes[299_999] = (bytes[299_999] ?? 0) ^ 0x80;
    writeFileSync(slot.path, bytes);
    expect(await rejection(slot.verify(digest(IMAGE)))).toBe('VERIFY_FAILED');
    rmSync(slot.path);
    expect(await rejection(slot.verify(digest(IMAGE)))).toBe('VERIFY_FAILED');
  });

  it('refuses an image above maxSize and a malformed digest before touching the slot', async () => {
    const slot = new FileSlot('a', join(dir, 'a.img'), { maxSize: 1000 });
    expect(await rejection(slot.write(chunks(IMAGE), digest(IMAGE)))).toBe('TOO_LARGE');
    expect(await rejection(slot.write(chunks(IMAGE), { length: IMAGE.length, sha256: 'nope' }))).toBe('INVALID_DIGEST');
    expect(await rejection(slot.write(chunks(IMAGE), { length: -1, sha256: digest(IMAGE).sha256 }))).toBe('INVALID_DIGEST');
    expect(existsSync(slot.path)).toBe(false);
  });

  it('errors are SlotErrors naming the slot', async () => {
    const slot = new FileSlot('b', join(dir, 'b.img'));
    const error = await slot.write(chunks(IMAGE.subarray(1)), digest(IMAGE)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlotError);
    expect(error).toMatchObject({ name: 'SlotError', code: 'SOURCE_TRUNCATED', slot: 'b' });
  });
});

describe('BlockDeviceSlot (on a file standing in for the device)', () => {
  const DEVICE_SIZE = 1 << 20;
  function device(name: string, fill = 0x5a): string {
    const path = join(dir, name);
    writeFileSync(path, Buffer.alloc(DEVICE_SIZE, fill));
    return path;
  }

  it('writes the image at offset 0, never resizes the device, leaves the bytes after it alone', async () => {
    const slot = new BlockDeviceSlot('b', device('mmcblk0p3'), { chunkSize: 65536 });
    expect(slot.deviceSize()).toBe(DEVICE_SIZE);
    await slot.write(chunks(IMAGE, 10_000), digest(IMAGE));
    const raw = readFileSync(slot.path);
    expect(raw.length).toBe(DEVICE_SIZE);
    expectBytes(raw.subarray(0, IMAGE.length), IMAGE);
    expect(raw.subarray(IMAGE.length).every((b) => b === 0x5a)).toBe(true);
    await slot.verify(digest(IMAGE));
    expect(await slot.hash(IMAGE.length)).toEqual(digest(IMAGE));
    // Without a length, the whole device.
    expect((await slot.hash()).length).toBe(DEVICE_SIZE);
  });

  it('a truncated or interrupted write fails verification', async () => {
    const slot = new BlockDeviceSlot('a', device('mmcblk0p2'));
    await slot.write(chunks(IMAGE), digest(IMAGE));
    expect(await rejection(slot.write(chunks(IMAGE.subarray(0, 200_000)), digest(IMAGE)))).toBe('SOURCE_TRUNCATED');
    expect(await rejection(slot.verify(digest(IMAGE)))).toBe('VERIFY_FAILED');
    await expect(slot.write(dies(IMAGE, 250_000), digest(IMAGE))).rejects.toThrow('power cut');
    expect(await rejection(slot.verify(digest(IMAGE)))).toBe('VERIFY_FAILED');
    await slot.write(chunks(IMAGE), digest(IMAGE));
    await slot.verify(digest(IMAGE));
  });

  it('refuses an image larger than the device, and never creates a missing device', async () => {
    const big = randomBytes(DEVICE_SIZE + 1);
    const slot = new BlockDeviceSlot('a', device('small'));
    expect(await rejection(slot.write(chunks(big), digest(big)))).toBe('TOO_LARGE');
    expect(statSync(slot.path).size).toBe(DEVICE_SIZE);
    const sized = new BlockDeviceSlot('a', slot.path, { size: 1000 });
    expect(await rejection(sized.write(chunks(IMAGE), digest(IMAGE)))).toBe('TOO_LARGE');
    const missing = new BlockDeviceSlot('b', join(dir, 'no-such-device'));
    await expect(missing.write(chunks(IMAGE), digest(IMAGE))).rejects.toThrow(/ENOENT/);
    expect(existsSync(missing.path)).toBe(false);
  });

  it('refuses what is neither a block device nor a regular file', () => {
    expect(() => new BlockDeviceSlot('a', dir).deviceSize()).toThrow(expect.objectContaining({ code: 'NOT_A_DEVICE' }));
  });
});

describe('AbSlots', () => {
  function pair(state: { active: SlotId; booted: SlotId }): AbSlots {
    const slots = { a: new FileSlot('a', join(dir, 'a.img')), b: new FileSlot('b', join(dir, 'b.img')) };
    return new AbSlots(slots, { activeSlot: async () => state.active, bootedSlot: async () => state.booted });
  }

  it('takes active, booted and the install target from the bootloader', async () => {
    const state: { active: SlotId; booted: SlotId } = { active: 'a', booted: 'a' };
    const ab = pair(state);
    expect((await ab.active()).id).toBe('a');
    expect((await ab.booted()).id).toBe('a');
    expect((await ab.inactive()).id).toBe('b');
    state.active = 'b';
    state.booted = 'b';
    expect((await ab.inactive()).id).toBe('a');
    expect(ab.get('a').path).toBe(join(dir, 'a.img'));
    expect(otherSlot('a')).toBe('b');
  });

  it('has no install target while a trial runs', async () => {
    const ab = pair({ active: 'a', booted: 'b' });
    expect(await rejection(ab.inactive())).toBe('SLOT_BUSY');
  });

  it('refuses a mislabelled or duplicated pair', () => {
    const selector = { activeSlot: async (): Promise<SlotId> => 'a', bootedSlot: async (): Promise<SlotId> => 'a' };
    const a = new FileSlot('a', join(dir, 'a.img'));
    const b = new FileSlot('b', join(dir, 'b.img'));
    expect(() => new AbSlots({ a: b, b: a } as { a: Slot; b: Slot }, selector)).toThrow(TypeError);
    expect(() => new AbSlots({ a, b: new FileSlot('b', a.path) }, selector)).toThrow(TypeError);
  });
});
