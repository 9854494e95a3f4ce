import { describe, expect, it } from 'vitest';
import { metaVersion, summarize, type Metadata } from './repository.js';

const root: Metadata = {
  signed: {
    _type: 'root',
    version: 2,
    expires: '2027-01-01T00:00:00Z',
    keys: {
      r1: { keytype: 'ecdsa', scheme: 'ecdsa-sha2-nistp256' },
      t1: { keytype: 'ed25519', scheme: 'ed25519' },
      s1: { keytype: 'ed25519', scheme: 'ed25519' },
      ts1: { keytype: 'ed25519', scheme: 'ed25519' },
    },
    roles: {
      root: { keyids: ['r1'], threshold: 1 },
      targets: { keyids: ['t1'], threshold: 1 },
      snapshot: { keyids: ['s1'], threshold: 1 },
      timestamp: { keyids: ['ts1'], threshold: 1 },
    },
  },
  signatures: [{ keyid: 'r1', sig: 'aa' }],
};
const role = (version: number, expires: string, keyid: string): Metadata => ({ signed: { version, expires }, signatures: [{ keyid, sig: 'bb' }] });

describe('TUF repository summary', () => {
  it('lists each role with its version, expiry, threshold and keys, marking online and signing keys', () => {
    const rows = summarize(
      {
        root,
        targets: role(5, '2026-06-01T00:00:00Z', 't1'),
        snapshot: role(9, '2026-03-08T00:00:00Z', 's1'),
        timestamp: role(40, '2026-03-02T00:00:00Z', 'ts1'),
      },
      [
        { role: 'timestamp', keyid: 'ts1', inRoot: true },
        { role: 'snapshot', keyid: 's1', inRoot: true },
        { role: 'timestamp', keyid: 'ts2', inRoot: false },
      ],
    );
    expect(rows.map((r) => [r.role, r.version, r.threshold])).toEqual([
      ['root', 2, 1],
      ['targets', 5, 1],
      ['snapshot', 9, 1],
      ['timestamp', 40, 1],
    ]);
    expect(rows[0]!.keys).toEqual([{ keyid: 'r1', keytype: 'ecdsa', scheme: 'ecdsa-sha2-nistp256', online: false, signed: true }]);
    // targets signed offline: the server holds no targets key.
    expect(rows[1]!.keys[0]).toMatchObject({ keyid: 't1', online: false, signed: true });
    expect(rows[3]!.keys[0]).toMatchObject({ keyid: 'ts1', online: true });
    expect(rows[3]!.staged).toEqual(['ts2']);
    expect(rows[3]!.expires).toBe('2026-03-02T00:00:00Z');
  });

  it('shows what is missing instead of failing when metadata is absent', () => {
    const rows = summarize({ root }, []);
    expect(rows[1]).toMatchObject({ role: 'targets', version: undefined, expires: undefined, threshold: 1 });
    expect(summarize({}, [])[0]).toMatchObject({ role: 'root', threshold: 0, keys: [] });
  });
});

describe('the chain of versions', () => {
  it('reads the snapshot version from the timestamp and the targets version from the snapshot', () => {
    const timestamp: Metadata = { signed: { version: 7, expires: '', meta: { 'snapshot.json': { version: 4 } } }, signatures: [] };
    expect(metaVersion(timestamp, 'snapshot.json')).toBe(4);
    expect(metaVersion(timestamp, 'targets.json')).toBeUndefined();
    expect(metaVersion(undefined, 'snapshot.json')).toBeUndefined();
  });
});
