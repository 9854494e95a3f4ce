/**
 * A tenant's TUF 1.0 repository (root, targets, snapshot, timestamp), built with @tufjs/models.
 * Pure: every function takes metadata, keys and a clock value and returns metadata; writing files
 * or rows is the caller's job.
 */
import { createHash } from 'node:crypto';
import { type Key, MetaFile, Metadata, MetadataKind, Root, Snapshot, Targets, Timestamp, type TargetFile } from '@tufjs/models';
import { OspreyError } from '../errors.js';
import { keyIdOf } from './keys.js';

export type AnyMetadata = Metadata<Root> | Metadata<Targets> | Metadata<Snapshot> | Metadata<Timestamp>;
export const TUF_SPEC_VERSION = '1.0.31';
export const TOP_LEVEL_ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type TopLevelRole = (typeof TOP_LEVEL_ROLES)[number];

export interface RoleKeys {
  readonly keys: readonly Key[];
  readonly threshold: number;
}
export type RoleKeyMap = Record<TopLevelRole, RoleKeys>;

const DAY = 24 * 60 * 60 * 1000;
/** How long each role's metadata stays valid unless the caller says otherwise. */
export const DEFAULT_EXPIRY_DAYS: Record<TopLevelRole, number> = { root: 365, targets: 90, snapshot: 7, timestamp: 1 };

