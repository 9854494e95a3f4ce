/**
 * Storage for direct-download tests (#16): a real Ceph RGW (startS3) with a bucket, objects laid
 * out as the S3 blob store lays them out (`${prefix}sha256/ab/abcd…`), presigned downloads signed
 * by its credentials, and a recording proxy in front of it — what storage receives (every
 * request's headers: no device credentials may be among them), and cuts on demand (a connection
 * broken mid-body, or a 403 for a link that should be refused).
 *
 * The server stores its artifacts in the bucket with its S3 blob store (`blobStoreConfig()`); the
 * proxy's origin is where presigned URLs point.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { PresignedDownloads, type ServerConfig } from '@osprey/server';
import { hasCeph, startS3, type S3Service } from './ceph.js';
import { closeServer, listenOnLoopback } from './http.js';
import { freePort } from './ports.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

const NGINX = '/usr/sbin/nginx';

/** A CDN in front of the bucket: Debian's nginx proxying `/<key>` to RGW's `/<bucket>/<key>` (read anonymously). */
export interface Cdn {
  origin: string;
  close(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}) before it listened`);
    const ok = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), done(true)));
      socket.once('error', () => done(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${port}`);
}

async function startNginxCdn(rgw: URL, bucket: string): Promise<Cdn> {
  const dir = makeTempDir('osprey-cdn-');
  const port = await freePort();
  const path = (name: string) => join(dir, name);
  mkdirSync(path('tmp'));
  writeFileSync(
    path('nginx.conf'),
    `daemon off;
master_process off;
worker_processes 1;
pid ${path('nginx.pid')};
error_log ${path('error.log')} warn;
events { worker_connections 256; }
http {
  access_log ${path('access.log')};
  client_body_temp_path ${path('tmp')};
  proxy_temp_path ${path('tmp')};
  fastcgi_temp_path ${path('tmp')};
  uwsgi_temp_path ${path('tmp')};
  scgi_temp_path ${path('tmp')};
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://${rgw.host}/${bucket}/;
      proxy_set_header Host ${rgw.host};
      proxy_set_header Authorization "";
      proxy_buffering off;
    }
  }
}
`,
  );
  const child = spawn(NGINX, ['-p', `${dir}/`, '-c', path('nginx.conf'), '-e', path('error.log')], { stdio: 'ignore' });
  try {
    await waitForPort(port, child);
  } catch (e) {
    child.kill('SIGKILL');
    removeTempDir(dir);
    throw e;
  }
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      removeTempDir(dir);
    },
  };
}

/** Whether RGW can run here; in CI its absence fails the suite instead of skipping it. */
export function cephOrFail(): boolean {
  const ok = hasCeph();
  if (!ok) {
    if (process.env.CI) throw new Error('Ceph (ceph-mon, ceph-osd, radosgw) is not installed: CI must install it (.ci/install-system-packages)');
    console.warn('skipping direct-download tests: Ceph RGW is not installed');
  }
  return ok;
}

export interface ProxiedRequest {
  method: string;
  url: string;
  /** As the proxy received them. */
  headers: IncomingHttpHeaders;
  /** The Authorization header passed on to RGW (see `dropForeignAuthorization`). */
  forwardedAuthorization?: string;
  status?: number;
}

export interface DirectStorageOptions {
  /**
   * The proxy drops an Authorization header that is not an S3 signature (SigV4) before RGW sees
   * it, as a front proxy for hawkBit clients that send their TargetToken with every request
   * (SWUpdate does) must: S3 refuses a request with a foreign Authorization (400).
   */
  dropForeignAuthorization?: boolean;
}

/** A proxy in front of RGW: keeps the Host header (a presigned URL is signed for the proxy's host), records, cuts. */
export interface StorageProxy {
  /** `http://127.0.0.1:<port>`: the origin of presigned URLs and of a CDN base URL. */
  origin: string;
  requests: ProxiedRequest[];
  /** The next GET answered with a body is cut after `bytes` bytes. */
  cutNextAfter(bytes: number): void;
  /** Awaited before each request is forwarded (a test holds a request back until a link expired). */
  beforeForward?: (request: ProxiedRequest) => Promise<void> | void;
  /** While set, every request is answered with this status and S3's error body, not forwarded (a store in trouble). */
  failWith?: number;
  close(): Promise<void>;
}

