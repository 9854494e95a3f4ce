/**
 * Fuzzing TUF metadata as a device reads it: bytes from the repository (or a mirror, or a USB
 * stick) are parsed with parseMetadata and checked with verifyRole / verifyRootRotation against
 * the root it trusts. Signed metadata is mutated — fields changed, added or removed, signatures
 * dropped, duplicated, moved to other key IDs or altered, keys of the wrong type, one key under
 * two IDs — and the outcome must be exactly the one TUF prescribes: accepted only when the signed
 * part is byte-for-byte (canonically) what the keys signed and a threshold of distinct role keys
 * signed it; otherwise a TUF_* OspreyError, never another exception.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import { Root, type Metadata } from '@tufjs/models';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../../testkit/fuzz.js';
import { OspreyError } from '../errors.js';
import { buildReleaseTarget } from '../release/custom.js';
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
  type AnyMetadata,
  type TopLevelRole,
} from './metadata.js';
import { KeyObjectSigner, signMetadata } from './signer.js';

const NOW = new Date('2026-11-22T00:00:00Z');
const signer = (type: 'ed25519' | 'ec') =>
  new KeyObjectSigner(type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey : generateKeyPairSync('ed25519').privateKey);

// --- a repository: root v1 (2 of 3 root keys), v2 rotated (2 of 2, one key kept), 2-of-2 targets --

const r = [signer('ed25519'), signer('ec'), signer('ed25519'), signer('ec')];
const t = [signer('ed25519'), signer('ec')];
const online = signer('ed25519');
const root1 = buildRoot({
  roles: {
    root: { keys: [r[0]!.key, r[1]!.key, r[2]!.key], threshold: 2 },
    targets: { keys: [t[0]!.key, t[1]!.key], threshold: 2 },
    snapshot: { keys: [online.key], threshold: 1 },
    timestamp: { keys: [online.key], threshold: 1 },
  },
  expires: expiresAfter(NOW, 365),
});
await signMetadata(root1, [r[0]!, r[1]!, r[2]!]);
const root2 = nextRoot(root1, { roles: { root: { keys: [r[1]!.key, r[3]!.key], threshold: 2 } }, expires: expiresAfter(NOW, 365) });
await signMetadata(root2, [r[0]!, r[1]!, r[2]!, r[3]!]);

const release = {
  name: 'gw-os',
  version: '2.0.0',
  securityVersion: 5,
  hardware: ['board-a'],
  installType: 'image',
  plaintext: { length: 1000, sha256: 'c'.repeat(64) },
  encryption: { format: 'age-v1', chunkSize: 65536 },
};
const targets = buildTargets(3, expiresAfter(NOW, 30), [buildReleaseTarget({ length: 1234, sha256: 'd'.repeat(64), custom: release })]);
await signMetadata(targets, t);
const snapshot = buildSnapshot(3, expiresAfter(NOW, 7), targets);
await signMetadata(snapshot, [online]);
const timestamp = buildTimestamp(3, expiresAfter(NOW, 1), snapshot);
await signMetadata(timestamp, [online]);

/**
 * A root the device might trust that lists one targets key under two key IDs (its real one and an
 * alias) with threshold 2: one key signing twice must still count once (T2, duplicate-key threshold).
 */
const ALIAS = 'a1'.repeat(32);
const aliasRootJson = structuredClone(root1.signed.toJSON()) as Record<string, any>;
aliasRootJson.keys[ALIAS] = aliasRootJson.keys[t[0]!.key.keyID];
aliasRootJson.roles.targets = { keyids: [t[0]!.key.keyID, ALIAS], threshold: 2 };
const aliasRoot = Root.fromJSON(aliasRootJson as Parameters<typeof Root.fromJSON>[0]);

interface Case {
  name: string;
  kind: TopLevelRole;
  document: AnyMetadata;
  /** The check a device runs on it. */
  verify: (md: AnyMetadata) => void;
  /** Whose thresholds must be met, by which keys: [root that names the role, role]. */
  thresholds: Array<[Root, TopLevelRole]>;
}

