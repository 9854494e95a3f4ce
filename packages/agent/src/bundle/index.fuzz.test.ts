/**
 * Fuzzing openBundle with mutated offline bundles (a USB stick anyone may have written): entries
 * dropped, duplicated, reordered, renamed (traversal included) or turned into links; manifest
 * fields changed; metadata, header and payload bytes changed; the tar itself flipped, cut or
 * extended. Whatever the file, openBundle either admits the signed release with exactly the signed
 * payload, or refuses with a typed error (AGENT_BUNDLE_*, AGENT_HEADER_MISSING, TUF_*, RELEASE_*)
 * and leaves nothing in its work directory; a change to what is signed is always refused.
 * Only temporary files are touched: the bundle, the device's TUF directory and its work directory.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pack } from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AGE_CHUNK_SIZE,
  buildReleaseTarget,
  buildRoot,
  buildSnapshot,
  buildTargets,
  buildTimestamp,
  expiresAfter,
  generateFileKey,
  KeyObjectSigner,
  nextRoot,
  serializeMetadata,
  signMetadata,
  StreamSealer,
  wrapHeader,
  X25519Identity,
} from '@osprey/core';
import { fuzzParams, fuzzTimeout } from '../../../../testkit/fuzz.js';
import { failureOf } from '../errors.js';
import type { DeviceFacts } from '../verify/tuf.js';
import { openBundle, type OpenBundleOptions } from './index.js';

const work = mkdtempSync(join(tmpdir(), 'osprey-bundle-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// --- a repository (root v1 provisioned, rotated to v2) and one encrypted release ---------------------
const signer = () => new KeyObjectSigner(generateKeyPairSync('ed25519').privateKey);
const keys = { root: signer(), targets: signer(), snapshot: signer(), timestamp: signer() };
const root1 = buildRoot({
  roles: {
    root: { keys: [keys.root.key], threshold: 1 },
    targets: { keys: [keys.targets.key], threshold: 1 },
    snapshot: { keys: [keys.snapshot.key], threshold: 1 },
    timestamp: { keys: [keys.timestamp.key], threshold: 1 },
  },
  expires: expiresAfter(new Date(), 365),
});
await signMetadata(root1, [keys.root]);
const root2 = nextRoot(root1, { expires: expiresAfter(new Date(), 365) });
await signMetadata(root2, [keys.root]);
const ROOT1 = serializeMetadata(root1);

const IMAGE = randomBytes(1500);
const fileKey = generateFileKey();
const sealer = new StreamSealer(fileKey);
const PAYLOAD = Buffer.concat([sealer.nonce, ...sealer.push(IMAGE), sealer.finish()]);
const device = X25519Identity.generate();
const HEADER = await wrapHeader(fileKey, [device.recipient]);
const STRANGER_HEADER = await wrapHeader(fileKey, [X25519Identity.generate().recipient]);
const board: DeviceFacts = { hardware: 'board-a', securityVersion: 3 };
const custom = (version: string, securityVersion: number, hardware = ['board-a']) => ({
  name: 'gw-os',
  version,
  securityVersion,
  hardware,
  installType: 'image',
  plaintext: { length: IMAGE.length, sha256: sha256(IMAGE) },
  encryption: { format: 'age-v1', chunkSize: AGE_CHUNK_SIZE },
});
const TARGET = 'gw-os-2.0.0.age';
const OTHER_TARGETS = ['gw-os-1.0.0.age', 'gw-os-2.0.2.age', 'gw-os-9.9.9.age', '../x.age', ''];
const TARGETS = [
  buildReleaseTarget({ length: PAYLOAD.length, sha256: sha256(PAYLOAD), custom: custom('2.0.0', 5) }),
  buildReleaseTarget({ length: PAYLOAD.length, sha256: sha256(PAYLOAD), custom: custom('1.0.0', 2) }), // a downgrade
  buildReleaseTarget({ length: PAYLOAD.length, sha256: sha256(PAYLOAD), custom: custom('2.0.2', 5, ['board-z']) }), // other hardware
];

async function repository(version: number): Promise<Map<string, Buffer>> {
  const expires = expiresAfter(new Date(), 7);
  const targets = buildTargets(version, expires, TARGETS);
  await signMetadata(targets, [keys.targets]);
  const snapshot = buildSnapshot(version, expires, targets);
  await signMetadata(snapshot, [keys.snapshot]);
  const timestamp = buildTimestamp(version, expires, snapshot);
  await signMetadata(timestamp, [keys.timestamp]);
  return new Map([
    ['2.root.json', serializeMetadata(root2)],
    ['timestamp.json', serializeMetadata(timestamp)],
    [`${version}.snapshot.json`, serializeMetadata(snapshot)],
    [`${version}.targets.json`, serializeMetadata(targets)],
  ]);
}
const CURRENT = await repository(2);
const NEXT = await repository(3); // a consistent later state, for mix-and-match

// --- bundles as entry lists, and mutations of them -----------------------------------------------------

interface Entry {
  name: string;
  data: Buffer;
  type?: 'file' | 'symlink' | 'directory';
}

const MANIFEST = {
  format: 'osprey-bundle/1',
  targetPath: TARGET,
  metadata: [...CURRENT.keys()].map((n) => `metadata/${n}`),
  header: true,
  payload: { length: PAYLOAD.length },
};
const GOOD: readonly Entry[] = [
  { name: 'osprey-bundle.json', data: Buffer.from(JSON.stringify(MANIFEST, null, 2)) },
  ...[...CURRENT].map(([name, data]) => ({ name: `metadata/${name}`, data })),
  { name: 'header.age', data: HEADER },
  { name: 'payload', data: PAYLOAD },
];

async function tarOf(entries: readonly Entry[]): Promise<Buffer> {
  const tar = pack();
  const parts: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of tar) parts.push(chunk as Buffer);
  })();
  for (const e of entries) {
    await new Promise<void>((resolve, reject) =>
      e.type && e.type !== 'file'
        ? tar.entry({ name: e.name, type: e.type, ...(e.type === 'symlink' ? { linkname: '/dev/sda' } : {}) }, (err) => (err ? reject(err) : resolve()))
        : tar.entry({ name: e.name, size: e.data.length }, e.data, (err) => (err ? reject(err) : resolve())),
    );
  }
  tar.finalize();
  await done;
  return Buffer.concat(parts);
}

const NAMES = ['osprey-bundle.json', 'header.age', 'payload', 'metadata/timestamp.json', 'metadata/3.root.json', 'metadata/2.targets.json'];
const BAD_NAMES = ['../../etc/cron.d/x', '/etc/passwd', 'metadata/../../x.json', 'metadata\\timestamp.json', 'metadata/evil.json', 'payload/', './payload', ''];

/** A change to one bundle; `signed` when it changes something the device verifies (so it must be refused). */
const entryEdit = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), i: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), i: fc.nat(), to: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), i: fc.nat(), j: fc.nat() }),
  fc.record({ op: fc.constant('rename' as const), i: fc.nat(), name: fc.constantFrom(...NAMES, ...BAD_NAMES) }),
  fc.record({ op: fc.constant('type' as const), i: fc.nat(), type: fc.constantFrom('symlink' as const, 'directory' as const) }),
  fc.record({ op: fc.constant('flip' as const), i: fc.nat(), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ op: fc.constant('cut' as const), i: fc.nat(), at: fc.nat() }),
  fc.record({ op: fc.constant('append' as const), i: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('header' as const), which: fc.constantFrom('stranger', 'junk', 'empty') }),
  fc.record({ op: fc.constant('metadata' as const), name: fc.constantFrom(...NEXT.keys()) }),
  fc.record({
    op: fc.constant('manifest' as const),
    field: fc.constantFrom('targetPath', 'payload', 'header', 'metadata', 'format', 'extra'),
    value: fc.oneof(fc.constantFrom(...OTHER_TARGETS), fc.integer({ min: -1, max: PAYLOAD.length + 1 }), fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
    n: fc.nat(),
  }),
);
type EntryEdit = typeof entryEdit extends fc.Arbitrary<infer E> ? E : never;

