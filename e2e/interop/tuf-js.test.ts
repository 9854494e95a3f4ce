/**
 * Interoperability: TUF repositories built by @osprey/core (root, targets, snapshot, timestamp with
 * Ed25519 and ECDSA P-256 keys, consistent snapshots, release `custom` data) are accepted by
 * tuf-js's Updater — a TUF client nobody on this team wrote — over real HTTP on 127.0.0.1, and
 * broken ones are refused. Where Osprey has a pure check for the same fault, it must agree.
 *
 * The server serves, as `osprey` (packages/cli/src/repo.ts) lays a repository out:
 *   /metadata/N.root.json, /metadata/V.targets.json, /metadata/V.snapshot.json, /metadata/timestamp.json
 *   /targets/<sha256>.<target path>
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildReleaseTarget,
  buildRoot,
  buildSnapshot,
  buildTargets,
  buildTimestamp,
  checkNotExpired,
  DEFAULT_EXPIRY_DAYS,
  expiresAfter,
  isOspreyError,
  KeyObjectSigner,
  nextRoot,
  parseMetadata,
  releaseCustomOf,
  serializeMetadata,
  signMetadata,
  verifyRole,
  verifyRootRotation,
  type AnyMetadata,
  type ErrorCode,
  type ReleaseCustom,
  type RoleKeys,
  type Signer,
  type TopLevelRole,
} from '@osprey/core';
import { MetaFile, Signature, type Metadata, type Root, type Snapshot, type TargetFile, type Targets, type Timestamp } from '@tufjs/models';
import { Updater } from 'tuf-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

type Scheme = 'ed25519' | 'ecdsa';

function newSigner(scheme: Scheme): KeyObjectSigner {
  const { privateKey } = scheme === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return new KeyObjectSigner(privateKey);
}

function roleKeys(signers: readonly Signer[], threshold = 1): RoleKeys {
  return { keys: signers.map((s) => s.key), threshold };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function signed<T extends AnyMetadata>(metadata: T, signers: readonly Signer[]): Promise<T> {
  await signMetadata(metadata, signers);
  return metadata;
}

/** A fixed, non-trivial payload (more than one 64 KiB chunk) standing in for an age file. */
function payloadBytes(): Buffer {
  const bytes = Buffer.alloc(70_001);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

interface Repo {
  now: Date;
  /** The current keys of each role (root: the keys of the newest root). */
  signers: Record<TopLevelRole, KeyObjectSigner[]>;
  /** Every published root, oldest first; roots[0] is the client's trusted root. */
  roots: Metadata<Root>[];
  payload: Buffer;
  custom: ReleaseCustom;
  target: TargetFile;
  targets: Metadata<Targets>;
  snapshot: Metadata<Snapshot>;
  timestamp: Metadata<Timestamp>;
}

interface RepoOptions {
  /** One targets key per entry (default: one ECDSA P-256 key). */
  targetsKeys?: Scheme[];
  targetsThreshold?: number;
}

type ChainRole = 'targets' | 'snapshot' | 'timestamp';
const DEFAULT_EXPIRES = (now: Date, role: TopLevelRole) => expiresAfter(now, DEFAULT_EXPIRY_DAYS[role]);

/**
 * A good repository: root v1 (Ed25519 root and snapshot keys, ECDSA P-256 timestamp key, targets
 * keys as asked), targets v1 holding one release target, snapshot v1 and timestamp v1. Not yet
 * served: call publish().
 */
async function goodRepo(options: RepoOptions = {}): Promise<Repo> {
  const now = new Date();
  const signers: Record<TopLevelRole, KeyObjectSigner[]> = {
    root: [newSigner('ed25519')],
    targets: (options.targetsKeys ?? ['ecdsa']).map(newSigner),
    snapshot: [newSigner('ed25519')],
    timestamp: [newSigner('ecdsa')],
  };
  const root = buildRoot({
    roles: {
      root: roleKeys(signers.root),
      targets: roleKeys(signers.targets, options.targetsThreshold ?? 1),
      snapshot: roleKeys(signers.snapshot),
      timestamp: roleKeys(signers.timestamp),
    },
    expires: DEFAULT_EXPIRES(now, 'root'),
  });
  await signMetadata(root, signers.root);
  const payload = payloadBytes();
  const custom: ReleaseCustom = {
    name: 'gateway-os',
    version: '2.4.1',
    securityVersion: 7,
    hardware: ['board-a', 'board-b'],
    installType: 'image',
    plaintext: { length: 69_937, sha256: sha256Hex(Buffer.from('the image before encryption')) },
    encryption: { format: 'age-v1', chunkSize: 65536 },
  };
  const target = buildReleaseTarget({ length: payload.length, sha256: sha256Hex(payload), custom });
  const targets = await signed(buildTargets(1, DEFAULT_EXPIRES(now, 'targets'), [target]), signers.targets);
  const snapshot = await signed(buildSnapshot(1, DEFAULT_EXPIRES(now, 'snapshot'), targets), signers.snapshot);
  const timestamp = await signed(buildTimestamp(1, DEFAULT_EXPIRES(now, 'timestamp'), snapshot), signers.timestamp);
  return { now, signers, roots: [root], payload, custom, target, targets, snapshot, timestamp };
}

/**
 * Rebuild and re-sign `from` and every role after it in the chain targets → snapshot → timestamp
 * (same versions, current keys), so that a change to an earlier role is consistently referenced.
 */
async function rebuild(repo: Repo, from: ChainRole, expires: Partial<Record<ChainRole, string>> = {}): Promise<void> {
  const order: ChainRole[] = ['targets', 'snapshot', 'timestamp'];
  for (const role of order.slice(order.indexOf(from))) {
    const exp = expires[role] ?? DEFAULT_EXPIRES(repo.now, role);
    if (role === 'targets') repo.targets = await signed(buildTargets(repo.targets.signed.version, exp, [repo.target]), repo.signers.targets);
    if (role === 'snapshot') repo.snapshot = await signed(buildSnapshot(repo.snapshot.signed.version, exp, repo.targets), repo.signers.snapshot);
    if (role === 'timestamp') repo.timestamp = await signed(buildTimestamp(repo.timestamp.signed.version, exp, repo.snapshot), repo.signers.timestamp);
  }
}

/** Point the snapshot at arbitrary targets bytes (version, length, hash), re-sign it and the timestamp. */
async function snapshotNaming(repo: Repo, targetsVersion: number, targetsBytes: Buffer): Promise<void> {
  const snapshot = buildSnapshot(repo.snapshot.signed.version, DEFAULT_EXPIRES(repo.now, 'snapshot'), repo.targets);
  snapshot.signed.meta['targets.json'] = new MetaFile({ version: targetsVersion, length: targetsBytes.length, hashes: { sha256: sha256Hex(targetsBytes) } });
  repo.snapshot = await signed(snapshot, repo.signers.snapshot);
  await rebuild(repo, 'timestamp');
}

function flipLastByte(hex: string): string {
  const bytes = Buffer.from(hex, 'hex');
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01;
  return bytes.toString('hex');
}

/** Run `fn` and require that it throws an OspreyError with `code`. */
function expectOspreyError(fn: () => unknown, code: ErrorCode): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, `expected an OspreyError ${code}`).toBeDefined();
  expect(isOspreyError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
}

