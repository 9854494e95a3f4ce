/**
 * The VCDIFF codec: interop both ways with Debian's xdelta3 (the independent implementation),
 * edge cases, bounded memory, resume at a window boundary, and typed refusals of bad input.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concat, images, randomBytes, textBytes } from '../../../../testkit/delta-data.js';
import { tempDirForFile } from '../../../../testkit/temp-dir.js';
import { hasCommand } from '../../../../testkit/tools.js';
import { isOspreyError } from '../errors.js';
import { bufferSource, decodeDelta, decodeDeltaToBuffer, encodeDelta, type DeltaCheckpoint, type SourceReader } from './index.js';

const { a: A, b: B } = images();

/** Byte equality (vitest's toEqual walks a typed array element by element: far too slow for MiBs). */
function expectSame(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.length))).toBe(true);
}

async function decode(delta: Uint8Array, source: Uint8Array, options?: Parameters<typeof decodeDelta>[2]): Promise<Uint8Array> {
  return decodeDeltaToBuffer([delta], bufferSource(source), options);
}

/** The DELTA_* code a decode fails with (the test fails if it succeeds or throws anything untyped). */
async function refusal(delta: Uint8Array, source: Uint8Array = A, options?: Parameters<typeof decodeDelta>[2]): Promise<string> {
  try {
    await decode(delta, source, options);
  } catch (e) {
    if (isOspreyError(e)) return e.code;
    throw e;
  }
  throw new Error('the delta was accepted');
}

