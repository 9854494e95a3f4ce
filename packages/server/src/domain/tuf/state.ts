/**
 * A tenant's TUF repository as state transitions: given the current metadata, a change and the
 * keys the server holds, the next metadata to write. Pure — no database, no key store; the clock
 * is a parameter — so each rule is tested on its own (state.test.ts), as tuf-js keeps its trusted
 * metadata store apart from the updater that fetches. The services (repository.ts, root.ts,
 * releases.ts) lock, load, call these and write the result with the audit entry.
 *
 * Every file signed here is verified against its root before it is returned (verifyRole): the
 * server never publishes what a client would reject. Expiry follows DEFAULT_EXPIRY_DAYS (root
 * 365 days, targets 90, snapshot 7, timestamp 1), and a role is re-signed within half of it.
 */
import {
  buildRoot,
  buildSnapshot,
  buildTargets,
  buildTimestamp,
  checkNotExpired,
  DEFAULT_EXPIRY_DAYS,
  expiresAfter,
  isOspreyError,
  nextRoot,
  parseMetadata,
  signedBytes,
  signMetadata,
  TOP_LEVEL_ROLES,
  verifyRole,
  verifyRootRotation,
  type AnyMetadata,
  type RoleKeyMap,
  type Signer,
  type TopLevelRole,
} from '@osprey/core';
import type { Metadata, Root, TargetFile, Targets } from '@tufjs/models';
import type { TufMetadataSet, TufWrites } from '../../db/stores/tuf.js';
import { ServerError, badRequest } from '../../errors.js';
import { canSign, chooseSigners, missingKeysMessage, requireSigners, roleKeys, roleSignature, type HeldKeys } from './signers.js';

export type RepositoryState = TufMetadataSet;
export type { TufWrites } from '../../db/stores/tuf.js';
export type OnlineRole = Exclude<TopLevelRole, 'root'>;
export const ONLINE_ROLES = ['targets', 'snapshot', 'timestamp'] as const satisfies readonly OnlineRole[];

export interface PublishedVersions {
  targets: number;
  snapshot: number;
  timestamp: number;
}

const DAY = 24 * 60 * 60 * 1000;
const conflict = (message: string) => new ServerError('CONFLICT', message);

/** An OspreyError from the core (bad metadata, signatures) as a 400 naming what was checked; a version mismatch is a 409. */
export function refused(e: unknown, what: string): never {
  if (isOspreyError(e)) {
    const status = e.code === 'TUF_VERSION_MISMATCH' ? 'CONFLICT' : 'BAD_REQUEST';
    throw new ServerError(status, `${what}: ${e.message}`, { cause: e });
  }
  throw e;
}

/** When a role signed `now` expires. */
export const expiryOf = (role: TopLevelRole, now: Date): string => expiresAfter(now, DEFAULT_EXPIRY_DAYS[role]);

/** Due for re-signing: it expires within half its role's lifetime. */
export function isDue(metadata: AnyMetadata, role: TopLevelRole, now: Date): boolean {
  return new Date(metadata.signed.expires).getTime() - now.getTime() < (DEFAULT_EXPIRY_DAYS[role] * DAY) / 2;
}

async function signChecked<T extends AnyMetadata>(root: Root, role: TopLevelRole, metadata: T, signers: readonly Signer[]): Promise<T> {
  await signMetadata(metadata, signers);
  verifyRole(root, role, metadata); // never publish what a client would reject
  return metadata;
}

/** Root metadata of a request body (JSON value or bytes); a 400 when it is not root metadata. */
export function parseRootJson(value: unknown, what: string): Metadata<Root> {
  try {
    return parseMetadata('root', jsonBytes(value));
  } catch (e) {
    refused(e, what);
  }
}

/** Targets metadata of a request body; a 400 when it is not targets metadata. */
export function parseTargetsJson(value: unknown, what: string): Metadata<Targets> {
  try {
    return parseMetadata('targets', jsonBytes(value));
  } catch (e) {
    refused(e, what);
  }
}

function jsonBytes(value: unknown): Buffer {
  return value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(JSON.stringify(value ?? null));
}