function applyEdit(entries: Entry[], e: EntryEdit): void {
  const idx = (i: number) => i % entries.length;
  if (entries.length === 0) return;
  switch (e.op) {
    case 'drop':
      entries.splice(idx(e.i), 1);
      return;
    case 'duplicate':
      entries.splice(e.to % (entries.length + 1), 0, { ...entries[idx(e.i)]! });
      return;
    case 'swap': {
      const [a, b] = [idx(e.i), idx(e.j)];
      [entries[a], entries[b]] = [entries[b]!, entries[a]!];
      return;
    }
    case 'rename':
      entries[idx(e.i)] = { ...entries[idx(e.i)]!, name: e.name };
      return;
    case 'type':
      entries[idx(e.i)] = { ...entries[idx(e.i)]!, type: e.type, data: Buffer.alloc(0) };
      return;
    case 'flip': {
      const entry = entries[idx(e.i)]!;
      if (entry.data.length === 0) return;
      const data = Buffer.from(entry.data);
      data[e.at % data.length]! ^= 1 << e.bit;
      entries[idx(e.i)] = { ...entry, data };
      return;
    }
    case 'cut': {
      const entry = entries[idx(e.i)]!;
      entries[idx(e.i)] = { ...entry, data: entry.data.subarray(0, e.at % (entry.data.length + 1)) };
      return;
    }
    case 'append': {
      const entry = entries[idx(e.i)]!;
      entries[idx(e.i)] = { ...entry, data: Buffer.concat([entry.data, e.bytes]) };
      return;
    }
    case 'header': {
      const at = entries.findIndex((x) => x.name === 'header.age');
      const data = { stranger: STRANGER_HEADER, junk: randomBytes(200), empty: Buffer.alloc(0) }[e.which];
      if (at >= 0) entries[at] = { ...entries[at]!, data };
      return;
    }
    case 'metadata': {
      // One file of a later, consistent repository state in place of the current one (mix-and-match).
      const k = [...NEXT.keys()].indexOf(e.name);
      const at = entries.findIndex((x) => x.name === `metadata/${[...CURRENT.keys()][k]!}`);
      if (at >= 0) entries[at] = { ...entries[at]!, data: NEXT.get(e.name)! };
      return;
    }
    case 'manifest': {
      const at = entries.findIndex((x) => x.name === 'osprey-bundle.json');
      if (at < 0) return;
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(entries[at]!.data.toString());
      } catch {
        return;
      }
      if (e.field === 'payload') m.payload = typeof e.value === 'number' ? { length: e.value } : e.value;
      else if (e.field === 'metadata' && Array.isArray(m.metadata)) {
        const list = [...(m.metadata as string[])];
        if (e.n % 3 === 0) list.reverse();
        else if (e.n % 3 === 1) list.splice(e.n % list.length, 1);
        else list.push(list[0]!);
        m.metadata = list;
      } else m[e.field] = e.value;
      entries[at] = { ...entries[at]!, data: Buffer.from(JSON.stringify(m)) };
      return;
    }
  }
}

