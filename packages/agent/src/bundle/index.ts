/**
 * Offline installs: read an `osprey-bundle/1` file (USB stick, service laptop) with the same
 * guarantees as an update over the network. Nothing in the bundle is trusted by itself:
 *
 *  1. the tar is parsed with strict limits: regular files only, known names only (no paths
 *     that could leave a directory), no duplicates, entry count and sizes bounded, the manifest
 *     first and in agreement with the entries, the payload last;
 *  2. when the payload entry is reached, tuf-js runs the whole client workflow from the device's
 *     metadata directory with a fetcher that serves the bundle's metadata (root chain, expiry,
 *     rollback and freeze checks; newer metadata is persisted as after a network refresh), then the
 *     release must fit this device (hardware, anti-rollback) — all before a byte of the payload is
 *     written;
 *  3. the payload is extracted to `<workDir>/<targetPath>` bounded by, and hashed against, the
 *     signed target (temporary file, renamed when complete; removed on any failure).
 *
 * The caller then opens the payload with openRelease() and the returned header, exactly as for a
 * download: the header unwraps with the device key only if the bundle was made for this device.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  assertTargetPath,
  BUNDLE_HEADER,
  BUNDLE_LIMITS,
  BUNDLE_MANIFEST,
  BUNDLE_METADATA_PREFIX,
  BUNDLE_PAYLOAD,
  bundleManifestSchema,
  metadataNameOf,
  OspreyError,
  type BundleLimits,
  type BundleManifest,
} from '@osprey/core';
import { writeFileAtomicFrom } from '@osprey/fs';
import { extract, type Header } from 'tar-stream';
import { BaseFetcher, type Config } from 'tuf-js';
import { AgentError } from '../errors.js';
import { resolveRelease, type DeviceFacts, type SignedRelease } from '../verify/tuf.js';

// tuf-js ends the root walk only on its own DownloadHTTPError with 404 (client workflow 5.3.3);
// the class is not re-exported from its index.
const require = createRequire(import.meta.url);
const { DownloadHTTPError } = require('tuf-js/dist/error') as { DownloadHTTPError: new (message: string, statusCode: number) => Error };

/** The base URL tuf-js is given; the bundle fetcher never goes to the network. */
const BUNDLE_METADATA_URL = 'http://osprey-bundle.invalid/metadata/';

export interface OpenBundleOptions {
  /** The device's TUF directory: the provisioned `root.json`, then the newest verified metadata (updated here). */
  metadataDir: string;
  /** Hardware and stored security version: the admission rules. */
  device: DeviceFacts;
  /** Where the payload is extracted, as `<workDir>/<targetPath>`; created if missing. */
  workDir: string;
  /** tuf-js settings (length caps); network settings do not apply. */
  tufConfig?: Partial<Config>;
  /** Stricter (or, in tests, other) limits than BUNDLE_LIMITS. */
  limits?: Partial<BundleLimits>;
}

export interface OpenedBundle {
  /** The signed release, admitted for this device (as resolveRelease() returns it). */
  release: SignedRelease;
  /** This device's age header; undefined for an unencrypted release. */
  header: Buffer | undefined;
  /** The extracted payload, already checked against the signed length and SHA-256. */
  payloadFile: string;
  manifest: BundleManifest;
}

const invalid = (message: string, details: Record<string, unknown> = {}) =>
  new AgentError('AGENT_BUNDLE_INVALID', `invalid update bundle: ${message}`, { details });

/** Serves the bundle's metadata to tuf-js; anything else it asks for is missing from the bundle. */
class BundleFetcher extends BaseFetcher {
  /** The first request the bundle could not answer (tuf-js wraps errors of some steps, losing their type). */
  missing: AgentError | undefined;

  constructor(private readonly files: ReadonlyMap<string, Buffer>) {
    super();
  }