const CASES: Case[] = [
  { name: 'targets', kind: 'targets', document: targets, verify: (md) => verifyRole(root1.signed, 'targets', md), thresholds: [[root1.signed, 'targets']] },
  {
    name: 'targets (alias root)',
    kind: 'targets',
    document: targets,
    verify: (md) => verifyRole(aliasRoot, 'targets', md),
    thresholds: [[aliasRoot, 'targets']],
  },
  {
    name: 'snapshot',
    kind: 'snapshot',
    document: snapshot,
    verify: (md) => verifyRole(root1.signed, 'snapshot', md),
    thresholds: [[root1.signed, 'snapshot']],
  },
  {
    name: 'timestamp',
    kind: 'timestamp',
    document: timestamp,
    verify: (md) => verifyRole(root1.signed, 'timestamp', md),
    thresholds: [[root1.signed, 'timestamp']],
  },
  { name: 'root v1', kind: 'root', document: root1, verify: (md) => verifyRole(root1.signed, 'root', md), thresholds: [[root1.signed, 'root']] },
  {
    name: 'root v2 rotation',
    kind: 'root',
    document: root2,
    verify: (md) => verifyRootRotation(root1, md as Metadata<Root>),
    thresholds: [
      [root1.signed, 'root'],
      [root2.signed, 'root'],
    ],
  },
];

/** The bytes keys sign; undefined when there are none (canonical JSON has no fractions, so nothing signs those). */
function canonicalSigned(md: AnyMetadata): string | undefined {
  try {
    return canonicalize(md.signed.toJSON());
  } catch {
    return undefined;
  }
}
const sigBytes = (hex: string) => Buffer.from(hex, 'hex');

/**
 * Whether TUF accepts `md` for a case: the signed part unchanged, and for every threshold, enough
 * distinct keys of the role whose signature is (as bytes) the one they made over that signed part.
 */
function shouldAccept(c: Case, md: AnyMetadata): boolean {
  const signed = canonicalSigned(md);
  if (signed === undefined || signed !== canonicalSigned(c.document)) return false;
  // The valid signature of each key material, from the original document.
  const valid = new Map<string, Buffer>();
  for (const [keyID, sig] of Object.entries(c.document.signatures)) {
    const key = [...r, ...t, online].find((s) => s.key.keyID === keyID)?.key;
    if (key) valid.set(key.keyVal.public!, sigBytes(sig.sig));
  }
  return c.thresholds.every(([root, role]) => {
    const spec = root.roles[role]!;
    const signers = new Set<string>();
    for (const keyID of spec.keyIDs) {
      const material = root.keys[keyID]?.keyVal.public;
      const sig = md.signatures[keyID];
      if (material && sig && valid.get(material)?.equals(sigBytes(sig.sig))) signers.add(material);
    }
    return signers.size >= spec.threshold;
  });
}

// --- mutations of the JSON document ----------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value inside `value` (the value itself included). */
function paths(value: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function at(value: Json, path: ReadonlyArray<string | number>): Json {
  return path.reduce<Json>((v, p) => (v as Record<string, Json>)[p as string] as Json, value);
}

const ALL_KEY_IDS = [...r, ...t, online].map((s) => s.key.keyID);
const anyKeyId = fc.oneof(fc.constantFrom(...ALL_KEY_IDS, ALIAS), fc.stringMatching(/^[0-9a-f]{64}$/), fc.constantFrom('', '__proto__', 'constructor'));
const hexEdit = fc.constantFrom('flip', 'upper', 'append-nibble', 'append-junk', 'truncate', 'empty', 'random', 'other-valid');

const jsonEdit = fc.record({
  target: fc.constantFrom('signed', 'signed', 'signed', 'signatures', 'top'),
  path: fc.nat(),
  op: fc.constantFrom('replace', 'delete', 'add', 'bump', 'append', 'toggle', 'duplicate', 'swap'),
  value: fc.jsonValue({ maxDepth: 1 }),
  key: fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.constantFrom('_type', 'version', 'expires', 'keyid', 'sig', 'custom', 'length', 'hashes', 'threshold', 'keyids'),
  ),
});
const sigEdit = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), index: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), index: fc.nat() }),
  fc.record({ op: fc.constant('move' as const), index: fc.nat(), keyid: anyKeyId }),
  fc.record({ op: fc.constant('hex' as const), index: fc.nat(), edit: hexEdit, n: fc.nat() }),
  fc.record({ op: fc.constant('add' as const), keyid: anyKeyId, sig: fc.oneof(fc.stringMatching(/^[0-9a-f]{0,144}$/), fc.constantFrom(...ALL_KEY_IDS)) }),
  fc.record({ op: fc.constant('alias' as const), index: fc.nat() }),
);
const keyEdit = fc.record({
  key: fc.nat(),
  field: fc.constantFrom('keytype', 'scheme', 'public'),
  value: fc.constantFrom('ed25519', 'ecdsa', 'ecdsa-sha2-nistp256', 'rsa', 'ED25519', '', 'x'),
});
const edit = fc.oneof(
  { weight: 4, arbitrary: jsonEdit.map((e) => ({ kind: 'json' as const, ...e })) },
  { weight: 4, arbitrary: sigEdit.map((e) => ({ kind: 'sig' as const, e })) },
  { weight: 1, arbitrary: keyEdit.map((e) => ({ kind: 'key' as const, ...e })) },
);
type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

