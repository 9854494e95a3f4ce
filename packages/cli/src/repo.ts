/**
 * An offline TUF repository on disk, laid out as tuf-js and any static web server expect:
 *   public/metadata/N.root.json, root.json, V.targets.json, V.snapshot.json, timestamp.json
 *   public/targets/<sha256>.<target path>        (consistent snapshots, TUF spec §6.2)
 * Every file is written atomically; timestamp.json, the entry point, is written last.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSnapshot,
  buildTargets,
  buildTimestamp,
  expiresAfter,
  DEFAULT_EXPIRY_DAYS,
  parseMetadata,
  serializeMetadata,
  signMetadata,
  verifyRole,
  type AnyMetadata,
  type Signer,
} from '@osprey/core';
import type { Metadata, Root, Snapshot, TargetFile, Targets, Timestamp } from '@tufjs/models';
import { writeFileAtomic } from '@osprey/fs';
import { UsageError } from './errors.js';

/** The repository's public part is published as it is (a static server, a CDN): anyone may read it. */
const PUBLISHED = { mode: 0o644 } as const;

export interface RepoPaths {
  metadata: string;
  targets: string;
  releases: string;
}

export function repoPaths(dir: string): RepoPaths {
  return { metadata: join(dir, 'public', 'metadata'), targets: join(dir, 'public', 'targets'), releases: join(dir, 'releases') };
}

export interface RepoState {
  roots: Metadata<Root>[];
  root: Metadata<Root>;
  targets: Metadata<Targets>;
  snapshot: Metadata<Snapshot>;
  timestamp: Metadata<Timestamp>;
}

function read(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new UsageError(`cannot read ${path}: ${(cause as Error).message}`);
  }
}

export function loadRepo(dir: string): RepoState {
  const paths = repoPaths(dir);
  if (!existsSync(paths.metadata)) throw new UsageError(`${dir} has no repository (${paths.metadata} is missing): run "osprey keys init" first`);
  const rootVersions = readdirSync(paths.metadata)
    .map((name) => /^(\d+)\.root\.json$/.exec(name)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const roots = rootVersions.map((v) => parseMetadata('root', read(join(paths.metadata, `${v}.root.json`))));
  const root = roots.at(-1);
  if (!root) throw new UsageError(`${paths.metadata} holds no N.root.json`);
  const timestamp = parseMetadata('timestamp', read(join(paths.metadata, 'timestamp.json')));
  const snapshot = parseMetadata('snapshot', read(join(paths.metadata, `${timestamp.signed.snapshotMeta.version}.snapshot.json`)));
  const targetsVersion = snapshot.signed.meta['targets.json']?.version;
  if (targetsVersion === undefined) throw new UsageError('snapshot does not list targets.json');
  const targets = parseMetadata('targets', read(join(paths.metadata, `${targetsVersion}.targets.json`)));
  return { roots, root, targets, snapshot, timestamp };
}

export function writeRoot(dir: string, root: Metadata<Root>): void {
  const { metadata } = repoPaths(dir);
  const bytes = serializeMetadata(root);
  writeFileAtomic(join(metadata, `${root.signed.version}.root.json`), bytes, PUBLISHED);
  writeFileAtomic(join(metadata, 'root.json'), bytes, PUBLISHED);
}

async function signChecked(root: Root, role: 'targets' | 'snapshot' | 'timestamp', md: AnyMetadata, signers: Signer[]): Promise<void> {
  await signMetadata(md, signers);
  verifyRole(root, role, md); // never publish what a client would reject
}

export interface PublishSigners {
  targets: Signer[];
  snapshot: Signer[];
  timestamp: Signer[];
}

/**
 * Publish a new targets list: targets, snapshot and timestamp each get version + 1 (or 1 for a
 * new repository) and are signed by their role's keys.
 */
export async function publishTargets(
  dir: string,
  root: Metadata<Root>,
  previous: Pick<RepoState, 'targets' | 'snapshot' | 'timestamp'> | undefined,
  files: Iterable<TargetFile>,
  signers: PublishSigners,
  now: Date,
): Promise<Pick<RepoState, 'targets' | 'snapshot' | 'timestamp'>> {
  const { metadata } = repoPaths(dir);
  const next = (md: AnyMetadata | undefined) => (md ? md.signed.version + 1 : 1);
  const targets = buildTargets(next(previous?.targets), expiresAfter(now, DEFAULT_EXPIRY_DAYS.targets), files);
  await signChecked(root.signed, 'targets', targets, signers.targets);
  const snapshot = buildSnapshot(next(previous?.snapshot), expiresAfter(now, DEFAULT_EXPIRY_DAYS.snapshot), targets);
  await signChecked(root.signed, 'snapshot', snapshot, signers.snapshot);
  const timestamp = buildTimestamp(next(previous?.timestamp), expiresAfter(now, DEFAULT_EXPIRY_DAYS.timestamp), snapshot);
  await signChecked(root.signed, 'timestamp', timestamp, signers.timestamp);
  writeFileAtomic(join(metadata, `${targets.signed.version}.targets.json`), serializeMetadata(targets), PUBLISHED);
  writeFileAtomic(join(metadata, `${snapshot.signed.version}.snapshot.json`), serializeMetadata(snapshot), PUBLISHED);
  writeFileAtomic(join(metadata, 'timestamp.json'), serializeMetadata(timestamp), PUBLISHED);
  return { targets, snapshot, timestamp };
}

/** Where a target's bytes live under consistent snapshots: `<sha256>.<path>`. */
export function targetFilePath(dir: string, target: Pick<TargetFile, 'path' | 'hashes'>): string {
  return join(repoPaths(dir).targets, `${target.hashes.sha256}.${target.path}`);
}