function varint(value: number): number[] {
  const out = [value % 128];
  value = Math.floor(value / 128);
  while (value > 0) {
    out.unshift((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  return out;
}

/** A delta made by hand: header indicator, then windows given as their fields (RFC 3284 §4). */
function handMade(
  windows: {
    indicator?: number;
    segment?: [size: number, position: number];
    targetSize: number;
    deltaIndicator?: number;
    data: number[];
    inst: number[];
    addr?: number[];
    checksum?: number;
    encodingLength?: number;
  }[],
  hdrIndicator = 0,
): Uint8Array {
  const bytes: number[] = [0xd6, 0xc3, 0xc4, 0x00, hdrIndicator];
  for (const w of windows) {
    const addr = w.addr ?? [];
    const body = [...varint(w.targetSize), w.deltaIndicator ?? 0, ...varint(w.data.length), ...varint(w.inst.length), ...varint(addr.length)];
    if (w.checksum !== undefined) body.push((w.checksum >>> 24) & 0xff, (w.checksum >>> 16) & 0xff, (w.checksum >>> 8) & 0xff, w.checksum & 0xff);
    body.push(...w.data, ...w.inst, ...addr);
    bytes.push(w.indicator ?? (w.segment ? 1 : 0));
    if (w.segment) bytes.push(...varint(w.segment[0]), ...varint(w.segment[1]));
    bytes.push(...varint(w.encodingLength ?? body.length), ...body);
  }
  return Uint8Array.from(bytes);
}

describe('encode and decode (Osprey with itself)', () => {
  it('round-trips the realistic images, in 1 MiB windows, and the delta is small', async () => {
    const delta = encodeDelta(A, B);
    expectSame(await decode(delta, A), B);
    // About 250 KiB of B is new (50 KiB inserted, 200 KiB new text, 40 edited bytes): the rest is copied.
    expect(delta.length).toBeLessThan(300 * 1024);
    let windows = 0;
    for await (const w of decodeDelta([delta], bufferSource(A))) {
      windows++;
      expect(w.data.length).toBeLessThanOrEqual(1024 * 1024);
    }
    expect(windows).toBe(Math.ceil(B.length / (1024 * 1024)));
  });

  it.each([
    ['empty source', new Uint8Array(0), textBytes(5000, 7)],
    ['empty target', textBytes(5000, 7), new Uint8Array(0)],
    ['both empty', new Uint8Array(0), new Uint8Array(0)],
    ['identical', textBytes(70_000, 8), textBytes(70_000, 8)],
    ['target larger than source', textBytes(3000, 9), concat(textBytes(3000, 9), randomBytes(9000, 10), textBytes(3000, 9))],
    ['a run of zeros', new Uint8Array(100), new Uint8Array(100_000)],
  ])('%s', async (_name, a, b) => {
    expectSame(await decode(encodeDelta(a, b, { windowSize: 16 * 1024 }), a), b);
  });

  it('copies from earlier in the target window when the source does not hold the bytes', async () => {
    const block = randomBytes(5000, 16);
    const target = concat(block, block, block, block, block, block, block, block);
    const delta = encodeDelta(new Uint8Array(0), target);
    expect(delta.length).toBeLessThan(5200);
    expectSame(await decode(delta, new Uint8Array(0)), target);
  });

  it('encodes an identical image as copies only (no data section bytes beyond the header)', () => {
    const a = randomBytes(200_000, 11);
    expect(encodeDelta(a, a).length).toBeLessThan(100);
  });
});

describe('bounded memory', () => {
  it('refuses a window over the configured maximum before allocating it', async () => {
    const delta = encodeDelta(A.subarray(0, 100_000), B.subarray(0, 100_000), { windowSize: 64 * 1024 });
    expect(await refusal(delta, A, { limits: { maxTargetWindow: 32 * 1024 } })).toBe('DELTA_WINDOW_TOO_LARGE');
    // A declared target window of 1 TiB: refused by its declaration, nothing of that size is allocated.
    expect(await refusal(handMade([{ targetSize: 2 ** 40, data: [], inst: [] }]))).toBe('DELTA_WINDOW_TOO_LARGE');
    // A declared encoding of 1 TiB: refused without waiting for (or buffering) its bytes.
    expect(await refusal(handMade([{ targetSize: 1, data: [1], inst: [2], encodingLength: 2 ** 40 }]))).toBe('DELTA_WINDOW_TOO_LARGE');
    // The encoding limit follows a configured target limit (3 × 32 KiB + 4 KiB here).
    const big = handMade([{ targetSize: 1, data: [1], inst: [2], encodingLength: 200 * 1024 }]);
    expect(await refusal(big, A, { limits: { maxTargetWindow: 32 * 1024 } })).toBe('DELTA_WINDOW_TOO_LARGE');
    expect(await refusal(big)).toBe('DELTA_TRUNCATED');
  });

  it('decodes a many-window delta chunk by chunk: one window at a time, source read on demand, input not read ahead', async () => {
    const windowSize = 16 * 1024;
    const target = B.subarray(0, 1024 * 1024);
    const delta = encodeDelta(A, target, { windowSize });
    let pulled = 0;
    const chunkSize = 1000;
    async function* stream() {
      for (let at = 0; at < delta.length; at += chunkSize) {
        const chunk = delta.slice(at, at + chunkSize);
        pulled += chunk.length;
        yield chunk;
      }
    }
    let largestRead = 0;
    const source: SourceReader = {
      read: (offset, length) => {
        largestRead = Math.max(largestRead, length);
        return Promise.resolve(A.slice(offset, offset + length));
      },
    };
    const parts: Uint8Array[] = [];
    for await (const w of decodeDelta(stream(), source)) {
      expect(w.data.length).toBeLessThanOrEqual(windowSize);
      // The decoder holds this window's encoding, and at most one input chunk beyond it.
      expect(pulled - w.next.deltaOffset).toBeLessThanOrEqual(chunkSize);
      parts.push(w.data);
    }
    expect(parts.length).toBe(64);
    expectSame(concat(...parts), target);
    expect(largestRead).toBeGreaterThan(0);
    // A COPY reads at most its window; shorter ones read ahead one 64 KiB block.
    expect(largestRead).toBeLessThanOrEqual(64 * 1024);
  });

  it('reads the source in blocks, not one call per COPY, and exactly without read-ahead', async () => {
    const delta = encodeDelta(A, B);
    const counting = () => {
      const reads: [number, number][] = [];
      return { reads, source: { read: (offset: number, length: number) => (reads.push([offset, length]), Promise.resolve(A.slice(offset, offset + length))) } };
    };
    const blocks = counting();
    expectSame(await decodeDeltaToBuffer([delta], blocks.source), B);
    const exact = counting();
    expectSame(await decodeDeltaToBuffer([delta], exact.source, { limits: { sourceReadAhead: 0 } }), B);
    expect(blocks.reads.length).toBeLessThan(exact.reads.length);
    for (const [offset, length] of [...blocks.reads, ...exact.reads]) expect(offset + length).toBeLessThanOrEqual(A.length);
  });
});

describe('resume at a window boundary', () => {
  it('decoding from a reported window start gives the rest of B', async () => {
    const delta = encodeDelta(A, B, { windowSize: 256 * 1024 });
    const boundaries: DeltaCheckpoint[] = [];
    for await (const w of decodeDelta([delta], bufferSource(A))) boundaries.push(w.next);
    expect(boundaries.length).toBeGreaterThan(8);
    for (const at of [boundaries[0]!, boundaries[5]!, boundaries.at(-2)!]) {
      const rest: Uint8Array[] = [];
      let last: DeltaCheckpoint | undefined;
      for await (const w of decodeDelta([delta.subarray(at.deltaOffset)], bufferSource(A), { resume: at })) {
        rest.push(w.data);
        last = w.next;
      }
      expectSame(concat(B.subarray(0, at.targetOffset), ...rest), B);
      expect(last).toEqual(boundaries.at(-1));
    }
  });
});

describe('VCD_TARGET windows', () => {
  // Window 0 adds "abcdefgh" (ADD 8 = opcode 9); window 1 copies 8 bytes (COPY 8 SELF = opcode 24) of target segment [0, 8) at address 0.
  const delta = handMade([
    { targetSize: 8, data: [...'abcdefgh'].map((ch) => ch.charCodeAt(0)), inst: [9] },
    { indicator: 2, segment: [8, 0], targetSize: 8, data: [], inst: [24], addr: [0] },
  ]);

  it('are decoded with a reader of the target written so far', async () => {
    const written: Uint8Array[] = [];
    const targetReader: SourceReader = { read: (offset, length) => Promise.resolve(concat(...written).slice(offset, offset + length)) };
    for await (const w of decodeDelta([delta], bufferSource(new Uint8Array(0)), { targetReader })) written.push(w.data);
    expect(new TextDecoder().decode(concat(...written))).toBe('abcdefghabcdefgh');
  });

  it('are refused without one, and a target segment beyond the target so far is invalid', async () => {
    expect(await refusal(delta)).toBe('DELTA_UNSUPPORTED');
    const ahead = handMade([{ indicator: 2, segment: [8, 0], targetSize: 8, data: [], inst: [24], addr: [0] }]);
    expect(await refusal(ahead, A, { targetReader: bufferSource(new Uint8Array(100)) })).toBe('DELTA_INVALID');
  });
});

describe('options', () => {
  it('a nonsensical checkpoint or limit is a programming error (RangeError), before any input is read', async () => {
    const delta = encodeDelta(A.subarray(0, 1000), B.subarray(0, 1000));
    await expect(decode(delta, A, { resume: { window: 1, deltaOffset: -5, targetOffset: 0 } })).rejects.toThrow(RangeError);
    await expect(decode(delta, A, { limits: { maxTargetWindow: Number.NaN } })).rejects.toThrow(RangeError);
  });
});

describe('typed refusals', () => {
  const small = encodeDelta(textBytes(10_000, 12), concat(textBytes(5000, 12), randomBytes(3000, 13)), { windowSize: 4096 });
  const smallSource = textBytes(10_000, 12);

  it('bad magic, unknown bits, secondary compression, custom code table, VCD_TARGET', async () => {
    const badMagic = small.slice();
    badMagic[2] = 0x44;
    expect(await refusal(badMagic)).toBe('DELTA_INVALID');
    expect(await refusal(Uint8Array.of(0xd6, 0xc3, 0xc4, 0x00, 0x08))).toBe('DELTA_INVALID');
    expect(await refusal(Uint8Array.of(0xd6, 0xc3, 0xc4, 0x00, 0x01, 0x02))).toBe('DELTA_UNSUPPORTED');
    expect(await refusal(Uint8Array.of(0xd6, 0xc3, 0xc4, 0x00, 0x02, 0x00))).toBe('DELTA_UNSUPPORTED');
    expect(await refusal(handMade([{ indicator: 2, segment: [1, 0], targetSize: 1, data: [], inst: [19 + 4], addr: [0] }]))).toBe('DELTA_UNSUPPORTED');
    expect(await refusal(handMade([{ targetSize: 1, deltaIndicator: 1, data: [1], inst: [2] }]))).toBe('DELTA_UNSUPPORTED');
    expect(await refusal(handMade([{ indicator: 0x10, targetSize: 1, data: [1], inst: [2] }]))).toBe('DELTA_INVALID');
  });

  it('truncated input: inside the header or a window', async () => {
    expect(await refusal(small.subarray(0, 3), smallSource)).toBe('DELTA_TRUNCATED');
    expect(await refusal(small.subarray(0, small.length - 1), smallSource)).toBe('DELTA_TRUNCATED');
    expect(await refusal(small.subarray(0, 7), smallSource)).toBe('DELTA_TRUNCATED');
  });

  it('sizes that do not add up, addresses out of range, integers too large', async () => {
    // ADD of 2 bytes (opcode 3) into a 1-byte window.
    expect(await refusal(handMade([{ targetSize: 1, data: [1, 2], inst: [3] }]))).toBe('DELTA_INVALID');
    // One byte produced, two declared.
    expect(await refusal(handMade([{ targetSize: 2, data: [1], inst: [2] }]))).toBe('DELTA_INVALID');
    // Data left over.
    expect(await refusal(handMade([{ targetSize: 1, data: [1, 2], inst: [2] }]))).toBe('DELTA_INVALID');
    // COPY 4 (mode SELF, opcode 20) from address 10 of a 5-byte segment + empty target: not before `here`.
    expect(await refusal(handMade([{ segment: [5, 0], targetSize: 4, data: [], inst: [20], addr: [10] }]))).toBe('DELTA_INVALID');
    // An integer of 10 bytes of 0xff.
    expect(
      await refusal(handMade([{ segment: [5, 0], targetSize: 4, data: [], inst: [20], addr: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f] }])),
    ).toBe('DELTA_INVALID');
    // Section lengths larger than the encoding.
    expect(await refusal(handMade([{ targetSize: 1, data: [1], inst: [2], encodingLength: 5 }]))).toBe('DELTA_INVALID');
  });

  it('a source segment outside the source, a short source', async () => {
    const copy = handMade([{ segment: [8, 100], targetSize: 8, data: [], inst: [19 + 5], addr: [0] }]);
    expect(await refusal(copy, new Uint8Array(50), { sourceLength: 50 })).toBe('DELTA_SOURCE_RANGE');
    expect(await refusal(copy, new Uint8Array(50))).toBe('DELTA_SOURCE_RANGE');
    expect(await refusal(encodeDelta(A, B), A.subarray(0, A.length - 4096))).toBe('DELTA_SOURCE_RANGE');
  });

  it('verifies xdelta3 Adler-32 window checksums', async () => {
    // ADD 3 bytes "abc" (opcode 4); Adler-32("abc") = 0x024d0127.
    expectSame(
      await decode(handMade([{ indicator: 4, targetSize: 3, data: [97, 98, 99], inst: [4], checksum: 0x024d0127 }]), new Uint8Array(0)),
      Uint8Array.of(97, 98, 99),
    );
    expect(await refusal(handMade([{ indicator: 4, targetSize: 3, data: [97, 98, 99], inst: [4], checksum: 0x024d0128 }]))).toBe('DELTA_CHECKSUM_MISMATCH');
  });
});

describe.runIf(hasCommand('xdelta3'))("interop with Debian's xdelta3", () => {
  const dir = tempDirForFile('osprey-vcdiff-');
  let n = 0;
  function files(a: Uint8Array, b: Uint8Array) {
    const base = join(dir, String(n++));
    writeFileSync(`${base}.a`, a);
    writeFileSync(`${base}.b`, b);
    return { a: `${base}.a`, b: `${base}.b`, delta: `${base}.vcdiff`, out: `${base}.out` };
  }
  /** The plain profile of docs/architecture.md. */
  function xdeltaPlain(f: ReturnType<typeof files>, size: number): Uint8Array {
    execFileSync('xdelta3', ['-e', '-f', '-9', '-S', 'none', '-A', '-n', '-W', '1048576', '-B', String(Math.max(size, 1048576)), '-s', f.a, f.b, f.delta]);
    return readFileSync(f.delta);
  }
  function xdeltaApply(f: ReturnType<typeof files>, delta: Uint8Array): Uint8Array {
    writeFileSync(f.delta, delta);
    execFileSync('xdelta3', ['-d', '-f', '-s', f.a, f.delta, f.out]);
    return readFileSync(f.out);
  }

  const cases: [string, Uint8Array, Uint8Array][] = [
    ['realistic images (3 MiB: edits, insertion, deletion, moved blocks, new file)', A, B],
    ['empty source', new Uint8Array(0), textBytes(20_000, 14)],
    ['empty target', textBytes(20_000, 14), new Uint8Array(0)],
    ['identical', B.subarray(0, 1_500_000), B.subarray(0, 1_500_000)],
    ['target larger than source', A.subarray(0, 200_000), concat(A.subarray(100_000, 200_000), randomBytes(300_000, 15), A.subarray(0, 200_000))],
  ];

  it.each(cases)("Osprey's delta applied by xdelta3 -d gives B: %s", (_name, a, b) => {
    const f = files(a, b);
    expectSame(xdeltaApply(f, encodeDelta(a, b)), b);
  });

  it.each(cases)("xdelta3's plain-profile delta decoded by Osprey gives B: %s", async (_name, a, b) => {
    const delta = xdeltaPlain(files(a, b), a.length);
    expect(delta[4]).toBe(0); // header indicator: no secondary compressor, code table or application header
    expectSame(await decode(delta, a, { limits: { maxTargetWindow: 1024 * 1024 } }), b);
  });

  it("xdelta3's default profile without secondary compression (application header, Adler-32) decoded by Osprey gives B", async () => {
    const f = files(A, B);
    execFileSync('xdelta3', ['-e', '-f', '-S', 'none', '-s', f.a, f.b, f.delta]);
    const delta = readFileSync(f.delta);
    expect(delta[4]! & 0x04).toBe(0x04); // VCD_APPHEADER
    expect(delta[4]! & 0x03).toBe(0);
    expectSame(await decode(delta, A), B);
    // Its windows carry Adler-32: a flipped byte in the last window's data is caught by the checksum or the structure.
    const corrupt = delta.slice();
    corrupt[corrupt.length - 200]! ^= 0x01;
    expect(await refusal(corrupt)).toMatch(/^DELTA_(CHECKSUM_MISMATCH|INVALID|SOURCE_RANGE)$/);
  });

  it("xdelta3's default secondary compression is refused with DELTA_UNSUPPORTED", async () => {
    const f = files(A.subarray(0, 300_000), B.subarray(0, 300_000));
    execFileSync('xdelta3', ['-e', '-f', '-s', f.a, f.b, f.delta]);
    const delta = readFileSync(f.delta);
    expect(delta[4]! & 0x01).toBe(0x01); // VCD_DECOMPRESS
    expect(await refusal(delta, A)).toBe('DELTA_UNSUPPORTED');
  });

  it('decodes with the source read from a file by positional reads, the delta streamed from a file', async () => {
    const f = files(A, B);
    const delta = xdeltaPlain(f, A.length);
    const handle = await open(f.a, 'r');
    try {
      const source: SourceReader = {
        read: async (offset, length) => {
          const buf = new Uint8Array(length);
          const { bytesRead } = await handle.read(buf, 0, length, offset);
          return buf.subarray(0, bytesRead);
        },
      };
      const parts: Uint8Array[] = [];
      for await (const w of decodeDelta(createReadStream(f.delta, { highWaterMark: 64 * 1024 }), source, { sourceLength: A.length })) parts.push(w.data);
      expect(delta.length).toBeGreaterThan(0);
      expectSame(concat(...parts), B);
    } finally {
      await handle.close();
    }
  });

  it('resumes a multi-window xdelta3 delta at a window boundary', async () => {
    const delta = xdeltaPlain(files(A, B), A.length);
    const boundaries: DeltaCheckpoint[] = [];
    for await (const w of decodeDelta([delta], bufferSource(A))) boundaries.push(w.next);
    expect(boundaries.length).toBe(Math.ceil(B.length / (1024 * 1024)));
    const at = boundaries[1]!;
    const rest = await decodeDeltaToBuffer([delta.subarray(at.deltaOffset)], bufferSource(A), { resume: at });
    expectSame(concat(B.subarray(0, at.targetOffset), rest), B);
  });
});
