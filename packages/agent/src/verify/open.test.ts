/**
 * openRelease on payloads made with @osprey/core: the good path and every way a payload can be
 * wrong (attack cases 17–19): tampered, reordered, truncated, other device's header, a wrong MAC,
 * a plaintext that does not match its signed final hash. The final chunk is withheld until the
 * final hash matches.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AGE_CHUNK_SIZE,
  buildReleaseTarget,
  CHUNK_SIZE,
  generateFileKey,
  P256TagIdentity,
  PAYLOAD_NONCE_SIZE,
  releaseCustomOf,
  SEALED_CHUNK_SIZE,
  SoftwareP256KeyAgreement,
  StreamSealer,
  wrapHeader,
} from '@osprey/core';
import { settledFailureCode } from '../../../../testkit/errors.js';
import { tempDirForFile } from '../../../../testkit/temp-dir.js';
import { sha256Hex as sha256 } from '../../../../testkit/hash.js';
import { failureCode, isAgentError } from '../errors.js';
import { openRelease, type VerifiedPayload } from './open.js';
import type { SignedRelease } from './tuf.js';

const work = tempDirForFile('osprey-agent-open-');

const IMAGE = randomBytes(4 * CHUNK_SIZE + 1234);
const device = new P256TagIdentity(SoftwareP256KeyAgreement.generate());
const stranger = new P256TagIdentity(SoftwareP256KeyAgreement.generate());
const fileKey = generateFileKey();

function seal(plaintext: Buffer): Buffer {
  const sealer = new StreamSealer(fileKey);
  return Buffer.concat([sealer.nonce, ...sealer.push(plaintext), sealer.finish()]);
}
const PAYLOAD = seal(IMAGE);
const HEADER = await wrapHeader(fileKey, [device.recipient]);
let files = 0;

/** A release signed over `payload` (as a compromised or careless signer would), claiming `plaintext`. */
function release(
  payload: Buffer,
  plaintext: { length: number; sha256: string } = { length: IMAGE.length, sha256: sha256(IMAGE) },
  format: 'age-v1' | 'none' = 'age-v1',
): { release: SignedRelease; file: string } {
  const file = join(work, `payload-${++files}`);
  writeFileSync(file, payload);
  const target = buildReleaseTarget({
    length: payload.length,
    sha256: sha256(payload),
    custom: {
      name: 'gw-os',
      version: '2.0.0',
      securityVersion: 5,
      hardware: ['board-a'],
      installType: 'image',
      plaintext,
      encryption: format === 'age-v1' ? { format, chunkSize: AGE_CHUNK_SIZE } : { format },
    },
  });
  return { release: { targetPath: target.path, target, custom: releaseCustomOf(target), length: target.length, sha256: target.hashes.sha256! }, file };
}

/** Consume like a slot writer: returns what was written before the error, and the error. */
async function consume(payload: VerifiedPayload): Promise<{ written: Buffer; error: unknown }> {
  const parts: Buffer[] = [];
  try {
    for await (const chunk of payload) parts.push(chunk);
    return { written: Buffer.concat(parts), error: undefined };
  } catch (error) {
    return { written: Buffer.concat(parts), error };
  }
}

const refusal = (promise: Promise<unknown>): Promise<string> => settledFailureCode(promise, failureCode);