/** Byte-level damage to the tar file itself (a bad copy). */
const tarEdit = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 1024 }) }),
);
type TarEdit = typeof tarEdit extends fc.Arbitrary<infer E> ? E : never;

function applyTarEdit(tar: Buffer, e: TarEdit): Buffer {
  if (e.op === 'extend') return Buffer.concat([tar, e.bytes]);
  if (e.op === 'cut') return tar.subarray(0, e.at % tar.length);
  const out = Buffer.from(tar);
  out[e.at % out.length]! ^= 1 << e.bit;
  return out;
}

/** Whether what the device verifies is still exactly the good bundle's: metadata, manifest target and payload. */
function signedPartsIntact(entries: readonly Entry[]): boolean {
  const byName = (name: string) => entries.filter((e) => e.name === name);
  const payload = byName('payload');
  if (payload.length !== 1 || !payload[0]!.data.equals(PAYLOAD)) return false;
  for (const [name, data] of CURRENT) {
    const found = byName(`metadata/${name}`);
    if (found.length > 1 || (found.length === 1 && !found[0]!.data.equals(data))) return false;
  }
  return true;
}

let devices = 0;
function newDevice(): OpenBundleOptions {
  const dir = join(work, `device-${++devices}`);
  mkdirSync(join(dir, 'tuf'), { recursive: true });
  writeFileSync(join(dir, 'tuf', 'root.json'), ROOT1);
  return { metadataDir: join(dir, 'tuf'), workDir: join(dir, 'work'), device: board };
}

