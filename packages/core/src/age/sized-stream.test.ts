import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hasCommand } from '../../../../testkit/tools.js';
import { isOspreyError } from '../errors.js';
import { encrypt, generateFileKey, unwrapHeader } from './age.js';
import { findHeaderEnd } from './format.js';
import { CHUNK_SIZE, decryptPayloadOfLength, decryptWithOpener, payloadLayout, SEALED_CHUNK_SIZE, SizedStreamOpener, StreamSealer } from './stream.js';
import { X25519Identity } from './x25519.js';

function seal(plaintext: Buffer, fileKey: Buffer): Buffer {
  const sealer = new StreamSealer(fileKey);
  return Buffer.concat([sealer.nonce, ...sealer.push(plaintext), sealer.finish()]);
}

/** Split into pieces of `size` bytes (the last shorter). */
const pieces = (b: Buffer, size: number) => Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size));

async function open(
  payload: Buffer,
  fileKey: Buffer,
  length = payload.length,
  pieceSize = 7001,
): Promise<{ plaintext: Buffer; error: unknown; releasedBeforeError: number }> {
  const out: Buffer[] = [];
  try {
    for await (const chunk of decryptPayloadOfLength(pieces(payload, pieceSize), fileKey, length)) out.push(chunk);
    return { plaintext: Buffer.concat(out), error: undefined, releasedBeforeError: 0 };
  } catch (error) {
    return { plaintext: Buffer.alloc(0), error, releasedBeforeError: Buffer.concat(out).length };
  }
}

