/**
 * Fuzzing age decryption as a device runs it, on bytes an attacker controls: random bytes, and
 * valid files with bits flipped, cut, extended, with bytes inserted or deleted, chunks reordered,
 * dropped or duplicated, or another file's header. Whatever the bytes, the only failure is an
 * OspreyError with an AGE_* code, a changed file is never accepted, and no plaintext of a bad
 * chunk is ever released: what comes out before the refusal is the original plaintext, whole
 * chunks of it, from before the first changed byte. Run through AgeDecryptStream (StreamOpener,
 * payload length unknown) and SizedStreamOpener (payload length signed), in random pieces.
 */
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../../testkit/fuzz.js';
import { OspreyError } from '../errors.js';
import { AgeDecryptStream, encrypt, unwrapHeader } from './age.js';
import { findHeaderEnd } from './format.js';
import { CHUNK_SIZE, PAYLOAD_NONCE_SIZE, payloadLayout, SEALED_CHUNK_SIZE, SizedStreamOpener, StreamOpener, TAG_SIZE } from './stream.js';
import { X25519Identity } from './x25519.js';

const identity = X25519Identity.generate();

interface Fixture {
  plaintext: Buffer;
  file: Buffer;
  headerLength: number;
  fileKey: Buffer;
}

/** Files of 0, 1 and several chunks, the final chunk short, full, or one byte. */
const SIZES = [0, 1, 1000, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE + 777, 3 * CHUNK_SIZE];
const FIXTURES: Fixture[] = await Promise.all(
  SIZES.map(async (size) => {
    const plaintext = randomBytes(size);
    const file = await encrypt(plaintext, [identity.recipient]);
    const headerLength = findHeaderEnd(file);
    return { plaintext, file, headerLength, fileKey: await unwrapHeader(file.subarray(0, headerLength), [identity]) };
  }),
);
const OTHER = await encrypt(randomBytes(10), [identity.recipient]); // another file's header, for swaps

function expectAgeError(e: unknown): asserts e is OspreyError {
  if (!(e instanceof OspreyError)) throw e; // any other exception fails the property as it is
  expect(e.code).toMatch(/^AGE_/);
}

/** Sealed chunk boundaries of a fixture's payload (file offsets). */
function chunkOffsets(f: Fixture): number[] {
  const first = f.headerLength + PAYLOAD_NONCE_SIZE;
  const out: number[] = [];
  for (let at = first; at < f.file.length; at += SEALED_CHUNK_SIZE) out.push(at);
  return out;
}

/** Positions worth hitting: anywhere, and near the header end, the nonce, chunk starts and tags. */
const position = fc.oneof(fc.nat(), fc.tuple(fc.constantFrom('header-end', 'chunk', 'tag', 'end'), fc.nat(), fc.integer({ min: -3, max: 3 })));
type Position = typeof position extends fc.Arbitrary<infer P> ? P : never;

type Mutation =
  | { kind: 'flip'; at: Position; bit: number }
  | { kind: 'truncate'; at: Position }
  | { kind: 'extend'; bytes: Uint8Array }
  | { kind: 'insert'; at: Position; bytes: Uint8Array }
  | { kind: 'delete'; at: Position; count: number }
  | { kind: 'swap'; a: number; b: number }
  | { kind: 'drop'; chunk: number }
  | { kind: 'duplicate'; chunk: number; to: number }
  | { kind: 'header' };
function resolve(p: Position, f: Fixture, length: number): number {
  if (typeof p === 'number') return length === 0 ? 0 : p % length;
  const [where, n, delta] = p;
  const chunks = chunkOffsets(f);
  const base =
    where === 'header-end'
      ? f.headerLength
      : where === 'chunk'
        ? (chunks[n % Math.max(1, chunks.length)] ?? f.headerLength)
        : where === 'tag'
          ? Math.min(length, (chunks[n % Math.max(1, chunks.length)] ?? 0) + SEALED_CHUNK_SIZE) - 16
          : length;
  return Math.min(Math.max(0, base + delta), Math.max(0, length - 1));
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: position }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: position, count: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), chunk: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), chunk: fc.nat(), to: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'header' as const }) },
);

/** Apply mutations to a fixture's file; sealed chunks are cut out at the original boundaries. */
function mutate(f: Fixture, list: readonly Mutation[]): Buffer {
  let file = f.file;
  for (const m of list) file = apply(f, file, m);
  return file;
}

