/**
 * Streaming VCDIFF (RFC 3284) decoder: the device side of delta updates.
 *
 * The delta arrives as a stream of byte chunks; the source (the device's active slot) is read
 * through a positional reader, only the ranges the window's COPY instructions name, so the source
 * segment is never held. Each target window is yielded as soon as it is complete, with the delta and
 * target offsets of its boundaries: §4 makes every window decodable from its own sections and the
 * source alone (the §5.1 address caches start afresh in each window), so a window boundary is a
 * complete resume point. Memory is one window: its encoding (≤ maxWindowEncoding) plus its target
 * bytes (≤ maxTargetWindow), both checked against the declared sizes before anything is allocated.
 *
 * Supported: the default code table (§5.6), VCD_SOURCE windows and windows without a source,
 * VCD_TARGET windows when the caller gives a reader of the target written so far (xdelta3's
 * profile in docs/architecture.md never makes them), xdelta3's application header (skipped) and
 * per-window Adler-32 (verified). Refused with DELTA_UNSUPPORTED: secondary compression (§4.1
 * VCD_DECOMPRESS, §4.3 Delta_Indicator), a custom code table (§4.1 VCD_CODETABLE, §7), and
 * VCD_TARGET windows without a target reader.
 */
import {
  ADD,
  AddressCache,
  DEFAULT_CODE_TABLE,
  MAX_FIELD,
  MODE_HERE,
  MODE_SELF,
  NEAR_SIZE,
  NOOP,
  RUN,
  VCD_ADLER32,
  VCD_APPHEADER,
  VCD_CODETABLE,
  VCD_DECOMPRESS,
  VCD_SOURCE,
  VCD_TARGET,
  VCDIFF_MAGIC,
  adler32,
  deltaError,
} from './format.js';

/** Random access to the source image (on a device: positional reads of the active slot). */
export interface SourceReader {
  /** `length` bytes at `offset`; fewer only at the end of the source. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface DecodeLimits {
  /** Largest target window accepted (the signed metadata's maxWindow; default 8 MiB, xdelta3's default window). */
  maxTargetWindow: number;
  /** Largest window encoding (the data, instruction and address sections) accepted; default 3 × maxTargetWindow + 4 KiB. */
  maxWindowEncoding: number;
  /** Largest xdelta3 application header accepted (it is skipped, never kept). */
  maxAppHeader: number;
  /**
   * Source bytes read per reader call at least (default 64 KiB), kept until a COPY needs others:
   * an image delta's COPYs are mostly short and in order, and one positional read per COPY would
   * cost a system call each. 0 reads exactly what each COPY names.
   */
  sourceReadAhead: number;
}

/** The data section is at most the target window, the instruction and address sections a few bytes per instruction. */
function encodingLimitFor(maxTargetWindow: number): number {
  return 3 * maxTargetWindow + 4096;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxTargetWindow: 8 * 1024 * 1024,
  maxWindowEncoding: encodingLimitFor(8 * 1024 * 1024),
  maxAppHeader: 64 * 1024,
  sourceReadAhead: 64 * 1024,
};

/** A window boundary: where a window starts in the delta file and in the target. */
export interface DeltaCheckpoint {
  /** Index of the window that starts here (0 = the first). */
  window: number;
  /** Bytes of the delta file before this window (the header included). */
  deltaOffset: number;
  /** Bytes of the target before this window. */
  targetOffset: number;
}

export interface DecodedWindow {
  /** The target bytes of this window (a fresh buffer the caller may keep). */
  data: Uint8Array;
  /** This window's start. */
  start: DeltaCheckpoint;
  /** The next window's start: after writing `data` durably, resuming here gives the rest of the target. */
  next: DeltaCheckpoint;
}

export interface DecodeOptions {
  limits?: Partial<DecodeLimits>;
  /** The source's length when known: a window whose source segment exceeds it is refused before any read. */
  sourceLength?: number;
  /**
   * Reads back the target already produced (on a device: the part of the inactive slot written and
   * fsynced so far), for VCD_TARGET windows; without it they are refused with DELTA_UNSUPPORTED. The
   * caller must have written every window yielded before asking for the next one.
   */
  targetReader?: SourceReader;
  /**
   * Resume at a window boundary reported earlier: the delta stream then starts at
   * `resume.deltaOffset` of the delta file (the header is not read again) and offsets continue from there.
   */
  resume?: DeltaCheckpoint;
}

type DeltaInput = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** A pull buffer over the delta stream: holds at most what the current window needs. */
class Input {
  private readonly it: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private done = false;
  /** Bytes of the delta file consumed (taken) so far. */
  offset: number;

