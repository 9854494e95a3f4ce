/**
 * Software modules and their artifacts (hawkBit `/rest/v1/softwaremodules`, shared/reference/
 * hawkbit-api.md §2.2): create, read, delete, and streamed uploads. Every change goes through
 * Changes.apply; every id is resolved within the caller's tenant.
 *
 * An upload is a form of parts read in order (the bytes are never buffered): optional fields
 * `filename`, `md5sum`, `sha1sum`, `sha256sum`, then the part `file`. The file is streamed into
 * the blob store and checked against the hashes given before it; only when the whole form has
 * been read and accepted is the artifact recorded with its audit entry. A form refused at any
 * point — a hash after the file, a second file, a body that ends early — changes nothing: no
 * row, no audit entry, and no blob left behind.
 */
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blob/store.js';
import type { Database } from '../db/schema.js';
import { conflictOnDuplicate, type Page } from '../db/stores/common.js';
import { conflictWhileReferenced } from '../db/stores/distribution-sets.js';
import type { ListQuery } from '../db/stores/list-query.js';
import { SoftwareModuleStore, type ArtifactRow, type SoftwareModuleRow } from '../db/stores/software-modules.js';
import type { KeyService } from '../keys/keyservice.js';
import { ServerError, badRequest, notFound } from '../errors.js';
import { discardArtifact, recordArtifact, stageArtifact, type StagedArtifact } from './artifacts.js';
import type { ArtifactIntegrity } from './integrity.js';
import { releaseBlobs } from './blob-gc.js';
import type { Actor, Changes } from './changes.js';
import type { ArtifactSigning } from './signatures.js';

export interface NewSoftwareModule {
  name: string;
  version: string;
  type: string;
  description?: string | undefined;
  vendor?: string | undefined;
  encrypted?: boolean | undefined;
}

export const UPLOAD_FIELDS = ['filename', 'md5sum', 'sha1sum', 'sha256sum'] as const;
export type UploadField = (typeof UPLOAD_FIELDS)[number];

/** One part of an upload form, in the order the client sent it. */
export type UploadPart =
  | { kind: 'field'; name: UploadField; value: string }
  /** `filename` is the part's own file name (the `filename` field, if sent before, wins). */
  | { kind: 'file'; name: string; filename: string | undefined; stream: Readable };

