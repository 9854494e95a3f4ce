/**
 * Content-addressed blobs in an S3-compatible bucket (AWS S3, Ceph RGW, MinIO…). Layout, agreed
 * with the presigned-download links (do not change it): a blob is `${prefix}sha256/<2 hex>/<sha256>`,
 * an upload in progress `${prefix}tmp/<random>`.
 *
 * An upload streams through the same hashing and size limit as the file store into a multipart
 * upload (lib-storage) of a temporary key, and only once its SHA-256 is known is it copied
 * server-side to its content-addressed key; the temporary is then deleted. On any failure (the
 * source, the size limit, S3) the multipart upload is aborted and the temporary deleted, so no
 * partial object is ever visible under sha256/. A crash leaves at most a temporary (or an
 * unfinished multipart upload) under tmp/, removed by removeStaleTemporaries at the next start.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCopyCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3BlobStoreConfig } from '../config.js';
import { BlobDamagedError, hashingLimiter, SHA256, sizeDamage, verifyDamage, verifiedStream, type BlobDamage, type StoredBlob } from './hashing.js';
import type { BlobStore, ListedBlob } from './store.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** Connections to the store at once (downloads streamed through the server, uploads, checks). */
const MAX_SOCKETS = 1024;

/**
 * The S3Client options for a configured store: the presigned-download links build their client
 * from this too, so both talk to the same endpoint with the same credentials and addressing.
 */
/**
 * How long a request to the store may stay silent (no byte either way) before it fails. Uploads
 * record their row and deletes run inside a database transaction that waits on the store: a store
 * that accepts connections and then stops answering must not hold those transactions (and the
 * pool's connections) forever. A slow but moving download is never cut: the timer restarts with
 * every byte.
 */
export const S3_IDLE_TIMEOUT_MS = 120_000;

export function s3ClientConfig(cfg: S3BlobStoreConfig, idleTimeoutMs = S3_IDLE_TIMEOUT_MS): S3ClientConfig {
  return {
    region: cfg.region,
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    forcePathStyle: cfg.forcePathStyle ?? cfg.endpoint !== undefined,
    // Without keys, the SDK's default chain (environment, profile, instance role).
    ...(cfg.accessKeyId && cfg.secretAccessKey ? { credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey } } : {}),
    // The store hashes every byte itself (SHA-256 end to end); the SDK's extra CRC32 trailers are
    // not understood by every S3-compatible server (Ceph RGW 16), so only where S3 requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Every download through the server holds a connection to the store for as long as the
    // device reads (the SDK's default of 50 would queue the 51st device); an endpoint that never
    // answers fails the start within seconds instead of hanging it.
    requestHandler: {
      connectionTimeout: 10_000,
      socketTimeout: idleTimeoutMs, // inactivity (smithy: requestTimeout is a whole-request timer that only warns)
      httpAgent: { keepAlive: true, maxSockets: MAX_SOCKETS },
      httpsAgent: { keepAlive: true, maxSockets: MAX_SOCKETS },
    },
  };
}

export interface S3BlobStoreOptions {
  /** Multipart upload part size (lib-storage; S3's minimum is 5 MiB). */
  partSize?: number;
  /** Parts uploaded at once (each is buffered in memory). */
  queueSize?: number;
  /** Above this size the temporary is copied part by part (UploadPartCopy); S3 copies at most 5 GiB at once. */
  multipartCopyThreshold?: number;
  /** Part size of such a copy (S3: 5 MiB … 5 GiB, except the last part). */
  copyPartSize?: number;
  /** For the start banner (default: the bucket and prefix). */
  description?: string;
}

/** An S3 error's HTTP status, if it came with one. */
function statusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

const isNotFound = (e: unknown) => statusOf(e) === 404 || (e as Error).name === 'NoSuchKey' || (e as Error).name === 'NotFound';

/** A key for CopySource: bucket/key, each segment URL-encoded (the prefix is the operator's). */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