describe('SizedStreamOpener: payload decryption of a known length', () => {
  const fileKey = generateFileKey();

  it.each([0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE, 3 * CHUNK_SIZE + 17])(
    '%i plaintext bytes, in pieces of several sizes',
    async (size) => {
      const plaintext = randomBytes(size);
      const payload = seal(plaintext, fileKey);
      for (const pieceSize of [1, 15, 16, 17, 7001, SEALED_CHUNK_SIZE, SEALED_CHUNK_SIZE + 1, payload.length]) {
        if (pieceSize === 1 && size > CHUNK_SIZE) continue; // slow, and covered by the smaller sizes
        const { plaintext: out, error } = await open(payload, fileKey, payload.length, pieceSize);
        expect(error).toBeUndefined();
        expect(out.equals(plaintext)).toBe(true);
      }
    },
  );

  it('decrypts what the age reference implementation (Debian `age`) encrypted', async (ctx) => {
    if (!hasCommand('age')) return ctx.skip();
    const dir = mkdtempSync(join(tmpdir(), 'osprey-sized-'));
    try {
      const identity = X25519Identity.generate();
      const plaintext = randomBytes(2 * CHUNK_SIZE + 12345);
      writeFileSync(join(dir, 'plain'), plaintext);
      execFileSync('age', ['-r', identity.recipient.toString(), '-o', join(dir, 'file.age'), join(dir, 'plain')]);
      const file = readFileSync(join(dir, 'file.age'));
      const end = findHeaderEnd(file);
      const key = await unwrapHeader(file.subarray(0, end), [identity]);
      const { plaintext: out, error } = await open(file.subarray(end), key);
      expect(error).toBeUndefined();
      expect(out.equals(plaintext)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('refusals release no unauthenticated plaintext', () => {
    const plaintext = randomBytes(4 * CHUNK_SIZE + 100);
    const payload = seal(plaintext, fileKey);

    it('a tampered chunk: the chunks before it only', async () => {
      const bad = Buffer.from(payload);
      bad[16 + 2 * SEALED_CHUNK_SIZE + 5]! ^= 1;
      const { error, releasedBeforeError } = await open(bad, fileKey);
      expect(isOspreyError(error, 'AGE_CHUNK_AUTH_FAILED')).toBe(true);
      expect(releasedBeforeError).toBe(2 * CHUNK_SIZE);
    });

    it('a tampered tag split across pieces', async () => {
      const bad = Buffer.from(payload);
      bad[16 + SEALED_CHUNK_SIZE - 3]! ^= 1;
      const { error, releasedBeforeError } = await open(bad, fileKey, bad.length, SEALED_CHUNK_SIZE - 8);
      expect(isOspreyError(error, 'AGE_CHUNK_AUTH_FAILED')).toBe(true);
      expect(releasedBeforeError).toBe(0);
    });

    it('reordered chunks', async () => {
      const a = payload.subarray(16, 16 + SEALED_CHUNK_SIZE);
      const b = payload.subarray(16 + SEALED_CHUNK_SIZE, 16 + 2 * SEALED_CHUNK_SIZE);
      const swapped = Buffer.concat([payload.subarray(0, 16), b, a, payload.subarray(16 + 2 * SEALED_CHUNK_SIZE)]);
      const { error, releasedBeforeError } = await open(swapped, fileKey);
      expect(isOspreyError(error, 'AGE_CHUNK_AUTH_FAILED')).toBe(true);
      expect(releasedBeforeError).toBe(0);
    });

    it('a wrong file key', async () => {
      const { error } = await open(payload, generateFileKey());
      expect(isOspreyError(error, 'AGE_CHUNK_AUTH_FAILED')).toBe(true);
    });

    it('a payload that ends early, at a chunk boundary or inside a chunk', async () => {
      for (const cut of [16 + 3 * SEALED_CHUNK_SIZE, payload.length - 1, 10]) {
        const { error } = await open(payload.subarray(0, cut), fileKey, payload.length);
        expect(isOspreyError(error, 'AGE_TRUNCATED'), `cut at ${cut}`).toBe(true);
      }
    });

    it('bytes beyond the signed length are refused before they are processed', async () => {
      const { error, releasedBeforeError } = await open(Buffer.concat([payload, Buffer.alloc(1)]), fileKey, payload.length, payload.length + 1);
      expect(isOspreyError(error, 'AGE_TRAILING_DATA')).toBe(true);
      expect(releasedBeforeError).toBe(0);
    });

    it('a signed length that is one full chunk short: the last chunk read is not final, so it fails', async () => {
      const { error } = await open(payload.subarray(0, 16 + 4 * SEALED_CHUNK_SIZE), fileKey, 16 + 4 * SEALED_CHUNK_SIZE);
      expect(isOspreyError(error, 'AGE_CHUNK_AUTH_FAILED')).toBe(true);
    });
  });

  it('resumes at a chunk boundary from the nonce read before (a download continued after a restart)', async () => {
    const plaintext = randomBytes(5 * CHUNK_SIZE + 99);
    const payload = seal(plaintext, fileKey);
    const first = new SizedStreamOpener(fileKey, payload.length);
    const released = Buffer.concat(first.push(payload.subarray(0, SizedStreamOpener.offsetOfChunk(2) + 100)));
    expect(released.equals(plaintext.subarray(0, 2 * CHUNK_SIZE))).toBe(true);
    expect(first.chunksReleased).toBe(2);
    const resumed = new SizedStreamOpener(fileKey, payload.length, { nonce: first.nonce!, chunk: 2 });
    const rest: Buffer[] = [];
    for await (const c of decryptWithOpener(pieces(payload.subarray(SizedStreamOpener.offsetOfChunk(2)), 5000), resumed)) rest.push(c);
    expect(Buffer.concat(rest).equals(plaintext.subarray(2 * CHUNK_SIZE))).toBe(true);
    // Resumed with another nonce, the next chunk does not authenticate.
    const wrong = new SizedStreamOpener(fileKey, payload.length, { nonce: randomBytes(16), chunk: 2 });
    expect(() => wrong.push(payload.subarray(SizedStreamOpener.offsetOfChunk(2), SizedStreamOpener.offsetOfChunk(3)))).toThrow(/failed authentication/);
    expect(() => new SizedStreamOpener(fileKey, payload.length, { nonce: first.nonce!, chunk: 6 })).toThrow(RangeError);
  });

  it('knows which lengths an age payload can have', () => {
    expect(payloadLayout(32)).toEqual({ chunks: 1, finalSealedSize: 16 });
    expect(payloadLayout(16 + SEALED_CHUNK_SIZE)).toEqual({ chunks: 1, finalSealedSize: SEALED_CHUNK_SIZE });
    expect(payloadLayout(16 + SEALED_CHUNK_SIZE + 17)).toEqual({ chunks: 2, finalSealedSize: 17 });
    for (const impossible of [0, 31, 16 + SEALED_CHUNK_SIZE + 16, 16 + SEALED_CHUNK_SIZE + 5, -1, 1.5])
      expect(payloadLayout(impossible)).toHaveProperty('invalid');
    expect(() => new SizedStreamOpener(fileKey, 31)).toThrow(/at least 32 bytes/);
  });

  it('the whole file of the encrypt() helper, header cut off, decrypts too', async () => {
    const identity = X25519Identity.generate();
    const plaintext = randomBytes(CHUNK_SIZE + 3);
    const file = await encrypt(plaintext, [identity.recipient]);
    const end = findHeaderEnd(file);
    const { plaintext: out } = await open(file.subarray(end), await unwrapHeader(file.subarray(0, end), [identity]));
    expect(out.equals(plaintext)).toBe(true);
  });
});
