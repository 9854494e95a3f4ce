/**
 * streamInstall + streamDownload against a local HTTP server that misbehaves on request: the good
 * path (URL and local file), continuations after a cut (Range, a server ignoring Range), a file that
 * changed, and every refusal leaving the slot invalid — a tampered chunk, a wrong signed payload or
 * plaintext hash, an oversized answer, another device's header (refused before any request), abort.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGE_CHUNK_SIZE, buildReleaseTarget, CHUNK_SIZE, generateFileKey, StreamSealer, wrapHeader, X25519Identity, type ReleaseCustom } from '@osprey/core';
import { tempDirForFile } from '../../../../testkit/temp-dir.js';
import { closeServer, listenOnLoopback } from '../../../../testkit/http.js';
import { sha256Hex as sha256 } from '../../../../testkit/hash.js';
import { CommandSlot } from '../slots/command-slot.js';
import { FileSlot } from '../slots/image-slot.js';
import { failureCode } from '../errors.js';
import type { Slot } from '../slots/types.js';
import type { SignedRelease } from '../verify/tuf.js';
import { streamInstall, type StreamCheckpoint } from './streaming.js';

const IMAGE = randomBytes(5 * CHUNK_SIZE + 1234);
const fileKey = generateFileKey();
const sealer = new StreamSealer(fileKey);
const PAYLOAD = Buffer.concat([sealer.nonce, ...sealer.push(IMAGE), sealer.finish()]);
const device = X25519Identity.generate();

function release(overrides: { plaintextSha256?: string; payloadSha256?: string } = {}): SignedRelease {
  const custom: ReleaseCustom = {
    name: 'gw-os',
    version: '2.0.0',
    securityVersion: 1,
    hardware: ['board-a'],
    installType: 'image',
    plaintext: { length: IMAGE.length, sha256: overrides.plaintextSha256 ?? sha256(IMAGE) },
    encryption: { format: 'age-v1', chunkSize: AGE_CHUNK_SIZE },
  } as ReleaseCustom;
  const payloadSha = overrides.payloadSha256 ?? sha256(PAYLOAD);
  const target = buildReleaseTarget({ length: PAYLOAD.length, sha256: payloadSha, custom, path: 'gw-os-2.0.0.age' });
  return { targetPath: 'gw-os-2.0.0.age', target, custom, length: PAYLOAD.length, sha256: payloadSha };
}

/** How the server answers the next request(s). */
interface Behaviour {
  body?: Buffer;
  /** Cut the connection after this many bytes of the first answer. */
  cutAfter?: number;
  ignoreRange?: boolean;
  /** ETag of answers after the first. */
  laterEtag?: string;
  extraBytes?: number;
  /** Milliseconds between 16 KiB pieces. */
  trickleMs?: number;
}

