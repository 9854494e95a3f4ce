/**
 * VCDIFF (RFC 3284) encoder: the build-machine side of delta updates, producing the plain profile
 * of docs/architecture.md — no secondary compression, no application header, no checksum, no
 * VCD_TARGET windows, target windows of at most `windowSize` bytes (1 MiB by default).
 *
 * Matching: the source is indexed by a hash of every `blockSize`-aligned block; the target is
 * scanned with a rolling hash, and a hit is verified and extended forward and backward into the
 * pending literals. Literals become ADD, runs of one byte RUN. One instruction per code (the default
 * table's single entries, §5.6); addresses take the cheapest of the §5.3 modes.
 *
 * COPYs come from the source segment or from earlier in the same target window (never from
 * earlier windows: that would need VCD_TARGET, which the profile excludes).
 *
 * Limits of this slice: source and target are in memory (the index is 8 bytes per source block
 * plus a table the size of the next power of two above twice the blocks: about 1 byte per source
 * byte at 16-byte blocks).
 */
import {
  AddressCache,
  MAX_FIELD,
  MODE_HERE,
  MODE_SELF,
  NEAR_SIZE,
  RUN_OPCODE,
  SAME_SIZE,
  VCD_SOURCE,
  VCDIFF_MAGIC,
  addOpcode,
  copyOpcode,
  varintLength,
} from './format.js';

export interface EncodeOptions {
  /** Largest target window (default 1 MiB, the profile's `-W 1048576`). */
  windowSize?: number;
  /** Bytes per indexed source block; matches shorter than this are not found (default 16). */
  blockSize?: number;
  /** Candidates compared per hash hit (default 16): bounds the time on very repetitive sources. */
  maxCandidates?: number;
}

/** A literal run of one byte at least this long becomes a RUN (2 to 4 bytes) rather than ADD data. */
const MIN_RUN = 8;

