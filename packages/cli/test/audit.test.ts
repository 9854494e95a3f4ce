/**
 * `osprey audit verify`: a clean export, each kind of tampering (exit 1, one line naming the
 * entry), a recorded head, and malformed files (exit 2, one line naming the line number).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextAuditEntry, type AuditEntry } from '@osprey/core';
import { tempDirForFile } from '../../../testkit/temp-dir.js';
import { runCli } from './run-cli.js';
import type { CliEnvironment } from '../src/config.js';

const work = tempDirForFile('osprey-audit-');

const env: CliEnvironment = { passphrase: undefined, pkcs11: { module: undefined, tokenLabel: undefined, pin: undefined }, interactive: false };

function osprey(args: string[]) {
  return runCli(args, env);
}

const entries: AuditEntry[] = [];
for (let i = 0; i < 10; i++) {
  entries.push(
    nextAuditEntry(entries.at(-1), {
      tenant: 'DEFAULT',
      at: new Date(Date.UTC(2025, 5, 1, 8, 0, i, 250)),
      actor: 'admin',
      action: 'distribution-set.update',
      subject: { type: 'distribution-set', id: String(100 + i) },
      before: i === 0 ? null : { version: `1.${i - 1}` },
      after: { version: `1.${i}`, modules: [{ name: 'os', id: 7 }] },
    }),
  );
}
const head = entries.at(-1)!;

let n = 0;
function file(lines: Array<AuditEntry | string>): string {
  const path = join(work, `export-${++n}.jsonl`);
  writeFileSync(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return path;
}

describe('osprey audit verify', () => {
  it('accepts a clean export and prints the head', async () => {
    const r = await osprey(['audit', 'verify', file(entries)]);
    expect(r.code, r.err).toBe(0);
    expect(r.json).toEqual({ ok: true, entries: 10, head: { seq: 10, hash: head.hash } });
    expect(r.err).toBe('');
  });

  it('accepts key order and spacing another JSON encoder chose, CRLF and blank lines', async () => {
    const reordered = entries.map((e) => JSON.stringify(Object.fromEntries(Object.entries(e).reverse()), null, 0).replace(/,/g, ', '));
    const path = join(work, 'crlf.jsonl');
    writeFileSync(path, reordered.join('\r\n') + '\r\n\r\n');
    const r = await osprey(['audit', 'verify', path]);
    expect(r.code, r.err).toBe(0);
    expect(r.json.entries).toBe(10);
  });

  it('accepts an empty export', async () => {
    const r = await osprey(['audit', 'verify', file([])]);
    expect(r.code, r.err).toBe(0);
    expect(r.json).toEqual({ ok: true, entries: 0, head: null });
  });

  it('refuses an edited entry (exit 1, one line)', async () => {
    const r = await osprey(['audit', 'verify', file(entries.map((e) => (e.seq === 4 ? { ...e, after: { version: '6.6.6' } } : e)))]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe('osprey: audit chain broken at entry 4: entry 4 was changed after it was written (hash mismatch) [AUDIT_CHAIN_BROKEN]\n');
  });

  it('refuses a deleted entry', async () => {
    const r = await osprey(['audit', 'verify', file(entries.filter((e) => e.seq !== 7))]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('osprey: audit chain broken at entry 7: entry 7 is missing (entry 8 follows entry 6) [AUDIT_CHAIN_BROKEN]\n');
  });

  it('refuses reordered entries and mixed tenants', async () => {
    const swapped = [...entries];
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    const reordered = await osprey(['audit', 'verify', file(swapped)]);
    expect(reordered.code).toBe(1);
    expect(reordered.err).toMatch(/^osprey: audit chain broken at entry 3: the entries are out of order/);
    const other = nextAuditEntry(undefined, {
      tenant: 'OTHER',
      at: new Date(),
      actor: 'x',
      action: 'y',
      subject: { type: 't', id: '1' },
      before: null,
      after: null,
    });
    const mixed = await osprey(['audit', 'verify', file([...entries, { ...other, seq: 11, prevHash: head.hash }])]);
    expect(mixed.code).toBe(1);
    expect(mixed.err).toMatch(/^osprey: audit chain broken at entry 11: entry 11 belongs to tenant "OTHER"/);
  });

  it('with --expect-head, refuses a truncated or rewritten log', async () => {
    const expectHead = `${head.seq}:${head.hash}`;
    const ok = await osprey(['audit', 'verify', file(entries), '--expect-head', expectHead]);
    expect(ok.code, ok.err).toBe(0);
    const truncatedFile = file(entries.slice(0, 8));
    expect((await osprey(['audit', 'verify', truncatedFile])).code).toBe(0);
    const truncated = await osprey(['audit', 'verify', truncatedFile, '--expect-head', expectHead]);
    expect(truncated.code).toBe(1);
    expect(truncated.err).toMatch(
      /^osprey: audit chain broken at entry 9: entries 9 to 10 are missing \(the log ends at entry 8 but entry 10 was recorded earlier: the log was truncated\) \[AUDIT_CHAIN_BROKEN\]\n$/,
    );
    const rewritten = entries.slice(0, 9);
    rewritten.push(
      nextAuditEntry(rewritten.at(-1), {
        tenant: 'DEFAULT',
        at: new Date(),
        actor: 'mallory',
        action: 'x',
        subject: { type: 't', id: '1' },
        before: null,
        after: null,
      }),
    );
    const history = await osprey(['audit', 'verify', file(rewritten), '--expect-head', expectHead.toUpperCase()]);
    expect(history.code).toBe(1);
    expect(history.err).toMatch(/^osprey: audit chain broken at entry 10: .*history was rewritten/);
  });

  it('refuses a malformed --expect-head (exit 2)', async () => {
    for (const bad of ['10', `0:${head.hash}`, '10:abc', `x:${head.hash}`]) {
      const r = await osprey(['audit', 'verify', file(entries), '--expect-head', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.err).toMatch(/--expect-head.*must be SEQ:HASH/);
    }
  });

  it('refuses a malformed file with the line number (exit 2, one line)', async () => {
    const cases: Array<[Array<AuditEntry | string>, RegExp]> = [
      [[entries[0]!, '{"tenant": "DEFAULT", "seq": 2,', entries[2]!], /line 2: not JSON \(/],
      [[entries[0]!, entries[1]!, '[1, 2]'], /line 3: not an audit entry: not a JSON object/],
      [[JSON.stringify({ ...entries[0]!, hash: undefined })], /line 1: not an audit entry: missing field "hash"/],
      [[entries[0]!, { ...entries[1]!, seq: '2' as unknown as number }], /line 2: not an audit entry: field "seq" must be a whole number/],
      [[entries[0]!, { ...entries[1]!, extra: true } as AuditEntry], /line 2: not an audit entry: unknown field "extra"/],
      [[{ ...entries[0]!, subject: 'target' as unknown as AuditEntry['subject'] }], /line 1: not an audit entry: field "subject"/],
      [[{ ...entries[0]!, after: [1] as unknown as AuditEntry['after'] }], /line 1: not an audit entry: field "after" must be a JSON object or null/],
    ];
    for (const [lines, message] of cases) {
      const r = await osprey(['audit', 'verify', file(lines)]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).toMatch(/\[AUDIT_ENTRY_INVALID\]\n$/);
      expect(r.err.split('\n')).toHaveLength(2);
    }
    const missing = await osprey(['audit', 'verify', join(work, 'nope.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no such file/);
  });
});
