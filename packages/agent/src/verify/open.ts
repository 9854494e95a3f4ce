/**
 * From a downloaded payload to authenticated plaintext, for a release already admitted by
 * resolveRelease():
 *
 *  1. the payload file must have the signed length and SHA-256 (TUF_TARGET_MISMATCH);
 *  2. the device's own age header must open with the device key (AGE_NO_MATCHING_KEY,
 *     AGE_HEADER_MAC_MISMATCH, …): the file key is unwrapped, in the secure element if there is one;
 *  3. the plaintext is released one authenticated 64 KiB chunk at a time (AGE_CHUNK_AUTH_FAILED,
 *     AGE_TRUNCATED, …) while its length and SHA-256 are computed; the final chunk is held back
 *     until both match the signed `custom.plaintext` (RELEASE_PLAINTEXT_MISMATCH), so a consumer
 *     writing to a slot never receives a complete wrong image, and one that ignores errors never
 *     sees the iteration end normally.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { decryptPayload, OspreyError, unwrapHeader, type Identity, type ReleaseCustom } from '@osprey/core';
import type { TargetFile } from '@tufjs/models';
import { AgentError } from '../errors.js';
import { resolveRelease, tufFailure, tufUpdater, type DeviceFacts, type SignedRelease, type TufSource } from './tuf.js';

export interface OpenOptions {
  /** The downloaded bytes (the shared age payload, or the plain image). */
  payloadFile: string;
  /** This device's age header (from the deployment's `osprey.encryption.header`). */
  header?: Uint8Array;
  /** The device identity that unwraps the file key (SecureElement.identity()). */
  identity?: Identity;
  /** Refuse releases that are not encrypted (AGENT_UNENCRYPTED_REFUSED). Default false. */
  requireEncryption?: boolean;
}

export interface PlaintextResult {
  length: number;
  sha256: string;
}

const READ_CHUNK = 256 * 1024;

async function hashFile(path: string): Promise<PlaintextResult> {
  const hash = createHash('sha256');
  let length = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) {
      hash.update(chunk as Buffer);
      length += (chunk as Buffer).length;
    }
  } catch (cause) {
    throw new OspreyError('TUF_TARGET_MISMATCH', `the payload ${path} cannot be read: ${(cause as Error).message}`, { cause });
  }
  return { length, sha256: hash.digest('hex') };
}

function checkPayload(release: SignedRelease, actual: PlaintextResult, when: string): void {
  if (actual.length !== release.length || actual.sha256 !== release.sha256) {
    throw new OspreyError(
      'TUF_TARGET_MISMATCH',
      `${when}: the payload (${actual.length} bytes, sha256 ${actual.sha256}) is not the signed target ${release.targetPath} (${release.length} bytes, sha256 ${release.sha256})`,
      { details: { expected: { length: release.length, sha256: release.sha256 }, actual } },
    );
  }
}

/**
 * The verified plaintext of one release: iterate it once (`for await`). Throws during iteration
 * when a chunk fails authentication, when the plaintext grows beyond its signed length, and at the
 * end (before the last chunk) when the final hash differs.
 */
export class VerifiedPayload implements AsyncIterable<Buffer> {
  private consumed = false;
  private outcome: PlaintextResult | undefined;

  constructor(
    readonly release: SignedRelease,
    private readonly payloadFile: string,
    private readonly fileKey: Buffer | undefined,
  ) {}

  get custom(): ReleaseCustom {
    return this.release.custom;
  }

  get target(): TargetFile {
    return this.release.target;
  }

  /** Length and SHA-256 of the plaintext, once the iteration completed successfully. */
  get result(): PlaintextResult | undefined {
    return this.outcome;
  }

  /** Give up without reading (e.g. the action was cancelled): the file key is wiped. */
  discard(): void {
    this.consumed = true;
    this.fileKey?.fill(0);
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    if (this.consumed) throw new AgentError('AGENT_PAYLOAD_CONSUMED');
    this.consumed = true;
    return this.chunks();
  }