/** Open a bundle as `osprey-agent install` does; check the outcome's invariants; return the failure code, if any. */
async function openChecked(bytes: Buffer): Promise<string | undefined> {
  const options = newDevice();
  const file = join(work, `bundle-${devices}.osb`);
  writeFileSync(file, bytes);
  const leftovers = () => (existsSync(options.workDir) ? readdirSync(options.workDir) : []);
  try {
    const opened = await openBundle(file, options);
    // Admitted: exactly the signed release and payload, nothing else in the work directory.
    expect(opened.release.targetPath).toBe(TARGET);
    expect(opened.release.sha256).toBe(sha256(PAYLOAD));
    expect(opened.release.custom.securityVersion).toBe(5);
    expect(readFileSync(opened.payloadFile).equals(PAYLOAD)).toBe(true);
    expect(leftovers()).toEqual([TARGET]);
    return undefined;
  } catch (e) {
    const failure = failureOf(e);
    expect(failure.code, failure.message).toMatch(/^(AGENT_BUNDLE_(INVALID|TRUNCATED|ENTRY_TOO_LARGE|INCOMPLETE)|AGENT_HEADER_MISSING|TUF_|RELEASE_)/);
    expect(leftovers()).toEqual([]);
    return failure.code;
  } finally {
    rmSync(file, { force: true });
  }
}

describe('fuzz: offline bundles (openBundle)', () => {
  it('the unchanged bundle is admitted (the baseline the mutations start from)', async () => {
    expect(await openChecked(await tarOf(GOOD))).toBeUndefined();
  });

  it(
    'fuzz: a bundle with changed entries is admitted only with the signed payload, else refused with a typed error and nothing left behind',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(entryEdit, { minLength: 1, maxLength: 3 }), async (edits) => {
          const entries = GOOD.map((e) => ({ ...e }));
          for (const e of edits) applyEdit(entries, e);
          const code = await openChecked(await tarOf(entries));
          if (!signedPartsIntact(entries)) expect(code).toBeDefined();
        }),
        fuzzParams(100),
      );
    },
    fuzzTimeout(100, 100),
  );

  it(
    'fuzz: a damaged copy of a bundle (bits flipped, cut, extended) is admitted only intact, else refused with a typed error',
    async () => {
      const good = await tarOf(GOOD);
      // Where each entry's data lies in the tar (one 512-byte header block each, data padded to 512).
      const spans = new Map<string, [number, number]>();
      let offset = 0;
      for (const e of GOOD) {
        spans.set(e.name, [offset + 512, offset + 512 + e.data.length]);
        offset += 512 + Math.ceil(e.data.length / 512) * 512;
      }
      const signed = [...spans].filter(([name]) => name === 'payload' || name.startsWith('metadata/')).map(([, span]) => span);
      const payloadEnd = spans.get('payload')![1];
      await fc.assert(
        fc.asyncProperty(fc.array(tarEdit, { minLength: 1, maxLength: 2 }), async (edits) => {
          let bytes = good;
          let mustRefuse = false;
          for (const e of edits) {
            if (e.op === 'flip') {
              const at = e.at % bytes.length;
              if (bytes.length === good.length && signed.some(([from, to]) => at >= from && at < to)) mustRefuse = true;
            }
            if (e.op === 'cut' && e.at % bytes.length < payloadEnd) mustRefuse = true;
            bytes = applyTarEdit(bytes, e);
          }
          const code = await openChecked(bytes);
          if (mustRefuse) expect(code).toBeDefined();
        }),
        fuzzParams(100),
      );
    },
    fuzzTimeout(100, 100),
  );

  it(
    'fuzz: random bytes and random tars are refused with a typed error',
    async () => {
      const input = fc.oneof(
        fc.record({ bytes: fc.uint8Array({ maxLength: 3000 }) }),
        fc.record({
          entries: fc.array(
            fc.record({
              name: fc.oneof(fc.constantFrom(...NAMES, ...BAD_NAMES.filter(Boolean)), fc.string({ minLength: 1, maxLength: 20 })),
              data: fc.uint8Array({ maxLength: 300 }),
            }),
            { maxLength: 5 },
          ),
        }),
      );
      await fc.assert(
        fc.asyncProperty(input, async (i) => {
          const bytes = 'bytes' in i ? Buffer.from(i.bytes) : await tarOf(i.entries.map((e) => ({ name: e.name, data: Buffer.from(e.data) })));
          expect(await openChecked(bytes)).toBeDefined();
        }),
        fuzzParams(60),
      );
    },
    fuzzTimeout(60, 100),
  );
});
