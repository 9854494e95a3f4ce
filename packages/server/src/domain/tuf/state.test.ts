/**
 * The repository's state transitions on their own: no database, no key store, a fixed clock.
 * Each case builds the state it needs, applies one change, and checks the next metadata set the
 * way a TUF client would (verifyRole against the root, hashes and versions pinned by snapshot and
 * timestamp, TUF spec §5.3–5.6).
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import {
  buildRoot,
  buildTargets,
  expiresAfter,
  KeyObjectSigner,
  nextRoot,
  serializeMetadata,
  signMetadata,
  TOP_LEVEL_ROLES,
  verifyRole,
  type RoleKeyMap,
  type Signer,
  type TopLevelRole,
} from '@osprey/core';
import { TargetFile, type Metadata, type Root, type Targets } from '@tufjs/models';
import { describe, expect, it } from 'vitest';
import { ServerError } from '../../errors.js';
import type { HeldKeys } from './signers.js';
import {
  acceptSignedTargets,
  addTargets,
  checkImportedRoot,
  checkImportKeys,
  createRepository,
  importedRepository,
  isDue,
  publish,
  refresh,
  rotateRoot,
  type RepositoryState,
  type TufWrites,
} from './state.js';

const T0 = new Date('2030-01-01T00:00:00Z');
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const at = (offset: number) => new Date(T0.getTime() + offset);

const newSigner = (): Signer => new KeyObjectSigner(generateKeyPairSync('ed25519').privateKey);
const keyring = () => Object.fromEntries(TOP_LEVEL_ROLES.map((r) => [r, newSigner()])) as Record<TopLevelRole, Signer>;
/** The server holds these keys (a role left out: the server does not hold its key). */
const holding =
  (signers: Partial<Record<TopLevelRole, Signer | Signer[]>>): HeldKeys =>
  (role) =>
    [signers[role] ?? []].flat();

/** What the store does with a change's writes: the state a client then sees. */
function apply(state: RepositoryState | undefined, writes: TufWrites): RepositoryState {
  const next = { ...state, ...writes } as RepositoryState & { pending?: unknown };
  if (writes.pending === null) delete next.pending;
  return next as RepositoryState;
}

async function generated(now = T0) {
  const signers = keyring();
  const state = apply(undefined, await createRepository(signers, now));
  return { signers, state, held: holding(signers) };
}

function target(path: string, bytes = Buffer.from(path)): TargetFile {
  return new TargetFile({ path, length: bytes.length, hashes: { sha256: createHash('sha256').update(bytes).digest('hex') } });
}