function apply(f: Fixture, file: Buffer, m: Mutation): Buffer {
  const head = file.subarray(0, Math.min(file.length, f.headerLength + PAYLOAD_NONCE_SIZE));
  const chunks: Buffer[] = [];
  for (let at = head.length; at < file.length; at += SEALED_CHUNK_SIZE) chunks.push(file.subarray(at, at + SEALED_CHUNK_SIZE));
  const pos = (p: Position) => resolve(p, f, file.length);
  switch (m.kind) {
    case 'flip': {
      if (file.length === 0) return file;
      const out = Buffer.from(file);
      out[pos(m.at)]! ^= 1 << m.bit;
      return out;
    }
    case 'truncate':
      return file.subarray(0, pos(m.at));
    case 'extend':
      return Buffer.concat([file, m.bytes]);
    case 'insert': {
      const at = pos(m.at);
      return Buffer.concat([file.subarray(0, at), m.bytes, file.subarray(at)]);
    }
    case 'delete': {
      const at = pos(m.at);
      return Buffer.concat([file.subarray(0, at), file.subarray(at + m.count)]);
    }
    case 'swap': {
      if (chunks.length < 2) return file;
      const a = m.a % chunks.length;
      const b = m.b % chunks.length;
      [chunks[a], chunks[b]] = [chunks[b]!, chunks[a]!];
      return Buffer.concat([head, ...chunks]);
    }
    case 'drop': {
      if (chunks.length === 0) return file;
      chunks.splice(m.chunk % chunks.length, 1);
      return Buffer.concat([head, ...chunks]);
    }
    case 'duplicate': {
      if (chunks.length === 0) return file;
      const copy = chunks[m.chunk % chunks.length]!;
      chunks.splice(m.to % (chunks.length + 1), 0, copy);
      return Buffer.concat([head, ...chunks]);
    }
    case 'header': {
      // Another file's header (same recipient, another file key) in front of this payload.
      const otherHeader = OTHER.subarray(0, findHeaderEnd(OTHER));
      return Buffer.concat([otherHeader, file.subarray(Math.min(file.length, f.headerLength))]);
    }
  }
}

/** Cut `data` into pieces at random points (as a network or a file system hands it over). */
function piecesOf(data: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (data.length === 0 ? 0 : c % data.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    if (p > from) out.push(data.subarray(from, p));
    from = Math.max(from, p);
  }
  out.push(data.subarray(from));
  return out.filter((p) => p.length > 0);
}

/** The first file offset where `a` and `b` differ (their common length if one is a prefix). */
function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/**
 * What may have come out before a refusal: whole chunks of the original plaintext (the final one
 * may be short), none of them reaching the first changed byte (`payloadDiff`, an offset into the
 * payload). A sized opener releases an intact final chunk before it sees the bytes that follow.
 */
function expectOnlyAuthenticPrefix(released: Buffer, plaintext: Buffer, payloadDiff: number): void {
  expect(released.equals(plaintext.subarray(0, released.length))).toBe(true);
  const whole = released.length === plaintext.length;
  if (!whole) expect(released.length % CHUNK_SIZE).toBe(0);
  const layout = payloadLayout(PAYLOAD_NONCE_SIZE + plaintext.length + Math.max(1, Math.ceil(plaintext.length / CHUNK_SIZE)) * TAG_SIZE);
  if ('invalid' in layout) throw new Error(layout.invalid);
  // Where the last released chunk ends in the original payload.
  const end = whole
    ? PAYLOAD_NONCE_SIZE + (layout.chunks - 1) * SEALED_CHUNK_SIZE + layout.finalSealedSize
    : PAYLOAD_NONCE_SIZE + (released.length / CHUNK_SIZE) * SEALED_CHUNK_SIZE;
  if (released.length > 0) expect(end).toBeLessThanOrEqual(payloadDiff);
}

async function decryptStream(pieces: Buffer[]): Promise<{ released: Buffer; error: unknown }> {
  const out: Buffer[] = [];
  const error = await pipeline(
    Readable.from(pieces),
    new AgeDecryptStream([identity]),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        out.push(chunk);
        done();
      },
    }),
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { released: Buffer.concat(out), error };
}

/** A fixture by its index, so that a counterexample prints a number rather than a megabyte. */
const fixture = fc.nat({ max: FIXTURES.length - 1 });
const cuts = fc.array(fc.nat(), { maxLength: 6 });