export class S3BlobStore implements BlobStore {
  readonly description: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly copyThreshold: number;
  private readonly copyPartSize: number;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    prefix = '',
    options: S3BlobStoreOptions = {},
  ) {
    this.prefix = prefix;
    this.partSize = options.partSize ?? 8 * MiB;
    this.queueSize = options.queueSize ?? 2;
    this.copyThreshold = options.multipartCopyThreshold ?? 5 * GiB;
    this.copyPartSize = options.copyPartSize ?? 1 * GiB;
    this.description = options.description ?? `S3 bucket ${bucket}${prefix ? ` prefix ${prefix}` : ''}`;
  }

  /** The store of a configuration, with its own client. */
  static fromConfig(cfg: S3BlobStoreConfig, options: S3BlobStoreOptions = {}): S3BlobStore {
    const description = `S3 bucket ${cfg.bucket}${cfg.prefix ? ` prefix ${cfg.prefix}` : ''}${cfg.endpoint ? ` at ${cfg.endpoint}` : ''}`;
    return new S3BlobStore(new S3Client(s3ClientConfig(cfg)), cfg.bucket, cfg.prefix, { description, ...options });
  }

  /** Close the client's connections (at shutdown). */
  close(): void {
    this.client.destroy();
  }

  /** The content-addressed key of a blob. */
  key(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return `${this.prefix}sha256/${sha256.slice(0, 2)}/${sha256}`;
  }

  private get tempPrefix(): string {
    return `${this.prefix}tmp/`;
  }

  async put(source: Readable, options: { maxBytes?: number } = {}): Promise<StoredBlob> {
    const hasher = hashingLimiter(options.maxBytes);
    const tempKey = `${this.tempPrefix}${randomBytes(12).toString('hex')}`;
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: tempKey, Body: hasher.stream },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    const fed = pipeline(source, hasher.stream);
    const [feeding, uploading] = await Promise.allSettled([fed, upload.done()]);
    try {
      // The source's own failure (or the size limit) is the root cause; S3's comes second.
      if (feeding.status === 'rejected') throw feeding.reason;
      if (uploading.status === 'rejected') throw uploading.reason;
      const stored = hasher.result();
      // Always copied, also over an existing blob of these bytes: the copy renews its
      // LastModified, so garbage collection's grace period counts from this upload.
      await this.copy(tempKey, this.key(stored.sha256), stored.size);
      await this.deleteKey(tempKey);
      return stored;
    } catch (e) {
      await upload.abort().catch(() => undefined);
      await this.deleteKey(tempKey).catch(() => undefined);
      throw e;
    }
  }

  /** A server-side copy; above the threshold part by part (CopyObject takes at most 5 GiB). */
  private async copy(from: string, to: string, size: number): Promise<void> {
    const CopySource = copySource(this.bucket, from);
    if (size <= this.copyThreshold) {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource }));
      return;
    }
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: to }));
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let start = 0, PartNumber = 1; start < size; start += this.copyPartSize, PartNumber++) {
        const end = Math.min(start + this.copyPartSize, size) - 1;
        const part = await this.client.send(
          new UploadPartCopyCommand({ Bucket: this.bucket, Key: to, UploadId, PartNumber, CopySource, CopySourceRange: `bytes=${start}-${end}` }),
        );
        parts.push({ ETag: part.CopyPartResult!.ETag!, PartNumber });
      }
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (e) {
      // An aborted multipart upload leaves nothing under `to` (the object appears only on Complete).
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId })).catch(() => undefined);
      throw e;
    }
  }

  private async deleteKey(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  get(sha256: string, range?: { start: number; end: number }): Readable {
    const { client, bucket } = this;
    const Key = this.key(sha256);
    // Lazily: the request is sent when the stream is first read; destroying the stream closes the response.
    async function* body(): AsyncGenerator<Buffer> {
      let response;
      try {
        response = await client.send(new GetObjectCommand({ Bucket: bucket, Key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }));
      } catch (e) {
        throw isNotFound(e) ? new BlobDamagedError(sha256, 'missing') : e;
      }
      yield* response.Body as Readable;
    }
    return Readable.from(body(), { objectMode: false });
  }

  getVerified(sha256: string, size: number): Readable {
    return verifiedStream(this.get(sha256), sha256, size, (e) => e instanceof BlobDamagedError && e.damage === 'missing');
  }

  async check(sha256: string, size: number): Promise<BlobDamage | undefined> {
    return sizeDamage(await this.size(sha256), size);
  }

  verify(sha256: string, size: number): Promise<BlobDamage | undefined> {
    return verifyDamage(this, sha256, size);
  }

  async size(sha256: string): Promise<number | undefined> {
    return (await this.stat(sha256))?.size;
  }

  async stat(sha256: string): Promise<Omit<ListedBlob, 'sha256'> | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(sha256) }));
      return { size: head.ContentLength ?? 0, modifiedAt: head.LastModified ?? new Date(0) };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.size(sha256)) !== undefined;
  }

  async delete(sha256: string): Promise<void> {
    await this.deleteKey(this.key(sha256));
  }

  async *list(): AsyncIterable<ListedBlob> {
    const prefix = `${this.prefix}sha256/`;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(ContinuationToken ? { ContinuationToken } : {}) }),
      );
      for (const object of page.Contents ?? []) {
        const sha256 = object.Key!.slice(object.Key!.lastIndexOf('/') + 1);
        if (SHA256.test(sha256) && object.Key === this.key(sha256)) yield { sha256, size: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date(0) };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  /** The bucket is there and these credentials may use it (HeadBucket). */
  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  /**
   * Several instances may share the bucket, so only temporaries older than `olderThan` go (an
   * upload in progress elsewhere is younger): objects under tmp/ and unfinished multipart uploads.
   */
  async removeStaleTemporaries(olderThan: Date): Promise<number> {
    let removed = 0;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.tempPrefix, ...(ContinuationToken ? { ContinuationToken } : {}) }),
      );
      for (const object of page.Contents ?? []) {
        if (object.LastModified && object.LastModified < olderThan) {
          await this.deleteKey(object.Key!);
          removed++;
        }
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          Prefix: this.tempPrefix,
          ...(KeyMarker ? { KeyMarker } : {}),
          ...(UploadIdMarker ? { UploadIdMarker } : {}),
        }),
      );
      for (const upload of page.Uploads ?? []) {
        if (upload.Initiated && upload.Initiated < olderThan) {
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key!, UploadId: upload.UploadId! })).catch(() => undefined);
          removed++;
        }
      }
      if (!page.IsTruncated) break;
      KeyMarker = page.NextKeyMarker;
      UploadIdMarker = page.NextUploadIdMarker;
    }
    return removed;
  }
}
