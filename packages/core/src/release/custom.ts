/**
 * The software update data set: what a release target's TUF `custom` field says about the image.
 * The TUF target's own length and sha256 cover the bytes a device downloads (the shared age
 * payload); `plaintext` covers the image after decryption (the "final hash").
 */
import { TargetFile } from '@tufjs/models';
import { z } from 'zod';
import { OspreyError } from '../errors.js';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (SHA-256)');

export const INSTALL_TYPES = ['image', 'file', 'archive', 'external'] as const;
export type InstallType = (typeof INSTALL_TYPES)[number];
export const AGE_CHUNK_SIZE = 65536;

export const releaseCustomSchema = z.strictObject({
  /** Software name, e.g. `gateway-os`. Names the target file with the version, so no `..`. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/, 'must be 1–128 letters, digits or . _ + - and start with a letter or digit')
    .refine((s) => !s.includes('..'), 'must not contain ".." (it is part of the target file name)'),
  /** Human version, e.g. `2.4.1`. Ordering for anti-rollback uses securityVersion, not this. */
  version: z
    .string()
    .regex(/^[0-9A-Za-z][0-9A-Za-z.+~_-]{0,63}$/, 'must be 1–64 letters, digits or . + ~ _ -')
    .refine((s) => !s.includes('..') && !s.endsWith('.'), 'must not contain ".." or end with "." (it is part of the target file name)'),
  /** Monotonic anti-rollback counter: a device never installs a release below its stored value. */
  securityVersion: z.int().min(0).max(0xffffffff),
  /** Hardware identifiers this image runs on; a device must match one. */
  hardware: z.array(z.string().min(1).max(128)).min(1).max(1024),
  installType: z.enum(INSTALL_TYPES),
  plaintext: z.strictObject({ length: z.int().min(0), sha256: sha256Hex }),
  encryption: z.discriminatedUnion('format', [
    z.strictObject({ format: z.literal('age-v1'), chunkSize: z.literal(AGE_CHUNK_SIZE) }),
    z.strictObject({ format: z.literal('none') }),
  ]),
});

export type ReleaseCustom = z.infer<typeof releaseCustomSchema>;

/** Validate `custom` metadata; the error names every offending field (`custom.plaintext.sha256: …`). */
export function parseReleaseCustom(value: unknown): ReleaseCustom {
  const result = releaseCustomSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const at = ['custom', ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => `${at}.${k}: unknown field`).join('; ');
    return `${at}: ${issue.message}`;
  });
  const fields = result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((k) => ['custom', ...issue.path.map(String), k].join('.'))
      : [['custom', ...issue.path.map(String)].join('.')],
  );
  throw new OspreyError('RELEASE_METADATA_INVALID', `invalid release metadata: ${problems.join('; ')}`, { details: { fields } });
}

const TARGET_PATH = /^[A-Za-z0-9][A-Za-z0-9._+~-]{0,254}$/;

/**
 * The TUF target path of a release: flat, no directories, so no traversal tricks (attack 11). For
 * every release parseReleaseCustom accepts, assertTargetPath accepts this path.
 */
export function releaseTargetPath(custom: Pick<ReleaseCustom, 'name' | 'version' | 'encryption'>): string {
  return `${custom.name}-${custom.version}${custom.encryption.format === 'age-v1' ? '.age' : '.img'}`;
}

export function assertTargetPath(path: string): void {
  if (!TARGET_PATH.test(path) || path.includes('..')) {
    throw new OspreyError('RELEASE_METADATA_INVALID', `target path ${JSON.stringify(path)} must be one file name of letters, digits and . _ + ~ -`);
  }
}

/** A TUF target for a release: length and hash of the downloaded bytes, plus validated custom data. */
export function buildReleaseTarget(options: { length: number; sha256: string; custom: unknown; path?: string }): TargetFile {
  const custom = parseReleaseCustom(options.custom);
  const path = options.path ?? releaseTargetPath(custom);
  assertTargetPath(path);
  return new TargetFile({ path, length: options.length, hashes: { sha256: options.sha256 }, unrecognizedFields: { custom } });
}

/** Release metadata of a verified target. */
export function releaseCustomOf(target: TargetFile): ReleaseCustom {
  return parseReleaseCustom(target.custom);
}

/**
 * Device-side admission (pure): the release must be built for this hardware and must not lower the
 * device's anti-rollback security version. Equal is allowed (reinstall, or a newer build of the
 * same security level).
 */
export function checkReleaseForDevice(custom: ReleaseCustom, device: { hardware: string; securityVersion: number }): void {
  if (!custom.hardware.includes(device.hardware)) {
    throw new OspreyError('RELEASE_HARDWARE_MISMATCH', `release ${custom.name} ${custom.version} is for ${custom.hardware.join(', ')}, not ${device.hardware}`);
  }
  if (custom.securityVersion < device.securityVersion) {
    throw new OspreyError(
      'RELEASE_DOWNGRADE',
      `release ${custom.name} ${custom.version} has security version ${custom.securityVersion}, below the device's ${device.securityVersion}`,
    );
  }
}