// --- publishing ---------------------------------------------------------------------------------

/**
 * Snapshot and timestamp (each version + 1) over `targets` (TUF spec §4.4, §4.5: the snapshot
 * pins the targets version and hash against mix-and-match, the timestamp pins the snapshot
 * against freeze); `targets` is written too when it is new. Needs the snapshot and timestamp keys.
 */
export async function publish(
  state: Pick<RepositoryState, 'root' | 'snapshot' | 'timestamp'>,
  targets: Metadata<Targets>,
  targetsIsNew: boolean,
  held: HeldKeys,
  now: Date,
): Promise<{ writes: TufWrites; published: PublishedVersions }> {
  const root = state.root;
  const snapshotSigners = requireSigners(root, 'snapshot', held, 'add the key with POST /rest/v1/tuf/keys/snapshot');
  const timestampSigners = requireSigners(root, 'timestamp', held, 'add the key with POST /rest/v1/tuf/keys/timestamp');
  verifyRole(root.signed, 'targets', targets);
  const snapshot = await signChecked(
    root.signed,
    'snapshot',
    buildSnapshot((state.snapshot?.signed.version ?? 0) + 1, expiryOf('snapshot', now), targets),
    snapshotSigners,
  );
  const timestamp = await signChecked(
    root.signed,
    'timestamp',
    buildTimestamp((state.timestamp?.signed.version ?? 0) + 1, expiryOf('timestamp', now), snapshot),
    timestampSigners,
  );
  return {
    writes: { ...(targetsIsNew ? { targets } : {}), snapshot, timestamp },
    published: { targets: targets.signed.version, snapshot: snapshot.signed.version, timestamp: timestamp.signed.version },
  };
}

/** Targets version + 1 with the same target files, re-signed by the held targets keys. */
async function resignTargets(root: Metadata<Root>, current: Metadata<Targets>, held: HeldKeys, now: Date): Promise<Metadata<Targets>> {
  const targets = buildTargets(current.signed.version + 1, expiryOf('targets', now), Object.values(current.signed.targets));
  return signChecked(root.signed, 'targets', targets, chooseSigners(root.signed, 'targets', held).signers);
}

// --- a repository the server generates -----------------------------------------------------------

/**
 * What `osprey keys init` writes, with one fresh key per role (threshold 1): root v1, empty
 * targets v1, snapshot v1, timestamp v1.
 */
export async function createRepository(signers: Record<TopLevelRole, Signer>, now: Date): Promise<TufWrites> {
  const roles = {} as RoleKeyMap;
  for (const role of TOP_LEVEL_ROLES) roles[role] = { keys: [signers[role].key], threshold: 1 };
  const root = buildRoot({ roles, expires: expiryOf('root', now) });
  await signChecked(root.signed, 'root', root, [signers.root]);
  const targets = await signChecked(root.signed, 'targets', buildTargets(1, expiryOf('targets', now), []), [signers.targets]);
  const { writes } = await publish({ root }, targets, true, (role) => [signers[role]], now);
  return { root, ...writes };
}

// --- importing a root from an offline ceremony -------------------------------------------------------

/** Root v1 of an offline ceremony, signed by its own root keys and not expired; a 400 otherwise. */
export function checkImportedRoot(value: unknown, now: Date): Metadata<Root> {
  const root = parseRootJson(value, 'root metadata');
  if (root.signed.version !== 1) throw badRequest(`import root version 1 (got v${root.signed.version}); later versions are rotations: PUT /rest/v1/tuf/root`);
  try {
    verifyRole(root.signed, 'root', root);
    checkNotExpired(root, 'root', now);
  } catch (e) {
    refused(e, 'root v1 is refused');
  }
  return root;
}

/** Targets metadata signed by the root's (offline) targets keys and not expired; a 400 otherwise. */
export function checkOfflineTargets(root: Metadata<Root>, value: unknown, now: Date): Metadata<Targets> {
  const targets = parseTargetsJson(value, 'targets metadata');
  try {
    verifyRole(root.signed, 'targets', targets);
    checkNotExpired(targets, 'targets', now);
  } catch (e) {
    refused(e, 'targets metadata is refused');
  }
  return targets;
}

