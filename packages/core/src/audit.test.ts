import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { thrown } from '../../../testkit/errors.js';
import { auditEntryHash, GENESIS_HASH, nextAuditEntry, verifyAuditChain, type AuditEntry, type AuditFields } from './audit.js';
import { isOspreyError } from './errors.js';

const t0 = Date.parse('2025-03-01T10:00:00.000Z');

function fields(i: number, tenant = 'DEFAULT'): AuditFields {
  return {
    tenant,
    at: new Date(t0 + i * 1000 + 7),
    actor: 'admin',
    action: i === 0 ? 'target.create' : 'target.update',
    subject: { type: 'target', id: `t${i % 3}` },
    before: i === 0 ? null : { name: `device ${i - 1}`, attributes: { rev: i - 1, tags: ['a', 'b'] } },
    after: { name: `device ${i}`, attributes: { rev: i, tags: ['a', 'b'] } },
  };
}

function chain(n: number, tenant = 'DEFAULT'): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let i = 0; i < n; i++) entries.push(nextAuditEntry(entries.at(-1), fields(i, tenant)));
  return entries;
}

/** Re-hash an edited entry, as a forger who knows the algorithm would. */
function rehash(entry: AuditEntry): AuditEntry {
  const { hash: _, ...rest } = entry;
  return { ...rest, hash: auditEntryHash(rest) };
}

