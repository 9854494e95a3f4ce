/**
 * Artifact ingest: stream into the blob store while hashing; when encryption is asked for, the
 * store only ever sees age ciphertext and the file key is kept wrapped to the tenant's escrow key.
 * The stored (served) bytes are signed on the way in with the tenant's artifact signing key.
 *
 * Ingest is two steps, so that a request refused after its bytes arrived changes nothing:
 * `stageArtifact` stores the blob and checks the client's hashes (no row yet), then either
 * `recordArtifact` writes the row inside the caller's transaction or `discardArtifact` removes
 * the blob again (unless another artifact shares it).
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import { generateFileKey, PayloadEncryptStream, wrapHeader } from '@osprey/core';
import { BlobTooLargeError, type BlobDamage, type BlobStore, type StoredBlob } from '../blob/store.js';
import type { Database } from '../db/schema.js';
import type { Db } from '../db/stores/common.js';
import { SoftwareModuleStore, type ArtifactRow } from '../db/stores/software-modules.js';
import type { KeyService } from '../keys/keyservice.js';
import { ServerError } from '../errors.js';
import type { Changes } from './changes.js';
import { releaseBlobs } from './blob-gc.js';
import type { ArtifactSigning } from './signatures.js';

export interface ArtifactInput {
  tenant: string;
  filename: string;
  source: Readable;
  /** Signs the stored bytes (a detached signature for `openssl dgst -sha256 -verify`). */
  signing: ArtifactSigning;
  encrypt?: boolean | undefined;
  tufTarget?: string | undefined;
  /** An already-encrypted payload and its escrow header (imported from an offline release). */
  escrowHeader?: Buffer | undefined;
  /** Refuse (413) above this many bytes of input. */
  maxBytes?: number | undefined;
  /** Client-supplied hashes of the uploaded bytes; a mismatch is a 400 and stores nothing. */
  expected?: { sha1?: string | undefined; md5?: string | undefined; sha256?: string | undefined } | undefined;
}

/** A blob in the store, hashed and signed, that no artifact row refers to yet. */
export interface StagedArtifact {
  tenant: string;
  filename: string;
  tufTarget: string | null;
  stored: StoredBlob;
  /** For an encrypted artifact: the size and hashes of what the client sent. */
  plaintext: { size: number; sha256: string; sha1: string; md5: string } | null;
  escrowHeader: Buffer | null;
  signature: Buffer;
}

const FILENAME = /^[A-Za-z0-9][A-Za-z0-9._+~-]{0,254}$/;

/** Refuse a file name that is not one plain file name (no path, no control characters). */
export function checkArtifactFilename(filename: string): void {
  if (!FILENAME.test(filename))
    throw new ServerError('BAD_REQUEST', `artifact file name ${JSON.stringify(filename)} must be one file name of letters, digits and . _ + ~ -`);
}

/**
 * Stream `input.source` into the blob store (encrypted when asked), hash and sign it, and check
 * the client's hashes. On any failure, nothing of it stays in the store.
 */
export async function stageArtifact(blobs: BlobStore, keys: KeyService, input: ArtifactInput, store: SoftwareModuleStore): Promise<StagedArtifact> {
  checkArtifactFilename(input.filename);
  let escrowHeader = input.escrowHeader ?? null;
  let plaintext: StagedArtifact['plaintext'] = null;
  let stored: StoredBlob;
  const putOptions = input.maxBytes === undefined ? {} : { maxBytes: input.maxBytes + (input.encrypt ? 16 + Math.ceil(input.maxBytes / 65536 + 1) * 16 : 0) };
  // Everything that reaches the blob store goes through this tap first.
  const signer = input.signing.signer(input.tenant);
  try {
    if (input.encrypt && !escrowHeader) {
      const fileKey = generateFileKey();
      escrowHeader = await wrapHeader(fileKey, [keys.escrowRecipient(input.tenant)]);
      const hashes = { sha256: createHash('sha256'), sha1: createHash('sha1'), md5: createHash('md5') };
      let size = 0;
      const max = input.maxBytes ?? Number.POSITIVE_INFINITY;
      const tap = new Transform({
        transform(chunk: Buffer, _e, done) {
          size += chunk.length;
          if (size > max) return done(new BlobTooLargeError(`artifact larger than ${max} bytes`));
          for (const h of Object.values(hashes)) h.update(chunk);
          done(null, chunk);
        },
      });
      const encrypted = new PayloadEncryptStream(fileKey);
      // An error anywhere destroys every stage, so blobs.put fails and removes its temporary file.
      stored = await putThrough(blobs, pipeline(input.source, tap, encrypted, signer), signer, putOptions);
      plaintext = { size, sha256: hashes.sha256.digest('hex'), sha1: hashes.sha1.digest('hex'), md5: hashes.md5.digest('hex') };
    } else {
      stored = await putThrough(blobs, pipeline(input.source, signer), signer, putOptions);
    }
  } catch (e) {
    if (e instanceof BlobTooLargeError)
      throw new ServerError('PAYLOAD_TOO_LARGE', `the artifact is larger than the limit of ${input.maxBytes} bytes`, { cause: e });
    throw e;
  }
  const staged: StagedArtifact = {
    tenant: input.tenant,
    filename: input.filename,
    tufTarget: input.tufTarget ?? null,
    stored,
    plaintext,
    escrowHeader,
    signature: signer.sign(),
  };
  // The client's hashes are of what it sent: the plaintext.
  const sent = plaintext ?? stored;
  for (const algorithm of ['sha1', 'md5', 'sha256'] as const) {
    const claimed = input.expected?.[algorithm];
    if (claimed !== undefined && claimed.toLowerCase() !== sent[algorithm]) {
      await discardArtifact(store, blobs, staged);
      throw new ServerError('BAD_REQUEST', `${algorithm} mismatch: the upload has ${sent[algorithm]}, the request said ${claimed}`);
    }
  }
  return staged;
}