function applyEdit(doc: { signed: Json; signatures: Array<{ keyid: Json; sig: Json }> } & Record<string, Json>, e: Edit): void {
  if (e.kind === 'sig') {
    // Earlier edits may have made signatures anything; these edits work on a list of objects.
    if (!Array.isArray(doc.signatures)) return;
    const sigs = doc.signatures.filter((x) => x !== null && typeof x === 'object' && !Array.isArray(x));
    doc.signatures = sigs;
    const s = e.e;
    const pick = (i: number) => sigs[i % Math.max(1, sigs.length)];
    switch (s.op) {
      case 'drop':
        if (sigs.length) sigs.splice(s.index % sigs.length, 1);
        return;
      case 'duplicate':
        if (sigs.length) sigs.push({ ...pick(s.index)! });
        return;
      case 'move':
        if (sigs.length) pick(s.index)!.keyid = s.keyid;
        return;
      case 'alias':
        if (sigs.length) sigs.push({ keyid: ALIAS, sig: pick(s.index)!.sig });
        return;
      case 'add':
        sigs.push({ keyid: s.keyid, sig: s.sig });
        return;
      case 'hex': {
        const sig = pick(s.index);
        if (!sig || typeof sig.sig !== 'string') return;
        const hex = sig.sig;
        const i = hex.length ? s.n % hex.length : 0;
        const flipped = hex.length ? hex.slice(0, i) + (hex[i] === '0' ? '1' : '0') + hex.slice(i + 1) : '00';
        const other = sigs.find((x) => x !== sig && typeof x.sig === 'string')?.sig ?? hex;
        sig.sig = {
          flip: flipped,
          upper: hex.toUpperCase(),
          'append-nibble': `${hex}f`,
          'append-junk': `${hex}zz`,
          truncate: hex.slice(0, Math.max(0, hex.length - 2)),
          empty: '',
          random: randomBytes(64).toString('hex'),
          'other-valid': other,
        }[s.edit];
        return;
      }
    }
  }
  if (e.kind === 'key') {
    if (doc.signed === null || typeof doc.signed !== 'object' || Array.isArray(doc.signed)) return;
    const keys = doc.signed.keys as Record<string, Record<string, Json>> | undefined;
    if (!keys || typeof keys !== 'object' || Array.isArray(keys)) return;
    const ids = Object.keys(keys);
    const key = keys[ids[e.key % ids.length]!];
    if (!key || typeof key !== 'object' || Array.isArray(key)) return;
    if (e.field === 'public') {
      if (key.keyval === null || typeof key.keyval !== 'object' || Array.isArray(key.keyval)) return;
      (key.keyval as Record<string, Json>).public = (ALL_KEY_IDS[e.key % ALL_KEY_IDS.length] ?? '').slice(0, 64);
    } else key[e.field] = e.value;
    return;
  }
  const base: Json = e.target === 'signed' ? doc.signed : e.target === 'signatures' ? (doc.signatures as unknown as Json) : (doc as unknown as Json);
  const all = paths(base);
  const path = all[e.path % all.length]!;
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  const node = at(base, path);
  const parent = parentPath.length || last !== undefined ? (at(base, parentPath) as Record<string | number, Json>) : undefined;
  switch (e.op) {
    case 'replace':
      if (parent && last !== undefined) parent[last] = e.value as Json;
      return;
    case 'delete':
      if (parent && last !== undefined) {
        if (Array.isArray(parent)) parent.splice(last as number, 1);
        else delete parent[last];
      }
      return;
    case 'add':
      if (node !== null && typeof node === 'object' && !Array.isArray(node)) node[e.key] = e.value as Json;
      else if (Array.isArray(node)) node.push(e.value as Json);
      return;
    case 'bump':
      if (parent && last !== undefined && typeof node === 'number') parent[last] = node + (e.path % 2 === 0 ? 1 : -1);
      return;
    case 'append':
      if (parent && last !== undefined && typeof node === 'string') parent[last] = `${node}${e.key || 'x'}`;
      return;
    case 'toggle':
      if (parent && last !== undefined && typeof node === 'boolean') parent[last] = !node;
      return;
    case 'duplicate':
      if (Array.isArray(node) && node.length) node.push(structuredClone(node[e.path % node.length]!));
      return;
    case 'swap':
      if (Array.isArray(node) && node.length > 1) node.reverse();
      else if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
        const entries = Object.entries(node);
        for (const k of Object.keys(node)) delete node[k];
        for (const [k, v] of entries.reverse()) node[k] = v; // the same object, keys in another order
      }
      return;
  }
}

