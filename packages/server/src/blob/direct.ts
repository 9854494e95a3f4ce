/**
 * Direct downloads (#16): a device fetches an artifact's bytes from the object store (or a CDN in
 * front of it) instead of through this server. The DDI deployment then links each artifact to a
 * URL made for that response; `.MD5SUM` and Osprey's `.sig` stay on the server, and so does the
 * server's own download route (a device that cannot reach storage can be pointed back at it by
 * turning direct downloads off; nothing else changes for it).
 *
 * Objects are where the S3 blob store puts them: `${prefix}sha256/${sha.slice(0,2)}/${sha}`.
 * Two implementations:
 *  - presigned: an S3 GetObject URL signed with the store's credentials (SigV4, query string),
 *    valid for `expiresInSeconds`, answering with `Content-Disposition: attachment;filename=…`.
 *    Only `host` is signed, so a device may add Range and If-Range headers; a URL that expired or
 *    was altered is refused by the store itself (403).
 *  - cdn: `${baseUrl}/${key}`, unsigned. The CDN must restrict access itself (its own signed URLs
 *    or tokens, or a private network): the URL is the same for every device and every response.
 *    Artifacts are addressed by their SHA-256, so a URL names bytes, not a release.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface DirectUrlOptions {
  /** How long the URL may be used (presigned; a CDN decides for itself). */
  expiresInSeconds: number;
  /** The name the device saves the file under (Content-Disposition). */
  fileName: string;
}

/** Where a device downloads an artifact's bytes from, when not from this server. */
export interface DirectDownloads {
  /** A URL for the blob `sha256`, made for one response. */
  urlFor(sha256: string, options: DirectUrlOptions): Promise<string>;
  /** `scheme://host[:port]` the URLs are on: what a device's agent must admit as a storage origin. */
  readonly origin: string;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** The object key of a blob, as the S3 blob store lays it out. */
export function blobKey(prefix: string, sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
  return `${prefix}sha256/${sha256.slice(0, 2)}/${sha256}`;
}

/** As the server's own download route sends it. */
const disposition = (name: string) => `attachment;filename=${encodeURIComponent(name)}`;

export interface PresignedDownloadsOptions {
  /** The S3 client of the blob store (endpoint, region, credentials; path-style addressing). */
  client: S3Client;
  bucket: string;
  /** The blob store's key prefix ('' or ending in '/'). */
  prefix: string;
  /** The origin of the URLs the client signs: its endpoint's (path-style), e.g. `https://s3.example.com`. */
  origin: string;
  /** The signing time (tests make an expired URL with a past clock). */
  clock?: () => Date;
}

/**
 * The origin presigned URLs of a bucket are on: the endpoint's with path-style addressing, the
 * bucket's own host name otherwise (AWS S3 without an endpoint: `https://<bucket>.s3.<region>.amazonaws.com`).
 */
export function presignedOrigin(store: { bucket: string; region: string; endpoint?: string | undefined; forcePathStyle?: boolean | undefined }): string {
  const endpoint = new URL(store.endpoint ?? `https://s3.${store.region}.amazonaws.com`);
  const pathStyle = store.forcePathStyle ?? store.endpoint !== undefined;
  return pathStyle ? endpoint.origin : `${endpoint.protocol}//${store.bucket}.${endpoint.host}`;
}

export class PresignedDownloads implements DirectDownloads {
  readonly origin: string;
  private readonly clock: () => Date;

  constructor(private readonly options: PresignedDownloadsOptions) {
    this.origin = new URL(options.origin).origin;
    this.clock = options.clock ?? (() => new Date());
  }

  async urlFor(sha256: string, { expiresInSeconds, fileName }: DirectUrlOptions): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.options.bucket,
      Key: blobKey(this.options.prefix, sha256),
      ResponseContentDisposition: disposition(fileName),
    });
    return getSignedUrl(this.options.client, command, { expiresIn: expiresInSeconds, signingDate: this.clock() });
  }
}

/**
 * `${baseUrl}/${key}`: for a CDN (or a web server) in front of the bucket. It must restrict
 * access on its own — this server signs nothing here.
 */
export class CdnDownloads implements DirectDownloads {
  readonly origin: string;
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly prefix = '',
  ) {
    const url = new URL(baseUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('the download base URL must be http(s)');
    this.origin = url.origin;
    this.base = baseUrl.replace(/\/+$/, '');
  }

  urlFor(sha256: string): Promise<string> {
    return Promise.resolve(`${this.base}/${blobKey(this.prefix, sha256)}`);
  }
}
