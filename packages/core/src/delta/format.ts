/**
 * VCDIFF (RFC 3284) format pieces shared by the decoder and the encoder: the header and indicator
 * bits, the integer encoding, the default instruction code table and the address caches. Section
 * numbers below are RFC 3284's.
 */
import { OspreyError } from '../errors.js';

/** §4.1: the header starts with 'V' 'C' 'D' with their high bits set, then version 0. */
export const VCDIFF_MAGIC = Uint8Array.of(0xd6, 0xc3, 0xc4, 0x00);

/** §4.1 Hdr_Indicator bits. */
export const VCD_DECOMPRESS = 0x01;
export const VCD_CODETABLE = 0x02;
/** xdelta3's own header bit (not in the RFC): an application header (file names) follows. */
export const VCD_APPHEADER = 0x04;

/** §4.2 Win_Indicator bits. */
export const VCD_SOURCE = 0x01;
export const VCD_TARGET = 0x02;
/** xdelta3's own window bit (not in the RFC): a 4-byte Adler-32 of the target window follows the section lengths. */
export const VCD_ADLER32 = 0x04;

/** §4.3 Delta_Indicator bits: a section is compressed by the secondary compressor. */
export const VCD_DATACOMP = 0x01;
export const VCD_INSTCOMP = 0x02;
export const VCD_ADDRCOMP = 0x04;

/** §5.5 instruction types. */
export const NOOP = 0;
export const ADD = 1;
export const RUN = 2;
export const COPY = 3;

/** §5.1 default cache sizes. */
export const NEAR_SIZE = 4;
export const SAME_SIZE = 3;
/** §5.3 address modes: VCD_SELF, VCD_HERE, then the near modes, then the same modes. */
export const MODE_SELF = 0;
export const MODE_HERE = 1;

/**
 * Largest integer a field may hold. RFC 3284 §2 integers are unbounded in principle; we cap them so
 * every sum of two of them (position + size, address + size) stays an exact JavaScript integer.
 */
export const MAX_FIELD = 2 ** 52;

/** One code table entry: two instructions (§5.4), the second NOOP for a single one. */
export interface CodeEntry {
  readonly type1: number;
  readonly size1: number;
  readonly mode1: number;
  readonly type2: number;
  readonly size2: number;
  readonly mode2: number;
}

/** §5.6: the default code table, built as the RFC's table lists it (256 entries). */
export const DEFAULT_CODE_TABLE: readonly CodeEntry[] = buildDefaultCodeTable();

function buildDefaultCodeTable(): CodeEntry[] {
  const t: CodeEntry[] = [];
  const single = (type1: number, size1: number, mode1: number) => t.push({ type1, size1, mode1, type2: NOOP, size2: 0, mode2: 0 });
  const modes = 2 + NEAR_SIZE + SAME_SIZE;
  single(RUN, 0, 0); // 0
  single(ADD, 0, 0); // 1
  for (let size = 1; size <= 17; size++) single(ADD, size, 0); // 2..18
  for (let mode = 0; mode < modes; mode++) {
    single(COPY, 0, mode); // 19 + 16 * mode
    for (let size = 4; size <= 18; size++) single(COPY, size, mode);
  }
  for (let mode = 0; mode < 6; mode++)
    for (let add = 1; add <= 4; add++)
      for (let copy = 4; copy <= 6; copy++) t.push({ type1: ADD, size1: add, mode1: 0, type2: COPY, size2: copy, mode2: mode }); // 163..234
  for (let mode = 6; mode < modes; mode++) for (let add = 1; add <= 4; add++) t.push({ type1: ADD, size1: add, mode1: 0, type2: COPY, size2: 4, mode2: mode }); // 235..246
  for (let mode = 0; mode < modes; mode++) t.push({ type1: COPY, size1: 4, mode1: mode, type2: ADD, size2: 1, mode2: 0 }); // 247..255
  if (t.length !== 256) throw new Error(`default code table has ${t.length} entries`);
  return t;
}

/** Index in the default table of a single ADD of `size` (0 = the size follows in the instruction section). */
export function addOpcode(size: number): number {
  return size >= 1 && size <= 17 ? 1 + size : 1;
}

/** Index of a single COPY of `size` in `mode` (size 4..18 inline, else explicit). */
export function copyOpcode(size: number, mode: number): number {
  return 19 + 16 * mode + (size >= 4 && size <= 18 ? size - 3 : 0);
}

export const RUN_OPCODE = 0;

/** §5.1 the address caches; both sides update them identically after every COPY. */
export class AddressCache {
  private readonly near = new Array<number>(NEAR_SIZE).fill(0);
  private nextSlot = 0;
  private readonly same = new Array<number>(SAME_SIZE * 256).fill(0);

  update(addr: number): void {
    this.near[this.nextSlot] = addr;
    this.nextSlot = (this.nextSlot + 1) % NEAR_SIZE;
    this.same[addr % (SAME_SIZE * 256)] = addr;
  }

  nearAt(i: number): number {
    return this.near[i]!;
  }

  sameAt(i: number): number {
    return this.same[i]!;
  }
}

/** §2: a base-128 big-endian integer's length in bytes. */
export function varintLength(value: number): number {
  let n = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/** Adler-32 (RFC 1950 §8.2), as xdelta3 computes over each target window. */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  const NMAX = 5552; // largest n such that the sums cannot overflow before the modulo
  for (let i = 0; i < bytes.length;) {
    const end = Math.min(bytes.length, i + NMAX);
    for (; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return (b * 65536 + a) >>> 0;
}

export function deltaError(
  code: 'DELTA_INVALID' | 'DELTA_TRUNCATED' | 'DELTA_UNSUPPORTED' | 'DELTA_WINDOW_TOO_LARGE' | 'DELTA_SOURCE_RANGE' | 'DELTA_CHECKSUM_MISMATCH',
  message: string,
  details: Record<string, unknown> = {},
): OspreyError {
  return new OspreyError(code, message, { details });
}
