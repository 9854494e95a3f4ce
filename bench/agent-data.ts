/**
 * Shared pieces of the `agent` benchmark: making a release (age payload + this device's header +
 * the signed target), the local HTTP server that serves the payload, and the measured pipeline,
 * the agent's own code for one artifact. agent.ts (throughput, in process) and agent-child.ts (the
 * server, and peak RSS in child processes) both use these, so the code whose speed is measured is
 * the code whose memory is measured.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buildReleaseTarget, PayloadEncryptStream, wrapHeader, X25519Identity, type ReleaseCustom } from '@osprey/core';
import { streamInstall } from '../packages/agent/src/install/streaming.js';
import { writeFileAtomic } from '@osprey/fs';
import { FileSlot } from '../packages/agent/src/slots/image-slot.js';
import type { SignedRelease } from '../packages/agent/src/verify/tuf.js';
import { plaintextSource } from './crypto-data.js';

/**
 * Everything a device has for one artifact, in a JSON-friendly form (handed to the RSS children
 * as a file): the signed length/hash of the payload, the release's `custom` (with the plaintext
 * length/hash, the "final hash"), this device's age header and its identity.
 */
export interface ReleaseSpec {
  targetPath: string;
  length: number;
  sha256: string;
  custom: ReleaseCustom;
  headerBase64: string;
  identity: string;
  /** The age file key, hex: only for the bare baseline loop, which has no header parsing. */
  fileKeyHex: string;
}

/** SHA-256 and length of the bytes passing through. */
class HashThrough extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

/**
 * Encrypt `bytes` generated plaintext bytes into `payloadFile` (nonce || sealed chunks, the payload
 * shared by the fleet), wrap the file key for a fresh device identity, and describe the release.
 */
export async function makeRelease(payloadFile: string, bytes: number): Promise<ReleaseSpec> {
  const identity = X25519Identity.generate();
  const fileKey = randomBytes(16);
  const plainHash = createHash('sha256');
  const cipher = new HashThrough();
  await pipeline(plaintextSource(bytes, plainHash), new PayloadEncryptStream(fileKey), cipher, createWriteStream(payloadFile, { flags: 'wx' }));
  const header = await wrapHeader(fileKey, [identity.recipient]);
  const custom: ReleaseCustom = {
    name: 'bench-image',
    version: '1.0.0',
    securityVersion: 1,
    hardware: ['bench-board'],
    installType: 'image',
    plaintext: { length: bytes, sha256: plainHash.digest('hex') },
    encryption: { format: 'age-v1', chunkSize: 65536 },
  };
  const sha256 = cipher.hash.digest('hex');
  if (cipher.bytes !== statSync(payloadFile).size) throw new Error(`payload file is ${statSync(payloadFile).size} bytes, encrypted ${cipher.bytes}`);
  return {
    targetPath: 'bench-image-1.0.0.age',
    length: cipher.bytes,
    sha256,
    custom,
    headerBase64: header.toString('base64'),
    identity: identity.toString(),
    fileKeyHex: fileKey.toString('hex'),
  };
}

/** The SignedRelease that resolveRelease() would return for this target (no TUF repository needed). */
export function signedRelease(spec: ReleaseSpec): SignedRelease {
  const target = buildReleaseTarget({ length: spec.length, sha256: spec.sha256, custom: spec.custom, path: spec.targetPath });
  return { targetPath: spec.targetPath, target, custom: spec.custom, length: target.length, sha256: spec.sha256 };
}

/**
 * A plain node:http server for one file on 127.0.0.1 (an ephemeral port): GET with Content-Length
 * and a strong ETag, and single `Range: bytes=N-` requests (206), which is what downloadResumable
 * sends on a resume. It runs in a process of its own (agent-child.ts `serve`), so that neither its
 * CPU time nor its memory is counted for the agent.
 */
export async function serveFile(file: string): Promise<{ server: Server; url: string }> {
  const size = statSync(file).size;
  const etag = `"${size.toString(16)}-${statSync(file).mtimeMs.toString(16)}"`;
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (range && (ifRange === undefined || ifRange === etag)) start = Math.min(Number(range[1]), size);
    const headers = { 'content-type': 'application/octet-stream', 'content-length': String(size - start), etag, 'accept-ranges': 'bytes' };
    if (start > 0) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${size - 1}/${size}` });
    else res.writeHead(200, headers);
    if (req.method === 'HEAD' || start === size) {
      res.end();
      return;
    }
    createReadStream(file, { start, highWaterMark: 1024 * 1024 })
      .on('error', () => res.destroy())
      .pipe(res);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/${encodeURIComponent('payload.age')}` };
}

export interface PipelineResult {
  /** The slot's digest: the plaintext. */
  sha256: string;
  bytes: number;
}

/**
 * What is measured: the agent's step for one artifact (agent.ts `downloading`), with the agent's
 * own function and options, checkpoints every 16 MiB included: streamInstall() from the server
 * over HTTP into an A/B FileSlot, the device's header unwrapped with its identity; the payload is
 * checked against the signed target and the plaintext against the signed final hash before the
 * slot's head is written.
 */
export async function agentPipeline(url: string, workDir: string, spec: ReleaseSpec): Promise<PipelineResult> {
  const release = signedRelease(spec);
  const header = Buffer.from(spec.headerBase64, 'base64');
  const identity = new X25519Identity(spec.identity);
  const slot = new FileSlot('b', join(workDir, 'slot-b.img'));
  // As the agent does by default: a checkpoint (fsync + an atomic record) every 16 MiB.
  const checkpointFile = join(workDir, 'stream.json');
  const result = await streamInstall(url, {
    release,
    slot,
    header,
    identity,
    requireEncryption: true,
    checkpoint: { every: 16 << 20, save: (cp) => writeFileAtomic(checkpointFile, JSON.stringify(cp), { mode: 0o600 }) },
  });
  if (result.slot.sha256 !== release.custom.plaintext.sha256)
    throw new Error(`the slot holds ${result.slot.sha256}, expected ${release.custom.plaintext.sha256}`);
  return { sha256: result.slot.sha256, bytes: result.slot.length };
}