/** The server must be able to sign snapshot and timestamp of an imported root: a 400 naming the missing key otherwise. */
export function checkImportKeys(root: Metadata<Root>, held: HeldKeys): void {
  for (const role of ['snapshot', 'timestamp'] as const) {
    const choice = chooseSigners(root.signed, role, held);
    if (choice.signers.length < choice.threshold) {
      throw badRequest(`${missingKeysMessage(root, role, choice)}: give the server its PKCS#8 PEM private key in keys.${role} (encrypted, with passphrase)`);
    }
  }
}

/**
 * The first files of an imported root: with targets signed offline, those published; with the
 * targets key offline, empty targets v1 pending its signature (until then the repository has no
 * timestamp); otherwise empty targets v1 signed online and published.
 */
export async function importedRepository(
  root: Metadata<Root>,
  options: { offlineTargets?: Metadata<Targets> | undefined; targetsOffline: boolean },
  held: HeldKeys,
  now: Date,
): Promise<{ writes: TufWrites; published?: PublishedVersions; pendingTargetsVersion?: number }> {
  if (options.offlineTargets) {
    const { writes, published } = await publish({ root }, options.offlineTargets, true, held, now);
    return { writes: { root, ...writes }, published };
  }
  const targets = buildTargets(1, expiryOf('targets', now), []);
  if (options.targetsOffline) return { writes: { root, pending: targets }, pendingTargetsVersion: 1 };
  await signChecked(root.signed, 'targets', targets, requireSigners(root, 'targets', held, 'give the server the targets key'));
  const { writes, published } = await publish({ root }, targets, true, held, now);
  return { writes: { root, ...writes }, published };
}

// --- root rotation ------------------------------------------------------------------------------------

export interface RotateRootResult {
  rootVersion: number;
  changedRoles: TopLevelRole[];
  /** Roles re-signed with the new keys and published with this rotation. */
  republished: OnlineRole[];
  /** The targets key changed to one the server does not hold: the offline key must sign this version. */
  pendingTargetsVersion?: number;
}

/**
 * Root N+1 signed offline: by a threshold of root N's keys and of its own (TUF spec §5.3.4), not
 * expired. Changed snapshot or timestamp keys re-sign both at once, so the server must hold the new
 * ones (409 naming the key otherwise). A changed targets key re-signs targets when the server holds
 * it and signs targets online; with targets offline, the offline key must sign targets again, and
 * snapshot and timestamp follow that submission.
 */
export async function rotateRoot(
  state: RepositoryState,
  next: Metadata<Root>,
  options: { targetsOffline: boolean },
  held: HeldKeys,
  now: Date,
): Promise<{ writes: TufWrites; result: RotateRootResult }> {
  try {
    verifyRootRotation(state.root, next);
    checkNotExpired(next, 'root', now);
  } catch (e) {
    refused(e, `root v${next.signed.version} is refused`);
  }
  const changedRoles = TOP_LEVEL_ROLES.filter((r) => roleSignature(state.root.signed, r) !== roleSignature(next.signed, r));
  for (const role of ['snapshot', 'timestamp'] as const) {
    if (!changedRoles.includes(role)) continue;
    const choice = chooseSigners(next.signed, role, held);
    if (choice.signers.length < choice.threshold) {
      throw conflict(
        `${missingKeysMessage(next, role, choice)}: the server re-signs ${role} metadata at once with the new key, so it must hold it first — add it with POST /rest/v1/tuf/keys/${role} (generate, or upload its PEM), list that key in the root and sign the root again`,
      );
    }
  }
  const result: RotateRootResult = { rootVersion: next.signed.version, changedRoles, republished: [] };
  const writes: TufWrites = { root: next };
  let targets = state.targets;
  let targetsIsNew = false;
  let targetsValid = true;
  if (changedRoles.includes('targets') && state.targets) {
    if (!options.targetsOffline && !state.pending && canSign(next.signed, 'targets', held)) {
      targets = await resignTargets(next, state.targets, held, now);
      targetsIsNew = true;
      result.republished.push('targets');
    } else if (!options.targetsOffline) {
      throw conflict(
        `root v${next.signed.version} changes the targets key to one the server does not hold: add it with POST /rest/v1/tuf/keys/targets, or switch the tenant to offline targets signing (tuf.targets.offline) first`,
      );
    } else if (state.pending) {
      targetsValid = false;
      result.pendingTargetsVersion = state.pending.signed.version; // signed with the new key when submitted
    } else {
      targetsValid = false;
      writes.pending = buildTargets(state.targets.signed.version + 1, expiryOf('targets', now), Object.values(state.targets.signed.targets));
      result.pendingTargetsVersion = writes.pending.signed.version;
    }
  }
  const keysChanged = changedRoles.includes('snapshot') || changedRoles.includes('timestamp');
  // Until the offline key signs targets again, snapshot and timestamp follow with that submission.
  if (targets && targetsValid && (targetsIsNew || keysChanged)) {
    const published = await publish({ root: next, snapshot: state.snapshot, timestamp: state.timestamp }, targets, targetsIsNew, held, now);
    Object.assign(writes, published.writes);
    result.republished.push('snapshot', 'timestamp');
  }
  return { writes, result };
}

