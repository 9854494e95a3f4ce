import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { thrownCode } from '../../../../testkit/errors.js';
import { isOspreyError, type ErrorCode } from '../errors.js';
import {
  buildRoot,
  buildSnapshot,
  buildTargets,
  buildTimestamp,
  checkNotExpired,
  expiresAfter,
  nextRoot,
  parseMetadata,
  serializeMetadata,
  verifyRole,
  verifyRootRotation,
  type RoleKeyMap,
} from './metadata.js';
import { KeyObjectSigner, signMetadata } from './signer.js';

const now = new Date('2026-11-22T00:00:00Z');
const signer = (type: 'ed25519' | 'ec' = 'ed25519') =>
  new KeyObjectSigner(type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey : generateKeyPairSync('ed25519').privateKey);

const codeOf = (fn: () => unknown): string | undefined => thrownCode(fn, (e) => isOspreyError(e));

function roles(rootSigners: KeyObjectSigner[], threshold: number, online: KeyObjectSigner[]): RoleKeyMap {
  return {
    root: { keys: rootSigners.map((s) => s.key), threshold },
    targets: { keys: online.map((s) => s.key), threshold: online.length },
    snapshot: { keys: [online[0]!.key], threshold: 1 },
    timestamp: { keys: [online[0]!.key], threshold: 1 },
  };
}

describe('TUF metadata', () => {
  const rootKeys = [signer(), signer('ec'), signer()];
  const online = [signer('ec'), signer()];
  const root = buildRoot({ roles: roles(rootKeys, 2, online), expires: expiresAfter(now, 365) });

  it('refuses impossible thresholds and duplicate keys', () => {
    const expectCode = (code: ErrorCode, fn: () => unknown) => expect(codeOf(fn)).toBe(code);
    expectCode('TUF_INVALID_METADATA', () => buildRoot({ roles: roles(rootKeys, 4, online), expires: expiresAfter(now, 1) }));
    expectCode('TUF_INVALID_METADATA', () => buildRoot({ roles: roles(rootKeys, 0, online), expires: expiresAfter(now, 1) }));
    expectCode('TUF_INVALID_METADATA', () => buildRoot({ roles: roles([rootKeys[0]!, rootKeys[0]!], 1, online), expires: expiresAfter(now, 1) }));
  });

  it('counts distinct valid signatures against the threshold and tells forged from missing', async () => {
    const targets = buildTargets(1, expiresAfter(now, 30), []);
    await signMetadata(targets, [online[0]!]);
    expect(codeOf(() => verifyRole(root.signed, 'targets', targets))).toBe('TUF_THRESHOLD_NOT_MET');
    await signMetadata(targets, [online[0]!]); // the same key again still counts once
    expect(codeOf(() => verifyRole(root.signed, 'targets', targets))).toBe('TUF_THRESHOLD_NOT_MET');
    await signMetadata(targets, [online[1]!]);
    expect(codeOf(() => verifyRole(root.signed, 'targets', targets))).toBeUndefined();
    const sig = targets.signatures[online[1]!.key.keyID]!;
    (sig as { sig: string }).sig = sig.sig.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(codeOf(() => verifyRole(root.signed, 'targets', targets))).toBe('TUF_BAD_SIGNATURE');
  });

  it('accepts a rotation signed by old and new root thresholds, and no other', async () => {
    const newKeys = [signer(), signer()];
    const draft = () => nextRoot(root, { roles: { root: { keys: newKeys.map((s) => s.key), threshold: 2 } }, expires: expiresAfter(now, 365) });
    const onlyNew = draft();
    await signMetadata(onlyNew, newKeys);
    expect(codeOf(() => verifyRootRotation(root, onlyNew))).toBe('TUF_ROOT_ROTATION_INVALID');
    const onlyOld = draft();
    await signMetadata(onlyOld, rootKeys.slice(0, 2));
    expect(codeOf(() => verifyRootRotation(root, onlyOld))).toBe('TUF_ROOT_ROTATION_INVALID');
    const both = draft();
    await signMetadata(both, [...rootKeys.slice(1), ...newKeys]);
    expect(codeOf(() => verifyRootRotation(root, both))).toBeUndefined();
    expect(both.signed.version).toBe(2);
    const skipped = nextRoot(both, { expires: expiresAfter(now, 1) });
    await signMetadata(skipped, newKeys);
    expect(codeOf(() => verifyRootRotation(root, skipped))).toBe('TUF_VERSION_MISMATCH');
  });

  it('chains timestamp → snapshot → targets by version, length and hash', () => {
    const targets = buildTargets(3, expiresAfter(now, 30), []);
    const snapshot = buildSnapshot(4, expiresAfter(now, 7), targets);
    const timestamp = buildTimestamp(5, expiresAfter(now, 1), snapshot);
    const meta = snapshot.signed.meta['targets.json']!;
    expect(meta.version).toBe(3);
    expect(() => meta.verify(serializeMetadata(targets))).not.toThrow();
    expect(timestamp.signed.snapshotMeta.version).toBe(4);
    expect(() => timestamp.signed.snapshotMeta.verify(serializeMetadata(snapshot))).not.toThrow();
    expect(parseMetadata('timestamp', serializeMetadata(timestamp)).signed.version).toBe(5);
  });

  it('reports expiry against the clock it is given', () => {
    const timestamp = buildTimestamp(1, expiresAfter(now, 1), buildSnapshot(1, expiresAfter(now, 7), buildTargets(1, expiresAfter(now, 30), [])));
    expect(codeOf(() => checkNotExpired(timestamp, 'timestamp', now))).toBeUndefined();
    expect(codeOf(() => checkNotExpired(timestamp, 'timestamp', new Date(now.getTime() + 2 * 86_400_000)))).toBe('TUF_EXPIRED');
  });

  it('refuses an expiry that is not a date, which would otherwise never expire — fuzzing finding', () => {
    for (const expires of ['', 'never', '2026-13-45T00:00:00Z']) {
      const targets = parseMetadata(
        'targets',
        Buffer.from(JSON.stringify({ signed: { ...buildTargets(1, expiresAfter(now, 1), []).signed.toJSON(), expires }, signatures: [] })),
      );
      expect(targets.signed.isExpired(new Date(8.64e15))).toBe(false); // what @tufjs/models alone concludes
      expect(codeOf(() => checkNotExpired(targets, 'targets', now))).toBe('TUF_INVALID_METADATA');
    }
  });

  it('refuses malformed metadata with a typed error', () => {
    expect(codeOf(() => parseMetadata('root', Buffer.from('{"signed":{}}')))).toBe('TUF_INVALID_METADATA');
    expect(codeOf(() => parseMetadata('targets', Buffer.from('not json')))).toBe('TUF_INVALID_METADATA');
  });
});

describe('TUF key identity', () => {
  it('refuses a role that lists one key under two IDs, or an ID that is not the key hash', async () => {
    const { Key } = await import('@tufjs/models');
    const real = signer();
    const json = real.key.toJSON() as { keytype: string; scheme: string; keyval: { public: string } };
    const alias = Key.fromJSON('f'.repeat(64), json);
    const online = [signer()];
    const r = roles([signer()], 1, online);
    expect(codeOf(() => buildRoot({ roles: { ...r, targets: { keys: [real.key, alias], threshold: 2 } }, expires: expiresAfter(now, 1) }))).toBe(
      'TUF_INVALID_METADATA',
    );
    expect(codeOf(() => buildRoot({ roles: { ...r, targets: { keys: [alias], threshold: 1 } }, expires: expiresAfter(now, 1) }))).toBe('TUF_INVALID_METADATA');
  });
});