describe('streamInstall', () => {
  const dir = tempDirForFile('osprey-stream-');
  let server: Server;
  let url = '';
  let behaviour: Behaviour = {};
  let requests: Array<{ range: string | undefined }> = [];
  let header: Buffer;
  let foreignHeader: Buffer;
  let slots = 0;
  const slot = () => new FileSlot('b', join(dir, `slot-${++slots}.img`));
  const install = (s: Slot, r: SignedRelease = release(), extra: Partial<Parameters<typeof streamInstall>[1]> = {}) =>
    streamInstall(url, { release: r, slot: s, header, identity: device, requireEncryption: true, retry: { baseMs: 1, maxMs: 5 }, ...extra });

  beforeAll(async () => {
    header = await wrapHeader(fileKey, [device.recipient]);
    foreignHeader = await wrapHeader(fileKey, [X25519Identity.generate().recipient]);
    server = createServer((req, res) => {
      const index = requests.push({ range: req.headers.range }) - 1;
      const body = behaviour.body ?? PAYLOAD;
      const etag = index > 0 && behaviour.laterEtag ? behaviour.laterEtag : '"v1"';
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      let start = 0;
      if (range && !behaviour.ignoreRange && req.headers['if-range'] === etag) start = Number(range[1]);
      const extra = Buffer.alloc(behaviour.extraBytes ?? 0);
      const bytes = Buffer.concat([body.subarray(start), extra]);
      const headers = { 'content-length': String(bytes.length), etag, 'accept-ranges': 'bytes' };
      if (start > 0) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
      else res.writeHead(200, headers);
      const cut = index === 0 ? behaviour.cutAfter : undefined;
      if (cut !== undefined) {
        res.write(bytes.subarray(0, cut), () => res.destroy());
        return;
      }
      if (behaviour.trickleMs) {
        let at = 0;
        const next = () => {
          if (res.destroyed) return;
          if (at >= bytes.length) return void res.end();
          res.write(bytes.subarray(at, (at += 16384)));
          setTimeout(next, behaviour.trickleMs);
        };
        next();
        return;
      }
      res.end(bytes);
    });
    url = `${await listenOnLoopback(server)}/payload`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await closeServer(server);
  });
  const reset = (b: Behaviour = {}) => {
    behaviour = b;
    requests = [];
  };

  it('streams, decrypts and writes the signed image; the slot verifies', async () => {
    reset();
    const s = slot();
    const result = await install(s);
    expect(result).toMatchObject({ slot: { length: IMAGE.length, sha256: sha256(IMAGE) }, payloadSha256: sha256(PAYLOAD), resumes: 0 });
    await s.verify({ length: IMAGE.length, sha256: sha256(IMAGE) });
    expect(requests).toHaveLength(1);
  });

  it('from a local file (an offline bundle payload) too', async () => {
    const file = join(dir, 'payload.age');
    writeFileSync(file, PAYLOAD);
    const s = slot();
    await streamInstall({ file }, { release: release(), slot: s, header, identity: device });
    await s.verify({ length: IMAGE.length, sha256: sha256(IMAGE) });
  });

  it('continues a cut connection with Range and If-Range', async () => {
    reset({ cutAfter: 2 * CHUNK_SIZE + 100 });
    const s = slot();
    const result = await install(s);
    expect(result.resumes).toBe(1);
    expect(requests[1]!.range).toMatch(/^bytes=\d+-$/);
    await s.verify({ length: IMAGE.length, sha256: sha256(IMAGE) });
  });

  it('a server that ignores Range on the continuation: the repeated prefix is skipped', async () => {
    reset({ cutAfter: 3 * CHUNK_SIZE + 7, ignoreRange: true });
    const s = slot();
    expect((await install(s)).resumes).toBe(1);
    await s.verify({ length: IMAGE.length, sha256: sha256(IMAGE) });
  });

  it('a file that changed on the server cannot be continued: AGENT_DOWNLOAD_RESTART; the slot stays invalid', async () => {
    reset({ cutAfter: CHUNK_SIZE, laterEtag: '"v2"' });
    const s = slot();
    expect(failureCode(await install(s).catch((e: unknown) => e))).toBe('AGENT_DOWNLOAD_RESTART');
    await expect(s.verify({ length: IMAGE.length, sha256: sha256(IMAGE) })).rejects.toThrow();
  });

  it('a tampered chunk: AGE_CHUNK_AUTH_FAILED, and the slot never verifies', async () => {
    const tampered = Buffer.from(PAYLOAD);
    tampered[16 + 3 * (CHUNK_SIZE + 16) + 9]! ^= 1;
    reset({ body: tampered });
    const s = slot();
    expect(failureCode(await install(s, release({ payloadSha256: sha256(tampered) })).catch((e: unknown) => e))).toBe('AGE_CHUNK_AUTH_FAILED');
    await expect(s.verify({ length: IMAGE.length, sha256: sha256(IMAGE) })).rejects.toThrow();
  });

  it('a payload that is not the signed target: TUF_TARGET_MISMATCH before the head is written', async () => {
    reset();
    const s = slot();
    expect(failureCode(await install(s, release({ payloadSha256: 'f'.repeat(64) })).catch((e: unknown) => e))).toBe('TUF_TARGET_MISMATCH');
    await expect(s.verify({ length: IMAGE.length, sha256: sha256(IMAGE) })).rejects.toThrow();
  });

  it('a plaintext that is not the signed image: RELEASE_PLAINTEXT_MISMATCH before the head is written', async () => {
    reset();
    const s = slot();
    expect(failureCode(await install(s, release({ plaintextSha256: 'e'.repeat(64) })).catch((e: unknown) => e))).toBe('RELEASE_PLAINTEXT_MISMATCH');
    await expect(s.verify({ length: IMAGE.length, sha256: sha256(IMAGE) })).rejects.toThrow();
  });

  it('an answer longer than the signed length is refused before a byte is read', async () => {
    reset({ extraBytes: 1 });
    const s = slot();
    expect(failureCode(await install(s).catch((e: unknown) => e))).toBe('AGENT_DOWNLOAD_TOO_LARGE');
  });

  it("another device's header is refused before any request (nothing downloaded)", async () => {
    reset();
    const s = slot();
    expect(failureCode(await install(s, release(), { header: foreignHeader }).catch((e: unknown) => e))).toBe('AGE_NO_MATCHING_KEY');
    expect(requests).toHaveLength(0);
  });

  it('an abort mid-stream ends it with AGENT_DOWNLOAD_ABORTED; the slot stays invalid', async () => {
    reset({ trickleMs: 5 });
    const s = slot();
    const abort = new AbortController();
    const failed = install(s, release(), { signal: abort.signal, onProgress: (n) => n > CHUNK_SIZE && abort.abort() }).catch((e: unknown) => e);
    expect(failureCode(await failed)).toBe('AGENT_DOWNLOAD_ABORTED');
    await expect(s.verify({ length: IMAGE.length, sha256: sha256(IMAGE) })).rejects.toThrow();
  });
  it('a slot that cannot be written (here: an update handler that fails) is AGENT_SLOT_WRITE_FAILED with its reason', async () => {
    reset();
    const handler = new CommandSlot('b', join(dir, 'handled.img'), { command: ['sh', '-c', 'echo "eMMC write error" >&2; exit 5', 'handler'] });
    const error = await install(handler).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(failureCode(error)).toBe('AGENT_SLOT_WRITE_FAILED');
    expect(error?.message).toMatch(/exited with 5: eMMC write error/);
  });
  it('continues after a restart from its last checkpoint (Range from that chunk); a prefix that does not verify starts over', async () => {
    reset();
    const s = slot();
    let saved: StreamCheckpoint | undefined;
    const crash = new Error('power cut');
    const first = await install(s, release(), {
      checkpoint: { every: CHUNK_SIZE, save: (cp) => (saved = cp) },
      onPlaintext: (n) => {
        if (n >= 3 * CHUNK_SIZE + 100) throw crash;
      },
    }).catch((e: unknown) => e);
    expect(first).toBe(crash);
    expect(saved).toMatchObject({ offset: 3 * CHUNK_SIZE });
    expect(saved!.nonce).toBe(PAYLOAD.subarray(0, 16).toString('hex'));

    reset();
    const result = await install(s, release(), { resume: saved! });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.range).toBe(`bytes=${16 + 3 * (CHUNK_SIZE + 16)}-`);
    expect(result.slot).toEqual({ length: IMAGE.length, sha256: sha256(IMAGE) });
    await s.verify({ length: IMAGE.length, sha256: sha256(IMAGE) });

    // The same checkpoint over a slot whose prefix was lost: the final hash fails, and it says to start over.
    const lost = slot();
    writeFileSync(lost.path, Buffer.alloc(3 * CHUNK_SIZE));
    reset();
    expect(failureCode(await install(lost, release(), { resume: saved! }).catch((e: unknown) => e))).toBe('AGENT_DOWNLOAD_RESTART');
    await expect(lost.verify({ length: IMAGE.length, sha256: sha256(IMAGE) })).rejects.toThrow();
  });
});
