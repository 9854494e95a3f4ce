/**
 * openBundle on bundles made with @osprey/core's writer, by hand with tar-stream (malformed ones)
 * and by GNU tar from files on disk: the good path through openRelease to the signed plaintext, and
 * a precise refusal for each way a bundle can be wrong — tampered payload or metadata, expired or
 * rolled-back metadata, another device's header, wrong hardware, downgrade, path traversal,
 * oversized, truncated, duplicate, missing or unannounced entries.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AGE_CHUNK_SIZE,
  buildReleaseTarget,
  buildRoot,
  buildSnapshot,
  buildTargets,
  buildTimestamp,
  CHUNK_SIZE,
  expiresAfter,
  generateFileKey,
  KeyObjectSigner,
  nextRoot,
  packBundle,
  serializeMetadata,
  signMetadata,
  StreamSealer,
  wrapHeader,
  X25519Identity,
  type BundleInput,
  type Signer,
} from '@osprey/core';
import type { TargetFile } from '@tufjs/models';
import { pack } from 'tar-stream';
import { hasCommand } from '../../../../testkit/tools.js';
import { settledFailureCode } from '../../../../testkit/errors.js';
import { tempDirForFile } from '../../../../testkit/temp-dir.js';
import { sha256Hex as sha256 } from '../../../../testkit/hash.js';
import { failureCode, failureOf } from '../errors.js';
import { openRelease } from '../verify/open.js';
import type { DeviceFacts } from '../verify/tuf.js';
import { openBundle, type OpenBundleOptions } from './index.js';

const work = tempDirForFile('osprey-agent-bundle-');

// --- a tenant's TUF repository (root v1 provisioned on devices, rotated to v2) ---------------------
const signer = () => new KeyObjectSigner(generateKeyPairSync('ed25519').privateKey);
const keys = { root: signer(), targets: signer(), snapshot: signer(), timestamp: signer() };
const roles = {
  root: { keys: [keys.root.key], threshold: 1 },
  targets: { keys: [keys.targets.key], threshold: 1 },
  snapshot: { keys: [keys.snapshot.key], threshold: 1 },
  timestamp: { keys: [keys.timestamp.key], threshold: 1 },
};
const root1 = buildRoot({ roles, expires: expiresAfter(new Date(), 365) });
await signMetadata(root1, [keys.root]);
const root2 = nextRoot(root1, { expires: expiresAfter(new Date(), 365) });
await signMetadata(root2, [keys.root]);
const ROOT1 = serializeMetadata(root1);
const ROOT2 = serializeMetadata(root2);

// --- one encrypted release, wrapped for two devices; an unencrypted one -----------------------------
const IMAGE = randomBytes(3 * CHUNK_SIZE + 777);
const fileKey = generateFileKey();
const sealer = new StreamSealer(fileKey);
const PAYLOAD = Buffer.concat([sealer.nonce, ...sealer.push(IMAGE), sealer.finish()]);
const device = X25519Identity.generate();
const stranger = X25519Identity.generate();
const HEADER = await wrapHeader(fileKey, [device.recipient]);
const STRANGER_HEADER = await wrapHeader(fileKey, [stranger.recipient]);
const PLAIN = randomBytes(5000);
const board: DeviceFacts = { hardware: 'board-a', securityVersion: 3 };

const custom = (version: string, securityVersion: number, encrypted: boolean, hardware = ['board-a', 'board-b']) => ({
  name: 'gw-os',
  version,
  securityVersion,
  hardware,
  installType: 'image',
  plaintext: encrypted ? { length: IMAGE.length, sha256: sha256(IMAGE) } : { length: PLAIN.length, sha256: sha256(PLAIN) },
  encryption: encrypted ? { format: 'age-v1', chunkSize: AGE_CHUNK_SIZE } : { format: 'none' },
});
const ENCRYPTED = 'gw-os-2.0.0.age';
const UNENCRYPTED = 'gw-os-2.0.1.img';
const OLD = 'gw-os-1.0.0.age';
const FOREIGN = 'gw-os-2.0.2.age';
const TARGETS: TargetFile[] = [
  buildReleaseTarget({ length: PAYLOAD.length, sha256: sha256(PAYLOAD), custom: custom('2.0.0', 5, true) }),
  buildReleaseTarget({ length: PLAIN.length, sha256: sha256(PLAIN), custom: custom('2.0.1', 5, false) }),
  buildReleaseTarget({ length: PAYLOAD.length, sha256: sha256(PAYLOAD), custom: custom('1.0.0', 2, true) }),
  buildReleaseTarget({ length: PAYLOAD.length, sha256: sha256(PAYLOAD), custom: custom('2.0.2', 5, true, ['board-z']) }),
];

/** The metadata files of repository state `version` (targets, snapshot and timestamp all at `version`). */
async function repository(
  version: number,
  options: { expires?: string; timestampExpires?: string; targetsSigner?: Signer } = {},
): Promise<Map<string, Buffer>> {
  const expires = options.expires ?? expiresAfter(new Date(), 7);
  const targets = buildTargets(version, expires, TARGETS);
  await signMetadata(targets, [options.targetsSigner ?? keys.targets]);
  const snapshot = buildSnapshot(version, expires, targets);
  await signMetadata(snapshot, [keys.snapshot]);
  const timestamp = buildTimestamp(version, options.timestampExpires ?? expires, snapshot);
  await signMetadata(timestamp, [keys.timestamp]);
  return new Map([
    ['2.root.json', ROOT2],
    ['timestamp.json', serializeMetadata(timestamp)],
    [`${version}.snapshot.json`, serializeMetadata(snapshot)],
    [`${version}.targets.json`, serializeMetadata(targets)],
  ]);
}
const CURRENT = await repository(2);