/** Write the row of a staged artifact of module `moduleId` (in the caller's transaction); 409 if the name is taken. */
export async function recordArtifact(store: SoftwareModuleStore, blobs: BlobStore, staged: StagedArtifact, moduleId: number): Promise<ArtifactRow> {
  const { stored } = staged;
  // A deletion of other rows with these bytes may have removed the blob since this upload wrote
  // it (blob-gc.ts); under the blob's lock, held until this transaction ends, it is either still
  // there and stays, or the upload is refused — never a row naming nothing.
  await store.underBlobLock(stored.sha256, async () => undefined);
  if (!(await blobs.has(stored.sha256)))
    throw new ServerError('UNAVAILABLE', 'the uploaded bytes were removed by a deletion running at the same time; upload the artifact again', {
      retryAfterSeconds: 1,
    });
  const row = await store.insertArtifact({
    tenant: staged.tenant,
    module_id: moduleId,
    filename: staged.filename,
    size: stored.size,
    sha1: stored.sha1,
    md5: stored.md5,
    sha256: stored.sha256,
    escrow_header: staged.escrowHeader,
    plaintext_size: staged.plaintext?.size ?? null,
    plaintext_sha256: staged.plaintext?.sha256 ?? null,
    tuf_target: staged.tufTarget,
    signature: staged.signature,
  });
  if (!row) throw new ServerError('CONFLICT', `module ${moduleId} already has an artifact named ${staged.filename}`);
  if (staged.escrowHeader) await store.markEncrypted(staged.tenant, moduleId);
  return row;
}

/** Remove a staged artifact's blob, unless an artifact (of any tenant: blobs are shared) refers to it. */
export async function discardArtifact(store: SoftwareModuleStore, blobs: BlobStore, staged: StagedArtifact): Promise<void> {
  // No grace period: the blob was written just now, by this very upload.
  await releaseBlobs(store, blobs, [staged.stored.sha256], new Date(), 0);
}

/** Stage and record in one go, outside the management API (the seed command: nothing to audit there). */
export async function addArtifact(db: Kysely<Database>, blobs: BlobStore, keys: KeyService, input: ArtifactInput & { moduleId: number }) {
  const staged = await stageArtifact(blobs, keys, input, new SoftwareModuleStore(db));
  try {
    const row = await db.transaction().execute((trx: Db) => recordArtifact(new SoftwareModuleStore(trx), blobs, staged, input.moduleId));
    return { id: Number(row.id), sha256: row.sha256, sha1: row.sha1, md5: row.md5, size: Number(row.size), plaintext: staged.plaintext };
  } catch (e) {
    await discardArtifact(new SoftwareModuleStore(db), blobs, staged);
    throw e;
  }
}

/**
 * Store what `feeding` pushes into `last` (the final stage of a pipeline). Both settle before this
 * returns, so a failed put has removed its temporary file; a size-limit error wins over the
 * premature close it causes in the other stages.
 */
async function putThrough(blobs: BlobStore, feeding: Promise<void>, last: Readable, putOptions: { maxBytes?: number }) {
  const [put, fed] = await Promise.allSettled([blobs.put(last, putOptions), feeding]);
  const errors = [put, fed].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  // The root cause first: the size limit, or the store's own failure (a full disk), which ends the
  // other stages with a premature close.
  if (errors.length > 0) throw errors.find((e) => e instanceof BlobTooLargeError) ?? (put.status === 'rejected' ? put.reason : errors[0]);
  return (put as PromiseFulfilledResult<StoredBlob>).value;
}

const DAMAGE_TEXT: Record<BlobDamage, string> = {
  missing: 'its stored file is missing',
  size: 'its stored file has another length than recorded',
  hash: 'its stored file does not match its SHA-256',
};

/** The error a download of a damaged artifact answers with (503: the record is fine, the store is not). */
export function artifactDamaged(artifactId: number, damage: BlobDamage): ServerError {
  return new ServerError('ARTIFACT_DAMAGED', `artifact ${artifactId} is damaged: ${DAMAGE_TEXT[damage]}; restore the blob store or upload it again`);
}

/**
 * Record a damaged artifact (audited as `system:integrity`) so that it is no longer offered.
 * Returns false when it was already recorded.
 */
export async function recordDamage(changes: Changes, tenant: string, artifactId: number, damage: BlobDamage): Promise<boolean> {
  return changes.apply({ tenant, actor: 'system:integrity' }, async (trx, now) => {
    const row = await new SoftwareModuleStore(trx).markDamaged(tenant, artifactId, damage, now);
    if (!row) return { result: false, audit: [] };
    return {
      result: true,
      audit: { action: 'artifact.damaged', subject: { type: 'artifact', id: String(artifactId) }, before: null, after: { damage, sha256: row.sha256 } },
    };
  });
}
