/**
 * Offline update bundles (`osprey-bundle/1`): one POSIX tar file that carries everything a device
 * needs to install a release without a network — the TUF metadata chain, the device's own age
 * header and the shared payload. Nothing in a bundle is trusted because it is in the bundle: the
 * device runs the normal TUF client workflow over the metadata from its provisioned root, and the
 * payload must match the signed target. The manifest only says where things are.
 *
 * Entries, in this order (regular files only, no directories):
 *
 *   osprey-bundle.json          the manifest (BundleManifest)
 *   metadata/<N>.root.json      every root version after 1 the tenant has (a device skips those it knows)
 *   metadata/timestamp.json
 *   metadata/<V>.snapshot.json  (snapshot.json without consistent snapshots)
 *   metadata/<V>.targets.json   (targets.json without consistent snapshots)
 *   header.age                  this device's age header (absent for unencrypted releases)
 *   payload                     the signed target's bytes: the shared age payload, or the plain image
 *
 * This module is the format (names, manifest schema, limits) and the writer as a stream; files are
 * the caller's business (the CLI's `writeBundle`, the agent's `openBundle`).
 */
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { z } from 'zod';
import { assertTargetPath } from '../release/custom.js';

export const BUNDLE_FORMAT = 'osprey-bundle/1';
export const BUNDLE_MANIFEST = 'osprey-bundle.json';
export const BUNDLE_HEADER = 'header.age';
export const BUNDLE_PAYLOAD = 'payload';
export const BUNDLE_METADATA_PREFIX = 'metadata/';

/** What a reader accepts at most; a writer never produces more. */
export const BUNDLE_LIMITS = {
  /** Manifest, up to 256 root versions (tuf-js's maxRootRotations), timestamp, snapshot, targets, header, payload. */
  maxEntries: 300,
  maxManifestBytes: 64 * 1024,
  /** Each metadata file (tuf-js's own caps are lower for root and timestamp). */
  maxMetadataBytes: 1024 * 1024,
  /** All metadata files together: they are held in memory. */
  maxTotalMetadataBytes: 16 * 1024 * 1024,
  /** A header with one stanza is about 200 bytes; this leaves room for many recipients. */
  maxHeaderBytes: 64 * 1024,
} as const;

export type BundleLimits = { -readonly [K in keyof typeof BUNDLE_LIMITS]: number };

/** TUF metadata file names as tuf-js asks for them (a root only by version). */
export const BUNDLE_METADATA_NAME = /^(?:[1-9]\d{0,9}\.(?:root|snapshot|targets)|timestamp|snapshot|targets)\.json$/;

/** `metadata/<name>` for a valid metadata name, else undefined. */
export function metadataNameOf(entryName: string): string | undefined {
  if (!entryName.startsWith(BUNDLE_METADATA_PREFIX)) return undefined;
  const name = entryName.slice(BUNDLE_METADATA_PREFIX.length);
  return BUNDLE_METADATA_NAME.test(name) ? name : undefined;
}

export const bundleManifestSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  /** The TUF target to install; it must be signed in the bundle's metadata. */
  targetPath: z.string().min(1).max(255),
  /** The metadata entries (`metadata/<name>`), in bundle order. */
  metadata: z
    .array(z.string().refine((name) => metadataNameOf(name) !== undefined, 'not a TUF metadata entry name (metadata/N.root.json, metadata/timestamp.json, …)'))
    .min(1)
    .max(BUNDLE_LIMITS.maxEntries - 3)
    .refine((names) => new Set(names).size === names.length, 'lists an entry twice')
    .refine((names) => names.includes(`${BUNDLE_METADATA_PREFIX}timestamp.json`), 'lacks metadata/timestamp.json'),
  /** Whether `header.age` follows the metadata. */
  header: z.boolean(),
  payload: z.strictObject({ length: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
});

export type BundleManifest = z.infer<typeof bundleManifestSchema>;

/** Bundle order of metadata: roots by version, then timestamp, snapshot, targets (as a client reads them). */
function metadataRank(name: string): [number, number] {
  const [first, kind] = name.split('.');
  const version = /^\d+$/.test(first!) ? Number(first) : 0;
  const role = version === 0 ? first! : kind!;
  return [{ root: 0, timestamp: 1, snapshot: 2, targets: 3 }[role] ?? 4, version];
}