describe('audit entries', () => {
  it('starts at seq 1 from the genesis hash and links each entry to the one before', () => {
    const [a, b, c] = chain(3) as [AuditEntry, AuditEntry, AuditEntry];
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    expect(a).toMatchObject({ tenant: 'DEFAULT', seq: 1, prevHash: GENESIS_HASH, at: '2025-03-01T10:00:00.007Z', before: null });
    expect(b).toMatchObject({ seq: 2, prevHash: a.hash });
    expect(c).toMatchObject({ seq: 3, prevHash: b.hash });
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes the canonical JSON of every field but the hash', () => {
    const [a] = chain(1) as [AuditEntry];
    const { hash, ...rest } = a;
    expect(auditEntryHash(rest)).toBe(hash);
    // Keys sorted, no whitespace: the bytes are fixed by the values alone.
    const canonical =
      '{"action":"target.create","actor":"admin","after":{"attributes":{"rev":0,"tags":["a","b"]},"name":"device 0"},"at":"2025-03-01T10:00:00.007Z","before":null,' +
      `"prevHash":"${GENESIS_HASH}","seq":1,"subject":{"id":"t0","type":"target"},"tenant":"DEFAULT"}`;
    expect(hash).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('does not depend on key order (as jsonb reorders keys) and ignores extra properties', () => {
    const [a] = chain(1) as [AuditEntry];
    const reordered = JSON.parse(
      JSON.stringify({
        hash: a.hash,
        after: { name: 'device 0', attributes: { tags: ['a', 'b'], rev: 0 } },
        subject: { id: 't0', type: 'target' },
        prevHash: a.prevHash,
        before: null,
        action: a.action,
        actor: a.actor,
        at: a.at,
        seq: 1,
        tenant: 'DEFAULT',
        _links: {},
      }),
    );
    expect(auditEntryHash(reordered)).toBe(a.hash);
  });

  it('normalises time and JSON values to what storage reads back', () => {
    const e = nextAuditEntry(undefined, { ...fields(0), at: '2025-03-01T11:00:00+01:00', after: { when: new Date(t0), gone: undefined, n: 5 } });
    expect(e.at).toBe('2025-03-01T10:00:00.000Z');
    expect(e.after).toEqual({ when: '2025-03-01T10:00:00.000Z', n: 5 });
    expect(Object.keys(e.after!)).not.toContain('gone');
  });

  it('refuses values it cannot hash canonically, bad dates, empty names and another tenant', () => {
    expect(
      isOspreyError(
        thrown(() => nextAuditEntry(undefined, { ...fields(0), after: { ratio: 0.5 } })),
        'AUDIT_ENTRY_INVALID',
      ),
    ).toBe(true);
    expect((thrown(() => nextAuditEntry(undefined, { ...fields(0), after: { a: [{ ratio: 0.5 }] } })) as Error).message).toMatch(
      /after\.a\[0\]\.ratio is 0\.5/,
    );
    expect(
      isOspreyError(
        thrown(() => nextAuditEntry(undefined, { ...fields(0), after: { big: 1n } })),
        'AUDIT_ENTRY_INVALID',
      ),
    ).toBe(true);
    expect(
      isOspreyError(
        thrown(() => nextAuditEntry(undefined, { ...fields(0), after: [1, 2] })),
        'AUDIT_ENTRY_INVALID',
      ),
    ).toBe(true);
    expect(
      isOspreyError(
        thrown(() => nextAuditEntry(undefined, { ...fields(0), at: 'yesterday' })),
        'AUDIT_ENTRY_INVALID',
      ),
    ).toBe(true);
    expect(
      isOspreyError(
        thrown(() => nextAuditEntry(undefined, { ...fields(0), actor: '' })),
        'AUDIT_ENTRY_INVALID',
      ),
    ).toBe(true);
    const [a] = chain(1) as [AuditEntry];
    const error = thrown(() => nextAuditEntry(a, fields(1, 'OTHER')));
    expect(isOspreyError(error, 'AUDIT_ENTRY_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/tenant "OTHER" cannot follow an entry of tenant "DEFAULT"/);
  });
});

describe('verifyAuditChain', () => {
  const entries = chain(25);
  const head = { seq: 25, hash: entries[24]!.hash };

  it('accepts a clean chain, an empty one, and a chain that grew past the recorded head', () => {
    expect(verifyAuditChain(entries)).toEqual({ ok: true, head });
    expect(verifyAuditChain([])).toEqual({ ok: true, head: undefined });
    expect(verifyAuditChain(entries, { expectHead: head })).toEqual({ ok: true, head });
    expect(verifyAuditChain(entries, { expectHead: { seq: 10, hash: entries[9]!.hash.toUpperCase() } })).toEqual({ ok: true, head });
  });

  it('verifies a long log slice by slice, each slice continuing from the last entry of the one before', () => {
    expect(verifyAuditChain(entries.slice(0, 10))).toEqual({ ok: true, head: { seq: 10, hash: entries[9]!.hash } });
    expect(verifyAuditChain(entries.slice(10), { after: entries[9]! })).toEqual({ ok: true, head });
    expect(verifyAuditChain([], { after: entries[24]! })).toEqual({ ok: true, head });
    // A gap or a broken link at the seam is found as within a slice.
    expect(verifyAuditChain(entries.slice(11), { after: entries[9]! })).toEqual({
      ok: false,
      seq: 11,
      reason: 'entry 11 is missing (entry 12 follows entry 10)',
    });
    const forged = { ...entries[9]!, hash: entries[8]!.hash };
    expect(verifyAuditChain(entries.slice(10), { after: forged })).toMatchObject({ ok: false, seq: 11 });
    expect(() => verifyAuditChain(entries.slice(10), { after: entries[9]!, expectHead: head })).toThrow(/whole log/);
  });

  it('detects a changed field (hash mismatch)', () => {
    for (const edit of [
      { actor: 'mallory' },
      { at: '2025-03-01T10:00:17.000Z' },
      { after: { name: 'device 16' } },
      { before: null },
      { subject: { type: 'target', id: 'tX' } },
      { action: 'target.delete' },
    ]) {
      const tampered = entries.map((e) => (e.seq === 17 ? { ...e, ...edit } : e));
      expect(verifyAuditChain(tampered)).toEqual({ ok: false, seq: 17, reason: 'entry 17 was changed after it was written (hash mismatch)' });
    }
  });

  it('detects a value Osprey never writes as a change', () => {
    const tampered = entries.map((e) => (e.seq === 4 ? { ...e, after: { ratio: 0.5 } } : e));
    const result = verifyAuditChain(tampered);
    expect(result).toMatchObject({ ok: false, seq: 4 });
    expect(!result.ok && result.reason).toMatch(/^entry 4 was changed after it was written/);
  });

  it('detects a changed entry whose hash was recomputed (the next entry no longer links)', () => {
    const tampered = entries.map((e) => (e.seq === 17 ? rehash({ ...e, actor: 'mallory' }) : e));
    const result = verifyAuditChain(tampered);
    expect(result).toMatchObject({ ok: false, seq: 18 });
    expect(!result.ok && result.reason).toMatch(/^entry 18 does not link to entry 17 \(prevHash mismatch/);
  });

  it('detects a deleted entry (seq gap) and several deleted entries', () => {
    expect(verifyAuditChain(entries.filter((e) => e.seq !== 18))).toEqual({ ok: false, seq: 18, reason: 'entry 18 is missing (entry 19 follows entry 17)' });
    expect(verifyAuditChain(entries.filter((e) => e.seq < 5 || e.seq > 7))).toEqual({
      ok: false,
      seq: 5,
      reason: 'entries 5 to 7 are missing (entry 8 follows entry 4)',
    });
    expect(verifyAuditChain(entries.slice(1))).toEqual({ ok: false, seq: 1, reason: 'entry 1 is missing (the log starts at entry 2)' });
  });

  it('detects a deleted entry even when the later ones were renumbered', () => {
    const renumbered = [...entries.slice(0, 4), ...entries.slice(5).map((e) => ({ ...e, seq: e.seq - 1 }))];
    expect(verifyAuditChain(renumbered)).toMatchObject({ ok: false, seq: 5 });
  });

  it('detects an inserted entry (duplicate seq, or a forged link)', () => {
    const forged = nextAuditEntry(entries[9], { ...fields(99), actor: 'mallory' });
    const duplicate = [...entries.slice(0, 11), forged, ...entries.slice(11)];
    expect(verifyAuditChain(duplicate)).toEqual({ ok: false, seq: 11, reason: 'entry 11 appears twice (an entry was duplicated or inserted)' });
    // Forged entry 11 in place of the real one, the rest renumbered: entry 12 (the old 11) breaks.
    const shifted = [...entries.slice(0, 10), forged, ...entries.slice(10).map((e) => ({ ...e, seq: e.seq + 1 }))];
    expect(verifyAuditChain(shifted)).toEqual({
      ok: false,
      seq: 12,
      reason: 'entry 12 does not link to entry 11 (prevHash mismatch: entry 11 was rewritten, or entry 12 was inserted or changed)',
    });
  });

  it('detects a wrong start of the chain', () => {
    const bad = [rehash({ ...entries[0]!, prevHash: 'f'.repeat(64) })];
    expect(verifyAuditChain(bad)).toEqual({ ok: false, seq: 1, reason: 'entry 1 does not start the chain (its prevHash is not the genesis hash)' });
  });

  it('detects reordering', () => {
    const swapped = [...entries];
    [swapped[5], swapped[6]] = [swapped[6]!, swapped[5]!];
    expect(verifyAuditChain(swapped)).toEqual({ ok: false, seq: 7, reason: 'the entries are out of order (entry 7 comes before entry 6)' });
    const backwards = [...entries].reverse();
    expect(verifyAuditChain(backwards)).toMatchObject({ ok: false, seq: 25 });
  });

  it('detects mixed tenants', () => {
    const other = chain(25, 'OTHER');
    const mixed = entries.map((e) => (e.seq === 9 ? other[8]! : e));
    expect(verifyAuditChain(mixed)).toEqual({
      ok: false,
      seq: 9,
      reason: 'entry 9 belongs to tenant "OTHER", not "DEFAULT" (entries of different tenants are mixed)',
    });
  });

  it('with a recorded head, detects a truncated tail', () => {
    expect(verifyAuditChain(entries.slice(0, 22), { expectHead: head })).toEqual({
      ok: false,
      seq: 23,
      reason: 'entries 23 to 25 are missing (the log ends at entry 22 but entry 25 was recorded earlier: the log was truncated)',
    });
    expect(verifyAuditChain(entries.slice(0, 24), { expectHead: head })).toMatchObject({
      ok: false,
      seq: 25,
      reason: expect.stringMatching(/^entry 25 is missing/),
    });
    expect(verifyAuditChain([], { expectHead: head })).toMatchObject({ ok: false, seq: 1, reason: expect.stringMatching(/the log is empty/) });
    // Without the recorded head, a truncated log is a valid (shorter) chain.
    expect(verifyAuditChain(entries.slice(0, 22)).ok).toBe(true);
  });

  it('with a recorded head, detects a rewritten history', () => {
    // Entry 20 changed and every later hash recomputed: a consistent chain, but not the one recorded.
    const rewritten: AuditEntry[] = entries.slice(0, 19);
    for (let i = 19; i < 25; i++) rewritten.push(nextAuditEntry(rewritten.at(-1), { ...fields(i), actor: i === 19 ? 'mallory' : 'admin' }));
    expect(verifyAuditChain(rewritten).ok).toBe(true);
    expect(verifyAuditChain(rewritten, { expectHead: head })).toEqual({
      ok: false,
      seq: 25,
      reason: 'entry 25 is not the one recorded earlier (its hash differs from the recorded head: the history was rewritten)',
    });
    expect(verifyAuditChain(rewritten, { expectHead: { seq: 19, hash: entries[18]!.hash } }).ok).toBe(true);
  });
});
