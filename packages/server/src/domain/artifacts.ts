/**
 * Artifact ingest: stream into the blob store while hashing; when encryption is asked for, the
 * store only ever sees age ciphertext and the file key is kept wrapped to the tenant's escrow key.
 * The stored (served) bytes are signed on the way in with the tenant's artifact signing key.
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Kysely, Transaction } from 'kysely';
import { generateFileKey, PayloadEncryptStream, wrapHeader } from '@osprey/core';
import { BlobTooLargeError, type BlobStore, type StoredBlob } from '../blob/store.js';
import type { Database } from '../db/schema.js';
import type { KeyService } from '../keys/keyservice.js';
import { ServerError } from '../errors.js';
import type { ArtifactSigning } from './signatures.js';

export interface ArtifactInput {
  tenant: string;
  moduleId: number;
  filename: string;
  source: Readable;
  /** Signs the stored bytes (a detached signature for `openssl dgst -sha256 -verify`). */
  signing: ArtifactSigning;
  encrypt?: boolean;
  tufTarget?: string;
  /** An already-encrypted payload and its escrow header (imported from an offline release). */
  escrowHeader?: Buffer;
  /** Refuse (413) above this many bytes of input. */
  maxBytes?: number;
  /** Client-supplied hashes of the uploaded bytes; a mismatch is a 400 and stores nothing. */
  expected?: { sha1?: string | undefined; md5?: string | undefined; sha256?: string | undefined };
  /** Runs in the transaction that records the artifact (the audit entry). */
  audit?: (trx: Transaction<Database>) => Promise<unknown>;
}

const FILENAME = /^[A-Za-z0-9][A-Za-z0-9._+~-]{0,254}$/;

export async function addArtifact(db: Kysely<Database>, blobs: BlobStore, keys: KeyService, input: ArtifactInput) {
  if (!FILENAME.test(input.filename))
    throw new ServerError('BAD_REQUEST', `artifact file name ${JSON.stringify(input.filename)} must be one file name of letters, digits and . _ + ~ -`);
  let escrowHeader = input.escrowHeader ?? null;
  let plaintext: { size: number; sha256: string; sha1: string; md5: string } | null = null;
  let stored: { sha256: string; sha1: string; md5: string; size: number };
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
  // The client's hashes are of what it sent: the plaintext.
  const sent = plaintext ?? stored;
  for (const algorithm of ['sha1', 'md5', 'sha256'] as const) {
    const claimed = input.expected?.[algorithm];
    if (claimed !== undefined && claimed.toLowerCase() !== sent[algorithm]) {
      await dropIfUnused(db, blobs, stored.sha256);
      throw new ServerError('BAD_REQUEST', `${algorithm} mismatch: the upload has ${sent[algorithm]}, the request said ${claimed}`);
    }
  }
  try {
    return await insert(stored);
  } catch (e) {
    await dropIfUnused(db, blobs, stored.sha256);
    throw e;
  }

  async function insert(stored: { sha256: string; sha1: string; md5: string; size: number }) {
    return db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('artifacts')
        .values({
          tenant: input.tenant,
          module_id: input.moduleId,
          filename: input.filename,
          size: stored.size,
          sha1: stored.sha1,
          md5: stored.md5,
          sha256: stored.sha256,
          escrow_header: escrowHeader,
          plaintext_size: plaintext?.size ?? null,
          plaintext_sha256: plaintext?.sha256 ?? null,
          tuf_target: input.tufTarget ?? null,
          signature: signer.sign(),
        })
        .onConflict((oc) => oc.columns(['module_id', 'filename']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!row) throw new ServerError('CONFLICT', `module ${input.moduleId} already has an artifact named ${input.filename}`);
      if (escrowHeader) await trx.updateTable('software_modules').set({ encrypted: true }).where('id', '=', input.moduleId).execute();
      await input.audit?.(trx);
      return { id: Number(row.id), sha256: stored.sha256, sha1: stored.sha1, md5: stored.md5, size: stored.size, plaintext };
    });
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
  if (errors.length > 0) throw errors.find((e) => e instanceof BlobTooLargeError) ?? errors[0];
  return (put as PromiseFulfilledResult<StoredBlob>).value;
}

/** Remove a blob no artifact refers to (after a refused or failed upload). */
async function dropIfUnused(db: Kysely<Database>, blobs: BlobStore, sha256: string): Promise<void> {
  const used = await db.selectFrom('artifacts').select('id').where('sha256', '=', sha256).limit(1).executeTakeFirst();
  if (!used) await blobs.delete(sha256);
}
