/**
 * Fuzzing the offline bundle format's own checks (the reader is the agent's openBundle, fuzzed in
 * packages/agent/src/bundle/index.fuzz.test.ts): an entry name is a metadata name only if it is one
 * plain file name under metadata/; a manifest is accepted only with the documented shape; the
 * writer orders metadata as a client reads it and writes only what the schema accepts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../../testkit/fuzz.js';
import { OspreyError } from '../errors.js';
import { BUNDLE_FORMAT, BUNDLE_LIMITS, BUNDLE_METADATA_NAME, bundleManifest, bundleManifestSchema, metadataNameOf, sortMetadataNames } from './index.js';

const NAMES = ['timestamp.json', 'snapshot.json', 'targets.json', '1.root.json', '2.root.json', '10.root.json', '7.snapshot.json', '7.targets.json'];
/** Entry names near the rule: real ones, traversal, separators, leading zeros, long versions, case. */
const entryName = fc.oneof(
  fc.constantFrom(...NAMES).map((n) => `metadata/${n}`),
  fc.constantFrom(
    'metadata/../x.json',
    'metadata/../../etc/passwd',
    'metadata//timestamp.json',
    'metadata/sub/timestamp.json',
    'metadata\\timestamp.json',
    '/metadata/timestamp.json',
    'metadata/0.root.json',
    'metadata/01.root.json',
    'metadata/12345678901.root.json',
    'metadata/1234567890.root.json',
    'metadata/Timestamp.json',
    'metadata/timestamp.json\u0000',
    'metadata/timestamp.json/',
    'metadata/.json',
    'metadata/',
    'Metadata/timestamp.json',
    'payload',
    'header.age',
  ),
  fc.string({ maxLength: 40 }).map((s) => `metadata/${s}`),
  fc.string({ unit: fc.constantFrom(...'metadata/.0123456789rotsjn\\'.split('')), maxLength: 30 }),
);