  constructor(input: DeltaInput, offset: number) {
    this.it = Symbol.asyncIterator in input ? input[Symbol.asyncIterator]() : input[Symbol.iterator]();
    this.offset = offset;
  }

  get available(): number {
    return this.buffered;
  }

  /** Buffer at least `n` bytes, or all that is left; returns how many are buffered. */
  async fill(n: number): Promise<number> {
    while (this.buffered < n && !this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        break;
      }
      const chunk = r.value;
      if (!(chunk instanceof Uint8Array)) throw deltaError('DELTA_INVALID', 'the delta stream yielded something other than bytes');
      if (chunk.length === 0) continue;
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    return this.buffered;
  }

  /** A view of the first `n` buffered bytes without consuming them (n ≤ available). */
  peek(n: number): Uint8Array {
    this.coalesce(n);
    return this.chunks[0]!.subarray(0, n);
  }

  /** Consume `n` buffered bytes (n ≤ available) and return them. */
  take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    this.coalesce(n);
    const first = this.chunks[0]!;
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    this.offset += n;
    return out;
  }

  /** Make the first chunk hold at least `n` bytes (copies only when a field spans chunks). */
  private coalesce(n: number): void {
    if (this.chunks[0] !== undefined && this.chunks[0].length >= n) return;
    const joined = new Uint8Array(Math.max(n, 0));
    let at = 0;
    while (at < n) {
      const c = this.chunks.shift()!;
      const part = Math.min(c.length, n - at);
      joined.set(c.subarray(0, part), at);
      at += part;
      if (part < c.length) this.chunks.unshift(c.subarray(part));
    }
    this.chunks.unshift(joined);
  }

  async atEnd(): Promise<boolean> {
    return (await this.fill(1)) === 0;
  }
}

/** The last block read from the source (at most `readAhead` bytes): the one buffer the source costs. */
class SourceBlock {
  private offset = 0;
  private bytes: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly reader: SourceReader,
    private readonly readAhead: number,
  ) {}

  /** `length` bytes at `offset` (fewer at the source's end); `end` is where the window's segment ends. */
  async read(offset: number, length: number, end: number): Promise<Uint8Array> {
    if (offset >= this.offset && offset + length <= this.offset + this.bytes.length)
      return this.bytes.subarray(offset - this.offset, offset - this.offset + length);
    if (length >= this.readAhead) return this.reader.read(offset, length);
    // Read ahead only inside the segment the window declared, so no read goes where the delta does not point.
    const bytes = await this.reader.read(offset, Math.max(length, Math.min(this.readAhead, end - offset)));
    this.offset = offset;
    this.bytes = bytes;
    return bytes.subarray(0, Math.min(length, bytes.length));
  }
}

/** A cursor over bytes already in memory; running past the end is `onEnd`'s error. */
class Cursor {
  pos = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
    private readonly onEnd: 'DELTA_TRUNCATED' | 'DELTA_INVALID',
  ) {}

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  byte(field: string): number {
    if (this.pos >= this.bytes.length) throw deltaError(this.onEnd, `${this.what} ends inside ${field}`, { field });
    return this.bytes[this.pos++]!;
  }

  /** §2: base-128, most significant digit first, high bit set on every byte but the last. */
  varint(field: string): number {
    let value = 0;
    for (let digits = 1; ; digits++) {
      // Leading zero digits (0x80) are redundant; more than MAX_DIGITS of them is not a real encoder's output.
      if (digits > MAX_DIGITS) throw deltaError('DELTA_INVALID', `${field} has more than ${MAX_DIGITS} digits`, { field });
      const b = this.byte(field);
      value = value * 128 + (b & 0x7f);
      if (value > MAX_FIELD) throw deltaError('DELTA_INVALID', `${field} is too large (over 2^52)`, { field });
      if ((b & 0x80) === 0) return value;
    }
  }

  bytesOf(n: number, field: string): Uint8Array {
    if (n > this.remaining) throw deltaError(this.onEnd, `${this.what} ends inside ${field}`, { field });
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** Most base-128 digits accepted in one integer: 8 hold 2^52, a few more allow redundant leading zeros. */
const MAX_DIGITS = 10;
/** Longest window header before its encoding: indicator, segment size and position, encoding length. */
const MAX_WINDOW_PREFIX = 1 + 3 * MAX_DIGITS;
/** Longest §4.1 header we parse without a length: magic, indicator, compressor id, app header length. */
const MAX_HEADER_PREFIX = 4 + 1 + 1 + MAX_DIGITS;

/**
 * Decode a VCDIFF delta against `source`, one target window at a time. Throws OspreyError with a
 * DELTA_* code on any malformed, unsupported, oversized or truncated input; errors of the source
 * reader propagate unchanged.
 */
export async function* decodeDelta(delta: DeltaInput, source: SourceReader, options: DecodeOptions = {}): AsyncGenerator<DecodedWindow, void, undefined> {
  const maxTargetWindow = options.limits?.maxTargetWindow ?? DEFAULT_DECODE_LIMITS.maxTargetWindow;
  // The encoding limit follows the target limit unless given: a device passing 1 MiB gets about 3 MiB, not 24.
  const limits = { ...DEFAULT_DECODE_LIMITS, maxWindowEncoding: encodingLimitFor(maxTargetWindow), ...options.limits };
  for (const [name, value] of Object.entries(limits))
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`limits.${name} must be a non-negative integer`);
  const resume = options.resume;
  // A checkpoint is the caller's record (the agent validates its own file); a nonsensical one is a programming error.
  if (resume && ![resume.window, resume.deltaOffset, resume.targetOffset].every((n) => Number.isSafeInteger(n) && n >= 0))
    throw new RangeError('resume must hold non-negative integer window, deltaOffset and targetOffset');
  const input = new Input(delta, resume?.deltaOffset ?? 0);
  const sourceBlock = new SourceBlock(source, limits.sourceReadAhead);
  if (!resume) await readHeader(input, limits);
  let window = resume?.window ?? 0;
  let targetOffset = resume?.targetOffset ?? 0;
  while (!(await input.atEnd())) {
    const start: DeltaCheckpoint = { window, deltaOffset: input.offset, targetOffset };
    const data = await decodeWindow(input, sourceBlock, limits, options.sourceLength, options.targetReader, start);
    targetOffset += data.length;
    window++;
    yield { data, start, next: { window, deltaOffset: input.offset, targetOffset } };
  }
}