describe('openRelease', () => {
  it('releases the authenticated image and its final hash, once', async () => {
    const { release: r, file } = release(PAYLOAD);
    const payload = await openRelease(r, { payloadFile: file, header: HEADER, identity: device });
    expect(payload.result).toBeUndefined();
    const { written, error } = await consume(payload);
    expect(error).toBeUndefined();
    expect(written.equals(IMAGE)).toBe(true);
    expect(payload.result).toEqual({ length: IMAGE.length, sha256: sha256(IMAGE) });
    expect(payload.custom.version).toBe('2.0.0');
    let again: unknown;
    try {
      payload[Symbol.asyncIterator]();
    } catch (e) {
      again = e;
    }
    expect(isAgentError(again, 'AGENT_PAYLOAD_CONSUMED')).toBe(true);
    const unread = await openRelease(r, { payloadFile: file, header: HEADER, identity: device });
    unread.discard();
    expect(() => unread[Symbol.asyncIterator]()).toThrow(/read only once/);
  });

  it('refuses a payload that is not the signed target before touching the key', async () => {
    const { release: r, file } = release(PAYLOAD);
    const tampered = Buffer.from(PAYLOAD);
    tampered[100_000] = tampered[100_000]! ^ 1;
    writeFileSync(file, tampered);
    expect(await refusal(openRelease(r, { payloadFile: file, header: HEADER, identity: device }))).toBe('TUF_TARGET_MISMATCH');
    writeFileSync(file, PAYLOAD.subarray(0, PAYLOAD.length - 1));
    expect(await refusal(openRelease(r, { payloadFile: file, header: HEADER, identity: device }))).toBe('TUF_TARGET_MISMATCH');
    expect(await refusal(openRelease(r, { payloadFile: join(work, 'missing'), header: HEADER, identity: device }))).toBe('TUF_TARGET_MISMATCH');
  });

  it('refuses another device: AGE_NO_MATCHING_KEY; a header with a broken MAC; no header at all', async () => {
    const { release: r, file } = release(PAYLOAD);
    expect(await refusal(openRelease(r, { payloadFile: file, header: HEADER, identity: stranger }))).toBe('AGE_NO_MATCHING_KEY');
    const strangersHeader = await wrapHeader(generateFileKey(), [stranger.recipient]);
    expect(await refusal(openRelease(r, { payloadFile: file, header: strangersHeader, identity: device }))).toBe('AGE_NO_MATCHING_KEY');
    const text = HEADER.toString('latin1');
    const mac = text.lastIndexOf('--- ') + 4;
    const badMac = Buffer.from(`${text.slice(0, mac)}${text[mac] === 'A' ? 'B' : 'A'}${text.slice(mac + 1)}`, 'latin1');
    expect(await refusal(openRelease(r, { payloadFile: file, header: badMac, identity: device }))).toBe('AGE_HEADER_MAC_MISMATCH');
    expect(await refusal(openRelease(r, { payloadFile: file, identity: device }))).toBe('AGENT_HEADER_MISSING');
    expect(await refusal(openRelease(r, { payloadFile: file, header: Buffer.from('garbage\n'), identity: device }))).toBe('AGE_HEADER_INVALID');
  });

  it('stops at a tampered chunk even when the signer signed it: earlier authenticated chunks only', async () => {
    const tampered = Buffer.from(PAYLOAD);
    tampered[PAYLOAD_NONCE_SIZE + 2 * SEALED_CHUNK_SIZE + 10]! ^= 0x80;
    const { release: r, file } = release(tampered);
    const { written, error } = await consume(await openRelease(r, { payloadFile: file, header: HEADER, identity: device }));
    expect(failureCode(error)).toBe('AGE_CHUNK_AUTH_FAILED');
    expect(written.length).toBeLessThan(2 * CHUNK_SIZE + 1);
    expect(IMAGE.subarray(0, written.length).equals(written)).toBe(true);
  });

  it('refuses reordered and truncated payloads', async () => {
    const body = PAYLOAD.subarray(PAYLOAD_NONCE_SIZE);
    const chunk = (i: number) => body.subarray(i * SEALED_CHUNK_SIZE, (i + 1) * SEALED_CHUNK_SIZE);
    const reordered = Buffer.concat([PAYLOAD.subarray(0, PAYLOAD_NONCE_SIZE), chunk(1), chunk(0), body.subarray(2 * SEALED_CHUNK_SIZE)]);
    let r = release(reordered);
    expect(failureCode((await consume(await openRelease(r.release, { payloadFile: r.file, header: HEADER, identity: device }))).error)).toBe(
      'AGE_CHUNK_AUTH_FAILED',
    );
    const truncated = PAYLOAD.subarray(0, PAYLOAD_NONCE_SIZE + 2 * SEALED_CHUNK_SIZE);
    r = release(truncated);
    expect(failureCode((await consume(await openRelease(r.release, { payloadFile: r.file, header: HEADER, identity: device }))).error)).toBe('AGE_TRUNCATED');
  });

  it('withholds the last chunk when the final hash differs from the signed plaintext hash', async () => {
    const { release: r, file } = release(PAYLOAD, { length: IMAGE.length, sha256: sha256(randomBytes(8)) });
    const { written, error } = await consume(await openRelease(r, { payloadFile: file, header: HEADER, identity: device }));
    expect(failureCode(error)).toBe('RELEASE_PLAINTEXT_MISMATCH');
    expect(written.length).toBe(4 * CHUNK_SIZE);
    expect(written.length).toBeLessThan(IMAGE.length);
  });

  it('stops as soon as the plaintext outgrows its signed length', async () => {
    const { release: r, file } = release(PAYLOAD, { length: CHUNK_SIZE, sha256: sha256(IMAGE.subarray(0, CHUNK_SIZE)) });
    const { written, error } = await consume(await openRelease(r, { payloadFile: file, header: HEADER, identity: device }));
    expect(failureCode(error)).toBe('RELEASE_PLAINTEXT_MISMATCH');
    expect(written.length).toBe(0);
  });

  it('passes an unencrypted release through, unless the device requires encryption', async () => {
    const { release: r, file } = release(IMAGE, { length: IMAGE.length, sha256: sha256(IMAGE) }, 'none');
    expect(await refusal(openRelease(r, { payloadFile: file, requireEncryption: true }))).toBe('AGENT_UNENCRYPTED_REFUSED');
    const payload = await openRelease(r, { payloadFile: file });
    expect((await consume(payload)).written.equals(IMAGE)).toBe(true);
    // A file swapped on disk after the check is caught at the end, before the last chunk.
    const again = await openRelease(r, { payloadFile: file });
    writeFileSync(file, randomBytes(IMAGE.length));
    const { error } = await consume(again);
    expect(failureCode(error)).toBe('TUF_TARGET_MISMATCH');
  });
});