/** Parse and verify as a device does; the TUF_* code of a refusal, or undefined when accepted. */
function deviceCheck(c: Case, bytes: Buffer): { code?: string; md?: AnyMetadata } {
  let md: AnyMetadata | undefined;
  try {
    md = parseMetadata(c.kind as 'targets', bytes);
    c.verify(md);
    return { md };
  } catch (e) {
    if (!(e instanceof OspreyError)) throw e;
    expect(e.code).toMatch(/^TUF_/);
    return { code: e.code, ...(md ? { md } : {}) };
  }
}

describe('fuzz: TUF metadata as a device reads it', () => {
  it('fuzz: mutated signed metadata is accepted exactly when TUF says so, else refused with a TUF_* error', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.nat({ max: CASES.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 3 }), (i, edits) => {
        const c = CASES[i]!;
        const doc = JSON.parse(serializeMetadata(c.document).toString());
        for (const e of edits) applyEdit(doc, e);
        const { code, md } = deviceCheck(c, Buffer.from(JSON.stringify(doc)));
        if (md === undefined) return; // not even metadata: refused as TUF_INVALID_METADATA
        expect(code === undefined).toBe(shouldAccept(c, md));
        if (code === undefined) accepted++;
      }),
      // Dropping one of root v1's three signatures (threshold 2) is harmless: the accepting side always runs.
      fuzzParams(1000, { examples: [[4, [{ kind: 'sig', e: { op: 'drop', index: 0 } }]]] }),
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('fuzz: bit flips and cuts in the served bytes never make metadata accepted with other contents', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: CASES.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 7 })), { minLength: 1, maxLength: 3 }),
        fc.option(fc.nat()),
        (i, flips, cut) => {
          const c = CASES[i]!;
          const bytes = Buffer.from(serializeMetadata(c.document));
          for (const [pos, bit] of flips) bytes[pos % bytes.length]! ^= 1 << bit;
          const served = cut === null ? bytes : bytes.subarray(0, cut % bytes.length);
          const { code, md } = deviceCheck(c, served);
          if (code === undefined) expect(shouldAccept(c, md!)).toBe(true);
        },
      ),
      fuzzParams(1000),
    );
  });

  it('fuzz: any bytes are refused with TUF_INVALID_METADATA or a signature error', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: CASES.length - 1 }),
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.jsonValue().map((v) => new TextEncoder().encode(JSON.stringify(v))),
        ),
        (i, bytes) => {
          const { code } = deviceCheck(CASES[i]!, Buffer.from(bytes));
          expect(code).toBeDefined();
        },
      ),
      fuzzParams(1000),
    );
  });

  it('fuzz: an expiry is honoured only when it is a date after now', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc
            .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true })
            .map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')),
          fc.string({ maxLength: 24 }),
          fc.constantFrom('', 'never', '2026-11-22T00:00:00Z', '2026-11-22T00:00:01Z', '9999-99-99T00:00:00Z', 'Infinity', '2030', '1 Jan 3000'),
        ),
        (expires) => {
          // As parsed from the bytes a repository serves (the expiry is whatever string was signed).
          const md = parseMetadata('targets', Buffer.from(JSON.stringify({ signed: { ...targets.signed.toJSON(), expires }, signatures: [] })));
          let code: string | undefined;
          try {
            checkNotExpired(md, 'targets', NOW);
          } catch (e) {
            if (!(e instanceof OspreyError)) throw e;
            code = e.code;
          }
          const at = Date.parse(expires);
          if (code === undefined) expect(at).toBeGreaterThan(NOW.getTime());
          else expect(['TUF_EXPIRED', 'TUF_INVALID_METADATA']).toContain(code);
        },
      ),
      fuzzParams(1000),
    );
  });
});