  override async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    const bytes = this.files.get(name);
    if (bytes) {
      const copy = new Uint8Array(bytes);
      return new ReadableStream({
        start(controller) {
          controller.enqueue(copy);
          controller.close();
        },
      });
    }
    // The root chain ends where the bundle's roots end, as at a repository's 404.
    if (/^\d+\.root\.json$/.test(name)) throw new DownloadHTTPError(`${name} is not in the bundle`, 404);
    this.missing ??= new AgentError(
      'AGENT_BUNDLE_INCOMPLETE',
      `the update bundle lacks the TUF metadata ${name} that this device needs (made for another repository state? create the bundle again)`,
      {
        details: { missing: name },
      },
    );
    throw this.missing;
  }
}

/** A tar or file system error as a typed failure. */
function bundleFailure(e: unknown, file: string): unknown {
  if (e instanceof AgentError || e instanceof OspreyError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (message === 'Unexpected end of data')
    return new AgentError('AGENT_BUNDLE_TRUNCATED', `the update bundle ${file} ends in the middle of an entry: the copy is incomplete`, { cause: e });
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code))
    return new AgentError('AGENT_BUNDLE_IO', `cannot read ${file} or write its payload: ${message}`, { cause: e });
  return new AgentError('AGENT_BUNDLE_INVALID', `${file} is not a valid update bundle (${message})`, { cause: e });
}

/** Why an entry name is refused, or undefined for a name a bundle may hold. */
function refusedName(name: string): string | undefined {
  if (name === BUNDLE_MANIFEST || name === BUNDLE_HEADER || name === BUNDLE_PAYLOAD || metadataNameOf(name) !== undefined) return undefined;
  if (name.startsWith('/') || name.split('/').includes('..') || name.includes('\\'))
    return `entry ${JSON.stringify(name)} points outside the bundle (path traversal)`;
  return `unexpected entry ${JSON.stringify(name)}`;
}

/** The whole body of a small entry, refusing it (before reading) if it may exceed `max`. */
async function readSmall(entry: AsyncIterable<Uint8Array>, header: Header, max: number): Promise<Buffer> {
  if (header.size > max) {
    throw new AgentError('AGENT_BUNDLE_ENTRY_TOO_LARGE', `${header.name} in the update bundle is ${header.size} bytes; at most ${max} are accepted`, {
      details: { entry: header.name, size: header.size, max },
    });
  }
  const parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of entry) {
    length += chunk.byteLength;
    if (length > max) throw new AgentError('AGENT_BUNDLE_ENTRY_TOO_LARGE', `${header.name} in the update bundle exceeds ${max} bytes`);
    parts.push(Buffer.from(chunk));
  }
  return Buffer.concat(parts);
}

function parseManifest(bytes: Buffer): BundleManifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new AgentError('AGENT_BUNDLE_INVALID', `invalid update bundle: ${BUNDLE_MANIFEST} is not JSON`, { cause });
  }
  const format = (json as { format?: unknown } | null)?.format;
  if (typeof format === 'string' && format !== 'osprey-bundle/1' && format.startsWith('osprey-bundle/')) {
    throw invalid(`format ${format} is newer than this agent understands (osprey-bundle/1)`);
  }
  const parsed = bundleManifestSchema.safeParse(json);
  if (!parsed.success) throw invalid(`${BUNDLE_MANIFEST}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'manifest'}: ${i.message}`).join('; ')}`);
  try {
    assertTargetPath(parsed.data.targetPath);
  } catch (cause) {
    throw invalid(`${BUNDLE_MANIFEST}: ${(cause as Error).message}`);
  }
  return parsed.data;
}

/** Copy the payload entry to `<workDir>/<targetPath>`, bounded by and checked against the signed target. */
async function extractPayload(entry: AsyncIterable<Uint8Array>, release: SignedRelease, workDir: string): Promise<string> {
  const final = join(workDir, release.targetPath);
  const hash = createHash('sha256');
  let length = 0;
  // Written to a temp sibling and renamed when complete and verified; removed on any failure.
  await writeFileAtomicFrom(final, async (temp) => {
    const out = await open(temp, 'wx', 0o600);
    try {
      for await (const chunk of entry) {
        length += chunk.byteLength;
        if (length > release.length) {
          throw new OspreyError('TUF_TARGET_MISMATCH', `the bundle's payload is longer than the signed target ${release.targetPath} (${release.length} bytes)`);
        }
        hash.update(chunk);
        let written = 0;
        while (written < chunk.byteLength) written += (await out.write(chunk, written)).bytesWritten;
      }
    } finally {
      await out.close();
    }
    const sha256 = hash.digest('hex');
    if (length !== release.length || sha256 !== release.sha256) {
      throw new OspreyError(
        'TUF_TARGET_MISMATCH',
        `the bundle's payload (${length} bytes, sha256 ${sha256}) is not the signed target ${release.targetPath} (${release.length} bytes, sha256 ${release.sha256})`,
        { details: { expected: { length: release.length, sha256: release.sha256 }, actual: { length, sha256 } } },
      );
    }
  });
  return final;
}

