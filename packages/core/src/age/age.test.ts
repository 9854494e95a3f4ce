import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { rejection } from '../../../../testkit/errors.js';
import { isOspreyError, type ErrorCode } from '../errors.js';
import { AgeDecryptStream, decrypt, encrypt, generateFileKey, unwrapHeader, wrapHeader } from './age.js';
import { findHeaderEnd } from './format.js';
import { P256TagIdentity, P256TagRecipient, SoftwareP256KeyAgreement } from './p256tag.js';
import { CHUNK_SIZE, PayloadEncryptStream, SEALED_CHUNK_SIZE, PAYLOAD_NONCE_SIZE } from './stream.js';
import { X25519Identity, X25519Recipient } from './x25519.js';

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error = await rejection(promise);
  expect(isOspreyError(error), `expected OspreyError ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

/** Decrypt in small writes and collect what was released before a failure. */
async function decryptCollecting(file: Buffer, identity: X25519Identity): Promise<{ released: Buffer; error: unknown }> {
  const parts: Buffer[] = [];
  const pieces = [];
  for (let at = 0; at < file.length; at += 10_000) pieces.push(file.subarray(at, at + 10_000));
  const error = await pipeline(
    Readable.from(pieces),
    new AgeDecryptStream([identity]),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        parts.push(chunk);
        cb();
      },
    }),
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { released: Buffer.concat(parts), error };
}

function split(file: Buffer): { header: Buffer; nonce: Buffer; chunks: Buffer[] } {
  const end = findHeaderEnd(file);
  const header = file.subarray(0, end);
  const nonce = file.subarray(end, end + PAYLOAD_NONCE_SIZE);
  const chunks: Buffer[] = [];
  for (let at = end + PAYLOAD_NONCE_SIZE; at < file.length; at += SEALED_CHUNK_SIZE) chunks.push(file.subarray(at, at + SEALED_CHUNK_SIZE));
  return { header, nonce, chunks };
}

describe('age encryption round trips', () => {
  const identity = X25519Identity.generate();
  const p256 = new P256TagIdentity(SoftwareP256KeyAgreement.generate());

  it.each([0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE, 3 * CHUNK_SIZE + 17])('%i bytes, X25519 and p256tag', async (size) => {
    const plaintext = randomBytes(size);
    const file = await encrypt(plaintext, [identity.recipient, p256.recipient]);
    expect((await decrypt(file, [identity])).equals(plaintext)).toBe(true);
    expect((await decrypt(file, [p256])).equals(plaintext)).toBe(true);
    // Payload size: nonce + one tag per chunk (at least one chunk).
    const chunks = Math.max(1, Math.ceil(size / CHUNK_SIZE));
    expect(file.length - findHeaderEnd(file)).toBe(PAYLOAD_NONCE_SIZE + size + chunks * 16);
  });

  it('decryptPayload (async iterator) yields the same plaintext and the same typed failures', async () => {
    const { decryptPayload } = await import('./stream.js');
    const fileKey = generateFileKey();
    const plaintext = randomBytes(3 * CHUNK_SIZE + 5);
    const parts: Buffer[] = [];
    await pipeline(Readable.from([plaintext]), new PayloadEncryptStream(fileKey), new Writable({ write: (c: Buffer, _e, cb) => (parts.push(c), cb()) }));
    const payload = Buffer.concat(parts);
    const pieces = (b: Buffer) => Array.from({ length: Math.ceil(b.length / 7000) }, (_, i) => b.subarray(i * 7000, (i + 1) * 7000));
    const out: Buffer[] = [];
    for await (const chunk of decryptPayload(Readable.from(pieces(payload)), fileKey)) out.push(chunk);
    expect(Buffer.concat(out).equals(plaintext)).toBe(true);
    const truncated = async () => {
      // Drop the short final chunk (5 bytes + tag): the stream now ends after a non-final chunk.
      for await (const _ of decryptPayload(Readable.from(pieces(payload.subarray(0, payload.length - 5 - 16))), fileKey)) void _;
    };
    await expectCode(truncated(), 'AGE_TRUNCATED');
  });

  it('recipient and identity strings round-trip', () => {
    const again = new X25519Identity(identity.toString());
    expect(again.recipient.toString()).toBe(identity.recipient.toString());
    expect(identity.toString()).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]+$/);
    expect(new P256TagRecipient(p256.recipient.toString()).compressed.equals(p256.recipient.compressed)).toBe(true);
  });

  it('re-wraps the file key for another device without touching the payload', async () => {
    const deviceA = X25519Identity.generate();
    const deviceB = new P256TagIdentity(SoftwareP256KeyAgreement.generate());
    const fileKey = generateFileKey();
    const plaintext = randomBytes(200_000);
    const payloadParts: Buffer[] = [];
    await pipeline(Readable.from([plaintext]), new PayloadEncryptStream(fileKey), new Writable({ write: (c: Buffer, _e, cb) => (payloadParts.push(c), cb()) }));
    const payload = Buffer.concat(payloadParts);
    const headerA = await wrapHeader(fileKey, [deviceA.recipient]);
    const headerB = await wrapHeader(fileKey, [deviceB.recipient]);
    expect((await decrypt(Buffer.concat([headerA, payload]), [deviceA])).equals(plaintext)).toBe(true);
    expect((await decrypt(Buffer.concat([headerB, payload]), [deviceB])).equals(plaintext)).toBe(true);
    // Another device's header does not open with this device's key.
    await expectCode(decrypt(Buffer.concat([headerA, payload]), [deviceB]), 'AGE_NO_MATCHING_KEY');
    expect((await unwrapHeader(headerB, [deviceB])).equals(fileKey)).toBe(true);
  });
});

describe('age failures are typed and release no unauthenticated plaintext', () => {
  const identity = X25519Identity.generate();
  const plaintext = randomBytes(4 * CHUNK_SIZE + 100);
  const filePromise = encrypt(plaintext, [identity.recipient]);

  it('wrong key', async () => {
    await expectCode(decrypt(await filePromise, [X25519Identity.generate()]), 'AGE_NO_MATCHING_KEY');
  });

  it('tampered chunk: the chunks before it are released, nothing of it or after it', async () => {
    const file = Buffer.from(await filePromise);
    const { header, chunks } = split(file);
    const at = header.length + PAYLOAD_NONCE_SIZE + 2 * SEALED_CHUNK_SIZE + 5; // inside chunk 2
    file[at] = file[at]! ^ 0x01;
    expect(chunks.length).toBe(5);
    const { released, error } = await decryptCollecting(file, identity);
    expect(isOspreyError(error, 'AGE_CHUNK_AUTH_FAILED')).toBe(true);
    expect(released.length).toBe(2 * CHUNK_SIZE);
    expect(released.equals(plaintext.subarray(0, 2 * CHUNK_SIZE))).toBe(true);
  });

  it('reordered chunks', async () => {
    const { header, nonce, chunks } = split(await filePromise);
    const swapped = Buffer.concat([header, nonce, chunks[1]!, chunks[0]!, ...chunks.slice(2)]);
    const { released, error } = await decryptCollecting(swapped, identity);
    expect(isOspreyError(error, 'AGE_CHUNK_AUTH_FAILED')).toBe(true);
    expect(released.length).toBe(0);
  });

  it('truncated at a chunk boundary', async () => {
    const { header, nonce, chunks } = split(await filePromise);
    await expectCode(decrypt(Buffer.concat([header, nonce, ...chunks.slice(0, 3)]), [identity]), 'AGE_TRUNCATED');
  });

  it('truncated inside a chunk', async () => {
    const file = await filePromise;
    const error = await rejection(decrypt(file.subarray(0, file.length - 50), [identity]));
    expect(isOspreyError(error, 'AGE_CHUNK_AUTH_FAILED') || isOspreyError(error, 'AGE_TRUNCATED')).toBe(true);
  });

  it('truncated inside the header, and before the nonce', async () => {
    const file = await filePromise;
    const end = findHeaderEnd(file);
    await expectCode(decrypt(file.subarray(0, end - 10), [identity]), 'AGE_TRUNCATED');
    await expectCode(decrypt(file.subarray(0, end + 8), [identity]), 'AGE_TRUNCATED');
  });

  it('header MAC mismatch when a stanza is swapped in from another file', async () => {
    const file = Buffer.from(await filePromise);
    const other = await encrypt(Buffer.from('other'), [identity.recipient]);
    const stanzaLines = (f: Buffer) => f.subarray(0, findHeaderEnd(f)).toString('latin1').split('\n').slice(1, 3).join('\n');
    const forged = Buffer.from(file.toString('latin1').replace(stanzaLines(file), stanzaLines(other)), 'latin1');
    await expectCode(decrypt(forged, [identity]), 'AGE_HEADER_MAC_MISMATCH');
  });

  it('trailing data after a full final chunk', async () => {
    const exact = randomBytes(2 * CHUNK_SIZE);
    const file = await encrypt(exact, [identity.recipient]);
    await expectCode(decrypt(Buffer.concat([file, randomBytes(SEALED_CHUNK_SIZE)]), [identity]), 'AGE_TRAILING_DATA');
  });

  it('not an age file', async () => {
    await expectCode(decrypt(Buffer.from('hello world, this is not age\n'), [identity]), 'AGE_HEADER_INVALID');
    await expectCode(decrypt(Buffer.alloc(0), [identity]), 'AGE_HEADER_INVALID');
  });

  it('bad recipient and identity strings', () => {
    for (const bad of ['age1xyz', 'npub1qqqq', identity.toString()]) {
      expect(() => new X25519Recipient(bad)).toThrow(expect.objectContaining({ code: 'AGE_INVALID_RECIPIENT' }));
    }
    expect(() => new P256TagRecipient(identity.recipient.toString())).toThrow(expect.objectContaining({ code: 'AGE_INVALID_RECIPIENT' }));
    expect(() => new X25519Identity('AGE-SECRET-KEY-1QQQ')).toThrow(expect.objectContaining({ code: 'AGE_INVALID_IDENTITY' }));
  });
});
