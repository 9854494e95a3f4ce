/**
 * Security suite — Payload and Transport. Each test is one attack on the bytes a device streams
 * into its inactive slot (the agent's `streamInstall`, the real file slots and simulated
 * bootloader): the install is refused with its specific code, the active slot a is byte for byte
 * what it was and still the one the bootloader boots, no trial boot is pending, and slot b never
 * verifies as the release, so nothing half-written can be activated.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGE_CHUNK_SIZE, buildReleaseTarget, CHUNK_SIZE, generateFileKey, StreamSealer, wrapHeader, X25519Identity, type ReleaseCustom } from '@osprey/core';
import { tempDirForFile } from '../../../../testkit/temp-dir.js';
import { closeServer, listenOnLoopback } from '../../../../testkit/http.js';
import { SimulatedBootloader } from '../../src/bootloader/simulated.js';
import { failureCode } from '../../src/errors.js';
import { streamInstall, type StreamInstallOptions } from '../../src/install/streaming.js';
import { FileSlot } from '../../src/slots/image-slot.js';
import type { SignedRelease } from '../../src/verify/tuf.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const FACTORY = randomBytes(3 * CHUNK_SIZE);
const IMAGE = randomBytes(5 * CHUNK_SIZE + 1234);
const fileKey = generateFileKey();
const sealer = new StreamSealer(fileKey);
const PAYLOAD = Buffer.concat([sealer.nonce, ...sealer.push(IMAGE), sealer.finish()]);
/** Where ciphertext chunk `i` starts: after the 16-byte nonce, chunks of 64 KiB plus a 16-byte tag. */
const chunkAt = (i: number) => 16 + i * (CHUNK_SIZE + 16);
const device = X25519Identity.generate();

/** The signed release; an attack on the payload signs the attacker's bytes (the AEAD is the line that holds). */
function release(payload: Buffer = PAYLOAD, overrides: { plaintextSha256?: string } = {}): SignedRelease {
  const custom = {
    name: 'gw-os',
    version: '2.0.0',
    securityVersion: 1,
    hardware: ['board-a'],
    installType: 'image',
    plaintext: { length: IMAGE.length, sha256: overrides.plaintextSha256 ?? sha256(IMAGE) },
    encryption: { format: 'age-v1', chunkSize: AGE_CHUNK_SIZE },
  } as ReleaseCustom;
  const target = buildReleaseTarget({ length: payload.length, sha256: sha256(payload), custom, path: 'gw-os-2.0.0.age' });
  return { targetPath: 'gw-os-2.0.0.age', target, custom, length: payload.length, sha256: sha256(payload) };
}

/** How the payload server answers. */
interface Behaviour {
  body?: Buffer;
  status?: number;
  /** Bytes after the body, Content-Length included (a longer answer than signed). */
  extraBytes?: number;
  /** No Content-Length: the body, then bytes forever. */
  endless?: boolean;
  /** Send the first `n` bytes, then close the connection on every request. */
  cutAfter?: number;
  /** Send one byte, then nothing. */
  drip?: boolean;
}

const dir = tempDirForFile('osprey-security-payload-');
let server: Server;
let url = '';
let behaviour: Behaviour = {};
let requests = 0;
let devices = 0;
let header: Buffer;
let foreignHeader: Buffer;

beforeAll(async () => {
  header = await wrapHeader(fileKey, [device.recipient]);
  foreignHeader = await wrapHeader(fileKey, [X25519Identity.generate().recipient]);
  server = createServer((req, res) => {
    requests++;
    const body = behaviour.body ?? PAYLOAD;
    if (behaviour.status) return void res.writeHead(behaviour.status).end('nope');
    if (behaviour.endless) {
      res.writeHead(200);
      res.write(body);
      const pump = () => {
        while (!res.destroyed && res.write(Buffer.alloc(CHUNK_SIZE)));
        if (!res.destroyed) res.once('drain', pump);
      };
      return pump();
    }
    if (behaviour.drip) {
      res.writeHead(200, { 'content-length': String(body.length) });
      res.write(body.subarray(0, 1));
      return;
    }
    const bytes = Buffer.concat([body, Buffer.alloc(behaviour.extraBytes ?? 0)]);
    res.writeHead(200, { 'content-length': String(bytes.length), etag: '"v1"', 'accept-ranges': 'bytes' });
    if (behaviour.cutAfter !== undefined) return void res.write(bytes.subarray(0, behaviour.cutAfter), () => res.destroy());
    res.end(bytes);
  });
  url = `${await listenOnLoopback(server)}/payload`;
});
afterAll(async () => {
  server.closeAllConnections();
  await closeServer(server);
});

/** A device running the factory image from slot a, committed. */
async function newDevice() {
  const at = join(dir, `device-${++devices}`);
  const bootloader = new SimulatedBootloader(`${at}.bootenv`, { initialSlot: 'a' });
  const a = new FileSlot('a', `${at}.slot-a.img`);
  await a.write(
    (async function* () {
      yield FACTORY;
    })(),
    { length: FACTORY.length, sha256: sha256(FACTORY) },
  );
  return { bootloader, a, b: new FileSlot('b', `${at}.slot-b.img`), slotA: `${at}.slot-a.img` };
}

/**
 * Runs the attack and asserts the refusal code and that the device is as it was: slot a holds the
 * factory image and is active, nothing pending, slot b does not verify as the release.
 */