export function sortMetadataNames(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => {
    const [ra, va] = metadataRank(a);
    const [rb, vb] = metadataRank(b);
    return ra - rb || va - vb || (a < b ? -1 : a > b ? 1 : 0);
  });
}

export interface BundleInput {
  /** The release's TUF target path. */
  targetPath: string;
  /** TUF metadata by the file name a client asks for (`2.root.json`, `timestamp.json`, `7.snapshot.json`, …). */
  metadata: ReadonlyMap<string, Uint8Array>;
  /** This device's age header; omitted for unencrypted releases. */
  header?: Uint8Array;
  /** The signed target's bytes. Exactly `length` bytes must come out of `source`. */
  payload: { length: number; source: AsyncIterable<Uint8Array> };
  /** Modification time written into the tar headers (default: the epoch, for reproducible bundles). */
  mtime?: Date;
}

/** The manifest for `input`; throws TypeError for input no reader would accept. */
export function bundleManifest(input: Omit<BundleInput, 'payload' | 'mtime'> & { payload: { length: number } }): BundleManifest {
  assertTargetPath(input.targetPath);
  for (const [name, bytes] of input.metadata) {
    if (!BUNDLE_METADATA_NAME.test(name)) throw new TypeError(`${JSON.stringify(name)} is not a TUF metadata file name a client asks for`);
    if (bytes.byteLength > BUNDLE_LIMITS.maxMetadataBytes) throw new TypeError(`${name} is larger than ${BUNDLE_LIMITS.maxMetadataBytes} bytes`);
  }
  const total = [...input.metadata.values()].reduce((sum, bytes) => sum + bytes.byteLength, 0);
  if (total > BUNDLE_LIMITS.maxTotalMetadataBytes) throw new TypeError(`the metadata is larger than ${BUNDLE_LIMITS.maxTotalMetadataBytes} bytes in total`);
  if (input.header && input.header.byteLength > BUNDLE_LIMITS.maxHeaderBytes)
    throw new TypeError(`the header is larger than ${BUNDLE_LIMITS.maxHeaderBytes} bytes`);
  const parsed = bundleManifestSchema.safeParse({
    format: BUNDLE_FORMAT,
    targetPath: input.targetPath,
    metadata: sortMetadataNames(input.metadata.keys()).map((name) => `${BUNDLE_METADATA_PREFIX}${name}`),
    header: input.header !== undefined,
    payload: { length: input.payload.length },
  });
  if (!parsed.success) throw new TypeError(`invalid bundle: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'manifest'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * The bundle as a stream of tar bytes (POSIX ustar; a payload of 8 GiB or more gets GNU tar's
 * base-256 size field, which GNU tar, bsdtar and tar-stream read). The stream fails if the payload
 * source yields more or fewer bytes than announced.
 */
export function packBundle(input: BundleInput): Readable {
  const manifest = bundleManifest(input);
  const mtime = input.mtime ?? new Date(0);
  const tar = pack();
  const file = (name: string, size: number) => ({ name, size, mode: 0o644, mtime, type: 'file' as const, uid: 0, gid: 0 });
  const add = (name: string, bytes: Uint8Array) =>
    new Promise<void>((resolve, reject) =>
      tar.entry(file(name, bytes.byteLength), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (e) => (e ? reject(e) : resolve())),
    );
  const write = async () => {
    await add(BUNDLE_MANIFEST, Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
    for (const entry of manifest.metadata) await add(entry, input.metadata.get(entry.slice(BUNDLE_METADATA_PREFIX.length))!);
    if (input.header) await add(BUNDLE_HEADER, input.header);
    const length = input.payload.length;
    await new Promise<void>((resolve, reject) => {
      const sink = tar.entry(file(BUNDLE_PAYLOAD, length), (e) => (e ? reject(e) : resolve()));
      sink.on('error', () => {}); // reported through `reject` and the pack stream
      (async () => {
        let written = 0;
        for await (const chunk of input.payload.source) {
          written += chunk.byteLength;
          if (written > length) throw new RangeError(`the payload is longer than the announced ${length} bytes`);
          if (!sink.write(chunk)) await new Promise<void>((drained) => sink.once('drain', () => drained()));
        }
        if (written !== length) throw new RangeError(`the payload ended after ${written} of the announced ${length} bytes`);
        sink.end(undefined);
      })().catch((e: unknown) => {
        reject(e);
        sink.destroy(e as Error);
      });
    });
    tar.finalize();
  };
  write().catch((e: unknown) => tar.destroy(e as Error));
  return Readable.from(tar);
}
