/**
 * Fuzzing release metadata (the signed `custom` of a TUF target), which a device reads after TUF
 * verified it but which a person or pipeline wrote: for any JSON value, parseReleaseCustom returns
 * a value with exactly the documented fields and invariants, or throws RELEASE_METADATA_INVALID
 * naming every offending field (and, for a single change to a valid release, that field).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../../testkit/fuzz.js';
import { OspreyError } from '../errors.js';
import {
  AGE_CHUNK_SIZE,
  assertTargetPath,
  buildReleaseTarget,
  checkReleaseForDevice,
  INSTALL_TYPES,
  parseReleaseCustom,
  releaseCustomOf,
  releaseTargetPath,
  type ReleaseCustom,
} from './custom.js';

const VALID = {
  name: 'gateway-os',
  version: '2.4.1',
  securityVersion: 7,
  hardware: ['board-a', 'board-b'],
  installType: 'image',
  plaintext: { length: 1048576, sha256: 'a'.repeat(64) },
  encryption: { format: 'age-v1', chunkSize: 65536 },
};

/** The documented invariants of an accepted release (custom.ts). */
function expectInvariants(c: ReleaseCustom): void {
  expect(Object.keys(c).sort()).toEqual(['encryption', 'hardware', 'installType', 'name', 'plaintext', 'securityVersion', 'version']);
  expect(c.name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/);
  expect(c.version).toMatch(/^[0-9A-Za-z][0-9A-Za-z.+~_-]{0,63}$/);
  expect(Number.isSafeInteger(c.securityVersion) && c.securityVersion >= 0 && c.securityVersion <= 0xffffffff).toBe(true);
  expect(c.hardware.length).toBeGreaterThanOrEqual(1);
  expect(c.hardware.length).toBeLessThanOrEqual(1024);
  for (const h of c.hardware) expect(typeof h === 'string' && h.length >= 1 && h.length <= 128).toBe(true);
  expect(INSTALL_TYPES).toContain(c.installType);
  expect(Object.keys(c.plaintext).sort()).toEqual(['length', 'sha256']);
  expect(Number.isSafeInteger(c.plaintext.length) && c.plaintext.length >= 0).toBe(true);
  expect(c.plaintext.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect([{ format: 'age-v1', chunkSize: AGE_CHUNK_SIZE }, { format: 'none' }]).toContainEqual(c.encryption);
  // The target path a release is published under is one flat file name (no traversal, T16).
  expect(() => assertTargetPath(releaseTargetPath(c))).not.toThrow();
  // What was accepted reads back the same after JSON, and as a TUF target's custom field (compared
  // as JSON: a -0 sent as JSON is accepted as the number it is, and written back as 0).
  const json = JSON.stringify(c);
  expect(JSON.stringify(parseReleaseCustom(JSON.parse(json)))).toBe(json);
  expect(JSON.stringify(releaseCustomOf(buildReleaseTarget({ length: 1, sha256: 'b'.repeat(64), custom: c })))).toBe(json);
}

/** The refusal: RELEASE_METADATA_INVALID, every field named in details and in the message. */
function expectRefusal(e: unknown): string[] {
  if (!(e instanceof OspreyError)) throw e;
  expect(e.code).toBe('RELEASE_METADATA_INVALID');
  const fields = e.details.fields as string[];
  expect(Array.isArray(fields) && fields.length > 0).toBe(true);
  for (const f of fields) {
    expect(f === 'custom' || f.startsWith('custom.')).toBe(true);
    expect(e.message).toContain(f);
  }
  return fields;
}

function parse(value: unknown): { custom?: ReleaseCustom; fields?: string[] } {
  try {
    return { custom: parseReleaseCustom(value) };
  } catch (e) {
    return { fields: expectRefusal(e) };
  }
}

/** Values near the edges of each field's rule, and JSON of every other shape. */
const nearValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-1, 0, 1, 1.5, 0xffffffff, 0x100000000, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, -0, 65536, 65535),
  fc.constantFrom('', '.', '..', 'a..b', '../x', 'a/b', 'a\\b', '-a', 'a'.repeat(128), 'a'.repeat(129), 'A'.repeat(64), 'é', 'a b', 'a\u0000'),
  fc.constantFrom('image', 'file', 'archive', 'external', 'IMAGE', 'age-v1', 'none', 'aes-cbc'),
  fc.constantFrom('0'.repeat(64), 'F'.repeat(64), 'a'.repeat(63), 'g'.repeat(64)),
  fc.array(fc.string({ maxLength: 130 }), { maxLength: 3 }),
  fc.constant(undefined),
);