async function expectRefused(code: string, b: Behaviour, options: Partial<StreamInstallOptions> = {}): Promise<void> {
  behaviour = b;
  requests = 0;
  const d = await newDevice();
  const before = await d.bootloader.status();
  const failure = await streamInstall(url, {
    release: release(),
    slot: d.b,
    header,
    identity: device,
    requireEncryption: true,
    retry: { baseMs: 1, maxMs: 2 },
    maxResumes: 1,
    ...options,
  }).catch((e: unknown) => e);
  expect(failureCode(failure)).toBe(code);
  expect(sha256(readFileSync(d.slotA))).toBe(sha256(FACTORY));
  await expect(d.a.verify({ length: FACTORY.length, sha256: sha256(FACTORY) })).resolves.not.toThrow();
  expect(await d.bootloader.status()).toEqual(before);
  expect(await d.bootloader.activeSlot()).toBe('a');
  expect(await d.bootloader.pendingTry()).toBeNull();
  await expect(d.b.verify({ length: IMAGE.length, sha256: sha256(IMAGE) })).rejects.toThrow();
}

describe('security: payload', () => {
  it('the control: the untouched payload installs into slot b and verifies', async () => {
    behaviour = {};
    const d = await newDevice();
    await streamInstall(url, { release: release(), slot: d.b, header, identity: device, requireEncryption: true });
    await d.b.verify({ length: IMAGE.length, sha256: sha256(IMAGE) });
  });

  it('tampered stream: one bit flipped in chunk 3 is refused (AGE_CHUNK_AUTH_FAILED)', async () => {
    const tampered = Buffer.from(PAYLOAD);
    tampered[chunkAt(3) + 9]! ^= 1;
    await expectRefused('AGE_CHUNK_AUTH_FAILED', { body: tampered }, { release: release(tampered) });
  });

  it('payload that is not the signed target: another valid stream under the same key fails the signed hash (TUF_TARGET_MISMATCH)', async () => {
    const other = new StreamSealer(fileKey);
    const substitute = Buffer.concat([other.nonce, ...other.push(randomBytes(IMAGE.length)), other.finish()]);
    expect(substitute.length).toBe(PAYLOAD.length);
    await expectRefused('TUF_TARGET_MISMATCH', { body: substitute });
  });

  it('reordered stream: chunks 1 and 2 swapped are refused (AGE_CHUNK_AUTH_FAILED)', async () => {
    const size = CHUNK_SIZE + 16;
    const reordered = Buffer.concat([
      PAYLOAD.subarray(0, chunkAt(1)),
      PAYLOAD.subarray(chunkAt(2), chunkAt(2) + size),
      PAYLOAD.subarray(chunkAt(1), chunkAt(1) + size),
      PAYLOAD.subarray(chunkAt(3)),
    ]);
    expect(reordered.length).toBe(PAYLOAD.length);
    await expectRefused('AGE_CHUNK_AUTH_FAILED', { body: reordered }, { release: release(reordered) });
  });

  it('truncated stream: the last chunk dropped (a full chunk is then last) is refused', async () => {
    const truncated = PAYLOAD.subarray(0, chunkAt(5));
    await expectRefused('AGE_CHUNK_AUTH_FAILED', { body: truncated }, { release: release(truncated) });
  });

  it('extended stream: a chunk appended after the final one is refused (the final chunk no longer ends the stream)', async () => {
    const extended = Buffer.concat([PAYLOAD, PAYLOAD.subarray(chunkAt(1), chunkAt(2))]);
    await expectRefused('AGE_CHUNK_AUTH_FAILED', { body: extended }, { release: release(extended) });
  });

  it("another device's header: the file key does not unwrap, nothing is downloaded (AGE_NO_MATCHING_KEY)", async () => {
    await expectRefused('AGE_NO_MATCHING_KEY', {}, { header: foreignHeader });
    expect(requests).toBe(0);
  });

  it('a device removed from the recipients: a header without it is refused before any request (AGE_NO_MATCHING_KEY)', async () => {
    const others = await wrapHeader(fileKey, [X25519Identity.generate().recipient, X25519Identity.generate().recipient]);
    await expectRefused('AGE_NO_MATCHING_KEY', {}, { header: others });
    expect(requests).toBe(0);
  });

  it('plaintext not matching the signed final hash is refused (RELEASE_PLAINTEXT_MISMATCH)', async () => {
    await expectRefused('RELEASE_PLAINTEXT_MISMATCH', {}, { release: release(PAYLOAD, { plaintextSha256: 'e'.repeat(64) }) });
  });
});

describe('security: transport', () => {
  it('oversized response: a Content-Length above the signed length is refused (AGENT_DOWNLOAD_TOO_LARGE)', async () => {
    await expectRefused('AGENT_DOWNLOAD_TOO_LARGE', { extraBytes: 1 });
  });

  it('endless response: a body that goes on past the signed length is stopped at it (AGENT_DOWNLOAD_TOO_LARGE)', async () => {
    await expectRefused('AGENT_DOWNLOAD_TOO_LARGE', { endless: true });
  });

  it('slow drip: a transfer below the minimum rate is aborted (AGENT_DOWNLOAD_STALLED)', async () => {
    await expectRefused('AGENT_DOWNLOAD_STALLED', { drip: true }, { stallTimeoutMs: 100, minBytesPerSecond: 1024 });
  });

  it('404 mid-update: the payload is gone', async () => {
    await expectRefused('AGENT_DOWNLOAD_HTTP', { status: 404 });
  });

  it('500 from the payload server', async () => {
    await expectRefused('AGENT_DOWNLOAD_HTTP', { status: 500 });
  });

  it('truncation mid-download on every attempt: refused once the resumes are spent', async () => {
    await expectRefused('AGENT_DOWNLOAD_INCOMPLETE', { cutAfter: chunkAt(2) + 10 });
  });
});
