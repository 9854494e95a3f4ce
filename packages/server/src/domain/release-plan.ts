/**
 * Release planning, pure: which TUF targets a distribution set's artifacts become, and whether a
 * set may be released now. No I/O; releases.ts reads the rows and applies the plan.
 */
import { AGE_CHUNK_SIZE, buildReleaseTarget, INSTALL_TYPES, parseReleaseCustom, releaseTargetPath } from '@osprey/core';
import type { TargetFile, Targets, Metadata } from '@tufjs/models';
import { z } from 'zod';
import type { ReleaseArtifactRow, ReleaseColumnState } from '../db/stores/releases.js';
import type { PendingRelease } from '../db/stores/tuf.js';
import { ServerError } from '../errors.js';
import type { PublishedVersions } from './tuf/state.js';

export type InstallType = (typeof INSTALL_TYPES)[number];

/** What a release signs into each target's custom metadata besides the module's name and version. */
export const releaseRequestSchema = z.strictObject({
  securityVersion: z.int().min(0).max(0xffffffff),
  hardware: z.array(z.string().min(1).max(128)).min(1).max(1024),
  installType: z.enum(INSTALL_TYPES).optional(),
});

export interface ReleaseRequest {
  securityVersion: number;
  hardware: string[];
  installType?: InstallType | undefined;
}

export type ReleaseState = 'draft' | 'pending_approval' | 'pending_signature' | 'released';

export interface ReleasedTarget {
  artifactId: number;
  moduleId: number;
  filename: string;
  path: string;
  length: number;
  sha256: string;
  /** Already a target of the repository (same bytes and metadata): not registered again. */
  existing: boolean;
}

export interface ReleaseStatus {
  id: number;
  state: ReleaseState;
  requestedBy?: string;
  releasedBy?: string;
  releasedAt?: string;
  request?: ReleaseRequest;
  targets: ReleasedTarget[];
  /** The metadata versions published by this call. */
  published?: PublishedVersions;
  /** Offline targets mode: the targets version awaiting the offline signature. */
  pendingTargetsVersion?: number;
}

export interface PlannedTarget {
  info: ReleasedTarget;
  target: TargetFile;
}

const conflict = (message: string) => new ServerError('CONFLICT', message);

/** Custom metadata compared regardless of key order (jsonb and other writers reorder keys). */
function canonicalCustom(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, sort(x)]),
          )
        : v;
  return JSON.stringify(sort(value ?? null));
}

/**
 * The TUF target of every artifact of the set's modules. Custom metadata: the module's name and
 * version, the request's securityVersion, hardware and installType, the plaintext's length and
 * hash (an unencrypted artifact is its own plaintext) and the encryption format. One artifact:
 * `<name>-<version>.age|.img`; several: `<module name>-<version>-<filename>`. An artifact that is
 * already a target with the same bytes (and metadata) keeps it; a path taken by other content is
 * a 409 (releases are immutable: a client must never see a target change under its name).
 */
export function planTargets(
  rows: readonly ReleaseArtifactRow[],
  dsId: number,
  request: ReleaseRequest,
  current: Metadata<Targets> | undefined,
): PlannedTarget[] {
  if (rows.length === 0) throw conflict(`distribution set ${dsId} has no artifacts to release`);
  const existing = current?.signed.targets ?? {};
  const planned: PlannedTarget[] = [];
  const paths = new Set<string>();
  for (const a of rows) {
    const length = Number(a.size);
    const base = { artifactId: Number(a.id), moduleId: Number(a.module_id), filename: a.filename, length, sha256: a.sha256 };
    // An artifact that is a target already (an earlier release, an offline release imported with seed).
    const known = a.tuf_target ? existing[a.tuf_target] : undefined;
    if (known && known.length === length && known.hashes.sha256 === a.sha256) {
      planned.push({ info: { ...base, path: known.path, existing: true }, target: known });
      paths.add(known.path);
      continue;
    }
    const encrypted = a.escrow_header !== null;
    if (encrypted && (a.plaintext_size === null || a.plaintext_sha256 === null)) {
      throw conflict(
        `artifact ${a.filename} (id ${a.id}) is encrypted but its plaintext length and hash are unknown: upload it to an encrypted module so the server encrypts it`,
      );
    }
    const custom = parseReleaseCustom({
      name: a.module_name,
      version: a.module_version,
      securityVersion: request.securityVersion,
      hardware: request.hardware,
      installType: request.installType ?? 'image',
      plaintext: encrypted ? { length: Number(a.plaintext_size), sha256: a.plaintext_sha256 } : { length, sha256: a.sha256 },
      encryption: encrypted ? { format: 'age-v1', chunkSize: AGE_CHUNK_SIZE } : { format: 'none' },
    });
    const path = rows.length === 1 ? releaseTargetPath(custom) : `${a.module_name}-${a.module_version}-${a.filename}`;
    const target = buildReleaseTarget({ length, sha256: a.sha256, custom, path });
    if (paths.has(path)) throw conflict(`two artifacts of distribution set ${dsId} would both be TUF target ${path}`);
    paths.add(path);
    const taken = existing[path];
    if (taken) {
      const same = taken.length === length && taken.hashes.sha256 === a.sha256 && canonicalCustom(taken.custom) === canonicalCustom(custom);
      if (!same) throw conflict(`TUF target ${path} is already released with other content or metadata; releases are immutable — release a new module version`);
      planned.push({ info: { ...base, path, existing: true }, target: taken });
      continue;
    }
    planned.push({ info: { ...base, path, existing: false }, target });
  }
  return planned;
}

/** A set's release state: the column, and pending_signature while pending targets metadata releases it. */
export function releaseStateOf(ds: { release_state: ReleaseColumnState }, pendingRelease: PendingRelease | undefined, dsId: number): ReleaseState {
  if (ds.release_state === 'released') return 'released';
  if (pendingRelease?.releases.some((r) => r.dsId === dsId)) return 'pending_signature';
  return ds.release_state;
}

/**
 * A 409 unless the set is in `expected` (draft to request or release, pending_approval to
 * approve) and no pending targets metadata awaits the offline key (one release at a time then).
 */
export function assertReleasable(
  ds: { id: number; release_state: ReleaseColumnState; release_requested_by: string | null },
  repository: { pending?: Metadata<Targets> | undefined; pendingRelease?: PendingRelease | undefined },
  expected: 'draft' | 'pending_approval',
): void {
  const current = releaseStateOf(ds, repository.pendingRelease, Number(ds.id));
  if (current === 'released') throw conflict(`distribution set ${ds.id} is released already`);
  if (current === 'pending_signature')
    throw conflict(`distribution set ${ds.id} awaits the offline targets signature (targets v${repository.pending?.signed.version}): PUT /rest/v1/tuf/targets`);
  if (current !== expected) {
    throw conflict(
      expected === 'draft'
        ? `the release of distribution set ${ds.id} was requested by ${ds.release_requested_by} and awaits approval`
        : `the release of distribution set ${ds.id} has not been requested`,
    );
  }
  if (repository.pending) {
    throw conflict(
      `targets v${repository.pending.signed.version} awaits the offline targets signature; submit it (PUT /rest/v1/tuf/targets) or discard it (DELETE /rest/v1/tuf/targets/pending) before releasing again`,
    );
  }
}