export class SoftwareModuleService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: Changes,
    private readonly blobs: BlobStore,
    private readonly keys: KeyService,
    private readonly signing: ArtifactSigning,
    /** The largest artifact accepted, in bytes (OSPREY_MAX_ARTIFACT_BYTES): above it, a 413. */
    readonly maxArtifactBytes: number,
    private readonly integrity: ArtifactIntegrity,
    private readonly clock: () => Date = () => new Date(),
    /** A blob that could not be removed after its last row went (`osprey-server gc` removes it later). */
    private readonly onBlobError: (err: unknown) => void = () => undefined,
  ) {}

  async page(tenant: string, query: ListQuery): Promise<Page<SoftwareModuleRow>> {
    return new SoftwareModuleStore(this.db).page(tenant, query);
  }

  async get(tenant: string, id: number): Promise<SoftwareModuleRow> {
    const row = await new SoftwareModuleStore(this.db).byId(tenant, id);
    if (!row) throw notFound(`software module ${id}`);
    return row;
  }

  async create(who: Actor, inputs: NewSoftwareModule[]): Promise<SoftwareModuleRow[]> {
    if (inputs.length === 0) throw new ServerError('BAD_REQUEST', 'give at least one software module');
    return conflictOnDuplicate(
      () =>
        this.changes.apply(who, async (trx) => {
          const modules = new SoftwareModuleStore(trx);
          const rows: SoftwareModuleRow[] = [];
          for (const m of inputs) {
            rows.push(
              await modules.insert({
                tenant: who.tenant,
                type_key: m.type,
                name: m.name,
                version: m.version,
                vendor: m.vendor ?? null,
                description: m.description ?? null,
                created_by: who.actor,
                encrypted: m.encrypted ?? false,
                metadata: JSON.stringify([]),
              }),
            );
          }
          return {
            result: rows,
            audit: rows.map((row) => ({
              action: 'softwaremodule.create',
              subject: { type: 'softwaremodule', id: String(row.id) },
              before: null,
              after: { name: row.name, version: row.version, type: row.type_key, encrypted: row.encrypted },
            })),
          };
        }),
      'a software module with this type, name and version already exists',
    );
  }

  /**
   * A module in a distribution set is kept (409): remove it from the set first. Once the deletion
   * has committed, the blobs its artifacts named go too, unless another row (of any tenant) still
   * refers to them (blob-gc.ts).
   */
  async delete(who: Actor, id: number): Promise<void> {
    await this.get(who.tenant, id);
    const released = await conflictWhileReferenced(
      () =>
        this.changes.apply(who, async (trx) => {
          const modules = new SoftwareModuleStore(trx);
          const used = await modules.aSetUsing(who.tenant, id);
          if (used) throw new ServerError('CONFLICT', `software module ${id} belongs to distribution set ${used.ds_id}; remove it there first`);
          const artifacts = await modules.artifactsOf(who.tenant, id);
          await modules.delete(who.tenant, id);
          return {
            result: artifacts.map((a) => a.sha256),
            audit: { action: 'softwaremodule.delete', subject: { type: 'softwaremodule', id: String(id) }, before: { id }, after: null },
          };
        }),
      `software module ${id} is still referenced and is kept`,
    );
    // After the commit, never inside the transaction: a rolled-back deletion must find its blobs.
    await releaseBlobs(new SoftwareModuleStore(this.db), this.blobs, released, this.clock()).catch(this.onBlobError);
  }

  // --- artifacts -------------------------------------------------------------------------------

  async artifacts(tenant: string, moduleId: number): Promise<ArtifactRow[]> {
    const module = await this.get(tenant, moduleId);
    return new SoftwareModuleStore(this.db).artifactsOf(tenant, module.id);
  }

  /** An artifact of this module; one of another module (or tenant) is "not found". */
  async artifact(tenant: string, moduleId: number, artifactId: number): Promise<ArtifactRow> {
    const row = await new SoftwareModuleStore(this.db).artifact(tenant, moduleId, artifactId);
    if (!row) throw notFound(`artifact ${artifactId}`);
    return row;
  }

  /**
   * Delete one artifact. An artifact of a module in a distribution set is kept (409), as the
   * module itself is: devices may be installing that set. After the commit its blob goes too,
   * unless another row (of any tenant) still refers to it (blob-gc.ts).
   */
  async deleteArtifact(who: Actor, moduleId: number, artifactId: number): Promise<void> {
    await this.artifact(who.tenant, moduleId, artifactId);
    const sha256 = await this.changes.apply(who, async (trx) => {
      const modules = new SoftwareModuleStore(trx);
      // Locked first: the module cannot join a set between the check and the delete.
      if (!(await modules.lockModule(who.tenant, moduleId))) throw notFound(`software module ${moduleId}`);
      const used = await modules.aSetUsing(who.tenant, moduleId);
      if (used)
        throw new ServerError('CONFLICT', `software module ${moduleId} belongs to distribution set ${used.ds_id}; its artifacts are kept while it does`);
      const row = await modules.deleteArtifact(who.tenant, moduleId, artifactId);
      if (!row) throw notFound(`artifact ${artifactId}`);
      return {
        result: row.sha256,
        audit: {
          action: 'artifact.delete',
          subject: { type: 'artifact', id: String(artifactId) },
          before: { module: moduleId, filename: row.filename, sha256: row.sha256 },
          after: null,
        },
      };
    });
    await releaseBlobs(new SoftwareModuleStore(this.db), this.blobs, [sha256], this.clock()).catch(this.onBlobError);
  }

  /** The stored bytes of an artifact: for an encrypted one the ciphertext (the server never hands out plaintext). */
  async download(tenant: string, moduleId: number, artifactId: number): Promise<{ artifact: ArtifactRow; body: Readable }> {
    const artifact = await this.artifact(tenant, moduleId, artifactId);
    await this.integrity.assertServable(tenant, artifact, 'management download');
    return { artifact, body: this.integrity.verifiedStream(tenant, artifact, 'management download') };
  }

  /** The tenant's artifact signing key (SPKI PEM), for `openssl dgst -sha256 -verify`. */
  signingPublicKeyPem(tenant: string): string {
    return this.signing.signingPublicKeyPem(tenant);
  }

  /** Read an upload form (see the top of this file) and record its artifact; refused, it changes nothing. */
  async upload(who: Actor, moduleId: number, form: AsyncIterable<UploadPart>): Promise<ArtifactRow> {
    const module = await this.get(who.tenant, moduleId);
    const store = new SoftwareModuleStore(this.db);
    const fields: Partial<Record<UploadField, string>> = {};
    let staged: StagedArtifact | undefined;
    try {
      for await (const part of form) {
        if (part.kind === 'field') {
          // The file is checked as it streams, so a hash arriving after it could no longer be checked.
          if (staged) throw badRequest(part.name === 'filename' ? 'send the filename field before the file part' : 'send the hash fields before the file part');
          fields[part.name] = part.value;
          continue;
        }
        if (part.name !== 'file') throw badRequest(`the file part must be named "file", not "${part.name}"`);
        if (staged) throw badRequest('upload one file per request');
        const filename = fields.filename ?? part.filename;
        if (!filename) throw badRequest("give the file a name (filename field or the part's filename)");
        staged = await stageArtifact(
          this.blobs,
          this.keys,
          {
            tenant: who.tenant,
            filename,
            source: part.stream,
            signing: this.signing,
            encrypt: module.encrypted,
            maxBytes: this.maxArtifactBytes,
            expected: { sha1: fields.sha1sum, md5: fields.md5sum, sha256: fields.sha256sum },
          },
          store,
        );
      }
      if (!staged) throw badRequest('no part named "file" in the upload');
      const accepted = staged;
      return await this.changes.apply(who, async (trx) => ({
        result: await recordArtifact(new SoftwareModuleStore(trx), this.blobs, accepted, moduleId),
        audit: {
          action: 'artifact.create',
          subject: { type: 'artifact', id: `${moduleId}/${accepted.filename}` },
          before: null,
          after: { module: moduleId, filename: accepted.filename },
        },
      }));
    } catch (e) {
      if (staged) await discardArtifact(store, this.blobs, staged);
      throw e;
    }
  }
}