const SIGV4 = /^AWS4-HMAC-SHA256 /;

async function startProxy(target: URL, pathPrefix: string, options: DirectStorageOptions = {}): Promise<StorageProxy> {
  const requests: ProxiedRequest[] = [];
  let cutAfter: number | undefined;
  const server: Server = createServer(async (req, res) => {
    const record: ProxiedRequest = { method: req.method!, url: req.url!, headers: { ...req.headers } };
    requests.push(record);
    await proxy.beforeForward?.(record);
    if (proxy.failWith !== undefined) {
      record.status = proxy.failWith;
      res.writeHead(proxy.failWith, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>the store is in trouble (test)</Message></Error>');
      req.resume();
      return;
    }
    const headers = { ...req.headers };
    if (options.dropForeignAuthorization && headers.authorization && !SIGV4.test(headers.authorization)) delete headers.authorization;
    if (headers.authorization) record.forwardedAuthorization = headers.authorization;
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: `${pathPrefix}${req.url}`, headers }, (up) => {
      record.status = up.statusCode;
      res.writeHead(up.statusCode!, up.headers);
      const cut = req.method === 'GET' && up.statusCode! < 300 ? cutAfter : undefined;
      if (cut === undefined) return void up.pipe(res);
      cutAfter = undefined;
      let sent = 0;
      up.on('data', (chunk: Buffer) => {
        if (sent >= cut) return;
        const part = chunk.subarray(0, cut - sent);
        sent += part.length;
        res.write(part);
        if (sent >= cut) setTimeout(() => (res.socket?.destroy(), up.destroy()), 20);
      });
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const proxy: StorageProxy = {
    origin: '',
    requests,
    cutNextAfter: (bytes) => (cutAfter = bytes),
    close: async () => {
      server.closeAllConnections();
      await closeServer(server);
    },
  };
  proxy.origin = await listenOnLoopback(server);
  return proxy;
}

export interface DirectStorage {
  s3: S3Service;
  bucket: string;
  /** RGW's own client (path-style). */
  client: S3Client;
  /** In front of RGW for presigned URLs (host kept, so signatures hold). */
  proxy: StorageProxy;
  /**
   * In front of the bucket as a CDN would be: `${cdn.origin}/<key>` is `/<bucket>/<key>` on RGW
   * (read anonymously). Debian's nginx where installed (CI installs it), else a Node proxy.
   */
  cdn: Cdn;
  /** Presigned downloads on the proxy's origin, signed at `clock()`. */
  presigned(clock?: () => Date): PresignedDownloads;
  /** The server's S3 blob store on this bucket: on RGW itself, or through the proxy (whose origin its presigned URLs then name). */
  blobStoreConfig(via?: 'rgw' | 'proxy'): ServerConfig['blobStore'];
  stop(): Promise<void>;
}

export async function startDirectStorage(options: DirectStorageOptions = {}): Promise<DirectStorage> {
  const s3 = await startS3();
  try {
    const bucket = 'osprey-artifacts';
    const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
    const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, credentials, forcePathStyle: true });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    // The CDN reads objects anonymously (a CDN in front of a bucket is given such access; devices never are).
    await client.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] }],
        }),
      }),
    );
    const rgw = new URL(s3.endpoint);
    const proxy = await startProxy(rgw, '', options);
    const cdn = existsSync(NGINX) ? await startNginxCdn(rgw, bucket) : await startProxy(rgw, `/${bucket}`);
    const signer = new S3Client({ endpoint: proxy.origin, region: s3.region, credentials, forcePathStyle: true });
    return {
      s3,
      bucket,
      client,
      proxy,
      cdn,
      presigned: (clock) => new PresignedDownloads({ client: signer, bucket, prefix: '', origin: proxy.origin, ...(clock ? { clock } : {}) }),
      blobStoreConfig: (via = 'rgw') => ({
        kind: 's3',
        bucket,
        region: s3.region,
        endpoint: via === 'proxy' ? proxy.origin : s3.endpoint,
        forcePathStyle: true,
        prefix: '',
        // Not `credentials` itself: the SDK marks the objects it is given.
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
      }),
      async stop() {
        await proxy.close();
        await cdn.close();
        client.destroy();
        signer.destroy();
        await s3.stop();
      },
    };
  } catch (e) {
    await s3.stop();
    throw e;
  }
}
