/**
 * `osprey bundle create`: an offline update bundle (`osprey-bundle/1`, see @osprey/core) for one
 * device, installed with `osprey-agent install <file>` from a USB stick or a service laptop.
 *
 * Where the pieces come from:
 *   metadata + payload   a repository directory (`--dir`, as `keys init` / `release pack` made it),
 *                        a copy of a repository's metadata (`--metadata-dir`, with `--payload`),
 *                        or a server's TUF repository (`--server URL --tenant T`, or a `--profile`)
 *   header               `--header FILE` (e.g. `release rewrap --out`, or a deployment's header), or
 *                        `--recipient age1…` with `--dir` (the repository's escrow key opens the file key)
 *
 * Nothing here is trusted by the device: it verifies the metadata from its own root. The CLI only
 * makes sure it does not write a bundle a device would refuse for a reason it can see (expired
 * metadata, unknown target, a payload that is not the signed one, a missing header).
 */
import { createReadStream, createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertTargetPath,
  BUNDLE_LIMITS,
  checkNotExpired,
  OspreyError,
  packBundle,
  parseHeader,
  parseMetadata,
  releaseCustomOf,
  unwrapHeader,
  wrapHeader,
  type AnyMetadata,
  type Recipient,
  type ReleaseCustom,
} from '@osprey/core';
import { writeFileAtomicFrom } from '@osprey/fs';
import type { TargetFile } from '@tufjs/models';
import type { CliEnvironment } from './config.js';
import { UsageError } from './errors.js';
import { KeyLoader, readKeyring } from './keyring.js';
import { ManagementClient, RemoteError, type Profile } from './remote.js';
import { headerPath } from './release.js';
import { repoPaths, targetFilePath } from './repo.js';

export interface BundleWriteInput {
  targetPath: string;
  /** TUF metadata by file name (`2.root.json`, `timestamp.json`, `7.snapshot.json`, `7.targets.json`). */
  metadata: ReadonlyMap<string, Uint8Array>;
  header?: Uint8Array;
  /** A file, or a stream of exactly `length` bytes. */
  payload: string | { length: number; source: AsyncIterable<Uint8Array> };
  /** Refuse (and write nothing) unless the payload has this length and SHA-256. */
  expect?: { length: number; sha256: string };
  mtime?: Date;
}

/** Write a bundle atomically: a temporary sibling, fsynced, renamed over `outFile`; nothing on failure. */
export async function writeBundle(input: BundleWriteInput, outFile: string): Promise<{ length: number; sha256: string }> {
  let payload: { length: number; source: AsyncIterable<Uint8Array> };
  if (typeof input.payload === 'string') {
    let length: number;
    try {
      length = statSync(input.payload).size;
    } catch {
      throw new UsageError(`cannot read the payload ${input.payload}`);
    }
    payload = { length, source: createReadStream(input.payload, { highWaterMark: 256 * 1024 }) };
  } else {
    payload = input.payload;
  }
  if (input.expect && input.expect.length !== payload.length) {
    throw new OspreyError('TUF_TARGET_MISMATCH', `the payload is ${payload.length} bytes; the signed target ${input.targetPath} is ${input.expect.length}`);
  }
  const hash = createHash('sha256');
  const source = payload.source;
  async function* hashed(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      hash.update(chunk);
      yield chunk;
    }
  }
  return writeFileAtomicFrom(outFile, async (temp) => {
    const tar = packBundle({
      targetPath: input.targetPath,
      metadata: input.metadata,
      ...(input.header ? { header: input.header } : {}),
      payload: { length: payload.length, source: hashed() },
      ...(input.mtime ? { mtime: input.mtime } : {}),
    });
    await pipeline(tar, createWriteStream(temp, { flags: 'wx' }));
    const sha256 = hash.digest('hex');
    if (input.expect && input.expect.sha256 !== sha256) {
      throw new OspreyError(
        'TUF_TARGET_MISMATCH',
        `the payload (sha256 ${sha256}) is not the signed target ${input.targetPath} (sha256 ${input.expect.sha256})`,
      );
    }
    return { length: payload.length, sha256 };
  });
}

