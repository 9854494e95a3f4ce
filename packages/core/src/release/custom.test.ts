import { describe, expect, it } from 'vitest';
import { isOspreyError, OspreyError } from '../errors.js';
import { buildReleaseTarget, checkReleaseForDevice, parseReleaseCustom, releaseCustomOf, releaseTargetPath } from './custom.js';

const valid = {
  name: 'gateway-os',
  version: '2.4.1',
  securityVersion: 7,
  hardware: ['board-a', 'board-b'],
  installType: 'image',
  plaintext: { length: 1048576, sha256: 'a'.repeat(64) },
  encryption: { format: 'age-v1', chunkSize: 65536 },
};

function errorOf(fn: () => unknown): OspreyError {
  try {
    fn();
  } catch (e) {
    if (e instanceof OspreyError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('release custom metadata', () => {
  it('accepts a complete release and names its target', () => {
    expect(parseReleaseCustom(valid)).toEqual(valid);
    expect(releaseTargetPath(parseReleaseCustom(valid))).toBe('gateway-os-2.4.1.age');
  });

  it.each([
    ['unknown field', { ...valid, colour: 'blue' }, 'custom.colour'],
    ['unknown nested field', { ...valid, plaintext: { ...valid.plaintext, md5: 'x' } }, 'custom.plaintext.md5'],
    ['missing field', { ...valid, securityVersion: undefined }, 'custom.securityVersion'],
    ['negative security version', { ...valid, securityVersion: -1 }, 'custom.securityVersion'],
    ['fractional security version', { ...valid, securityVersion: 1.5 }, 'custom.securityVersion'],
    ['bad hash', { ...valid, plaintext: { ...valid.plaintext, sha256: 'XYZ' } }, 'custom.plaintext.sha256'],
    ['no hardware', { ...valid, hardware: [] }, 'custom.hardware'],
    ['unauthenticated cipher', { ...valid, encryption: { format: 'aes-cbc' } }, 'custom.encryption.format'],
    ['path traversal in name', { ...valid, name: '../etc' }, 'custom.name'],
    // Each would give a target path with ".." that buildReleaseTarget refuses without naming a field (fuzzing finding).
    ['".." in name', { ...valid, name: 'a..b' }, 'custom.name'],
    ['".." in version', { ...valid, version: '1..2' }, 'custom.version'],
    ['version ending in "."', { ...valid, version: '2.4.' }, 'custom.version'],
    ['install type', { ...valid, installType: 'magic' }, 'custom.installType'],
  ])('%s is refused, naming the field', (_label, custom, field) => {
    const error = errorOf(() => parseReleaseCustom(custom));
    expect(error.code).toBe('RELEASE_METADATA_INVALID');
    expect(error.message).toContain(field);
    expect(error.details.fields).toContain(field);
  });

  it('builds a TUF target whose custom field round-trips', () => {
    const target = buildReleaseTarget({ length: 1048704, sha256: 'b'.repeat(64), custom: valid });
    expect(target.path).toBe('gateway-os-2.4.1.age');
    expect(target.hashes).toEqual({ sha256: 'b'.repeat(64) });
    expect(releaseCustomOf(target)).toEqual(valid);
    expect(target.toJSON()).toMatchObject({ length: 1048704, custom: valid });
  });

  it('refuses a target path with directories or traversal', () => {
    expect(
      isOspreyError(
        errorOf(() => buildReleaseTarget({ length: 1, sha256: 'b'.repeat(64), custom: valid, path: '../x' })),
        'RELEASE_METADATA_INVALID',
      ),
    ).toBe(true);
    expect(
      isOspreyError(
        errorOf(() => buildReleaseTarget({ length: 1, sha256: 'b'.repeat(64), custom: valid, path: 'a/b' })),
        'RELEASE_METADATA_INVALID',
      ),
    ).toBe(true);
  });
});

describe('device admission', () => {
  const custom = parseReleaseCustom(valid);
  it('accepts matching hardware at the same or a higher security version', () => {
    expect(() => checkReleaseForDevice(custom, { hardware: 'board-b', securityVersion: 7 })).not.toThrow();
    expect(() => checkReleaseForDevice(custom, { hardware: 'board-a', securityVersion: 0 })).not.toThrow();
  });
  it('refuses other hardware', () => {
    expect(errorOf(() => checkReleaseForDevice(custom, { hardware: 'board-z', securityVersion: 0 })).code).toBe('RELEASE_HARDWARE_MISMATCH');
  });
  it('refuses a downgrade below the stored security version', () => {
    expect(errorOf(() => checkReleaseForDevice(custom, { hardware: 'board-a', securityVersion: 8 })).code).toBe('RELEASE_DOWNGRADE');
  });
});
