/**
 * The signed release an assignment points at: tuf-js refreshes the tenant's metadata from the
 * root provisioned in the device's metadata directory (and keeps the newest verified metadata
 * there, so versions never go back, across reboots too), then the target's `custom` release
 * metadata must fit this device (hardware, anti-rollback). Everything is checked before a byte of
 * the payload is downloaded, so the download can be bounded by the signed length.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { assertTargetPath, checkReleaseForDevice, OspreyError, releaseCustomOf, type ErrorCode, type ReleaseCustom } from '@osprey/core';
import type { TargetFile } from '@tufjs/models';
import { Updater, type Config, type Fetcher } from 'tuf-js';
import { AgentError, localStorageFailure } from '../errors.js';

export interface DeviceFacts {
  /** The hardware identifier of this device; a release must list it. */
  hardware: string;
  /** The device's stored anti-rollback counter; a release must not be below it. */
  securityVersion: number;
}

export interface TufSource {
  /** `<server>/<tenant>/tuf/metadata` (from the deployment's `osprey.tuf.metadata`). */
  tufMetadataUrl: string;
  /** `<server>/<tenant>/tuf/targets`; needed only to let tuf-js download the payload. */
  tufTargetsUrl?: string;
  /** The device's TUF directory: holds the provisioned `root.json`, then the newest verified metadata. */
  metadataDir: string;
  /** tuf-js settings (timeouts, retries, length caps). */
  tufConfig?: Partial<Config>;
  /** tuf-js fetcher, e.g. for a proxy. */
  fetcher?: Fetcher;
}

export interface SignedRelease {
  targetPath: string;
  target: TargetFile;
  custom: ReleaseCustom;
  /** Signed length of the downloaded bytes (the shared age payload, or the plain image). */
  length: number;
  /** Signed SHA-256 (lowercase hex) of the downloaded bytes. */
  sha256: string;
}

function classNames(e: unknown): string[] {
  const names: string[] = [];
  let proto = e !== null && typeof e === 'object' ? Object.getPrototypeOf(e) : null;
  while (proto && proto !== Object.prototype) {
    const name = (proto.constructor as { name?: string } | undefined)?.name;
    if (name) names.push(name);
    proto = Object.getPrototypeOf(proto);
  }
  return names;
}

/**
 * tuf-js and @tufjs/models errors as typed failures. `during` says whether metadata or a target
 * file was being fetched (a length overflow is bad metadata in one case, a bad payload in the other).
 */
export function tufFailure(e: unknown, during: 'metadata' | 'target'): OspreyError | AgentError {
  if (e instanceof OspreyError || e instanceof AgentError) return e;
  const names = classNames(e);
  const message = e instanceof Error ? e.message : String(e);
  const typed = (code: ErrorCode, why: string) => new OspreyError(code, `${why}: ${message}`, { cause: e });
  if (names.includes('UnsignedMetadataError')) return typed('TUF_BAD_SIGNATURE', 'TUF metadata is not signed by a threshold of its role keys');
  if (names.includes('ExpiredMetadataError')) return typed('TUF_EXPIRED', 'TUF metadata has expired');
  if (names.includes('BadVersionError')) return typed('TUF_VERSION_MISMATCH', 'TUF metadata version is not acceptable (rollback or mix-and-match)');
  // tuf-js wraps snapshot and targets failures in RuntimeError("Unable to load … error Error: <message>"),
  // dropping the class; its messages are the only trace left (store.js, @tufjs/models).
  if (names.includes('RuntimeError') && /^Unable to load /.test(message)) {
    if (/ was signed by \d+\/\d+ keys/.test(message)) return typed('TUF_BAD_SIGNATURE', 'TUF metadata is not signed by a threshold of its role keys');
    if (/\.json is expired/.test(message)) return typed('TUF_EXPIRED', 'TUF metadata has expired');
    if (/version .* (?:is less than current|does not match snapshot)|version doesn't match timestamp/.test(message)) {
      return typed('TUF_VERSION_MISMATCH', 'TUF metadata version is not acceptable (rollback or mix-and-match)');
    }
  }
  if (names.includes('LengthOrHashMismatchError') || names.includes('DownloadLengthMismatchError')) {
    return during === 'target'
      ? typed('TUF_TARGET_MISMATCH', 'the target file does not match its signed length or hash')
      : typed('TUF_INVALID_METADATA', 'TUF metadata does not match its expected length or hash');
  }
  if (names.includes('DownloadHTTPError')) {
    const status = (e as { statusCode?: number }).statusCode;
    return new AgentError('AGENT_TUF_UNREACHABLE', `the TUF repository answered HTTP ${status}`, { cause: e, details: status === undefined ? {} : { status } });
  }
  if (names.includes('RepositoryError') || names.includes('ValueError') || names.includes('SyntaxError') || names.includes('CryptoError')) {
    return typed('TUF_INVALID_METADATA', 'TUF metadata is invalid');
  }
  // Writing the refreshed metadata to the device's disk failed: the device's trouble, not the repository's.
  const storage = localStorageFailure(e, 'TUF metadata');
  if (storage) return storage;
  // fetch reports network failures as TypeError('fetch failed'); timeouts as AbortError/TimeoutError.
  const name = (e as { name?: string } | undefined)?.name;
  if ((names.includes('TypeError') && message === 'fetch failed') || name === 'AbortError' || name === 'TimeoutError') {
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    return new AgentError('AGENT_TUF_UNREACHABLE', `the TUF repository is not reachable: ${cause ?? message}`, { cause: e });
  }
  return typed('TUF_INVALID_METADATA', 'TUF verification failed');
}

