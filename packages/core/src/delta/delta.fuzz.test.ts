/**
 * Properties of the VCDIFF codec (fast-check): decode(encode(a, b)) = b for arbitrary small a and
 * b and for b made from a by random edits, at random window and block sizes; and any corruption
 * of a valid delta (flipped, inserted or deleted bytes, truncation) either decodes or fails with a
 * DELTA_* OspreyError — never another exception, never a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams, fuzzTimeout } from '../../../../testkit/fuzz.js';
import { OspreyError } from '../errors.js';
import { bufferSource, decodeDeltaToBuffer, encodeDelta } from './index.js';

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

// size 'max': lengths spread up to the maximum (fast-check's default keeps arrays to a few elements).
const bytes = (max: number) => fc.uint8Array({ maxLength: max, size: 'max' });
/** Bytes with repetition (a small alphabet), so matches and runs occur. */
const repetitive = (max: number) => fc.uint8Array({ maxLength: max, min: 0, max: 3, size: 'max' });
const codecOptions = fc.record({ windowSize: fc.integer({ min: 1, max: 700 }), blockSize: fc.integer({ min: 4, max: 32 }) });

type Edit = { kind: 'insert' | 'delete' | 'replace' | 'move'; at: number; length: number; bytes: Uint8Array; to: number };
const edit = fc.record({
  kind: fc.constantFrom<Edit['kind']>('insert', 'delete', 'replace', 'move'),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 300 }),
  bytes: fc.uint8Array({ maxLength: 64 }),
  to: fc.nat(),
});

function applyEdits(a: Uint8Array, edits: Edit[]): Uint8Array {
  const b = Array.from(a);
  for (const e of edits) {
    const at = b.length === 0 ? 0 : e.at % (b.length + 1);
    if (e.kind === 'insert') b.splice(at, 0, ...e.bytes);
    else if (e.kind === 'delete') b.splice(at, e.length);
    else if (e.kind === 'replace') b.splice(at, e.bytes.length, ...e.bytes);
    else {
      const moved = b.splice(at, e.length);
      const to = b.length === 0 ? 0 : e.to % (b.length + 1);
      b.splice(to, 0, ...moved);
    }
  }
  return Uint8Array.from(b);
}

async function roundTrip(a: Uint8Array, b: Uint8Array, options: { windowSize: number; blockSize: number }): Promise<boolean> {
  return same(await decodeDeltaToBuffer([encodeDelta(a, b, options)], bufferSource(a)), b);
}

describe('VCDIFF codec properties', () => {
  it(
    'decode(encode(a, b)) = b for arbitrary a and b',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(bytes(3000), repetitive(3000)), fc.oneof(bytes(3000), repetitive(3000)), codecOptions, async (a, b, o) => {
          expect(await roundTrip(a, b, o)).toBe(true);
        }),
        fuzzParams(200),
      );
    },
    fuzzTimeout(200, 20),
  );

  it(
    'decode(encode(a, b)) = b for b made from a by edits (insertions, deletions, replacements, moves)',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(bytes(6000), repetitive(6000)), fc.array(edit, { maxLength: 8 }), codecOptions, async (a, edits, o) => {
          const b = applyEdits(a, edits);
          expect(await roundTrip(a, b, o)).toBe(true);
        }),
        fuzzParams(200),
      );
    },
    fuzzTimeout(200, 20),
  );

  it(
    'a corrupted delta decodes or fails with a DELTA_* error, nothing else',
    async () => {
      const corruption = fc.oneof(
        fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
        fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
        fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
        fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
      );
      await fc.assert(
        fc.asyncProperty(repetitive(2000), bytes(2000), codecOptions, fc.array(corruption, { minLength: 1, maxLength: 4 }), async (a, b, o, corruptions) => {
          let delta = Array.from(encodeDelta(a, b, o));
          for (const c of corruptions) {
            const at = c.at % (delta.length + 1);
            if (c.kind === 'flip') delta[Math.min(at, delta.length - 1)]! ^= c.mask;
            else if (c.kind === 'truncate') delta = delta.slice(0, at);
            else if (c.kind === 'insert') delta.splice(at, 0, ...c.bytes);
            else delta.splice(at, c.length);
          }
          try {
            // Small limits: a corrupted size is refused, not allocated.
            await decodeDeltaToBuffer([Uint8Array.from(delta)], bufferSource(a), { limits: { maxTargetWindow: 64 * 1024, maxWindowEncoding: 256 * 1024 } });
          } catch (e) {
            expect(e).toBeInstanceOf(OspreyError);
            expect((e as OspreyError).code).toMatch(/^DELTA_/);
          }
        }),
        fuzzParams(500),
      );
    },
    fuzzTimeout(500, 20),
  );
});