let files = 0;
const fresh = (name: string) => join(work, `${name}-${++files}`);

/** A device provisioned with root v1, and a work directory for it. */
function newDevice(facts: DeviceFacts = board): OpenBundleOptions {
  const dir = fresh('device');
  mkdirSync(join(dir, 'tuf'), { recursive: true });
  writeFileSync(join(dir, 'tuf', 'root.json'), ROOT1);
  return { metadataDir: join(dir, 'tuf'), workDir: join(dir, 'work'), device: facts };
}

async function* chunksOf(bytes: Buffer): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += 10_000) yield bytes.subarray(at, at + 10_000);
}

/** A bundle written by the real writer. */
async function bundle(options: { targetPath?: string; metadata?: Map<string, Buffer>; header?: Buffer | null; payload?: Buffer } = {}): Promise<string> {
  const payload = options.payload ?? PAYLOAD;
  const input: BundleInput = {
    targetPath: options.targetPath ?? ENCRYPTED,
    metadata: options.metadata ?? CURRENT,
    ...(options.header === null ? {} : { header: options.header ?? HEADER }),
    payload: { length: payload.length, source: chunksOf(payload) },
  };
  const parts: Buffer[] = [];
  for await (const chunk of packBundle(input)) parts.push(chunk as Buffer);
  const file = fresh('bundle.tar');
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

interface RawEntry {
  name: string;
  data?: Buffer | string;
  type?: 'file' | 'symlink' | 'directory';
  linkname?: string;
}

/** A tar made entry by entry, for bundles the writer would never produce. */
async function rawTar(entries: RawEntry[]): Promise<string> {
  const tar = pack();
  const parts: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of tar) parts.push(chunk as Buffer);
  })();
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    await new Promise<void>((resolve, reject) =>
      e.type && e.type !== 'file'
        ? tar.entry({ name: e.name, type: e.type, ...(e.linkname ? { linkname: e.linkname } : {}) }, (err) => (err ? reject(err) : resolve()))
        : tar.entry({ name: e.name, size: data.length }, data, (err) => (err ? reject(err) : resolve())),
    );
  }
  tar.finalize();
  await done;
  const file = fresh('raw.tar');
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

const manifest = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    format: 'osprey-bundle/1',
    targetPath: ENCRYPTED,
    metadata: ['metadata/2.root.json', 'metadata/timestamp.json', 'metadata/2.snapshot.json', 'metadata/2.targets.json'],
    header: true,
    payload: { length: PAYLOAD.length },
    ...over,
  });
const goodEntries = (): RawEntry[] => [
  { name: 'osprey-bundle.json', data: manifest() },
  ...[...CURRENT].map(([name, data]) => ({ name: `metadata/${name}`, data })),
  { name: 'header.age', data: HEADER },
  { name: 'payload', data: PAYLOAD },
];

const refusal = (promise: Promise<unknown>): Promise<string> => settledFailureCode(promise, failureCode);

/** Nothing of the payload may be left behind in the work directory after a refusal. */
function leftovers(options: OpenBundleOptions): string[] {
  return existsSync(options.workDir) ? readdirSync(options.workDir) : [];
}