/** A root's roles as the audit log records them: threshold and key IDs. */
export function rolesSummary(root: Root): Record<string, { threshold: number | undefined; keys: string[] }> {
  return Object.fromEntries(TOP_LEVEL_ROLES.map((r) => [r, { threshold: root.roles[r]?.threshold, keys: roleKeys(root, r).map((k) => k.keyID) }]));
}

// --- releases and offline targets ------------------------------------------------------------------------

/**
 * Targets version + 1 with `fresh` target files added. Signing targets online: signed and
 * published with snapshot and timestamp. Offline: the unsigned metadata becomes pending, and
 * nothing is published until the offline key signs exactly it.
 */
export async function addTargets(
  state: RepositoryState,
  fresh: readonly TargetFile[],
  options: { offline: boolean },
  held: HeldKeys,
  now: Date,
): Promise<{ writes: TufWrites; targetsVersion: number; published?: PublishedVersions }> {
  const targets = buildTargets((state.targets?.signed.version ?? 0) + 1, expiryOf('targets', now), [
    ...Object.values(state.targets?.signed.targets ?? {}),
    ...fresh,
  ]);
  if (options.offline) return { writes: { pending: targets }, targetsVersion: targets.signed.version };
  const signers = requireSigners(
    state.root,
    'targets',
    held,
    'this tenant signs targets offline: set tuf.targets.offline to true, then sign the pending targets metadata with the offline key',
  );
  await signChecked(state.root.signed, 'targets', targets, signers);
  const { writes, published } = await publish(state, targets, true, held, now);
  return { writes, targetsVersion: targets.signed.version, published };
}

/**
 * Targets metadata signed by the offline targets key: its signatures meet the root's threshold
 * (400), its signed content is exactly the pending metadata (409), it is newer than what is
 * published (409) and not expired (400). Then it is published and the pending metadata dropped.
 */
export async function acceptSignedTargets(
  state: RepositoryState,
  submitted: Metadata<Targets>,
  held: HeldKeys,
  now: Date,
): Promise<{ writes: TufWrites; published: PublishedVersions }> {
  if (!state.pending) throw conflict('no targets metadata awaits a signature');
  try {
    verifyRole(state.root.signed, 'targets', submitted);
  } catch (e) {
    refused(e, `targets v${submitted.signed.version} is not signed by the targets key(s) of root v${state.root.signed.version}`);
  }
  if (!signedBytes(submitted).equals(signedBytes(state.pending))) {
    throw conflict(
      `the submitted targets v${submitted.signed.version} differs from the pending targets v${state.pending.signed.version}: sign exactly what GET /rest/v1/tuf/targets/pending returns`,
    );
  }
  if (state.targets && state.targets.signed.version >= submitted.signed.version) {
    throw conflict(`targets v${state.targets.signed.version} is published already; discard the pending targets and release again`);
  }
  try {
    checkNotExpired(submitted, 'targets', now);
  } catch (e) {
    refused(e, 'targets metadata is refused');
  }
  const { writes, published } = await publish(state, submitted, true, held, now);
  return { writes: { ...writes, pending: null }, published };
}