/** Decode a whole delta into one buffer (tests, tools, the build machine's self-check: not for devices). */
export async function decodeDeltaToBuffer(delta: DeltaInput, source: SourceReader, options: DecodeOptions = {}): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const w of decodeDelta(delta, source, options)) {
    parts.push(w.data);
    total += w.data.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A SourceReader over bytes in memory. */
export function bufferSource(bytes: Uint8Array): SourceReader {
  return {
    read: (offset, length) => Promise.resolve(bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length))),
  };
}

/** §4.1 the header: magic, Hdr_Indicator, and the optional parts, which we refuse or skip. */
async function readHeader(input: Input, limits: DecodeLimits): Promise<void> {
  const have = await input.fill(MAX_HEADER_PREFIX);
  const c = new Cursor(input.peek(Math.min(have, MAX_HEADER_PREFIX)), 'the delta header', 'DELTA_TRUNCATED');
  for (let i = 0; i < 4; i++) {
    if (c.byte('the magic') !== VCDIFF_MAGIC[i])
      throw deltaError('DELTA_INVALID', 'the delta does not start with the VCDIFF magic (RFC 3284 §4.1)', { field: 'magic' });
  }
  const indicator = c.byte('Hdr_Indicator');
  if (indicator & ~(VCD_DECOMPRESS | VCD_CODETABLE | VCD_APPHEADER))
    throw deltaError('DELTA_INVALID', `unknown header indicator bits 0x${indicator.toString(16)}`, { field: 'Hdr_Indicator' });
  if (indicator & VCD_DECOMPRESS)
    throw deltaError('DELTA_UNSUPPORTED', 'the delta uses a secondary compressor (VCD_DECOMPRESS); make it with xdelta3 -S none', { field: 'Hdr_Indicator' });
  if (indicator & VCD_CODETABLE)
    throw deltaError('DELTA_UNSUPPORTED', 'the delta uses a custom code table (VCD_CODETABLE); only the default table of RFC 3284 §5.6 is decoded', {
      field: 'Hdr_Indicator',
    });
  let appHeader = 0;
  if (indicator & VCD_APPHEADER) {
    appHeader = c.varint('the application header length');
    if (appHeader > limits.maxAppHeader)
      throw deltaError('DELTA_WINDOW_TOO_LARGE', `the application header is ${appHeader} bytes, over the maximum ${limits.maxAppHeader}`, {
        field: 'appHeader',
      });
  }
  input.take(c.pos);
  // The application header (xdelta3: file names) means nothing to us: skip it.
  if ((await input.fill(appHeader)) < appHeader) throw deltaError('DELTA_TRUNCATED', 'the delta ends inside the application header');
  input.take(appHeader);
}