async function decrypt(
  opened: { release: Parameters<typeof openRelease>[0]; header: Buffer | undefined; payloadFile: string },
  identity = device,
): Promise<Buffer> {
  const verified = await openRelease(opened.release, { payloadFile: opened.payloadFile, ...(opened.header ? { header: opened.header } : {}), identity });
  const parts: Buffer[] = [];
  for await (const chunk of verified) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('openBundle', () => {
  it('admits a bundle made for this device and openRelease decrypts it to the signed image', async () => {
    const options = newDevice();
    const opened = await openBundle(await bundle(), options);
    expect(opened.release).toMatchObject({ targetPath: ENCRYPTED, length: PAYLOAD.length, sha256: sha256(PAYLOAD), custom: { securityVersion: 5 } });
    expect(opened.header?.equals(HEADER)).toBe(true);
    expect(opened.payloadFile).toBe(join(options.workDir, ENCRYPTED));
    expect(readFileSync(opened.payloadFile).equals(PAYLOAD)).toBe(true);
    expect(leftovers(options)).toEqual([ENCRYPTED]);
    const image = await decrypt(opened);
    expect(sha256(image)).toBe(opened.release.custom.plaintext.sha256);
    expect(image.equals(IMAGE)).toBe(true);
    // tuf-js walked the root chain and kept the newest verified metadata, as after a network refresh.
    expect(readFileSync(join(options.metadataDir, 'root.json')).equals(ROOT2)).toBe(true);
    expect(readFileSync(join(options.metadataDir, 'timestamp.json')).equals(CURRENT.get('timestamp.json')!)).toBe(true);
  });

  it('installs an unencrypted release without a header; the same bundle twice is a reinstall', async () => {
    const options = newDevice();
    const file = await bundle({ targetPath: UNENCRYPTED, header: null, payload: PLAIN });
    const opened = await openBundle(file, options);
    expect(opened.header).toBeUndefined();
    expect((await decrypt(opened)).equals(PLAIN)).toBe(true);
    const again = await openBundle(file, options);
    expect(again.release.sha256).toBe(sha256(PLAIN));
  });

  it('refuses a tampered payload and leaves nothing behind', async () => {
    const options = newDevice();
    const tampered = Buffer.from(PAYLOAD);
    tampered[100]! ^= 1;
    expect(await refusal(openBundle(await bundle({ payload: tampered }), options))).toBe('TUF_TARGET_MISMATCH');
    expect(leftovers(options)).toEqual([]);
    // A payload of another length is refused before a byte is written.
    expect(await refusal(openBundle(await bundle({ payload: PAYLOAD.subarray(1) }), options))).toBe('TUF_TARGET_MISMATCH');
    expect(leftovers(options)).toEqual([]);
  });

  it('refuses targets metadata signed by a key that is not the targets key', async () => {
    const forged = await repository(3, { targetsSigner: keys.snapshot });
    const failure = failureOf(await openBundle(await bundle({ metadata: forged }), newDevice()).catch((e: unknown) => e));
    expect(failure.code).toBe('TUF_BAD_SIGNATURE');
    expect(failure.message).toMatch(/targets was signed by 0\/1 keys/);
  });

  it('refuses tampered targets metadata (it no longer matches the snapshot)', async () => {
    const metadata = new Map(CURRENT);
    const targets = JSON.parse(metadata.get('2.targets.json')!.toString());
    targets.signed.targets[ENCRYPTED].custom.securityVersion = 99;
    metadata.set('2.targets.json', Buffer.from(JSON.stringify(targets)));
    expect(await refusal(openBundle(await bundle({ metadata }), newDevice()))).toBe('TUF_INVALID_METADATA');
  });

  it('refuses an expired timestamp (freeze) and expired metadata behind a valid timestamp', async () => {
    expect(await refusal(openBundle(await bundle({ metadata: await repository(3, { timestampExpires: expiresAfter(new Date(), -1) }) }), newDevice()))).toBe(
      'TUF_EXPIRED',
    );
    const stale = await repository(3, { expires: expiresAfter(new Date(), -1), timestampExpires: expiresAfter(new Date(), 1) });
    expect(await refusal(openBundle(await bundle({ metadata: stale }), newDevice()))).toBe('TUF_EXPIRED');
  });

  it('refuses metadata older than what the device already trusts (rollback)', async () => {
    const options = newDevice();
    await openBundle(await bundle({ metadata: await repository(4) }), options);
    expect(await refusal(openBundle(await bundle({ metadata: CURRENT }), options))).toBe('TUF_VERSION_MISMATCH');
    expect(leftovers(options)).toEqual([ENCRYPTED]); // only the first, admitted payload
  });

  it("admits another device's bundle, but its header does not open with this device's key", async () => {
    const opened = await openBundle(await bundle({ header: STRANGER_HEADER }), newDevice());
    expect(await refusal(decrypt(opened))).toBe('AGE_NO_MATCHING_KEY');
    expect((await decrypt(opened, stranger)).equals(IMAGE)).toBe(true);
  });

  it('refuses wrong hardware, a lower security version and an unsigned target before writing the payload', async () => {
    const foreign = newDevice({ hardware: 'board-q', securityVersion: 3 });
    expect(await refusal(openBundle(await bundle(), foreign))).toBe('RELEASE_HARDWARE_MISMATCH');
    expect(leftovers(foreign)).toEqual([]);
    expect(await refusal(openBundle(await bundle({ targetPath: FOREIGN }), newDevice()))).toBe('RELEASE_HARDWARE_MISMATCH');
    const newer = newDevice({ hardware: 'board-a', securityVersion: 9 });
    expect(await refusal(openBundle(await bundle(), newer))).toBe('RELEASE_DOWNGRADE');
    expect(await refusal(openBundle(await bundle({ targetPath: OLD }), newDevice()))).toBe('RELEASE_DOWNGRADE');
    expect(leftovers(newer)).toEqual([]);
    expect(await refusal(openBundle(await bundle({ targetPath: 'gw-os-9.9.9.age' }), newDevice()))).toBe('TUF_TARGET_UNKNOWN');
  });

  it('refuses an encrypted release without a header', async () => {
    expect(await refusal(openBundle(await bundle({ header: null }), newDevice()))).toBe('AGENT_HEADER_MISSING');
  });

  it('says which metadata is missing instead of waiting for it', async () => {
    const metadata = new Map(CURRENT);
    metadata.delete('2.snapshot.json');
    const failure = failureOf(await openBundle(await bundle({ metadata }), newDevice()).catch((e: unknown) => e));
    expect(failure).toMatchObject({ code: 'AGENT_BUNDLE_INCOMPLETE', details: { missing: '2.snapshot.json' } });
    // A device provisioned with root v1 cannot trust timestamp etc. signed under a root it never saw;
    // here the keys did not change, so a bundle without 2.root.json still verifies.
    const noRoot = new Map(CURRENT);
    noRoot.delete('2.root.json');
    await openBundle(await bundle({ metadata: noRoot }), newDevice());
  });

  it('refuses path traversal, links, directories and unknown entries', async () => {
    const cases: RawEntry[][] = [
      [
        { name: 'osprey-bundle.json', data: manifest() },
        { name: '../../etc/cron.d/x', data: 'x' },
      ],
      [
        { name: 'osprey-bundle.json', data: manifest() },
        { name: 'metadata/../../x.json', data: 'x' },
      ],
      [
        { name: 'osprey-bundle.json', data: manifest() },
        { name: '/etc/passwd', data: 'x' },
      ],
      [
        { name: 'osprey-bundle.json', data: manifest() },
        { name: 'payload', type: 'symlink', linkname: '/dev/sda' },
      ],
      [
        { name: 'osprey-bundle.json', data: manifest() },
        { name: 'metadata', type: 'directory' },
      ],
      [
        { name: 'osprey-bundle.json', data: manifest() },
        { name: 'metadata/evil.json', data: '{}' },
      ],
    ];
    for (const entries of cases) {
      const failure = failureOf(await openBundle(await rawTar(entries), newDevice()).catch((e: unknown) => e));
      expect(failure.code, entries[1]!.name).toBe('AGENT_BUNDLE_INVALID');
    }
    const traversal = failureOf(await openBundle(await rawTar(cases[0]!), newDevice()).catch((e: unknown) => e));
    expect(traversal.message).toMatch(/path traversal/);
  });

  it('refuses an oversized metadata entry before reading it', async () => {
    const entries = goodEntries();
    entries[2] = { name: 'metadata/timestamp.json', data: Buffer.alloc(1024 * 1024 + 1, 0x20) };
    const failure = failureOf(await openBundle(await rawTar(entries), newDevice()).catch((e: unknown) => e));
    expect(failure).toMatchObject({ code: 'AGENT_BUNDLE_ENTRY_TOO_LARGE', details: { entry: 'metadata/timestamp.json', max: 1024 * 1024 } });
  });

  it('refuses a truncated copy, in the payload and between entries', async () => {
    const good = readFileSync(await bundle());
    const payloadStart = good.length - 1024 - Math.ceil(PAYLOAD.length / 512) * 512;
    for (const [cut, code] of [
      [payloadStart + 1000, 'AGENT_BUNDLE_TRUNCATED'],
      [payloadStart - 512, 'AGENT_BUNDLE_TRUNCATED'], // just before the payload's tar header
      [payloadStart - 300, 'AGENT_BUNDLE_TRUNCATED'], // inside the payload's tar header
      [700, 'AGENT_BUNDLE_TRUNCATED'],
    ] as const) {
      const file = fresh('cut.tar');
      writeFileSync(file, good);
      truncateSync(file, cut);
      const options = newDevice();
      expect(await refusal(openBundle(file, options)), `cut at ${cut}`).toBe(code);
      expect(leftovers(options)).toEqual([]);
    }
  });

  it('refuses duplicate entries and a manifest that disagrees with the entries', async () => {
    const cases: Array<[string, RawEntry[]]> = [];
    const duplicate = goodEntries();
    duplicate.splice(2, 0, duplicate[2]!);
    cases.push(['duplicate metadata', duplicate]);
    const twoPayloads = goodEntries();
    twoPayloads.push({ name: 'payload', data: PAYLOAD });
    cases.push(['duplicate payload', twoPayloads]);
    cases.push(['manifest not first', [goodEntries()[1]!, goodEntries()[0]!, ...goodEntries().slice(2)]]);
    cases.push(['payload length', [{ name: 'osprey-bundle.json', data: manifest({ payload: { length: 1 } }) }, ...goodEntries().slice(1)]]);
    cases.push(['unannounced header', [{ name: 'osprey-bundle.json', data: manifest({ header: false }) }, ...goodEntries().slice(1)]]);
    cases.push(['announced header missing', goodEntries().filter((e) => e.name !== 'header.age')]);
    cases.push(['listed metadata missing', goodEntries().filter((e) => e.name !== 'metadata/2.targets.json')]);
    cases.push(['unlisted metadata', [{ name: 'osprey-bundle.json', data: manifest({ metadata: ['metadata/timestamp.json'] }) }, ...goodEntries().slice(1)]]);
    cases.push(['entry after payload', [...goodEntries(), { name: 'metadata/3.root.json', data: '{}' }]]);
    cases.push(['unknown format', [{ name: 'osprey-bundle.json', data: manifest({ format: 'osprey-bundle/2' }) }, ...goodEntries().slice(1)]]);
    cases.push(['target path', [{ name: 'osprey-bundle.json', data: manifest({ targetPath: '../x.age' }) }, ...goodEntries().slice(1)]]);
    cases.push(['manifest not JSON', [{ name: 'osprey-bundle.json', data: 'format: 1' }, ...goodEntries().slice(1)]]);
    for (const [what, entries] of cases) {
      const options = newDevice();
      expect(await refusal(openBundle(await rawTar(entries), options)), what).toBe('AGENT_BUNDLE_INVALID');
      expect(leftovers(options), what).toEqual([]);
    }
    // The hand-made good bundle passes: the cases above differ from it in one point each.
    await openBundle(await rawTar(goodEntries()), newDevice());
  });

  it('refuses what is not a bundle, and a missing file', async () => {
    const junk = fresh('junk.bin');
    writeFileSync(junk, randomBytes(4096));
    expect(await refusal(openBundle(junk, newDevice()))).toBe('AGENT_BUNDLE_INVALID');
    const empty = fresh('empty.tar');
    writeFileSync(empty, Buffer.alloc(1024));
    expect(await refusal(openBundle(empty, newDevice()))).toBe('AGENT_BUNDLE_INVALID');
    expect(await refusal(openBundle(join(work, 'no-such.tar'), newDevice()))).toBe('AGENT_BUNDLE_IO');
    expect(await refusal(openBundle(work, newDevice()))).toBe('AGENT_BUNDLE_IO');
  });

  it.runIf(hasCommand('tar'))('reads bundles made by GNU tar from files on disk (gnu, ustar and pax formats)', async () => {
    const dir = fresh('gnu-src');
    const names: string[] = [];
    for (const entry of goodEntries()) {
      const path = join(dir, entry.name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, entry.data ?? '');
      names.push(entry.name);
    }
    for (const format of ['gnu', 'ustar', 'posix']) {
      const file = fresh(`gnu-${format}.tar`);
      execFileSync('tar', ['--create', `--format=${format}`, '--file', file, '-C', dir, ...names]);
      const options = newDevice();
      const opened = await openBundle(file, options);
      expect((await decrypt(opened)).equals(IMAGE), format).toBe(true);
    }
  });
});