/** Run the TUF client workflow over the bundle's metadata and admit the release for this device. */
async function resolveFromBundle(manifest: BundleManifest, metadata: ReadonlyMap<string, Buffer>, options: OpenBundleOptions): Promise<SignedRelease> {
  const fetcher = new BundleFetcher(metadata);
  try {
    return await resolveRelease({
      tufMetadataUrl: BUNDLE_METADATA_URL,
      metadataDir: options.metadataDir,
      fetcher,
      ...(options.tufConfig ? { tufConfig: options.tufConfig } : {}),
      targetPath: manifest.targetPath,
      device: options.device,
    });
  } catch (e) {
    // A missing file beats whatever tuf-js made of it.
    throw fetcher.missing ?? e;
  }
}

/**
 * Verify an offline bundle for this device and extract its payload. Throws AGENT_BUNDLE_* for a
 * malformed, truncated or incomplete bundle; the TUF_* and RELEASE_* codes of resolveRelease()
 * for metadata or a release this device must not install; TUF_TARGET_MISMATCH for a payload that
 * is not the signed one; AGENT_HEADER_MISSING for an encrypted release without a header.
 */
export async function openBundle(file: string, options: OpenBundleOptions): Promise<OpenedBundle> {
  const limits: BundleLimits = { ...BUNDLE_LIMITS, ...options.limits };
  let fileSize: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new AgentError('AGENT_BUNDLE_IO', `${file} is not a file`);
    fileSize = stat.size;
    mkdirSync(options.workDir, { recursive: true });
  } catch (e) {
    throw bundleFailure(e, file);
  }
  const source = createReadStream(file, { highWaterMark: 256 * 1024 });
  const tar = extract();
  // The parser's own error, when it fails while an entry is being read (the entry only says "destroyed").
  let parserError: unknown;
  tar.on('error', (e) => (parserError ??= e));
  source.on('error', (e) => tar.destroy(e));
  source.pipe(tar as unknown as NodeJS.WritableStream);

  let manifest: BundleManifest | undefined;
  const metadata = new Map<string, Buffer>();
  let metadataBytes = 0;
  let header: Buffer | undefined;
  let release: SignedRelease | undefined;
  let payloadFile: string | undefined;
  const seen = new Set<string>();
  try {
    for await (const item of tar) {
      const h = item.header;
      const entry = item as AsyncIterable<Uint8Array>;
      // A copy cut short is recognised before reading: the entry's data would extend past the end of the file.
      if (item.offset + 512 + h.size > fileSize) {
        throw new AgentError('AGENT_BUNDLE_TRUNCATED', `the update bundle ${file} ends inside ${h.name} (${fileSize} bytes): the copy is incomplete`);
      }
      if (seen.size >= limits.maxEntries) throw invalid(`more than ${limits.maxEntries} entries`);
      const refused = refusedName(h.name);
      if (refused) throw invalid(refused, { entry: h.name });
      if (h.type !== 'file') throw invalid(`${h.name} is a ${h.type ?? 'special entry'}; a bundle holds regular files only`, { entry: h.name });
      if (seen.has(h.name)) throw invalid(`${h.name} appears twice`, { entry: h.name });
      seen.add(h.name);
      if (!manifest) {
        if (h.name !== BUNDLE_MANIFEST) throw invalid(`the first entry must be ${BUNDLE_MANIFEST}, not ${h.name}`);
        manifest = parseManifest(await readSmall(entry, h, limits.maxManifestBytes));
        continue;
      }
      if (payloadFile) throw invalid(`${h.name} follows the payload, which must be the last entry`, { entry: h.name });
      if (h.name === BUNDLE_MANIFEST) throw invalid(`${h.name} appears twice`);
      if (h.name === BUNDLE_HEADER) {
        if (!manifest.header) throw invalid(`${BUNDLE_HEADER} is not announced in the manifest`);
        header = await readSmall(entry, h, limits.maxHeaderBytes);
        continue;
      }
      if (h.name !== BUNDLE_PAYLOAD) {
        if (!manifest.metadata.includes(h.name)) throw invalid(`${h.name} is not listed in the manifest`, { entry: h.name });
        if (header) throw invalid(`${h.name} follows ${BUNDLE_HEADER}; metadata comes first`);
        const bytes = await readSmall(entry, h, limits.maxMetadataBytes);
        metadataBytes += bytes.byteLength;
        if (metadataBytes > limits.maxTotalMetadataBytes) {
          throw new AgentError('AGENT_BUNDLE_ENTRY_TOO_LARGE', `the metadata in the update bundle exceeds ${limits.maxTotalMetadataBytes} bytes in total`);
        }
        metadata.set(h.name.slice(BUNDLE_METADATA_PREFIX.length), bytes);
        continue;
      }
      // The payload: everything else must be here, and the release admitted, before it is written.
      const absent = manifest.metadata.filter((name) => !metadata.has(name.slice(BUNDLE_METADATA_PREFIX.length)));
      if (absent.length > 0) throw invalid(`${absent.join(', ')} listed in the manifest but not in the bundle`);
      if (manifest.header && !header) throw invalid(`the manifest announces ${BUNDLE_HEADER} but the bundle has none`);
      if (h.size !== manifest.payload.length) throw invalid(`the payload entry is ${h.size} bytes, the manifest says ${manifest.payload.length}`);
      release = await resolveFromBundle(manifest, metadata, options);
      if (release.length !== h.size) {
        throw new OspreyError('TUF_TARGET_MISMATCH', `the bundle's payload is ${h.size} bytes, the signed target ${release.targetPath} ${release.length}`, {
          details: { expected: { length: release.length }, actual: { length: h.size } },
        });
      }
      if (release.custom.encryption.format !== 'none' && !header) {
        throw new AgentError(
          'AGENT_HEADER_MISSING',
          `release ${release.custom.name} ${release.custom.version} is encrypted, but the bundle holds no age header (create it with --recipient set to this device's key)`,
        );
      }
      payloadFile = await extractPayload(entry, release, options.workDir);
    }
    if (!manifest) throw invalid(`${file} holds no entries`);
    if (!release || !payloadFile) throw new AgentError('AGENT_BUNDLE_TRUNCATED', `the update bundle ${file} ends before its payload: the copy is incomplete`);
    return { release, header, payloadFile, manifest };
  } catch (e) {
    if (payloadFile) rmSync(payloadFile, { force: true });
    throw bundleFailure(e instanceof AgentError || e instanceof OspreyError ? e : (parserError ?? e), file);
  } finally {
    source.destroy();
    tar.destroy();
  }
}