/**
 * Require a rejection with a message matching `message`, thrown as tuf-js / @tufjs/models class
 * `className`. Those classes set no `name`, so the class is identified by its constructor name.
 */
async function expectRejects(promise: Promise<unknown>, className: string, message: RegExp): Promise<void> {
  await expect(promise).rejects.toThrow(message);
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect((error as Error).constructor.name).toBe(className);
}

describe('tuf-js accepts repositories built by @osprey/core (HTTP on 127.0.0.1)', () => {
  let server: Server;
  let baseUrl: string;
  /** URL path → bytes; anything else is a 404. */
  let files: Map<string, Buffer>;
  /** Paths requested, in order, with the status answered. */
  let requests: string[];
  let workDirs: string[];

  beforeEach(async () => {
    files = new Map();
    requests = [];
    workDirs = [];
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const body = req.method === 'GET' ? files.get(path) : undefined;
      requests.push(`${body ? 200 : 404} ${path}`);
      if (!body) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
  });

  const targetsUrl = (version: number) => `/metadata/${version}.targets.json`;
  const targetFileUrl = (target: TargetFile) => `/targets/${target.hashes.sha256}.${target.path}`;

  /** Serve the repository's current state, as the CLI lays it out (consistent snapshots). */
  function publish(repo: Repo): void {
    files.clear();
    for (const root of repo.roots) files.set(`/metadata/${root.signed.version}.root.json`, serializeMetadata(root));
    files.set('/metadata/root.json', serializeMetadata(repo.roots.at(-1)!));
    files.set(targetsUrl(repo.targets.signed.version), serializeMetadata(repo.targets));
    files.set(`/metadata/${repo.snapshot.signed.version}.snapshot.json`, serializeMetadata(repo.snapshot));
    files.set('/metadata/timestamp.json', serializeMetadata(repo.timestamp));
    files.set(targetFileUrl(repo.target), repo.payload);
  }

  function served(path: string): Buffer {
    const bytes = files.get(path);
    if (!bytes) throw new Error(`${path} is not served`);
    return bytes;
  }

  /** A fresh device: a metadata directory holding only the trusted root, and a target directory. */
  function client(repo: Repo): { updater: Updater; metadataDir: string; targetDir: string } {
    const work = mkdtempSync(join(tmpdir(), 'osprey-tufjs-'));
    workDirs.push(work);
    const metadataDir = join(work, 'metadata');
    const targetDir = join(work, 'targets');
    mkdirSync(metadataDir);
    mkdirSync(targetDir);
    writeFileSync(join(metadataDir, 'root.json'), serializeMetadata(repo.roots[0]!));
    const updater = new Updater({ metadataDir, targetDir, metadataBaseUrl: `${baseUrl}/metadata`, targetBaseUrl: `${baseUrl}/targets` });
    return { updater, metadataDir, targetDir };
  }

  function trustedRootVersion(metadataDir: string): number {
    return parseMetadata('root', readFileSync(join(metadataDir, 'root.json'))).signed.version;
  }

  /** Refresh, look the release up, download it, and check everything a device relies on. */
  async function expectUpdateWorks(repo: Repo, updater: Updater, targetDir: string): Promise<void> {
    await updater.refresh();
    const info = await updater.getTargetInfo(repo.target.path);
    expect(info).toBeDefined();
    expect(info!.length).toBe(repo.payload.length);
    expect(info!.hashes).toEqual({ sha256: sha256Hex(repo.payload) });
    expect(info!.custom).toEqual(repo.custom);
    expect(releaseCustomOf(info!)).toEqual(repo.custom);
    const file = await updater.downloadTarget(info!, join(targetDir, 'payload'));
    expect(file).toBe(join(targetDir, 'payload'));
    expect(readFileSync(file).equals(repo.payload)).toBe(true);
  }

  describe('accepts', () => {
    it.each<{ label: string; options: RepoOptions }>([
      { label: 'one ECDSA P-256 targets key', options: { targetsKeys: ['ecdsa'] } },
      { label: 'one Ed25519 targets key', options: { targetsKeys: ['ed25519'] } },
      { label: 'Ed25519 + ECDSA P-256 targets keys, threshold 2', options: { targetsKeys: ['ed25519', 'ecdsa'], targetsThreshold: 2 } },
    ])('a fresh repository ($label): refresh, release custom data round-trips, exact bytes downloaded', async ({ options }) => {
      const repo = await goodRepo(options);
      publish(repo);
      const { updater, targetDir } = client(repo);
      await expectUpdateWorks(repo, updater, targetDir);
      expect(await updater.getTargetInfo('gateway-os-9.9.9.age')).toBeUndefined();
      // The consistent-snapshot layout is what the client asked for (and 2.root.json ended the root walk).
      expect(requests).toEqual([
        '404 /metadata/2.root.json',
        '200 /metadata/timestamp.json',
        '200 /metadata/1.snapshot.json',
        '200 /metadata/1.targets.json',
        `200 ${targetFileUrl(repo.target)}`,
      ]);
    });

    it('a root rotation to new root keys (2 of 3), signed by the old and the new root keys', async () => {
      const repo = await goodRepo();
      const newRootKeys = [newSigner('ecdsa'), newSigner('ed25519'), newSigner('ecdsa')];
      const v2 = nextRoot(repo.roots[0]!, { roles: { root: roleKeys(newRootKeys, 2) }, expires: DEFAULT_EXPIRES(repo.now, 'root') });
      await signMetadata(v2, [...repo.signers.root, newRootKeys[0]!, newRootKeys[2]!]);
      verifyRootRotation(repo.roots[0]!, v2); // Osprey's own check agrees
      repo.roots.push(v2);
      repo.signers.root = newRootKeys;
      publish(repo);
      const { updater, metadataDir, targetDir } = client(repo);
      await expectUpdateWorks(repo, updater, targetDir);
      expect(trustedRootVersion(metadataDir)).toBe(2);
      expect(requests.slice(0, 2)).toEqual(['200 /metadata/2.root.json', '404 /metadata/3.root.json']);
    });

    it('a rotation of the timestamp key: root v2 lists a new timestamp key and the timestamp is re-signed with it', async () => {
      const repo = await goodRepo();
      const newTimestampKey = newSigner('ed25519');
      const v2 = nextRoot(repo.roots[0]!, { roles: { timestamp: roleKeys([newTimestampKey]) }, expires: DEFAULT_EXPIRES(repo.now, 'root') });
      await signMetadata(v2, repo.signers.root);
      verifyRootRotation(repo.roots[0]!, v2);
      repo.roots.push(v2);
      repo.signers.timestamp = [newTimestampKey];
      repo.timestamp = await signed(buildTimestamp(2, DEFAULT_EXPIRES(repo.now, 'timestamp'), repo.snapshot), repo.signers.timestamp);
      verifyRole(v2.signed, 'timestamp', repo.timestamp);
      publish(repo);
      const { updater, metadataDir, targetDir } = client(repo);
      await expectUpdateWorks(repo, updater, targetDir);
      expect(trustedRootVersion(metadataDir)).toBe(2);
      expect(parseMetadata('timestamp', readFileSync(join(metadataDir, 'timestamp.json'))).signed.version).toBe(2);
    });
  });

  describe('refuses', () => {
    it.each<Scheme>(['ecdsa', 'ed25519'])('a targets signature with one flipped byte (%s targets key)', async (scheme) => {
      const repo = await goodRepo({ targetsKeys: [scheme] });
      const keyID = repo.signers.targets[0]!.key.keyID;
      repo.targets.signatures[keyID] = new Signature({ keyID, sig: flipLastByte(repo.targets.signatures[keyID]!.sig) });
      // Snapshot and timestamp reference the tampered file, so only its signature is wrong.
      await rebuild(repo, 'snapshot');
      publish(repo);
      expectOspreyError(() => verifyRole(repo.roots[0]!.signed, 'targets', parseMetadata('targets', served(targetsUrl(1)))), 'TUF_BAD_SIGNATURE');
      await expectRejects(client(repo).updater.refresh(), 'RuntimeError', /Unable to load targets .*targets was signed by 0\/1 keys/);
    });

    it('targets signed by one key when the root asks for 2 of 2', async () => {
      const repo = await goodRepo({ targetsKeys: ['ed25519', 'ecdsa'], targetsThreshold: 2 });
      repo.targets = await signed(buildTargets(1, DEFAULT_EXPIRES(repo.now, 'targets'), [repo.target]), [repo.signers.targets[0]!]);
      await rebuild(repo, 'snapshot');
      publish(repo);
      expectOspreyError(() => verifyRole(repo.roots[0]!.signed, 'targets', parseMetadata('targets', served(targetsUrl(1)))), 'TUF_THRESHOLD_NOT_MET');
      await expectRejects(client(repo).updater.refresh(), 'RuntimeError', /Unable to load targets .*targets was signed by 1\/2 keys/);
    });

    it('one key signature listed twice in the signatures array (a key ID counts once)', async () => {
      const repo = await goodRepo({ targetsKeys: ['ed25519', 'ecdsa'], targetsThreshold: 2 });
      repo.targets = await signed(buildTargets(1, DEFAULT_EXPIRES(repo.now, 'targets'), [repo.target]), [repo.signers.targets[0]!]);
      const json = JSON.parse(serializeMetadata(repo.targets).toString('utf8')) as { signatures: unknown[] };
      const bytes = Buffer.from(JSON.stringify({ ...json, signatures: [...json.signatures, ...json.signatures] }, null, 1));
      await snapshotNaming(repo, 1, bytes);
      publish(repo);
      files.set(targetsUrl(1), bytes);
      // Osprey will not even parse it; the in-memory form cannot hold a key ID twice.
      expectOspreyError(() => parseMetadata('targets', bytes), 'TUF_INVALID_METADATA');
      await expectRejects(client(repo).updater.refresh(), 'RuntimeError', /Unable to load targets .*multiple signatures found for keyid/);
    });

    it("one key's signature also presented under the other targets key's ID", async () => {
      const repo = await goodRepo({ targetsKeys: ['ed25519', 'ecdsa'], targetsThreshold: 2 });
      const [first, second] = repo.signers.targets as [KeyObjectSigner, KeyObjectSigner];
      repo.targets = await signed(buildTargets(1, DEFAULT_EXPIRES(repo.now, 'targets'), [repo.target]), [first]);
      const sig = repo.targets.signatures[first.key.keyID]!.sig;
      repo.targets.signatures[second.key.keyID] = new Signature({ keyID: second.key.keyID, sig });
      await rebuild(repo, 'snapshot');
      publish(repo);
      expectOspreyError(() => verifyRole(repo.roots[0]!.signed, 'targets', parseMetadata('targets', served(targetsUrl(1)))), 'TUF_BAD_SIGNATURE');
      await expectRejects(client(repo).updater.refresh(), 'RuntimeError', /Unable to load targets .*targets was signed by 1\/2 keys/);
    });

    it('an expired timestamp (correctly signed)', async () => {
      const repo = await goodRepo();
      await rebuild(repo, 'timestamp', { timestamp: expiresAfter(repo.now, -1) });
      publish(repo);
      const timestamp = parseMetadata('timestamp', served('/metadata/timestamp.json'));
      verifyRole(repo.roots[0]!.signed, 'timestamp', timestamp); // only the expiry is wrong
      expectOspreyError(() => checkNotExpired(timestamp, 'timestamp', new Date()), 'TUF_EXPIRED');
      await expectRejects(client(repo).updater.refresh(), 'ExpiredMetadataError', /^Final timestamp\.json is expired$/);
    });

    it.each<{ role: 'snapshot' | 'targets'; className: string; message: RegExp }>([
      { role: 'snapshot', className: 'RuntimeError', message: /Unable to load snapshot metadata .*snapshot\.json is expired/ },
      { role: 'targets', className: 'RuntimeError', message: /Unable to load targets .*targets\.json is expired/ },
    ])('an expired $role (correctly signed and referenced)', async ({ role, className, message }) => {
      const repo = await goodRepo();
      await rebuild(repo, role, { [role]: expiresAfter(repo.now, -1) });
      publish(repo);
      const metadata = role === 'snapshot' ? parseMetadata('snapshot', served('/metadata/1.snapshot.json')) : parseMetadata('targets', served(targetsUrl(1)));
      verifyRole(repo.roots[0]!.signed, role, metadata);
      expectOspreyError(() => checkNotExpired(metadata, role, new Date()), 'TUF_EXPIRED');
      await expectRejects(client(repo).updater.refresh(), className, message);
    });

    it('a snapshot naming targets version 2 while 2.targets.json holds targets version 1', async () => {
      const repo = await goodRepo();
      const v1Bytes = serializeMetadata(repo.targets);
      // Length and hash are those of the served file: only the version disagrees.
      await snapshotNaming(repo, 2, v1Bytes);
      publish(repo);
      files.set(targetsUrl(2), v1Bytes);
      // Osprey core has no pure snapshot→targets check; the signatures themselves are all good.
      verifyRole(repo.roots[0]!.signed, 'targets', parseMetadata('targets', v1Bytes));
      verifyRole(repo.roots[0]!.signed, 'snapshot', parseMetadata('snapshot', served('/metadata/1.snapshot.json')));
      await expectRejects(client(repo).updater.refresh(), 'RuntimeError', /Unable to load targets .*Version 1 of targets does not match snapshot version 2/);
    });

    it('targets bytes that do not match the hash in the snapshot', async () => {
      // Ed25519 signatures have a fixed size, so v1 and v2 targets files have the same length and the hash decides.
      const repo = await goodRepo({ targetsKeys: ['ed25519'] });
      const v1Bytes = serializeMetadata(repo.targets);
      repo.targets = await signed(buildTargets(2, DEFAULT_EXPIRES(repo.now, 'targets'), [repo.target]), repo.signers.targets);
      await rebuild(repo, 'snapshot');
      publish(repo);
      expect(served(targetsUrl(2)).length).toBe(v1Bytes.length);
      files.set(targetsUrl(2), v1Bytes);
      await expectRejects(client(repo).updater.refresh(), 'RuntimeError', /Unable to load targets .*Expected hash [0-9a-f]{64} but got [0-9a-f]{64}/);
    });

    it.each<{ label: string; signedBy: 'new' | 'old'; message: RegExp }>([
      { label: 'only the new root keys', signedBy: 'new', message: /^root was signed by 0\/1 keys$/ },
      { label: 'only the old root key', signedBy: 'old', message: /^root was signed by 0\/2 keys$/ },
    ])('a root rotation signed by $label', async ({ signedBy, message }) => {
      const repo = await goodRepo();
      const newRootKeys = [newSigner('ecdsa'), newSigner('ed25519'), newSigner('ecdsa')];
      const v2 = nextRoot(repo.roots[0]!, { roles: { root: roleKeys(newRootKeys, 2) }, expires: DEFAULT_EXPIRES(repo.now, 'root') });
      await signMetadata(v2, signedBy === 'new' ? newRootKeys : repo.signers.root);
      expectOspreyError(() => verifyRootRotation(repo.roots[0]!, v2), 'TUF_ROOT_ROTATION_INVALID');
      repo.roots.push(v2);
      publish(repo);
      const { updater, metadataDir } = client(repo);
      await expectRejects(updater.refresh(), 'UnsignedMetadataError', message);
      expect(trustedRootVersion(metadataDir)).toBe(1);
    });

    it('a timestamp still signed by the old timestamp key after root v2 rotated it', async () => {
      const repo = await goodRepo();
      const v2 = nextRoot(repo.roots[0]!, { roles: { timestamp: roleKeys([newSigner('ed25519')]) }, expires: DEFAULT_EXPIRES(repo.now, 'root') });
      await signMetadata(v2, repo.signers.root);
      repo.roots.push(v2);
      await rebuild(repo, 'timestamp'); // signed by the old, now revoked, timestamp key
      publish(repo);
      expectOspreyError(() => verifyRole(v2.signed, 'timestamp', parseMetadata('timestamp', served('/metadata/timestamp.json'))), 'TUF_THRESHOLD_NOT_MET');
      await expectRejects(client(repo).updater.refresh(), 'UnsignedMetadataError', /^timestamp was signed by 0\/1 keys$/);
    });

    it.each<{ label: string; tamper: (payload: Buffer) => Buffer; className: string; message: RegExp }>([
      {
        label: 'one byte changed',
        tamper: (p) => {
          const t = Buffer.from(p);
          t[1000] = t[1000]! ^ 0xff;
          return t;
        },
        className: 'LengthOrHashMismatchError',
        message: /^Expected hash [0-9a-f]{64} but got [0-9a-f]{64}$/,
      },
      {
        label: 'truncated',
        tamper: (p) => p.subarray(0, p.length - 1),
        className: 'LengthOrHashMismatchError',
        message: /^Expected length 70001 but got 70000$/,
      },
      {
        label: 'one byte appended',
        tamper: (p) => Buffer.concat([p, Buffer.from([0])]),
        className: 'DownloadLengthMismatchError',
        message: /^Max length reached$/,
      },
    ])('a target whose served bytes differ from the signed hash ($label)', async ({ tamper, className, message }) => {
      const repo = await goodRepo();
      publish(repo);
      files.set(targetFileUrl(repo.target), tamper(repo.payload));
      const { updater, targetDir } = client(repo);
      await updater.refresh();
      const info = await updater.getTargetInfo(repo.target.path);
      expect(info).toBeDefined();
      await expectRejects(updater.downloadTarget(info!, join(targetDir, 'payload')), className, message);
      expect(existsSync(join(targetDir, 'payload'))).toBe(false);
    });
  });
});