/** The error a transition throws, as status and message. */
async function refusal(work: () => Promise<unknown> | unknown): Promise<{ status: number; message: string }> {
  try {
    await work();
  } catch (e) {
    if (e instanceof ServerError) return { status: e.status, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

/** A client's checks: every role verifies against the root; snapshot pins targets, timestamp pins snapshot. */
function expectConsistent(state: RepositoryState) {
  const root = state.root.signed;
  verifyRole(root, 'root', state.root);
  verifyRole(root, 'targets', state.targets!);
  verifyRole(root, 'snapshot', state.snapshot!);
  verifyRole(root, 'timestamp', state.timestamp!);
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  const pinned = state.snapshot!.signed.meta['targets.json']!;
  expect(pinned.version).toBe(state.targets!.signed.version);
  expect(pinned.hashes?.sha256).toBe(sha256(serializeMetadata(state.targets!)));
  expect(state.timestamp!.signed.snapshotMeta.version).toBe(state.snapshot!.signed.version);
  expect(state.timestamp!.signed.snapshotMeta.hashes?.sha256).toBe(sha256(serializeMetadata(state.snapshot!)));
}

const versions = (state: RepositoryState) => ({
  root: state.root.signed.version,
  targets: state.targets?.signed.version,
  snapshot: state.snapshot?.signed.version,
  timestamp: state.timestamp?.signed.version,
});

describe('a generated repository', () => {
  it('is root, targets, snapshot and timestamp v1, each signed by its one key and consistent', async () => {
    const { state } = await generated();
    expect(versions(state)).toEqual({ root: 1, targets: 1, snapshot: 1, timestamp: 1 });
    expect(state.root.signed.consistentSnapshot).toBe(true);
    expect(Object.keys(state.targets!.signed.targets)).toEqual([]);
    expectConsistent(state);
  });

  it.each([
    ['root', 365],
    ['targets', 90],
    ['snapshot', 7],
    ['timestamp', 1],
  ] as const)('signs %s to expire after %i days', async (role, days) => {
    const { state } = await generated();
    expect(state[role]!.signed.expires).toBe(expiresAfter(T0, days));
  });
});

describe('what is due when: within half its lifetime', () => {
  it.each([
    ['timestamp', 11 * HOUR, false],
    ['timestamp', 13 * HOUR, true],
    ['snapshot', 3 * DAY, false],
    ['snapshot', 4 * DAY, true],
    ['targets', 44 * DAY, false],
    ['targets', 46 * DAY, true],
    ['root', 182 * DAY, false],
    ['root', 183 * DAY, true],
  ] as const)('%s signed at T0, at T0 + %i ms: due %s', async (role, offset, due) => {
    const { state } = await generated();
    expect(isDue(state[role]!, role, at(offset))).toBe(due);
  });
});

describe('publishing', () => {
  it('signs snapshot and timestamp (version + 1) over the targets, pinning their versions and hashes', async () => {
    const { state, signers, held } = await generated();
    const targets = buildTargets(2, expiresAfter(T0, 90), [target('a.img')]);
    await signMetadata(targets, [signers.targets]);
    const { writes, published } = await publish(state, targets, true, held, T0);
    expect(published).toEqual({ targets: 2, snapshot: 2, timestamp: 2 });
    expectConsistent(apply(state, writes));
  });

  it.each(['snapshot', 'timestamp'] as const)('without the %s key is a 409 naming the key to add', async (role) => {
    const { state, signers } = await generated();
    const held = holding({ ...signers, [role]: undefined });
    const { status, message } = await refusal(() => publish(state, state.targets!, false, held, T0));
    expect(status).toBe(409);
    expect(message).toMatch(
      new RegExp(`needs 1 signature\\(s\\) by its ${role} key\\(s\\), and the server holds 0; missing ed25519 key .*POST /rest/v1/tuf/keys/${role}`),
    );
  });

  it('refuses targets its root does not sign for', async () => {
    const { state, held } = await generated();
    const forged = buildTargets(2, expiresAfter(T0, 90), [target('evil.img')]);
    await signMetadata(forged, [newSigner()]);
    await expect(publish(state, forged, true, held, T0)).rejects.toMatchObject({ code: 'TUF_THRESHOLD_NOT_MET' });
  });
});

describe('adding release targets', () => {
  it('online: targets, snapshot and timestamp v2 with the old and the new targets', async () => {
    const { state, held } = await generated();
    const first = apply(state, (await addTargets(state, [target('one.img')], { offline: false }, held, T0)).writes);
    const { writes, published, targetsVersion } = await addTargets(first, [target('two.img')], { offline: false }, held, at(HOUR));
    const next = apply(first, writes);
    expect({ published, targetsVersion }).toEqual({ published: { targets: 3, snapshot: 3, timestamp: 3 }, targetsVersion: 3 });
    expect(Object.keys(next.targets!.signed.targets)).toEqual(['one.img', 'two.img']);
    expectConsistent(next);
  });

  it('offline: only unsigned pending targets; nothing is published', async () => {
    const { state, held } = await generated();
    const { writes, published, targetsVersion } = await addTargets(state, [target('one.img')], { offline: true }, held, T0);
    expect(published).toBeUndefined();
    expect(targetsVersion).toBe(2);
    expect(Object.keys(writes)).toEqual(['pending']);
    expect(writes.pending!.signatures).toEqual({});
  });

  it('online without the targets key: a 409 pointing to offline targets signing', async () => {
    const { state, signers } = await generated();
    const { status, message } = await refusal(() =>
      addTargets(state, [target('one.img')], { offline: false }, holding({ ...signers, targets: undefined }), T0),
    );
    expect(status).toBe(409);
    expect(message).toMatch(/tuf\.targets\.offline/);
  });
});

describe('accepting targets signed offline', () => {
  /** A repository whose targets key is offline, with pending targets v2. */
  async function pendingRepository() {
    const { state, signers } = await generated();
    const held = holding({ snapshot: signers.snapshot, timestamp: signers.timestamp });
    const pending = apply(state, (await addTargets(state, [target('one.img')], { offline: true }, held, T0)).writes);
    /** The pending metadata (or a copy with another expiry), signed by `by`. */
    const signed = async (expires = pending.pending!.signed.expires, by: Signer = signers.targets) => {
      const copy = buildTargets(pending.pending!.signed.version, expires, Object.values(pending.pending!.signed.targets));
      await signMetadata(copy, [by]);
      return copy;
    };
    return { pending, held, signed, signers };
  }

  it('publishes exactly the pending metadata, signed, and drops it', async () => {
    const { pending, held, signed } = await pendingRepository();
    const { writes, published } = await acceptSignedTargets(pending, await signed(), held, at(HOUR));
    expect(published).toEqual({ targets: 2, snapshot: 2, timestamp: 2 });
    expect(writes.pending).toBeNull();
    expectConsistent(apply(pending, writes));
  });

  it.each<[string, (r: Awaited<ReturnType<typeof pendingRepository>>) => Promise<[RepositoryState, Metadata<Targets>, Date]>, number, RegExp]>([
    ['nothing pending', async (r) => [{ ...r.pending, pending: undefined }, await r.signed(), T0], 409, /no targets metadata awaits/],
    ['signed by another key', async (r) => [r.pending, await r.signed(undefined, r.signers.snapshot), T0], 400, /not signed by the targets key/],
    ['unsigned', async (r) => [r.pending, r.pending.pending!, T0], 400, /not signed by the targets key/],
    ['other content', async (r) => [r.pending, await r.signed(expiresAfter(T0, 60)), T0], 409, /differs from the pending/],
    [
      // The published targets v1 itself, pending again: signed and identical, but not newer.
      'not newer than what is published',
      async (r) => [{ ...r.pending, pending: buildTargets(1, r.pending.targets!.signed.expires, []) }, r.pending.targets!, T0],
      409,
      /targets v1 is published already/,
    ],
    ['expired', async (r) => [r.pending, await r.signed(), at(91 * DAY)], 400, /expired/],
  ])('refuses: %s', async (_case, setup, status, message) => {
    const r = await pendingRepository();
    const [state, submitted, now] = await setup(r);
    const refused = await refusal(() => acceptSignedTargets(state, submitted, r.held, now));
    expect(refused.status).toBe(status);
    expect(refused.message).toMatch(message);
  });
});

describe('root rotation', () => {
  /** Root v2 of `state` with some roles' keys replaced, signed by the old root key and `signers` (default: the new root keys). */
  async function successor(
    state: RepositoryState,
    oldRootKey: Signer | undefined,
    roles: Partial<Record<TopLevelRole, Signer>>,
    options: { expires?: string } = {},
  ) {
    const next = nextRoot(state.root, {
      roles: Object.fromEntries(Object.entries(roles).map(([r, s]) => [r, { keys: [s.key], threshold: 1 }])),
      expires: options.expires ?? expiresAfter(T0, 365),
    });
    await signMetadata(next, [...(oldRootKey ? [oldRootKey] : []), ...(roles.root ? [roles.root] : [])]);
    return next;
  }

  it.each<[string, Partial<Record<TopLevelRole, 'new-held' | 'new-unheld'>>, { targetsOffline: boolean }, object]>([
    ['root keys only', { root: 'new-unheld' }, { targetsOffline: false }, { changedRoles: ['root'], republished: [] }],
    [
      'a timestamp key the server holds',
      { timestamp: 'new-held' },
      { targetsOffline: false },
      { changedRoles: ['timestamp'], republished: ['snapshot', 'timestamp'] },
    ],
    [
      'a snapshot key the server holds',
      { snapshot: 'new-held' },
      { targetsOffline: false },
      { changedRoles: ['snapshot'], republished: ['snapshot', 'timestamp'] },
    ],
    [
      'a targets key the server holds, signing online',
      { targets: 'new-held' },
      { targetsOffline: false },
      { changedRoles: ['targets'], republished: ['targets', 'snapshot', 'timestamp'] },
    ],
    [
      'a targets key signed offline',
      { targets: 'new-unheld' },
      { targetsOffline: true },
      { changedRoles: ['targets'], republished: [], pendingTargetsVersion: 2 },
    ],
  ])('changing %s', async (_case, change, options, expected) => {
    const { state, signers } = await generated();
    const fresh = Object.fromEntries(Object.keys(change).map((r) => [r, newSigner()])) as Partial<Record<TopLevelRole, Signer>>;
    const held = holding(Object.fromEntries(TOP_LEVEL_ROLES.map((r) => [r, change[r as TopLevelRole] === 'new-held' ? [signers[r], fresh[r]!] : signers[r]])));
    const next = await successor(state, signers.root, fresh);
    const { writes, result } = await rotateRoot(state, next, options, held, T0);
    expect(result).toEqual({ rootVersion: 2, ...expected });
    const rotated = apply(state, writes);
    expect(rotated.root.signed.version).toBe(2);
    if (!('pendingTargetsVersion' in expected)) expectConsistent(rotated);
    else expect(writes.pending?.signed.version).toBe(2);
  });

  it.each<[string, (s: Awaited<ReturnType<typeof generated>>) => Promise<Metadata<Root>>, number, RegExp]>([
    ['signed by the new root key only', (g) => successor(g.state, undefined, { root: newSigner() }), 400, /not signed by the keys of root v1/],
    [
      'skipping a version',
      async (g) => {
        const v2 = await successor(g.state, g.signers.root, {});
        const v3 = nextRoot(v2, { expires: expiresAfter(T0, 365) });
        await signMetadata(v3, [g.signers.root]);
        return v3;
      },
      409,
      /expected root v2, got v3/,
    ],
    ['expired', (g) => successor(g.state, g.signers.root, {}, { expires: expiresAfter(T0, -1) }), 400, /expired/],
    [
      'to a timestamp key the server does not hold',
      (g) => successor(g.state, g.signers.root, { timestamp: newSigner() }),
      409,
      /POST \/rest\/v1\/tuf\/keys\/timestamp/,
    ],
    [
      'to a targets key the server does not hold, signing online',
      (g) => successor(g.state, g.signers.root, { targets: newSigner() }),
      409,
      /tuf\.targets\.offline/,
    ],
  ])('refuses a successor %s', async (_case, make, status, message) => {
    const g = await generated();
    const refused = await refusal(async () => rotateRoot(g.state, await make(g), { targetsOffline: false }, g.held, T0));
    expect(refused.status).toBe(status);
    expect(refused.message).toMatch(message);
  });
});

describe('re-signing before expiry', () => {
  it.each<[string, number, (s: Record<TopLevelRole, Signer>) => HeldKeys, { targetsOffline: boolean }, TopLevelRole[], RegExp | undefined]>([
    ['nothing is due', HOUR, holding, { targetsOffline: false }, [], undefined],
    ['the timestamp', 13 * HOUR, holding, { targetsOffline: false }, ['timestamp'], undefined],
    ['snapshot and timestamp', 4 * DAY, holding, { targetsOffline: false }, ['snapshot', 'timestamp'], undefined],
    ['online targets', 50 * DAY, holding, { targetsOffline: false }, ['targets', 'snapshot', 'timestamp'], undefined],
    ['a root the server generated', 190 * DAY, holding, { targetsOffline: false }, ['root', 'targets', 'snapshot', 'timestamp'], undefined],
    [
      'not an offline root',
      190 * DAY,
      (s) => holding({ ...s, root: undefined }),
      { targetsOffline: false },
      ['targets', 'snapshot', 'timestamp'],
      /root v1 expires at .*sign its successor offline/,
    ],
    [
      'not offline targets',
      50 * DAY,
      holding,
      { targetsOffline: true },
      ['snapshot', 'timestamp'],
      /targets v1 expires at .*offline targets key must sign it again/,
    ],
    ['nothing without the timestamp key', 13 * HOUR, (s) => holding({ ...s, timestamp: undefined }), { targetsOffline: false }, [], /by its timestamp key/],
  ])('%s', async (_case, offset, heldOf, options, refreshed, skipped) => {
    const { state, signers } = await generated();
    const now = at(offset);
    const result = await refresh(state, options, heldOf(signers), now);
    expect(result.refreshed).toEqual(refreshed);
    if (skipped) expect(result.skipped).toMatch(skipped);
    else expect(result.skipped).toBeUndefined();
    const next = apply(state, result.writes);
    for (const role of refreshed) expect(next[role]!.signed.version, role).toBe(2);
    if (refreshed.includes('timestamp')) {
      expectConsistent(next);
      expect(isDue(next.timestamp!, 'timestamp', now)).toBe(false);
    }
  });

  it('has nothing to refresh before the first targets are published', async () => {
    const { state, held } = await generated();
    expect(await refresh({ root: state.root }, { targetsOffline: true }, held, at(400 * DAY))).toEqual({ writes: {}, refreshed: [] });
  });
});

describe('importing a root from an offline ceremony', () => {
  async function ceremony(options: { version?: number; expires?: string; sign?: boolean } = {}) {
    const signers = keyring();
    const roles = {} as RoleKeyMap;
    for (const r of TOP_LEVEL_ROLES) roles[r] = { keys: [signers[r].key], threshold: 1 };
    const expires = options.expires ?? expiresAfter(T0, 365);
    const v1 = buildRoot({ roles, expires });
    const root = options.version === 2 ? nextRoot(v1, { expires }) : v1;
    if (options.sign ?? true) await signMetadata(root, [signers.root]);
    return { root, signers };
  }

  it.each([
    ['a later version', { version: 2 }, /import root version 1 \(got v2\)/],
    ['unsigned', { sign: false }, /root v1 is refused: .*0 valid signature/],
    ['expired', { expires: expiresAfter(T0, -1) }, /root v1 is refused: .*expired/],
  ])('refuses %s', async (_case, options, message) => {
    const { root } = await ceremony(options);
    const refused = await refusal(() => checkImportedRoot(root.toJSON(), T0));
    expect(refused).toMatchObject({ status: 400 });
    expect(refused.message).toMatch(message);
  });

  it('needs the snapshot and timestamp keys, naming the field to give them in', async () => {
    const { root, signers } = await ceremony();
    const checked = checkImportedRoot(root.toJSON(), T0);
    const refused = await refusal(() => checkImportKeys(checked, holding({ snapshot: signers.snapshot })));
    expect(refused.status).toBe(400);
    expect(refused.message).toMatch(/timestamp key.*keys\.timestamp/);
  });

  it.each([
    ['signing targets online', { targetsOffline: false, withTargets: false }, { published: { targets: 1, snapshot: 1, timestamp: 1 } }],
    ['with the targets key offline', { targetsOffline: true, withTargets: false }, { pendingTargetsVersion: 1 }],
    ['with targets signed offline', { targetsOffline: true, withTargets: true }, { published: { targets: 1, snapshot: 1, timestamp: 1 } }],
  ])('starts %s', async (_case, options, expected) => {
    const { root, signers } = await ceremony();
    const checked = checkImportedRoot(root.toJSON(), T0);
    const held = holding(options.targetsOffline ? { snapshot: signers.snapshot, timestamp: signers.timestamp } : signers);
    let offlineTargets: Metadata<Targets> | undefined;
    if (options.withTargets) {
      offlineTargets = buildTargets(1, expiresAfter(T0, 90), []);
      await signMetadata(offlineTargets, [signers.targets]);
    }
    const { writes, ...result } = await importedRepository(checked, { offlineTargets, targetsOffline: options.targetsOffline }, held, T0);
    expect(result).toEqual(expected);
    const state = apply(undefined, writes);
    if ('published' in expected) expectConsistent(state);
    else expect({ pending: state.pending?.signed.version, timestamp: state.timestamp }).toEqual({ pending: 1, timestamp: undefined });
  });
});