export function expiresAfter(now: Date, days: number): string {
  // TUF writes expiry as ISO 8601 UTC without fractional seconds.
  return new Date(now.getTime() + days * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The key material that a key ID stands for (TUF spec §4.2: keyid = SHA-256 of the canonical key). */
function keyMaterial(key: Key): string {
  return `${key.keyType}:${key.scheme}:${key.keyVal.public}`;
}

function validateRoleKeys(role: string, { keys, threshold }: RoleKeys): void {
  for (const key of keys) {
    if (key.keyID !== keyIdOf({ keytype: key.keyType, scheme: key.scheme, keyval: { public: key.keyVal.public ?? '' } })) {
      throw new OspreyError('TUF_INVALID_METADATA', `role ${role}: key ID ${key.keyID.slice(0, 12)}… is not the hash of its key`);
    }
  }
  // One private key under two IDs must not count twice towards a threshold.
  const distinct = new Set(keys.map(keyMaterial));
  if (distinct.size !== keys.length) throw new OspreyError('TUF_INVALID_METADATA', `role ${role} lists the same key twice`);
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > keys.length) {
    throw new OspreyError('TUF_INVALID_METADATA', `role ${role}: threshold ${threshold} must be between 1 and its ${keys.length} key(s)`);
  }
}

function rootFromRoles(version: number, expires: string, roles: RoleKeyMap, consistentSnapshot: boolean): Metadata<Root> {
  // @tufjs/models exports no Role class, so the root is assembled in its JSON form (TUF spec §4.3).
  const keys: Record<string, unknown> = {};
  const roleMap: Record<string, unknown> = {};
  for (const name of TOP_LEVEL_ROLES) {
    validateRoleKeys(name, roles[name]);
    for (const key of roles[name].keys) keys[key.keyID] = key.toJSON();
    roleMap[name] = { keyids: roles[name].keys.map((k) => k.keyID), threshold: roles[name].threshold };
  }
  const signed = Root.fromJSON({
    _type: 'root',
    spec_version: TUF_SPEC_VERSION,
    version,
    expires,
    keys,
    roles: roleMap,
    consistent_snapshot: consistentSnapshot,
  } as Parameters<typeof Root.fromJSON>[0]);
  return new Metadata(signed);
}

/** Unsigned version-1 root. Consistent snapshots are on by default (TUF spec §6.2). */
export function buildRoot(options: { roles: RoleKeyMap; expires: string; consistentSnapshot?: boolean }): Metadata<Root> {
  return rootFromRoles(1, options.expires, options.roles, options.consistentSnapshot ?? true);
}

/** The role keys a root declares. */
export function rolesOf(root: Root): RoleKeyMap {
  const out = {} as Record<TopLevelRole, RoleKeys>;
  for (const name of TOP_LEVEL_ROLES) {
    const role = root.roles[name];
    if (!role) throw new OspreyError('TUF_INVALID_METADATA', `root has no ${name} role`);
    out[name] = { keys: role.keyIDs.map((id) => root.keys[id]!), threshold: role.threshold };
  }
  return out;
}

/**
 * The next root (version + 1, unsigned) with some roles' keys replaced. It must then be signed by
 * a threshold of the previous root keys and of its own root keys (TUF spec §5.3.4).
 */
export function nextRoot(previous: Metadata<Root>, change: { roles?: Partial<RoleKeyMap>; expires: string }): Metadata<Root> {
  const roles = { ...rolesOf(previous.signed), ...change.roles };
  return rootFromRoles(previous.signed.version + 1, change.expires, roles, previous.signed.consistentSnapshot);
}

/**
 * Check that `metadata` carries valid signatures from at least `threshold` distinct keys of
 * `role` in `root`. Distinguishes a forged or corrupt signature from too few signatures.
 */
export function verifyRole(root: Root, role: TopLevelRole, metadata: AnyMetadata): void {
  const spec = root.roles[role];
  if (!spec) throw new OspreyError('TUF_INVALID_METADATA', `root has no ${role} role`);
  const validKeys = new Set<string>();
  let invalid = 0;
  for (const keyID of new Set(spec.keyIDs)) {
    const key = root.keys[keyID];
    if (!key || !metadata.signatures[keyID]) continue;
    try {
      key.verifySignature(metadata);
      validKeys.add(keyMaterial(key)); // distinct keys, not distinct IDs, meet a threshold
    } catch {
      invalid++;
    }
  }
  const valid = validKeys.size;
  if (valid >= spec.threshold) return;
  if (invalid > 0) {
    throw new OspreyError('TUF_BAD_SIGNATURE', `${role} metadata v${metadata.signed.version} has ${invalid} signature(s) that do not verify`);
  }
  throw new OspreyError(
    'TUF_THRESHOLD_NOT_MET',
    `${role} metadata v${metadata.signed.version} has ${valid} valid signature(s); the threshold is ${spec.threshold}`,
  );
}

/**
 * TUF client workflow §5.3.4–5.3.5: version N+1 must be signed by a threshold of root keys of
 * version N and by a threshold of its own root keys.
 */
export function verifyRootRotation(trusted: Metadata<Root>, next: Metadata<Root>): void {
  if (next.signed.version !== trusted.signed.version + 1) {
    throw new OspreyError('TUF_VERSION_MISMATCH', `expected root v${trusted.signed.version + 1}, got v${next.signed.version}`);
  }
  try {
    verifyRole(trusted.signed, 'root', next);
  } catch (cause) {
    throw new OspreyError(
      'TUF_ROOT_ROTATION_INVALID',
      `root v${next.signed.version} is not signed by the keys of root v${trusted.signed.version}: ${(cause as Error).message}`,
      { cause },
    );
  }
  try {
    verifyRole(next.signed, 'root', next);
  } catch (cause) {
    throw new OspreyError('TUF_ROOT_ROTATION_INVALID', `root v${next.signed.version} is not signed by its own root keys: ${(cause as Error).message}`, {
      cause,
    });
  }
}

export function checkNotExpired(metadata: AnyMetadata, role: string, now: Date): void {
  // An expiry that is no date would never expire (no time is >= an invalid Date): fail closed.
  if (Number.isNaN(Date.parse(metadata.signed.expires))) {
    throw new OspreyError(
      'TUF_INVALID_METADATA',
      `${role} metadata v${metadata.signed.version} has an expiry that is not a date: ${JSON.stringify(metadata.signed.expires.slice(0, 40))}`,
    );
  }
  if (metadata.signed.isExpired(now)) {
    throw new OspreyError('TUF_EXPIRED', `${role} metadata v${metadata.signed.version} expired at ${metadata.signed.expires}`);
  }
}

/** The bytes served for a metadata file. Hashes in snapshot and timestamp are over exactly these. */
export function serializeMetadata(metadata: AnyMetadata): Buffer {
  return Buffer.from(JSON.stringify(metadata.toJSON(), null, 1));
}

export function parseMetadata(kind: 'root', bytes: Uint8Array): Metadata<Root>;
export function parseMetadata(kind: 'targets', bytes: Uint8Array): Metadata<Targets>;
export function parseMetadata(kind: 'snapshot', bytes: Uint8Array): Metadata<Snapshot>;
export function parseMetadata(kind: 'timestamp', bytes: Uint8Array): Metadata<Timestamp>;
export function parseMetadata(kind: TopLevelRole, bytes: Uint8Array): AnyMetadata {
  try {
    const json = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return Metadata.fromJSON(kind as MetadataKind.Root, json) as AnyMetadata;
  } catch (cause) {
    throw new OspreyError('TUF_INVALID_METADATA', `not valid ${kind} metadata: ${(cause as Error).message}`, { cause });
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function buildTargets(version: number, expires: string, files: Iterable<TargetFile>): Metadata<Targets> {
  const targets: Record<string, TargetFile> = {};
  for (const file of files) targets[file.path] = file;
  return new Metadata(new Targets({ version, specVersion: TUF_SPEC_VERSION, expires, targets }));
}

/** Snapshot lists the targets metadata version, length and hash (TUF spec §4.4; mix-and-match). */
export function buildSnapshot(version: number, expires: string, targets: Metadata<Targets>): Metadata<Snapshot> {
  const bytes = serializeMetadata(targets);
  const meta = { 'targets.json': new MetaFile({ version: targets.signed.version, length: bytes.length, hashes: { sha256: sha256Hex(bytes) } }) };
  return new Metadata(new Snapshot({ version, specVersion: TUF_SPEC_VERSION, expires, meta }));
}

/** Timestamp names the current snapshot by version, length and hash (TUF spec §4.5; freeze). */
export function buildTimestamp(version: number, expires: string, snapshot: Metadata<Snapshot>): Metadata<Timestamp> {
  const bytes = serializeMetadata(snapshot);
  const snapshotMeta = new MetaFile({ version: snapshot.signed.version, length: bytes.length, hashes: { sha256: sha256Hex(bytes) } });
  return new Metadata(new Timestamp({ version, specVersion: TUF_SPEC_VERSION, expires, snapshotMeta }));
}