/** §4.2 and §4.3: one window, decoded into a fresh target buffer. */
async function decodeWindow(
  input: Input,
  source: SourceBlock,
  limits: DecodeLimits,
  sourceLength: number | undefined,
  targetReader: SourceReader | undefined,
  at: DeltaCheckpoint,
): Promise<Uint8Array> {
  const where = (field: string) => ({ field, window: at.window, deltaOffset: at.deltaOffset });
  const have = await input.fill(MAX_WINDOW_PREFIX);
  const c = new Cursor(input.peek(Math.min(have, MAX_WINDOW_PREFIX)), `window ${at.window}`, 'DELTA_TRUNCATED');
  const indicator = c.byte('Win_Indicator');
  if (indicator & ~(VCD_SOURCE | VCD_TARGET | VCD_ADLER32))
    throw deltaError('DELTA_INVALID', `window ${at.window}: unknown indicator bits 0x${indicator.toString(16)}`, where('Win_Indicator'));
  if (indicator & VCD_SOURCE && indicator & VCD_TARGET)
    throw deltaError('DELTA_INVALID', `window ${at.window}: both VCD_SOURCE and VCD_TARGET are set`, where('Win_Indicator'));
  if (indicator & VCD_TARGET && !targetReader)
    throw deltaError('DELTA_UNSUPPORTED', `window ${at.window} copies from the target (VCD_TARGET) and no target reader was given`, where('Win_Indicator'));
  let segmentSize = 0;
  let segmentPosition = 0;
  // §4.2: the segment is read from the source, or (VCD_TARGET) from the target already produced.
  // The target grows as windows are written: read it exactly, never from a block kept earlier.
  const readSegment = (offset: number, length: number, end: number) =>
    indicator & VCD_TARGET ? targetReader!.read(offset, length) : source.read(offset, length, end);
  const segmentWhat = indicator & VCD_TARGET ? 'target' : 'source';
  if (indicator & VCD_TARGET) {
    segmentSize = c.varint('the target segment size');
    segmentPosition = c.varint('the target segment position');
    if (segmentPosition + segmentSize > at.targetOffset)
      throw deltaError(
        'DELTA_INVALID',
        `window ${at.window}: target segment [${segmentPosition}, +${segmentSize}) is not in the ${at.targetOffset} bytes of target before it`,
        where('target segment'),
      );
  }
  if (indicator & VCD_SOURCE) {
    segmentSize = c.varint('the source segment size');
    segmentPosition = c.varint('the source segment position');
    if (sourceLength !== undefined && segmentPosition + segmentSize > sourceLength)
      throw deltaError(
        'DELTA_SOURCE_RANGE',
        `window ${at.window}: source segment [${segmentPosition}, +${segmentSize}) is outside the ${sourceLength}-byte source`,
        where('source segment'),
      );
  }
  const encodingLength = c.varint('the length of the delta encoding');
  if (encodingLength > limits.maxWindowEncoding)
    throw deltaError(
      'DELTA_WINDOW_TOO_LARGE',
      `window ${at.window}: its encoding is ${encodingLength} bytes, over the maximum ${limits.maxWindowEncoding}`,
      where('delta encoding length'),
    );
  input.take(c.pos);
  if ((await input.fill(encodingLength)) < encodingLength)
    throw deltaError('DELTA_TRUNCATED', `the delta ends inside window ${at.window}`, where('delta encoding'));
  const e = new Cursor(input.take(encodingLength), `window ${at.window}'s encoding`, 'DELTA_INVALID');

  const targetSize = e.varint('the target window size');
  if (targetSize > limits.maxTargetWindow)
    throw deltaError(
      'DELTA_WINDOW_TOO_LARGE',
      `window ${at.window}: target window of ${targetSize} bytes, over the maximum ${limits.maxTargetWindow}`,
      where('target window size'),
    );
  const deltaIndicator = e.byte('Delta_Indicator');
  if (deltaIndicator !== 0) {
    if (deltaIndicator & ~7)
      throw deltaError('DELTA_INVALID', `window ${at.window}: unknown Delta_Indicator bits 0x${deltaIndicator.toString(16)}`, where('Delta_Indicator'));
    throw deltaError(
      'DELTA_UNSUPPORTED',
      `window ${at.window}: sections are compressed by a secondary compressor; make the delta with xdelta3 -S none`,
      where('Delta_Indicator'),
    );
  }
  const dataLength = e.varint('the data section length');
  const instLength = e.varint('the instruction section length');
  const addrLength = e.varint('the address section length');
  const checksum = indicator & VCD_ADLER32 ? readUint32(e) : undefined;
  if (dataLength + instLength + addrLength !== e.remaining)
    throw deltaError(
      'DELTA_INVALID',
      `window ${at.window}: the section lengths (${dataLength} + ${instLength} + ${addrLength}) do not add up to the encoding (${e.remaining} bytes left)`,
      where('section lengths'),
    );
  const dataSection = new Cursor(e.bytesOf(dataLength, 'the data section'), `window ${at.window}'s data section`, 'DELTA_INVALID');
  const inst = new Cursor(e.bytesOf(instLength, 'the instruction section'), `window ${at.window}'s instruction section`, 'DELTA_INVALID');
  const addrs = new Cursor(e.bytesOf(addrLength, 'the address section'), `window ${at.window}'s address section`, 'DELTA_INVALID');

  const target = new Uint8Array(targetSize);
  let t = 0; // bytes of this target window decoded
  const cache = new AddressCache();
  const bad = (message: string, field: string) => deltaError('DELTA_INVALID', `window ${at.window}: ${message}`, where(field));

  const run = async (type: number, tableSize: number, mode: number): Promise<void> => {
    if (type === NOOP) return;
    // §5.4: a size of 0 in the code table means the size follows in the instruction section.
    const size = tableSize === 0 ? inst.varint('an instruction size') : tableSize;
    if (size > targetSize - t) throw bad(`an instruction of ${size} bytes overruns the ${targetSize}-byte target window at ${t}`, 'instruction size');
    if (type === ADD) {
      target.set(dataSection.bytesOf(size, 'ADD data'), t);
      t += size;
    } else if (type === RUN) {
      target.fill(dataSection.byte('RUN data'), t, t + size);
      t += size;
    } else {
      // §5.3: addresses run over the source segment followed by the target window; `here` is the current position.
      const here = segmentSize + t;
      const addr = decodeAddress(addrs, cache, mode, here);
      if (addr >= here) throw bad(`COPY address ${addr} is not before the current position ${here}`, 'COPY address');
      let n = size;
      let from = addr;
      if (from < segmentSize) {
        // From the source segment, read on demand through the reader: the segment is never held.
        const part = Math.min(n, segmentSize - from);
        const bytes = await readSegment(segmentPosition + from, part, segmentPosition + segmentSize);
        if (bytes.length !== part)
          throw deltaError(
            'DELTA_SOURCE_RANGE',
            `window ${at.window}: COPY of ${part} bytes at ${segmentWhat} offset ${segmentPosition + from} reads past the end of the ${segmentWhat}`,
            where('COPY address'),
          );
        target.set(bytes, t);
        t += part;
        n -= part;
        from += part;
      }
      // From this target window; it may overlap the bytes being written (§3: a run-like periodic copy), so byte by byte then.
      let src = from - segmentSize;
      if (n > 0 && src + n <= t) {
        target.copyWithin(t, src, src + n);
        t += n;
      } else {
        for (; n > 0; n--) target[t++] = target[src++]!;
      }
    }
  };

  while (inst.remaining > 0) {
    const entry = DEFAULT_CODE_TABLE[inst.byte('an instruction')]!;
    await run(entry.type1, entry.size1, entry.mode1);
    await run(entry.type2, entry.size2, entry.mode2);
  }
  if (t !== targetSize) throw bad(`the instructions produce ${t} bytes, the window declares ${targetSize}`, 'target window size');
  if (dataSection.remaining !== 0 || addrs.remaining !== 0) throw bad('bytes are left over in the data or address section', 'section lengths');
  if (checksum !== undefined && adler32(target) !== checksum)
    throw deltaError('DELTA_CHECKSUM_MISMATCH', `window ${at.window}: Adler-32 of the decoded window does not match`, where('Adler-32'));
  return target;
}

/** §5.3 decoding an address in `mode`, then updating the caches. */
function decodeAddress(addrs: Cursor, cache: AddressCache, mode: number, here: number): number {
  let addr: number;
  if (mode === MODE_SELF) addr = addrs.varint('a COPY address');
  else if (mode === MODE_HERE) addr = here - addrs.varint('a COPY address');
  else if (mode < 2 + NEAR_SIZE) addr = cache.nearAt(mode - 2) + addrs.varint('a COPY address');
  else addr = cache.sameAt((mode - 2 - NEAR_SIZE) * 256 + addrs.byte('a COPY address'));
  if (addr < 0 || addr > MAX_FIELD) throw deltaError('DELTA_INVALID', `COPY address ${addr} is out of range`, { field: 'COPY address' });
  cache.update(addr);
  return addr;
}

function readUint32(c: Cursor): number {
  const b = c.bytesOf(4, 'the Adler-32 checksum');
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}