describe('fuzz: offline bundle format', () => {
  it('fuzz: an entry name is a metadata name only when it is one plain TUF file name under metadata/', () => {
    fc.assert(
      fc.property(entryName, (name) => {
        const inner = metadataNameOf(name);
        if (inner === undefined) {
          expect(name.startsWith('metadata/') && BUNDLE_METADATA_NAME.test(name.slice('metadata/'.length))).toBe(false);
          return;
        }
        expect(`metadata/${inner}`).toBe(name);
        expect(inner).toMatch(BUNDLE_METADATA_NAME);
        expect(inner).not.toMatch(/[/\\\0]/);
        expect(inner.split('.')).not.toContain('');
      }),
      fuzzParams(2000),
    );
  });

  it('fuzz: a manifest is accepted only with the documented shape, and never throws', () => {
    const mostly = <T, U>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<U>) => fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: other });
    const manifest = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record(
          {
            format: mostly(fc.constant(BUNDLE_FORMAT), fc.oneof(fc.constantFrom('osprey-bundle/2', 'osprey-bundle/1 ', ''), fc.jsonValue({ maxDepth: 0 }))),
            targetPath: mostly(
              fc.constantFrom('gw-os-1.0.0.age', 'a'.repeat(255)),
              fc.oneof(fc.constantFrom('', 'a'.repeat(256), '../x'), fc.string(), fc.integer()),
            ),
            metadata: mostly(
              fc
                .uniqueArray(fc.constantFrom(...NAMES.map((n) => `metadata/${n}`)), { maxLength: 7 })
                .chain((names) => fc.shuffledSubarray([...names, 'metadata/timestamp.json'].filter((n, i, all) => all.indexOf(n) === i))),
              fc.oneof(fc.array(entryName, { maxLength: 6 }), fc.jsonValue({ maxDepth: 1 })),
            ),
            header: mostly(fc.boolean(), fc.constantFrom('true', 0, null)),
            payload: mostly(
              fc.record({ length: fc.maxSafeNat() }),
              fc.oneof(
                fc.record({ length: fc.constantFrom(-1, 1.5, Number.MAX_SAFE_INTEGER + 1, '5') }),
                fc.constant({ length: 1, extra: true }),
                fc.jsonValue({ maxDepth: 1 }),
              ),
            ),
            extra: fc.jsonValue({ maxDepth: 0 }),
          },
          { requiredKeys: ['format', 'targetPath', 'header', 'payload'] },
        ),
      },
      { weight: 1, arbitrary: fc.jsonValue() },
    );
    let accepted = 0;
    fc.assert(
      fc.property(manifest, (value) => {
        const result = bundleManifestSchema.safeParse(value);
        if (!result.success) {
          expect(result.error.issues.length).toBeGreaterThan(0);
          return;
        }
        accepted++;
        const m = result.data;
        expect(Object.keys(m).sort()).toEqual(['format', 'header', 'metadata', 'payload', 'targetPath']);
        expect(m.format).toBe(BUNDLE_FORMAT);
        expect(m.targetPath.length).toBeGreaterThanOrEqual(1);
        expect(m.targetPath.length).toBeLessThanOrEqual(255);
        expect(typeof m.header).toBe('boolean');
        expect(Number.isSafeInteger(m.payload.length) && m.payload.length >= 0).toBe(true);
        expect(Object.keys(m.payload)).toEqual(['length']);
        expect(new Set(m.metadata).size).toBe(m.metadata.length);
        expect(m.metadata).toContain('metadata/timestamp.json');
        expect(m.metadata.length).toBeLessThanOrEqual(BUNDLE_LIMITS.maxEntries - 3);
        for (const name of m.metadata) expect(metadataNameOf(name)).toBeDefined();
      }),
      fuzzParams(2000, {
        examples: [
          [
            {
              format: BUNDLE_FORMAT,
              targetPath: 'gw-os-1.0.0.age',
              metadata: ['metadata/2.root.json', 'metadata/timestamp.json'],
              header: true,
              payload: { length: 5 },
            },
          ],
        ],
      }),
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('fuzz: the writer accepts only what a reader accepts, with metadata in client order', () => {
    const names = fc.uniqueArray(
      fc.oneof(
        fc.constantFrom(...NAMES),
        fc.integer({ min: 1, max: 2 ** 31 }).map((v) => `${v}.root.json`),
        fc.integer({ min: 1, max: 99 }).map((v) => `${v}.${v % 2 ? 'snapshot' : 'targets'}.json`),
        fc.constantFrom('0.root.json', '../timestamp.json', 'root.json', 'x.json'),
      ),
      { maxLength: 6 },
    );
    const target = fc.oneof(fc.constantFrom('gw-os-1.0.0.age', 'gw-os-1.0.0.img', '../x', 'a/b', 'a..b', '', 'é'), fc.string({ maxLength: 10 }));
    let written = 0;
    fc.assert(
      fc.property(names, target, fc.maxSafeNat(), fc.option(fc.integer({ min: 0, max: 70_000 })), (list, targetPath, length, headerSize) => {
        const metadata = new Map(list.map((n) => [n, Buffer.from('{}')]));
        let manifest;
        try {
          manifest = bundleManifest({ targetPath, metadata, ...(headerSize === null ? {} : { header: Buffer.alloc(headerSize) }), payload: { length } });
        } catch (e) {
          // Programming errors of the writer's caller, or a target path no device would take.
          if (!(e instanceof TypeError || (e instanceof OspreyError && e.code === 'RELEASE_METADATA_INVALID'))) throw e;
          return;
        }
        written++;
        expect(bundleManifestSchema.parse(JSON.parse(JSON.stringify(manifest)))).toEqual(manifest);
        expect(manifest.header).toBe(headerSize !== null);
        expect(headerSize === null || headerSize <= BUNDLE_LIMITS.maxHeaderBytes).toBe(true);
        expect(manifest.metadata).toEqual(sortMetadataNames(list).map((n) => `metadata/${n}`));
        // Client order: every root by version, then timestamp, snapshot, targets.
        const rank = (n: string) => (/\.root\.json$/.test(n) ? 0 : n.includes('timestamp') ? 1 : n.includes('snapshot') ? 2 : 3);
        const inner = manifest.metadata.map((n) => n.slice('metadata/'.length));
        for (let i = 1; i < inner.length; i++) {
          const [a, b] = [inner[i - 1]!, inner[i]!];
          expect(rank(a)).toBeLessThanOrEqual(rank(b));
          if (rank(a) === 0 && rank(b) === 0) expect(Number(a.split('.')[0])).toBeLessThan(Number(b.split('.')[0]));
        }
      }),
      fuzzParams(1000, { examples: [[['7.targets.json', 'timestamp.json', '2.root.json'], 'gw-os-1.0.0.age', 5, null]] }),
    );
    expect(written).toBeGreaterThan(0);
  });
});