describe('fuzz: age STREAM decryption', () => {
  it('fuzz: random bytes, with or without an age version line, are refused with an AGE_* error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 400 }),
        fc.constantFrom('', 'age-encryption.org/v1\n', 'age-encryption.org/v1\n-> X25519 AAAA\n\n--- '),
        cuts,
        async (body, prefix, cut) => {
          const { released, error } = await decryptStream(piecesOf(Buffer.concat([Buffer.from(prefix), body]), cut));
          expectAgeError(error);
          expect(released.length).toBe(0);
        },
      ),
      fuzzParams(500),
    );
  });

  it('fuzz: a changed file is refused with an AGE_* error, releasing only authentic whole chunks from before the change', async () => {
    await fc.assert(
      fc.asyncProperty(fixture, fc.array(mutation, { minLength: 1, maxLength: 3 }), cuts, async (i, list, cut) => {
        const f = FIXTURES[i]!;
        const file = mutate(f, list);
        const { released, error } = await decryptStream(piecesOf(file, cut));
        const diff = firstDifference(file, f.file);
        if (diff < 0) {
          expect(error).toBeUndefined();
          expect(released.equals(f.plaintext)).toBe(true);
          return;
        }
        expectAgeError(error);
        expectOnlyAuthenticPrefix(released, f.plaintext, diff - f.headerLength);
      }),
      fuzzParams(300),
    );
  });

  it('fuzz: with the signed payload length, a changed or mis-sized payload is refused and only authentic chunks are released', async () => {
    const claimed = fc.oneof(
      { weight: 3, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: -SEALED_CHUNK_SIZE - 20, max: SEALED_CHUNK_SIZE + 20 }) },
      { weight: 1, arbitrary: fc.constantFrom(Number.NaN, -1, 1.5, 2 ** 53, Infinity) },
    );
    await fc.assert(
      fc.asyncProperty(fixture, fc.array(mutation, { maxLength: 3 }), claimed, cuts, async (i, list, delta, cut) => {
        const f = FIXTURES[i]!;
        const original = f.file.subarray(f.headerLength);
        const payload = mutate(f, list).subarray(f.headerLength);
        const length = Number.isFinite(delta) && Math.abs(delta) <= SEALED_CHUNK_SIZE + 20 ? original.length + delta : delta;
        const out: Buffer[] = [];
        let error: unknown;
        try {
          const opener = new SizedStreamOpener(f.fileKey, length);
          for (const piece of piecesOf(payload, cut)) out.push(...opener.push(piece));
          opener.finish();
        } catch (e) {
          error = e;
        }
        const released = Buffer.concat(out);
        if (payload.equals(original) && length === original.length) {
          expect(error).toBeUndefined();
          expect(released.equals(f.plaintext)).toBe(true);
          return;
        }
        expectAgeError(error);
        const diff = firstDifference(payload, original);
        expectOnlyAuthenticPrefix(released, f.plaintext, diff < 0 ? payload.length : diff);
        if ('invalid' in payloadLayout(length)) expect(released.length).toBe(0);
      }),
      fuzzParams(300),
    );
  });

  it('fuzz: StreamOpener on a payload alone refuses every change the same way', () => {
    fc.assert(
      fc.property(fixture, fc.array(mutation, { minLength: 1, maxLength: 3 }), cuts, (i, list, cut) => {
        const f = FIXTURES[i]!;
        const original = f.file.subarray(f.headerLength);
        const payload = mutate(f, list).subarray(f.headerLength);
        fc.pre(!payload.equals(original));
        const out: Buffer[] = [];
        let error: unknown;
        try {
          const opener = new StreamOpener(f.fileKey);
          for (const piece of piecesOf(payload, cut)) out.push(...opener.push(piece));
          out.push(opener.finish());
        } catch (e) {
          error = e;
        }
        expectAgeError(error);
        expectOnlyAuthenticPrefix(Buffer.concat(out), f.plaintext, firstDifference(payload, original));
      }),
      fuzzParams(300),
    );
  });

  it('fuzz: resuming at any chunk releases the rest of the plaintext, and refuses a changed rest', () => {
    fc.assert(
      fc.property(fixture, fc.nat(), fc.option(fc.tuple(fc.nat(), fc.nat({ max: 7 }))), cuts, (i, k, flip, cut) => {
        const f = FIXTURES[i]!;
        const payload = f.file.subarray(f.headerLength);
        const layout = payloadLayout(payload.length);
        if ('invalid' in layout) throw new Error(layout.invalid);
        const chunk = k % layout.chunks;
        const rest = Buffer.from(payload.subarray(SizedStreamOpener.offsetOfChunk(chunk)));
        if (flip) rest[flip[0] % rest.length]! ^= 1 << flip[1];
        const opener = new SizedStreamOpener(f.fileKey, payload.length, { nonce: payload.subarray(0, PAYLOAD_NONCE_SIZE), chunk });
        const out: Buffer[] = [];
        let error: unknown;
        try {
          for (const piece of piecesOf(rest, cut)) out.push(...opener.push(piece));
          opener.finish();
        } catch (e) {
          error = e;
        }
        const released = Buffer.concat(out);
        const expected = f.plaintext.subarray(chunk * CHUNK_SIZE);
        if (flip === null) {
          expect(error).toBeUndefined();
          expect(released.equals(expected)).toBe(true);
        } else {
          expectAgeError(error);
          expect(released.length % CHUNK_SIZE).toBe(0);
          expect(released.equals(expected.subarray(0, released.length))).toBe(true);
          expect(released.length).toBeLessThanOrEqual(Math.floor((flip[0] % rest.length) / SEALED_CHUNK_SIZE) * CHUNK_SIZE);
        }
      }),
      fuzzParams(100),
    );
  });
});