const PATHS: string[][] = [
  ['name'],
  ['version'],
  ['securityVersion'],
  ['hardware'],
  ['hardware', '0'],
  ['installType'],
  ['plaintext'],
  ['plaintext', 'length'],
  ['plaintext', 'sha256'],
  ['encryption'],
  ['encryption', 'format'],
  ['encryption', 'chunkSize'],
];

/** A valid release with one value replaced (or removed, or a field added) at a path. */
const oneChange = fc.tuple(fc.constantFrom(...PATHS), nearValue, fc.boolean(), fc.string({ minLength: 1, maxLength: 8 })).map(([path, value, add, key]) => {
  const custom = structuredClone(VALID) as Record<string, unknown>;
  let parent = custom;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string, unknown>;
  const last = path[path.length - 1]!;
  if (add && typeof parent[last] === 'object' && parent[last] !== null && !Array.isArray(parent[last])) {
    (parent[last] as Record<string, unknown>)[key] = value;
    return { custom, path: [...path, key] };
  }
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return { custom, path };
});

/** Valid releases of every shape: names and versions from their alphabets, all install types and encryptions. */
const validCustom = fc.record({
  name: fc
    .tuple(fc.constantFrom(...'aZ09'.split('')), fc.string({ unit: fc.constantFrom(...'az09._+-'.split('')), maxLength: 127 }))
    .map(([a, b]) => a + b)
    .filter((s) => !s.includes('..')),
  version: fc
    .tuple(fc.constantFrom(...'aZ09'.split('')), fc.string({ unit: fc.constantFrom(...'aZ09.+~_-'.split('')), maxLength: 63 }))
    .map(([a, b]) => a + b)
    .filter((s) => !s.includes('..') && !s.endsWith('.')),
  securityVersion: fc.integer({ min: 0, max: 0xffffffff }),
  hardware: fc.array(fc.string({ minLength: 1, maxLength: 128 }), { minLength: 1, maxLength: 5 }),
  installType: fc.constantFrom(...INSTALL_TYPES),
  plaintext: fc.record({ length: fc.maxSafeNat(), sha256: fc.stringMatching(/^[0-9a-f]{64}$/) }),
  encryption: fc.constantFrom({ format: 'age-v1', chunkSize: AGE_CHUNK_SIZE }, { format: 'none' }),
});

describe('fuzz: release metadata (custom)', () => {
  it('fuzz: any JSON value is a release with the documented invariants or a refusal naming its fields', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom(...Object.keys(VALID), '__proto__', 'constructor', 'x'), nearValue)), (value) => {
        const { custom } = parse(value);
        if (custom) expectInvariants(custom);
      }),
      fuzzParams(1000),
    );
  });

  it('fuzz: one change to a valid release is accepted with the invariants, or refused naming the changed field', () => {
    fc.assert(
      fc.property(oneChange, ({ custom, path }) => {
        const { custom: accepted, fields } = parse(custom);
        if (accepted) {
          expectInvariants(accepted);
          return;
        }
        // The refusal points into the field that was changed (for encryption.format = none with a
        // chunkSize left over, at custom.encryption.chunkSize).
        const top = `custom.${path[0]!}`;
        expect(fields!.some((f) => f === top || f.startsWith(`${top}.`))).toBe(true);
      }),
      fuzzParams(1000),
    );
  });

  it('fuzz: every release from the documented alphabets (no "..", no version ending in ".") is accepted as it is', () => {
    fc.assert(
      fc.property(validCustom, (custom) => {
        const { custom: accepted } = parse(custom);
        expect(accepted).toEqual(custom);
        expectInvariants(accepted!);
      }),
      fuzzParams(500),
    );
  });

  it('fuzz: admission accepts exactly a listed hardware at or above the device security version', () => {
    fc.assert(
      fc.property(
        validCustom,
        fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('board-a', '')),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.boolean(),
        (custom, hardware, securityVersion, listed) => {
          const release = parseReleaseCustom(listed ? { ...custom, hardware: [...custom.hardware, hardware || 'x'] } : custom);
          const device = { hardware: listed ? hardware || 'x' : hardware, securityVersion };
          let code: string | undefined;
          try {
            checkReleaseForDevice(release, device);
          } catch (e) {
            if (!(e instanceof OspreyError)) throw e;
            code = e.code;
          }
          const expected = !release.hardware.includes(device.hardware)
            ? 'RELEASE_HARDWARE_MISMATCH'
            : release.securityVersion < securityVersion
              ? 'RELEASE_DOWNGRADE'
              : undefined;
          expect(code).toBe(expected);
        },
      ),
      fuzzParams(500),
    );
  });
});
