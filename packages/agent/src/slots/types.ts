/** A/B slot identities and the `Slot` contract shared by the state machine, slots and bootloaders. */
import { SlotError } from '../errors.js';

// A slot's failures are part of its contract; the codes are in the agent's one table (src/errors.ts).
export { isSlotError, SLOT_ERROR_CODES, SlotError, type SlotErrorCode } from '../errors.js';

export const SLOT_IDS = ['a', 'b'] as const;
export type SlotId = (typeof SLOT_IDS)[number];

export function isSlotId(value: unknown): value is SlotId {
  return value === 'a' || value === 'b';
}

/** The other slot of the pair. */
export function otherSlot(id: SlotId): SlotId {
  return id === 'a' ? 'b' : 'a';
}

/** Length and SHA-256 (lowercase hex) of an image: what the signed release metadata pins. */
export interface SlotDigest {
  readonly length: number;
  readonly sha256: string;
}

export interface SlotWriteOptions {
  /**
   * Read the slot back and hash it after the write is durable (default true). The streaming
   * install turns it off: the SHA-256 it checks is computed over the very buffers written, and a
   * read-back after fsync is served from the page cache, so it would check the kernel's copy,
   * not the medium, at the price of a second pass over the image.
   */
  readonly readBack?: boolean;
  /**
   * Continue a write that was cut (slots with `resumable`): the first `offset` bytes of the image
   * are in the slot, made durable at a checkpoint, its head (first bytes, written last) kept aside;
   * the source yields the bytes from `offset`.
   */
  readonly resume?: { readonly offset: number; readonly head: Uint8Array };
  /**
   * Make the written prefix durable every `every` bytes or more, at offsets that are multiples of
   * `align`, and report it (offset, head) so that a restart can resume there.
   */
  readonly checkpoint?: { readonly every: number; readonly align: number; save(offset: number, head: Uint8Array): void };
}

/**
 * One of the two places an image is installed to: what the agent needs (write, verify). Image
 * slots (image-slot.ts) also read and hash; a {@link CommandSlot} hands the writing to an
 * external program.
 */
export interface Slot {
  readonly id: SlotId;
  /** write() honours `resume` and `checkpoint`. */
  readonly resumable?: boolean;
  /** Image file, device node, or what an external handler names the slot (e.g. a RAUC slot). */
  readonly path: string;
  /**
   * Writes the image streamed from `source` and returns its digest once it is durable (and, unless
   * `options.readBack` is false, has been read back and hashed). Throws {@link SlotError} when the source is not exactly `expected` (too
   * short, too long, other bytes) or the read-back differs. Until a write completes, the slot fails
   * verification against any image (see `image-slot.ts`).
   */
  write(source: AsyncIterable<Uint8Array>, expected: SlotDigest, options?: SlotWriteOptions): Promise<SlotDigest>;
  /** Throws {@link SlotError} `VERIFY_FAILED` unless the slot holds exactly `expected` as its first bytes. */
  verify(expected: SlotDigest): Promise<void>;
}

/** Throws INVALID_DIGEST unless `expected` is a length and a lowercase hex SHA-256. */
export function checkDigest(slot: SlotId, expected: SlotDigest): void {
  if (!Number.isSafeInteger(expected.length) || expected.length < 0 || !/^[0-9a-f]{64}$/.test(expected.sha256)) {
    throw new SlotError('INVALID_DIGEST', slot);
  }
}