// --- re-signing before expiry ----------------------------------------------------------------------------

export interface RefreshResult {
  /** Roles re-signed (each as version + 1). */
  refreshed: TopLevelRole[];
  /** Why a due re-signing could not happen (a key the server does not hold). */
  skipped?: string;
}

/**
 * Re-sign what is due (isDue) at `now`: the timestamp; with it the snapshot when due or when
 * targets changed; targets when the server signs them online; a root whose keys the server holds
 * (one it generated). Each as version + 1, same content and keys. A due role whose key the server
 * lacks (an offline root or targets key) is reported in `skipped`. A repository without published
 * targets (awaiting its first offline signature) has nothing to refresh.
 */
export async function refresh(
  state: RepositoryState,
  options: { targetsOffline: boolean },
  held: HeldKeys,
  now: Date,
): Promise<{ writes: TufWrites } & RefreshResult> {
  const { timestamp, snapshot } = state;
  if (!timestamp || !snapshot || !state.targets) return { writes: {}, refreshed: [] };
  const writes: TufWrites = {};
  const refreshed: TopLevelRole[] = [];
  const skips: string[] = [];
  let targets = state.targets;
  let targetsIsNew = false;
  if (isDue(state.root, 'root', now)) {
    // A root the server generated renews itself (same keys, version + 1); an offline root is the ceremony's.
    const choice = chooseSigners(state.root.signed, 'root', held);
    if (choice.signers.length >= choice.threshold) {
      const root = nextRoot(state.root, { expires: expiryOf('root', now) });
      await signMetadata(root, choice.signers);
      verifyRootRotation(state.root, root);
      writes.root = root;
      refreshed.push('root');
    } else {
      skips.push(`root v${state.root.signed.version} expires at ${state.root.signed.expires}: sign its successor offline (PUT /rest/v1/tuf/root)`);
    }
  }
  if (isDue(state.targets, 'targets', now)) {
    if (!options.targetsOffline && !state.pending && canSign(state.root.signed, 'targets', held)) {
      targets = await resignTargets(state.root, state.targets, held, now);
      targetsIsNew = true;
      refreshed.push('targets');
    } else {
      skips.push(`targets v${state.targets.signed.version} expires at ${state.targets.signed.expires}: the offline targets key must sign it again`);
    }
  }
  const skipped = skips.length > 0 ? { skipped: skips.join('; ') } : {};
  // Snapshot: re-signed when targets changed or it is due itself; timestamp then always.
  const snapshotDue = targetsIsNew || isDue(snapshot, 'snapshot', now);
  if (!snapshotDue && !isDue(timestamp, 'timestamp', now)) return { writes, refreshed, ...skipped };
  for (const role of snapshotDue ? (['snapshot', 'timestamp'] as const) : (['timestamp'] as const)) {
    const choice = chooseSigners(state.root.signed, role, held);
    if (choice.signers.length < choice.threshold) {
      // Nothing of snapshot and timestamp can follow; a renewed root is still valid on its own.
      return {
        writes: writes.root ? { root: writes.root } : {},
        refreshed: writes.root ? ['root'] : [],
        skipped: missingKeysMessage(state.root, role, choice),
      };
    }
  }
  if (snapshotDue) {
    const published = await publish(state, targets, targetsIsNew, held, now);
    Object.assign(writes, published.writes);
    refreshed.push('snapshot', 'timestamp');
  } else {
    writes.timestamp = await signChecked(
      state.root.signed,
      'timestamp',
      buildTimestamp(timestamp.signed.version + 1, expiryOf('timestamp', now), snapshot),
      chooseSigners(state.root.signed, 'timestamp', held).signers,
    );
    refreshed.push('timestamp');
  }
  return { writes, refreshed, ...skipped };
}