/** A growable byte buffer. */
class Bytes {
  private buf = new Uint8Array(256);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }

  /** §2 integer: base 128, most significant digit first, continuation bit on all but the last. */
  varint(value: number): void {
    const n = varintLength(value);
    this.reserve(n);
    for (let i = n - 1; i >= 0; i--) {
      this.buf[this.length + i] = (value % 128) | (i === n - 1 ? 0 : 0x80);
      value = Math.floor(value / 128);
    }
    this.length += n;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

const HASH_MULT = 0x01000193;

/** Multiplier to remove the outgoing byte of a rolling hash over `n` bytes: HASH_MULT^(n-1) mod 2^32. */
function outFactor(n: number): number {
  let f = 1;
  for (let i = 1; i < n; i++) f = Math.imul(f, HASH_MULT);
  return f;
}

function hashAt(bytes: Uint8Array, at: number, n: number): number {
  let h = 0;
  for (let i = 0; i < n; i++) h = (Math.imul(h, HASH_MULT) + bytes[at + i]!) | 0;
  return h;
}

/** Source positions by block hash: `head[h & mask]` is the latest block, `next[block]` the one before. */
class SourceIndex {
  readonly head: Int32Array;
  readonly next: Int32Array;
  readonly mask: number;

  constructor(
    readonly source: Uint8Array,
    readonly blockSize: number,
  ) {
    const blocks = Math.floor(source.length / blockSize);
    let size = 1024;
    while (size < blocks * 2) size *= 2;
    this.mask = size - 1;
    this.head = new Int32Array(size).fill(-1);
    this.next = new Int32Array(Math.max(blocks, 1)).fill(-1);
    // Inserted last to first, so a chain lists earlier source positions first.
    for (let b = blocks - 1; b >= 0; b--) {
      const slot = hashAt(source, b * blockSize, blockSize) & this.mask;
      this.next[b] = this.head[slot]!;
      this.head[slot] = b;
    }
  }
}

interface Copy {
  kind: 'copy';
  /** Position in the source, or in the target when `fromTarget` (an earlier position of the same window). */
  from: number;
  fromTarget: boolean;
  size: number;
}

/**
 * The blocks of the current target window already passed, by hash (as SourceIndex): matches
 * against them become COPYs whose address lies in the target part of the §5.3 address space, so a
 * target that repeats itself is compact even when the source does not hold it.
 */
class WindowIndex {
  readonly head: Int32Array;
  readonly next: Int32Array;
  readonly mask: number;
  /** Next window-relative block to insert. */
  inserted = 0;

  constructor(windowSize: number, blockSize: number) {
    const blocks = Math.ceil(windowSize / blockSize);
    let size = 1024;
    while (size < blocks * 2) size *= 2;
    this.mask = size - 1;
    this.head = new Int32Array(size);
    this.next = new Int32Array(blocks + 1);
  }

  reset(): void {
    this.head.fill(-1);
    this.inserted = 0;
  }
}
interface Literal {
  kind: 'literal';
  start: number;
  end: number;
}

/** Encode `target` as a VCDIFF delta against `source` (both in memory). */
export function encodeDelta(source: Uint8Array, target: Uint8Array, options: EncodeOptions = {}): Uint8Array {
  const windowSize = options.windowSize ?? 1024 * 1024;
  const blockSize = options.blockSize ?? 16;
  const maxCandidates = options.maxCandidates ?? 16;
  if (!Number.isSafeInteger(windowSize) || windowSize < 1) throw new RangeError('windowSize must be a positive integer');
  if (!Number.isSafeInteger(blockSize) || blockSize < 4) throw new RangeError('blockSize must be an integer of at least 4');
  if (source.length > MAX_FIELD || target.length > MAX_FIELD) throw new RangeError('source and target must be under 2^52 bytes');
  const index = new SourceIndex(source, blockSize);
  const windowIndex = new WindowIndex(windowSize, blockSize);
  const out = new Bytes();
  out.bytes(VCDIFF_MAGIC);
  out.byte(0); // Hdr_Indicator: no secondary compressor, default code table, no application header
  // An empty target is one empty window: every decoder then sees a well-formed, non-empty body.
  if (target.length === 0) encodeWindow(out, target, 0, 0, []);
  for (let start = 0; start < target.length; start += windowSize) {
    const end = Math.min(target.length, start + windowSize);
    encodeWindow(out, target, start, end, matchWindow(index, windowIndex, target, start, end, maxCandidates));
  }
  return out.view().slice();
}

/** Split target[start, end) into copies (from the source or from earlier in the window) and literals. */
function matchWindow(index: SourceIndex, own: WindowIndex, target: Uint8Array, start: number, end: number, maxCandidates: number): (Copy | Literal)[] {
  const { source, blockSize, head, next, mask } = index;
  const ops: (Copy | Literal)[] = [];
  let literalStart = start;
  const factor = outFactor(blockSize);
  own.reset();
  let t = start;
  let h = t + blockSize <= end ? hashAt(target, t, blockSize) : 0;
  while (t + blockSize <= end) {
    let bestLength = 0;
    let bestFrom = 0;
    let bestBack = 0;
    let bestFromTarget = false;
    let candidates = 0;
    for (let b = head[h & mask]!; b >= 0 && candidates < maxCandidates; b = next[b]!, candidates++) {
      const s = b * blockSize;
      let f = 0;
      while (t + f < end && s + f < source.length && target[t + f] === source[s + f]) f++;
      if (f < blockSize) continue; // a hash collision
      let back = 0;
      while (t - back > literalStart && s - back > 0 && target[t - back - 1] === source[s - back - 1]) back++;
      if (f + back > bestLength) {
        bestLength = f + back;
        bestFrom = s - back;
        bestBack = back;
      }
    }
    // Earlier blocks of this window: insert those wholly before t, then look t's block up.
    for (; start + (own.inserted + 1) * blockSize <= t; own.inserted++) {
      const slot = hashAt(target, start + own.inserted * blockSize, blockSize) & own.mask;
      own.next[own.inserted] = own.head[slot]!;
      own.head[slot] = own.inserted;
    }
    candidates = 0;
    for (let b = own.head[h & own.mask]!; b >= 0 && candidates < maxCandidates; b = own.next[b]!, candidates++) {
      const s = start + b * blockSize;
      // The copy may overlap the bytes it produces (s + f ≥ t): the decoder copies byte by byte, as §3 allows.
      let f = 0;
      while (t + f < end && target[t + f] === target[s + f]) f++;
      if (f < blockSize) continue;
      let back = 0;
      while (t - back > literalStart && s - back > start && target[t - back - 1] === target[s - back - 1]) back++;
      if (f + back > bestLength) {
        bestLength = f + back;
        bestFrom = s - back;
        bestBack = back;
        bestFromTarget = true;
      }
    }
    if (bestLength > 0) {
      const copyStart = t - bestBack;
      if (copyStart > literalStart) ops.push({ kind: 'literal', start: literalStart, end: copyStart });
      ops.push({ kind: 'copy', from: bestFrom, fromTarget: bestFromTarget, size: bestLength });
      t = copyStart + bestLength;
      literalStart = t;
      if (t + blockSize <= end) h = hashAt(target, t, blockSize);
      continue;
    }
    // Roll the hash one byte forward.
    if (t + blockSize < end) h = (Math.imul(h - Math.imul(target[t]!, factor), HASH_MULT) + target[t + blockSize]!) | 0;
    t++;
  }
  if (end > literalStart) ops.push({ kind: 'literal', start: literalStart, end });
  return ops;
}

/** §4.2-§4.3: one window with its three sections. */
function encodeWindow(out: Bytes, target: Uint8Array, start: number, end: number, ops: (Copy | Literal)[]): void {
  // The source segment is the span the window's copies touch; addresses are relative to it (§4.2).
  let segStart = Infinity;
  let segEnd = 0;
  for (const op of ops) {
    if (op.kind === 'copy' && !op.fromTarget) {
      segStart = Math.min(segStart, op.from);
      segEnd = Math.max(segEnd, op.from + op.size);
    }
  }
  const hasSource = segEnd > 0;
  const segmentSize = hasSource ? segEnd - segStart : 0;
  const data = new Bytes();
  const inst = new Bytes();
  const addrs = new Bytes();
  const cache = new AddressCache();
  let t = 0; // position in this target window
  const add = (from: number, to: number) => {
    const size = to - from;
    const op = addOpcode(size);
    inst.byte(op);
    if (op === 1) inst.varint(size);
    data.bytes(target.subarray(from, to));
    t += size;
  };
  for (const op of ops) {
    if (op.kind === 'copy') {
      // §5.3: the address space is the source segment followed by this target window.
      const addr = op.fromTarget ? segmentSize + (op.from - start) : op.from - segStart;
      const mode = encodeAddress(addrs, cache, addr, segmentSize + t);
      const code = copyOpcode(op.size, mode);
      inst.byte(code);
      if ((code - 19) % 16 === 0) inst.varint(op.size);
      t += op.size;
      continue;
    }
    // Literals: RUN for long runs of one byte, ADD for the rest.
    let pending = op.start;
    let i = op.start;
    while (i < op.end) {
      let j = i + 1;
      while (j < op.end && target[j] === target[i]) j++;
      if (j - i >= MIN_RUN) {
        if (i > pending) add(pending, i);
        inst.byte(RUN_OPCODE);
        inst.varint(j - i);
        data.byte(target[i]!);
        t += j - i;
        pending = j;
      }
      i = j;
    }
    if (op.end > pending) add(pending, op.end);
  }
  const body = new Bytes();
  body.varint(end - start); // target window length
  body.byte(0); // Delta_Indicator: no section is compressed
  body.varint(data.length);
  body.varint(inst.length);
  body.varint(addrs.length);
  body.bytes(data.view());
  body.bytes(inst.view());
  body.bytes(addrs.view());
  out.byte(hasSource ? VCD_SOURCE : 0);
  if (hasSource) {
    out.varint(segmentSize);
    out.varint(segStart);
  }
  out.varint(body.length);
  out.bytes(body.view());
}

/** §5.3: write `addr` in the mode that costs fewest bytes, update the caches, return the mode. */
function encodeAddress(addrs: Bytes, cache: AddressCache, addr: number, here: number): number {
  const sameSlot = addr % (SAME_SIZE * 256);
  if (cache.sameAt(sameSlot) === addr) {
    const mode = 2 + NEAR_SIZE + Math.floor(sameSlot / 256);
    addrs.byte(sameSlot % 256);
    cache.update(addr);
    return mode;
  }
  let mode = MODE_SELF;
  let value = addr;
  if (varintLength(here - addr) < varintLength(value)) {
    mode = MODE_HERE;
    value = here - addr;
  }
  for (let i = 0; i < NEAR_SIZE; i++) {
    const d = addr - cache.nearAt(i);
    if (d >= 0 && varintLength(d) < varintLength(value)) {
      mode = 2 + i;
      value = d;
    }
  }
  addrs.varint(value);
  cache.update(addr);
  return mode;
}