// --- collecting a repository's metadata chain --------------------------------------------------------

/** Reads one metadata file by name; undefined when the repository has no such file. */
type MetadataReader = (name: string) => Promise<Buffer | undefined>;

export interface MetadataChain {
  /** By file name, as a client asks for them. */
  files: Map<string, Buffer>;
  target: TargetFile;
  custom: ReleaseCustom;
  /** When the bundle stops being installable: the earliest expiry of the metadata a device checks. */
  expires: string;
}

function parsed<T extends AnyMetadata>(parse: () => T, name: string): T {
  try {
    return parse();
  } catch (cause) {
    throw new OspreyError('TUF_INVALID_METADATA', `${name} is not valid TUF metadata: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Every root after 1 (a device skips those it knows), the timestamp, and the snapshot and targets
 * it names (consistent snapshots: `V.snapshot.json`, `V.targets.json`), as tuf-js will ask for them.
 */
export async function collectMetadata(read: MetadataReader, targetPath: string, now: Date, where = 'the repository'): Promise<MetadataChain> {
  assertTargetPath(targetPath);
  const files = new Map<string, Buffer>();
  let total = 0;
  const need = async (name: string): Promise<Buffer> => {
    const bytes = await read(name);
    if (!bytes) throw new UsageError(`${where} has no ${name}`);
    return bounded(name, bytes);
  };
  const bounded = (name: string, bytes: Buffer): Buffer => {
    if (bytes.byteLength > BUNDLE_LIMITS.maxMetadataBytes)
      throw new UsageError(`${name} is larger than a bundle may carry (${BUNDLE_LIMITS.maxMetadataBytes} bytes)`);
    total += bytes.byteLength;
    if (total > BUNDLE_LIMITS.maxTotalMetadataBytes)
      throw new UsageError(`the metadata is larger than a bundle may carry (${BUNDLE_LIMITS.maxTotalMetadataBytes} bytes)`);
    return bytes;
  };
  // Root 1 (what devices are provisioned with at the earliest) is read for the chain, not bundled.
  const rootOne = await need('1.root.json');
  let root = parsed(() => parseMetadata('root', rootOne), '1.root.json');
  for (let version = 2; version <= MAX_ROOT_VERSIONS; version++) {
    const name = `${version}.root.json`;
    const found = await read(name);
    if (!found) break;
    const bytes = bounded(name, found);
    root = parsed(() => parseMetadata('root', bytes), name);
    if (root.signed.version !== version) throw new OspreyError('TUF_INVALID_METADATA', `${name} says it is root version ${root.signed.version}`);
    files.set(name, bytes);
  }
  const consistent = root.signed.consistentSnapshot;
  const timestampBytes = await need('timestamp.json');
  const timestamp = parsed(() => parseMetadata('timestamp', timestampBytes), 'timestamp.json');
  files.set('timestamp.json', timestampBytes);
  const snapshotName = consistent ? `${timestamp.signed.snapshotMeta.version}.snapshot.json` : 'snapshot.json';
  const snapshotBytes = await need(snapshotName);
  const snapshot = parsed(() => parseMetadata('snapshot', snapshotBytes), snapshotName);
  files.set(snapshotName, snapshotBytes);
  const targetsMeta = snapshot.signed.meta['targets.json'];
  if (!targetsMeta) throw new OspreyError('TUF_INVALID_METADATA', `${snapshotName} does not list targets.json`);
  const targetsName = consistent ? `${targetsMeta.version}.targets.json` : 'targets.json';
  const targetsBytes = await need(targetsName);
  const targets = parsed(() => parseMetadata('targets', targetsBytes), targetsName);
  files.set(targetsName, targetsBytes);
  for (const [role, md] of [
    ['root', root],
    ['timestamp', timestamp],
    ['snapshot', snapshot],
    ['targets', targets],
  ] as const)
    checkNotExpired(md, role, now);
  const target = targets.signed.targets[targetPath];
  if (!target)
    throw new OspreyError(
      'TUF_TARGET_UNKNOWN',
      `${targetPath} is not a target of ${targetsName} (targets: ${Object.keys(targets.signed.targets).slice(0, 10).join(', ') || 'none'})`,
    );
  const custom = releaseCustomOf(target);
  const expires = [root, timestamp, snapshot, targets].map((md) => md.signed.expires).sort()[0]!;
  return { files, target, custom, expires };
}

/** tuf-js's maxRootRotations: a client walks at most this many versions. */
const MAX_ROOT_VERSIONS = 257;

/** Metadata files of a repository directory (`public/metadata` of `keys init`, or any copy). */
export function directoryReader(dir: string): MetadataReader {
  if (!existsSync(dir)) throw new UsageError(`${dir} does not exist`);
  const names = new Set(readdirSync(dir));
  return async (name) => (names.has(name) ? readFileSync(join(dir, name)) : undefined);
}

/** A server's TUF repository: `<url>/<tenant>/tuf/metadata/<name>`; public, no credentials. */
export function serverReader(base: string): MetadataReader {
  return async (name) => {
    const url = `${base}/metadata/${name}`;
    let response: Response;
    try {
      response = await fetch(url);
    } catch (e) {
      throw new UsageError(`cannot reach ${url}: ${(e as Error).message}`);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new RemoteError(response.status, `GET ${url}: ${response.status} ${response.statusText}`);
    }
    return Buffer.from(await response.arrayBuffer());
  };
}

/** The signed target's bytes from a server (`<url>/<tenant>/tuf/targets/<sha256>.<path>`), streamed. */
async function serverPayload(base: string, target: TargetFile): Promise<{ length: number; source: AsyncIterable<Uint8Array> }> {
  const url = `${base}/targets/${target.hashes.sha256}.${target.path}`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new UsageError(`cannot reach ${url}: ${(e as Error).message}`);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    if (response.status === 404) {
      throw new UsageError(
        `the server does not serve ${target.path} under /tuf/targets (it serves encrypted targets only): give the image with --payload FILE`,
      );
    }
    throw new RemoteError(response.status, `GET ${url}: ${response.status} ${response.statusText}`);
  }
  return { length: target.length, source: Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>) };
}

/** A header for `recipients` from the repository's escrow stanza (as `release rewrap` does). */
async function rewrapFor(dir: string, targetPath: string, recipients: Recipient[], env: CliEnvironment): Promise<Buffer> {
  const keyring = readKeyring(dir);
  const file = headerPath(dir, targetPath);
  if (!existsSync(file)) throw new UsageError(`no header for ${targetPath} in ${dirname(file)}: is it an encrypted release of this repository?`);
  const loader = new KeyLoader(dir, env);
  try {
    const fileKey = await unwrapHeader(readFileSync(file), [loader.escrowIdentity(keyring)]);
    try {
      return await wrapHeader(fileKey, recipients);
    } finally {
      fileKey.fill(0);
    }
  } finally {
    loader.close();
  }
}

export interface BundleCreateOptions {
  targetPath: string;
  out: string;
  /** A repository directory (`keys init`): the escrow key for `recipients`; metadata and payload unless another source is given. */
  dir?: string;
  /** A directory holding a copy of a repository's metadata files. */
  metadataDir?: string;
  /** A server's repository: base URL and tenant, or a saved profile (the tenant is then the token's). */
  server?: { url: string; tenant?: string; profile?: Profile };
  /** The target's bytes (required with --metadata-dir; overrides the other sources). */
  payload?: string;
  /** The device's age header file. */
  header?: string;
  /** Or ask the server (with a profile) for the header of this target's registered key. */
  controllerId?: string;
  /** Or wrap a header for these recipients (needs `dir`). */
  recipients: Recipient[];
  now: Date;
}

export interface BundleSummary {
  bundle: string;
  targetPath: string;
  custom: ReleaseCustom;
  length: number;
  sha256: string;
  header: boolean;
  metadata: string[];
  /** After this instant a device refuses the bundle (TUF freeze protection): install it before. */
  expires: string;
}

export async function bundleCreate(options: BundleCreateOptions, env: CliEnvironment): Promise<BundleSummary> {
  // Metadata from --server or --metadata-dir, else from --dir (which also holds the escrow key for --recipient).
  if (options.server && options.metadataDir) throw new UsageError('give --server (or --profile) or --metadata-dir, not both');
  if (!options.server && !options.metadataDir && !options.dir) throw new UsageError('give --dir DIR, --metadata-dir DIR or --server URL (or --profile NAME)');
  if ([options.header !== undefined, options.recipients.length > 0, options.controllerId !== undefined].filter(Boolean).length > 1) {
    throw new UsageError('give one of --header FILE, --recipient or --controller-id');
  }
  if (options.controllerId && !options.server?.profile)
    throw new UsageError("--controller-id needs --profile (an API token to ask the server for the device's header)");
  let read: MetadataReader;
  let serverBase: string | undefined;
  if (options.metadataDir) {
    if (!options.payload) throw new UsageError("--metadata-dir needs --payload FILE (the target's bytes)");
    read = directoryReader(options.metadataDir);
  } else if (!options.server) {
    read = directoryReader(repoPaths(options.dir!).metadata);
  } else {
    const server = options.server;
    let tenant = server.tenant;
    if (!tenant) {
      if (!server.profile) throw new UsageError('--server needs --tenant NAME');
      tenant = (await ManagementClient.fromProfile(server.profile).call<{ tenant: string }>('GET', '/userinfo')).tenant;
    }
    serverBase = `${server.url.replace(/\/$/, '')}/${encodeURIComponent(tenant)}/tuf`;
    read = serverReader(serverBase);
  }
  const chain = await collectMetadata(
    read,
    options.targetPath,
    options.now,
    serverBase ? `${serverBase}/metadata` : (options.metadataDir ?? repoPaths(options.dir!).metadata),
  );
  const encrypted = chain.custom.encryption.format !== 'none';

  let header: Buffer | undefined;
  if (options.header) {
    try {
      header = readFileSync(options.header);
    } catch {
      throw new UsageError(`cannot read the header ${options.header}`);
    }
    parseHeader(header); // an age header, not some other file
  } else if (options.controllerId && encrypted) {
    // The server wraps the file key for the device's registered key, as for a deployment.
    const path = `/targets/${encodeURIComponent(options.controllerId)}/ageheader?tufTarget=${encodeURIComponent(options.targetPath)}`;
    header = await ManagementClient.fromProfile(options.server!.profile!).bytes(path);
    parseHeader(header);
  } else if (options.recipients.length > 0) {
    if (!options.dir) throw new UsageError('--recipient needs --dir (the repository whose escrow key opens the release); otherwise give --header FILE');
    if (encrypted) header = await rewrapFor(options.dir, options.targetPath, options.recipients, env);
  }
  if (encrypted && !header)
    throw new UsageError(`${options.targetPath} is encrypted: give the device's --header FILE, --controller-id with --profile, or --recipient with --dir`);
  if (!encrypted && header) throw new UsageError(`${options.targetPath} is not encrypted: a bundle for it carries no header`);

  let payload: BundleWriteInput['payload'];
  if (options.payload) payload = options.payload;
  else if (serverBase) payload = await serverPayload(serverBase, chain.target);
  else payload = targetFilePath(options.dir!, chain.target);
  if (typeof payload === 'string' && !existsSync(payload)) throw new UsageError(`the payload ${payload} does not exist`);

  const written = await writeBundle(
    {
      targetPath: options.targetPath,
      metadata: chain.files,
      ...(header ? { header } : {}),
      payload,
      expect: { length: chain.target.length, sha256: chain.target.hashes.sha256! },
    },
    options.out,
  );
  return {
    bundle: options.out,
    targetPath: options.targetPath,
    custom: chain.custom,
    length: written.length,
    sha256: written.sha256,
    header: header !== undefined,
    metadata: [...chain.files.keys()],
    expires: chain.expires,
  };
}
