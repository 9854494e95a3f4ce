/**
 * Artifact ingest: stream into the blob store while hashing; when encryption is asked for, the
 * store only ever sees age ciphertext and the file key is kept wrapped to the tenant's escrow key.
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import { generateFileKey, PayloadEncryptStream, wrapHeader } from '@osprey/core';
import type { BlobStore } from '../blob/store.js';
import type { Database } from '../db/schema.js';
import type { KeyService } from '../keys/keyservice.js';
import { ServerError } from '../errors.js';

export interface ArtifactInput {
  tenant: string;
  moduleId: number;
  filename: string;
  source: Readable;
  encrypt?: boolean;
  tufTarget?: string;
  /** An already-encrypted payload and its escrow header (imported from an offline release). */
  escrowHeader?: Buffer;
}

const FILENAME = /^[A-Za-z0-9][A-Za-z0-9._+~-]{0,254}$/;

export async function addArtifact(db: Kysely<Database>, blobs: BlobStore, keys: KeyService, input: ArtifactInput): Promise<{ id: number; sha256: string; size: number }> {
  if (!FILENAME.test(input.filename)) throw new ServerError('BAD_REQUEST', `artifact file name ${JSON.stringify(input.filename)} must be one file name of letters, digits and . _ + ~ -`);
  let escrowHeader = input.escrowHeader ?? null;
  let plaintext: { size: number; sha256: string } | null = null;
  let stored: { sha256: string; sha1: string; md5: string; size: number };
  if (input.encrypt && !escrowHeader) {
    const fileKey = generateFileKey();
    escrowHeader = await wrapHeader(fileKey, [keys.escrowRecipient(input.tenant)]);
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _e, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const encrypted = new PayloadEncryptStream(fileKey);
    // An error anywhere destroys every stage, so blobs.put fails and removes its temporary file.
    const feeding = pipeline(input.source, tap, encrypted);
    [stored] = await Promise.all([blobs.put(encrypted), feeding]);
    plaintext = { size, sha256: hash.digest('hex') };
  } else {
    stored = await blobs.put(input.source);
  }
  return insert(stored);

  async function insert(stored: { sha256: string; sha1: string; md5: string; size: number }) {
    const row = await db
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
      })
      .onConflict((oc) => oc.columns(['module_id', 'filename']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) throw new ServerError('CONFLICT', `module ${input.moduleId} already has an artifact named ${input.filename}`);
    if (escrowHeader) await db.updateTable('software_modules').set({ encrypted: true }).where('id', '=', input.moduleId).execute();
    return { id: Number(row.id), sha256: stored.sha256, size: stored.size };
  }
}