  private async *chunks(): AsyncGenerator<Buffer> {
    const { release } = this;
    const expected = release.custom.plaintext;
    const cipherHash = createHash('sha256');
    let cipherLength = 0;
    const file = this.payloadFile;
    async function* source(): AsyncGenerator<Buffer> {
      for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK })) {
        cipherHash.update(chunk as Buffer);
        cipherLength += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    }
    const plaintext = this.fileKey ? decryptPayload(source(), this.fileKey) : source();
    const plainHash = createHash('sha256');
    let plainLength = 0;
    let held: Buffer | undefined;
    try {
      for await (const chunk of plaintext) {
        if (chunk.length === 0) continue;
        plainLength += chunk.length;
        if (plainLength > expected.length) {
          throw new OspreyError('RELEASE_PLAINTEXT_MISMATCH', `the decrypted image grows beyond its signed length of ${expected.length} bytes`, {
            details: { expectedLength: expected.length },
          });
        }
        plainHash.update(chunk);
        if (held) yield held;
        held = chunk;
      }
      // The file was checked before; this catches a file changed since (it lives on disk).
      checkPayload(release, { length: cipherLength, sha256: cipherHash.digest('hex') }, 'after decryption');
      const sha256 = plainHash.digest('hex');
      if (plainLength !== expected.length || sha256 !== expected.sha256) {
        throw new OspreyError(
          'RELEASE_PLAINTEXT_MISMATCH',
          `the decrypted image (${plainLength} bytes, sha256 ${sha256}) is not the signed image (${expected.length} bytes, sha256 ${expected.sha256})`,
          { details: { expected, actual: { length: plainLength, sha256 } } },
        );
      }
      this.outcome = { length: plainLength, sha256 };
      if (held) yield held;
    } finally {
      this.fileKey?.fill(0);
    }
  }
}

/**
 * Check the payload against the signed target and unwrap the file key. The returned payload
 * streams the plaintext (see VerifiedPayload).
 */
export async function openRelease(release: SignedRelease, options: OpenOptions): Promise<VerifiedPayload> {
  checkPayload(release, await hashFile(options.payloadFile), 'before decryption');
  return new VerifiedPayload(release, options.payloadFile, await unwrapFileKey(release, options));
}

/**
 * The payload's file key, unwrapped from this device's age header with the device identity (in the
 * secure element if there is one); undefined for an unencrypted release, which `requireEncryption`
 * refuses. The caller wipes the key after use.
 */
export async function unwrapFileKey(release: SignedRelease, options: Omit<OpenOptions, 'payloadFile'>): Promise<Buffer | undefined> {
  if (release.custom.encryption.format === 'none') {
    if (options.requireEncryption)
      throw new AgentError('AGENT_UNENCRYPTED_REFUSED', `release ${release.custom.name} ${release.custom.version} is not encrypted`);
    return undefined;
  }
  if (!options.header || options.header.byteLength === 0) {
    throw new AgentError(
      'AGENT_HEADER_MISSING',
      `release ${release.custom.name} ${release.custom.version} is encrypted, but the server sent no age header for this device (is its public key registered?)`,
    );
  }
  if (!options.identity) throw new AgentError('AGENT_KEY_MISSING', 'an encrypted release needs the device identity');
  return unwrapHeader(options.header, [options.identity]);
}

export interface VerifyAndOpenOptions extends TufSource, Omit<OpenOptions, 'payloadFile'> {
  /** The signed target named by the deployment (`osprey.tufTarget`). */
  targetPath: string;
  device: DeviceFacts;
  /** The payload, downloaded already (e.g. resumably over DDI). Without it tuf-js downloads it. */
  payloadFile?: string;
  /** Where tuf-js puts the payload when `payloadFile` is not given. */
  downloadDir?: string;
}

/**
 * Refresh TUF, admit the target for this device, check the payload (or have tuf-js download and
 * check it) and open it with the device key.
 */
export async function verifyAndOpen(options: VerifyAndOpenOptions): Promise<VerifiedPayload> {
  const updater = tufUpdater(options, options.downloadDir);
  const release = await resolveRelease({ ...options, updater });
  let payloadFile = options.payloadFile;
  if (payloadFile === undefined) {
    if (!options.downloadDir || !options.tufTargetsUrl) throw new TypeError('without payloadFile, tufTargetsUrl and downloadDir are needed');
    mkdirSync(options.downloadDir, { recursive: true });
    try {
      payloadFile = await updater.downloadTarget(release.target, join(options.downloadDir, release.targetPath));
    } catch (e) {
      throw tufFailure(e, 'target');
    }
  }
  return openRelease(release, { ...options, payloadFile });
}
