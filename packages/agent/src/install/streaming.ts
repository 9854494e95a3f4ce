/**
 * The streaming install: the payload goes from the network through decryption into the inactive
 * slot in one pass, with nothing stored in between (no second copy of the image on the device's
 * flash, one read of each byte). The checks are those of the download-then-install path, in
 * stream order:
 *
 *  1. before a byte is fetched: the release was admitted by TUF (resolveRelease: signature,
 *     freshness, hardware, anti-rollback) and this device's age header opens with its key;
 *  2. while streaming: never more than the signed payload length (streamDownload); every 64 KiB
 *     chunk authenticated under the file key before its plaintext is released (SizedStreamOpener);
 *     the plaintext hashed as it is written (ImageSlot.write), with the slot's head still holding
 *     the "incomplete" marker;
 *  3. at the end, before the slot's head is written (the only moment the slot becomes a valid
 *     image): the payload's SHA-256 against the signed TUF target (TUF_TARGET_MISMATCH), then the
 *     plaintext's length and SHA-256 against the signed `custom.plaintext` (RELEASE_PLAINTEXT_MISMATCH).
 *
 * A failure at any point leaves the slot invalid (marker in its head); the running slot is never
 * touched. A cut connection is continued with a Range request; after a restart of the agent the
 * install starts over (the slot is rewritten from its start anyway).
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { CHUNK_SIZE, decryptWithOpener, isOspreyError, OspreyError, SizedStreamOpener, type Identity } from '@osprey/core';
import { streamDownload, type StreamDownloadOptions } from '../fetch/stream.js';
import { isSlotError, type Slot, type SlotDigest } from '../slots/types.js';
import { AgentError } from '../errors.js';
import { unwrapFileKey } from '../verify/open.js';
import type { SignedRelease } from '../verify/tuf.js';

export interface StreamInstallOptions extends Omit<StreamDownloadOptions, 'expectedLength'> {
  /** The release admitted by resolveRelease() for this device. */
  release: SignedRelease;
  /** The inactive slot. */
  slot: Slot;
  /** This device's age header (from the deployment). */
  header?: Uint8Array;
  /** The device identity that unwraps the file key (SecureElement.identity()). */
  identity?: Identity;
  requireEncryption?: boolean;
  /** Called after each plaintext chunk went to the slot (bytes so far); throwing aborts the install. */
  onPlaintext?: (written: number) => void;
  /** Continue from a checkpoint of an earlier, interrupted run (ignored unless the slot is resumable). */
  resume?: StreamCheckpoint;
  /** Make the slot durable and call `save` every `every` bytes (or more) of plaintext. */
  checkpoint?: { every: number; save(checkpoint: StreamCheckpoint): void };
}

/**
 * Where an interrupted streaming install can continue: the plaintext prefix up to `offset` (a
 * whole number of 64 KiB chunks) is durable in the slot, except its head, kept here.
 */
export interface StreamCheckpoint {
  /** Plaintext bytes durable in the slot. */
  offset: number;
  /** The age payload nonce (hex), to derive the payload key again; null for a plain image. */
  nonce: string | null;
  /** The slot's head (base64): the image's first bytes, written last. */
  head: string;
}

export interface StreamInstallResult {
  /** What the slot now holds: the signed plaintext. */
  slot: SlotDigest;
  /** SHA-256 of the payload as received (equal to the signed target's). */
  payloadSha256: string;
  /** Continuations after connection cuts. */
  resumes: number;
}

/** Plaintext bytes between two young-generation collections (see minorGc). */
const COLLECT_EVERY = 4 << 20;

/**
 * A streaming install leaves two 64 KiB buffers of garbage per chunk (the received bytes, the
 * plaintext). V8 collects them only when its young generation fills or their total passes a few
 * tens of MiB, and meanwhile they stay resident. With `node --expose-gc` (the agent's systemd unit)
 * a minor collection every few MiB keeps the resident set flat and about 10 MB lower, at no
 * measurable cost (`npm run bench -- agent`); without it, V8's own pacing applies.
 */
function minorGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: (options?: { type: 'minor' | 'major' }) => void }).gc;
  return typeof gc === 'function' ? () => gc({ type: 'minor' }) : undefined;
}

/** Where the payload comes from: a URL (streamed with Range continuation) or a local file (an offline bundle's payload). */
export type PayloadSource = string | { readonly file: string };

/** A local payload, bounded by the signed length. */
async function* fileChunks(file: string, expectedLength: number): AsyncGenerator<Buffer, { resumes: number }> {
  const size = statSync(file).size;
  if (size !== expectedLength) {
    throw new OspreyError('TUF_TARGET_MISMATCH', `the payload ${file} is ${size} bytes; the signed target is ${expectedLength} bytes`, {
      details: { size, expectedLength },
    });
  }
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) yield chunk as Buffer;
  return { resumes: 0 };
}