/** A tuf-js Updater over the device's metadata directory. */
export function tufUpdater(source: TufSource, targetDir?: string): Updater {
  if (!existsSync(join(source.metadataDir, 'root.json'))) {
    throw new AgentError('AGENT_TUF_ROOT_MISSING', `no root.json in ${source.metadataDir}: the device was not provisioned with its tenant's TUF root`);
  }
  try {
    return new Updater({
      metadataDir: source.metadataDir,
      metadataBaseUrl: source.tufMetadataUrl,
      ...(source.tufTargetsUrl ? { targetBaseUrl: source.tufTargetsUrl } : {}),
      ...(targetDir ? { targetDir } : {}),
      ...(source.fetcher ? { fetcher: source.fetcher } : {}),
      config: { fetchTimeout: 30_000, fetchRetries: 1, ...source.tufConfig },
    });
  } catch (e) {
    const failure = tufFailure(e, 'metadata');
    if (failure instanceof OspreyError) throw failure;
    throw new OspreyError('TUF_INVALID_METADATA', `the provisioned root in ${source.metadataDir} is not valid TUF metadata: ${failure.message}`, { cause: e });
  }
}

/**
 * Refresh TUF metadata and admit `targetPath` for this device. Throws TUF_* (metadata),
 * TUF_TARGET_UNKNOWN (not signed), RELEASE_METADATA_INVALID, RELEASE_HARDWARE_MISMATCH or
 * RELEASE_DOWNGRADE; AGENT_TUF_UNREACHABLE when the repository cannot be fetched.
 */
export async function resolveRelease(options: TufSource & { targetPath: string; device: DeviceFacts; updater?: Updater }): Promise<SignedRelease> {
  assertTargetPath(options.targetPath);
  const updater = options.updater ?? tufUpdater(options);
  let target: TargetFile | undefined;
  try {
    await updater.refresh();
    target = await updater.getTargetInfo(options.targetPath);
  } catch (e) {
    throw tufFailure(e, 'metadata');
  }
  if (!target) throw new OspreyError('TUF_TARGET_UNKNOWN', `${options.targetPath} is not a target of the signed TUF metadata`);
  const custom = releaseCustomOf(target);
  checkReleaseForDevice(custom, options.device);
  const sha256 = target.hashes.sha256;
  if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256)) {
    throw new OspreyError('RELEASE_METADATA_INVALID', `target ${options.targetPath} has no SHA-256 hash in its signed metadata`);
  }
  return { targetPath: options.targetPath, target, custom, length: target.length, sha256 };
}

/**
 * The server's description of an artifact must agree with what is signed (Uptane "full
 * verification": an assignment that differs from the offline-signed release is refused).
 */
export function checkAssignedArtifact(artifact: { size: number; hashes: { sha256?: string } }, release: SignedRelease): void {
  if (artifact.size !== release.length || (artifact.hashes.sha256 !== undefined && artifact.hashes.sha256.toLowerCase() !== release.sha256)) {
    throw new OspreyError(
      'TUF_TARGET_MISMATCH',
      `the assigned artifact (${artifact.size} bytes, sha256 ${artifact.hashes.sha256 ?? 'unknown'}) is not the signed target ${release.targetPath} (${release.length} bytes, sha256 ${release.sha256})`,
    );
  }
}