export async function streamInstall(source: PayloadSource, options: StreamInstallOptions): Promise<StreamInstallResult> {
  const { release, slot } = options;
  const fileKey = await unwrapFileKey(release, options);
  // A checkpoint is used only where it can be: a resumable slot, a download, chunk-aligned.
  const resume =
    options.resume &&
    slot.resumable &&
    typeof source === 'string' &&
    options.resume.offset % CHUNK_SIZE === 0 &&
    (fileKey ? options.resume.nonce !== null : options.resume.nonce === null)
      ? options.resume
      : undefined;
  let opener: SizedStreamOpener | undefined;
  try {
    if (fileKey)
      opener = resume
        ? new SizedStreamOpener(fileKey, release.length, { nonce: Buffer.from(resume.nonce!, 'hex'), chunk: resume.offset / CHUNK_SIZE })
        : new SizedStreamOpener(fileKey, release.length);
  } catch (e) {
    fileKey?.fill(0);
    throw e;
  }
  const startAt = resume ? (opener ? SizedStreamOpener.offsetOfChunk(resume.offset / CHUNK_SIZE) : resume.offset) : 0;
  const payloadHash = createHash('sha256');
  let received = startAt;
  let resumes = 0;
  async function* payload(): AsyncGenerator<Buffer> {
    const download =
      typeof source === 'string' ? streamDownload(source, { ...options, expectedLength: release.length, startAt }) : fileChunks(source.file, release.length);
    for (;;) {
      const next = await download.next();
      if (next.done) {
        resumes = next.value.resumes;
        break;
      }
      payloadHash.update(next.value);
      received += next.value.length;
      yield next.value;
    }
    // Before the plaintext's last bytes reach the slot (and so before its head is written). A
    // continued stream has not seen the payload's first bytes: its plaintext (whole, rehashed from
    // the slot) against the signed final hash is then the check, with every chunk authenticated.
    const sha256 = resume ? release.sha256 : payloadHash.digest('hex');
    if (received !== release.length || sha256 !== release.sha256) {
      throw new OspreyError(
        'TUF_TARGET_MISMATCH',
        `the payload (${received} bytes, sha256 ${sha256}) is not the signed target ${release.targetPath} (${release.length} bytes, sha256 ${release.sha256})`,
        { details: { expected: { length: release.length, sha256: release.sha256 }, actual: { length: received, sha256 } } },
      );
    }
  }
  const decrypted = opener ? decryptWithOpener(payload(), opener) : payload();
  const onPlaintext = options.onPlaintext;
  const collect = minorGc();
  async function* plaintext(): AsyncGenerator<Buffer> {
    let written = 0;
    let sinceCollected = 0;
    for await (const chunk of decrypted) {
      yield chunk;
      written += chunk.length;
      onPlaintext?.(written);
      if (collect && (sinceCollected += chunk.length) >= COLLECT_EVERY) {
        sinceCollected = 0;
        collect();
      }
    }
  }
  const expected = release.custom.plaintext;
  try {
    const checkpoint = options.checkpoint;
    const written = await slot.write(plaintext(), expected, {
      readBack: false,
      ...(resume ? { resume: { offset: resume.offset, head: Buffer.from(resume.head, 'base64') } } : {}),
      ...(checkpoint && slot.resumable && typeof source === 'string'
        ? {
            checkpoint: {
              every: checkpoint.every,
              align: CHUNK_SIZE,
              save: (offset: number, head: Uint8Array) =>
                checkpoint.save({ offset, nonce: opener?.nonce?.toString('hex') ?? null, head: Buffer.from(head).toString('base64') }),
            },
          }
        : {}),
    });
    return { slot: written, payloadSha256: release.sha256, resumes };
  } catch (e) {
    // A continued stream that does not verify may have met a prefix the power cut left unwritten,
    // or a file changed on the server: once, it starts over instead of failing the update.
    if (resume && (isSlotError(e, 'SOURCE_MISMATCH') || isSlotError(e, 'SOURCE_TRUNCATED') || isSlotError(e, 'SOURCE_TOO_LONG') || isOspreyError(e))) {
      throw new AgentError('AGENT_DOWNLOAD_RESTART', `the continued download did not verify (${(e as Error).message}); it starts over`, { cause: e });
    }
    // The slot's own checks of the plaintext are the signed final hash: report them as such.
    if (isSlotError(e, 'SOURCE_MISMATCH') || isSlotError(e, 'SOURCE_TOO_LONG') || isSlotError(e, 'SOURCE_TRUNCATED')) {
      throw new OspreyError(
        'RELEASE_PLAINTEXT_MISMATCH',
        `the decrypted image is not the signed image (${expected.length} bytes, sha256 ${expected.sha256}): ${e.message}`,
        {
          cause: e,
          details: { expected },
        },
      );
    }
    if (isSlotError(e)) throw new AgentError('AGENT_SLOT_WRITE_FAILED', e.message, { cause: e, details: { slot: e.slot, slotCode: e.code } });
    throw e;
  } finally {
    fileKey?.fill(0);
  }
}
