/**
 * Security suite — Metadata. Each test is one attack on the signed metadata a device refreshes
 * with tuf-js (the agent's `resolveRelease`): the release is refused with its specific code, before
 * a byte of payload is fetched, and the device's trusted metadata directory is left exactly as it
 * was, so the device keeps running what it ran and recovers as soon as good metadata is back.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expiresAfter } from '@osprey/core';
import { settledFailureCode } from '../../../../testkit/errors.js';
import { tempDirForFile } from '../../../../testkit/temp-dir.js';
import { failureCode } from '../../src/errors.js';
import { resolveRelease, type DeviceFacts } from '../../src/verify/tuf.js';
import { deviceMetadataDir, directoryState, newSigner, TestRepository } from './fixtures.js';

const work = tempDirForFile('osprey-security-metadata-');
const board: DeviceFacts = { hardware: 'board-a', securityVersion: 3 };
const TARGET = 'gw-os-1.5.0.age';
let devices = 0;
const repositories: TestRepository[] = [];

afterEach(async () => {
  await Promise.all(repositories.splice(0).map((r) => r.stop()));
});

async function repository(thresholds?: ConstructorParameters<typeof TestRepository>[0]): Promise<TestRepository> {
  const repo = await new TestRepository(thresholds).start();
  repositories.push(repo);
  return repo;
}

const resolve = (repo: TestRepository, dir: string, targetPath = TARGET, device = board) =>
  resolveRelease({ tufMetadataUrl: repo.metadataUrl, metadataDir: dir, targetPath, device, tufConfig: { fetchRetries: 0 } });

/** A device that already refreshed once from `repo` (so it holds trusted metadata). */
async function updatedDevice(repo: TestRepository): Promise<string> {
  const dir = deviceMetadataDir(work, `device-${++devices}`, repo.rootBytes);
  await resolve(repo, dir);
  return dir;
}

interface Refusal {
  /** The repository's last good files: restored after the attack, when the same device must admit the release again. */
  good?: Map<string, Buffer>;
  /**
   * Recover by publishing a new good chain instead (where the device kept a newer verified
   * timestamp, restoring the older good files would itself be a rollback, rightly refused).
   */
  recover?: boolean;
  targetPath?: string;
  /**
   * Files tuf-js verified and kept before it reached the bad one (a newer timestamp before a bad
   * snapshot): each must be a byte copy of a file the repository signed, never the bad one.
   */
  advanced?: string[];
}

/**
 * The attack is refused with `code`, and the device's trusted metadata is what it was (apart from
 * `advanced` files, which hold only verified metadata); once the repository is good again the same
 * device admits the release.
 */
async function expectRefused(repo: TestRepository, dir: string, code: string, refusal: Refusal = {}): Promise<void> {
  const advanced = new Set(refusal.advanced ?? []);
  const before = directoryState(dir);
  expect(await settledFailureCode(resolve(repo, dir, refusal.targetPath ?? TARGET), failureCode)).toBe(code);
  const after = directoryState(dir);
  const kept = (state: Record<string, string>) => Object.fromEntries(Object.entries(state).filter(([name]) => !advanced.has(name)));
  expect(kept(after)).toEqual(kept(before));
  const signed = new Set([...repo.files.values()].map((bytes) => createHash('sha256').update(bytes).digest('hex')));
  for (const name of advanced) expect(signed.has(after[name]!), `${name} is a file the repository signed`).toBe(true);
  if (refusal.good || refusal.recover) {
    if (refusal.good) repo.restore(refusal.good);
    if (refusal.recover) await repo.publish();
    await expect(resolve(repo, dir)).resolves.toMatchObject({ targetPath: TARGET });
  }
}

/** Rewrites the signatures of a served file (JSON level, as an attacker on the wire would). */
function editSignatures(repo: TestRepository, name: string, edit: (signatures: { keyid: string; sig: string }[]) => unknown[]): void {
  const json = JSON.parse(repo.files.get(name)!.toString('utf8'));
  json.signatures = edit(json.signatures);
  repo.files.set(name, Buffer.from(JSON.stringify(json)));
}

describe('security: metadata', () => {
  it('unsigned metadata: a timestamp without signatures is refused (TUF_BAD_SIGNATURE)', async () => {
    const repo = await repository();
    const dir = await updatedDevice(repo);
    const good = repo.snapshotFiles();
    await repo.publish();
    editSignatures(repo, 'timestamp.json', () => []);
    await expectRefused(repo, dir, 'TUF_BAD_SIGNATURE', { good });
  });

  it('wrongly signed metadata: targets signed by a key the root does not name is refused (TUF_BAD_SIGNATURE)', async () => {
    const repo = await repository();
    const dir = await updatedDevice(repo);
    await repo.publish(undefined, { signers: { targets: [newSigner()] } });
    await expectRefused(repo, dir, 'TUF_BAD_SIGNATURE', { recover: true, advanced: ['timestamp.json', 'snapshot.json'] });
  });

  it('below threshold: targets of a 2-of-2 role signed by one key is refused (TUF_BAD_SIGNATURE)', async () => {
    const repo = await repository({ targets: 2 });
    const dir = await updatedDevice(repo);
    await repo.publish(undefined, { signers: { targets: [repo.keys.targets[0]!] } });
    await expectRefused(repo, dir, 'TUF_BAD_SIGNATURE', { recover: true, advanced: ['timestamp.json', 'snapshot.json'] });
  });

  it('duplicate-key threshold: one key signing twice does not count as two (TUF_INVALID_METADATA)', async () => {
    const repo = await repository({ timestamp: 2 });
    const dir = await updatedDevice(repo);
    const good = repo.snapshotFiles();
    await repo.publish(undefined, { signers: { timestamp: [repo.keys.timestamp[0]!] } });
    editSignatures(repo, 'timestamp.json', (signatures) => [signatures[0], signatures[0]]);
    // tuf-js refuses a key ID signing twice outright, before counting toward the threshold.
    await expectRefused(repo, dir, 'TUF_INVALID_METADATA', { good });
  });

  it('rollback of the timestamp: an older, validly signed timestamp is refused (TUF_VERSION_MISMATCH)', async () => {
    const repo = await repository();
    const old = repo.files.get('timestamp.json')!;
    await repo.publish();
    const dir = await updatedDevice(repo);
    const good = repo.snapshotFiles();
    repo.files.set('timestamp.json', old);
    await expectRefused(repo, dir, 'TUF_VERSION_MISMATCH', { good });
  });

  it('rollback of the snapshot: a new timestamp naming an older snapshot version is refused (TUF_VERSION_MISMATCH)', async () => {
    const repo = await repository();
    await repo.publish();
    const dir = await updatedDevice(repo);
    const good = repo.snapshotFiles();
    await repo.publish(undefined, { versions: { snapshot: 1 } });
    await expectRefused(repo, dir, 'TUF_VERSION_MISMATCH', { good });
  });

  it('rollback of the targets: a new snapshot naming an older targets version is refused (TUF_VERSION_MISMATCH)', async () => {
    const repo = await repository();
    await repo.publish();
    const dir = await updatedDevice(repo);
    await repo.publish(undefined, { versions: { targets: 1 } });
    await expectRefused(repo, dir, 'TUF_VERSION_MISMATCH', { recover: true, advanced: ['timestamp.json', 'snapshot.json'] });
  });

  it('rollback of the root: a device holding root 2 keeps it and refuses metadata only root 1 trusts (TUF_BAD_SIGNATURE)', async () => {
    const repo = await repository();
    const rootOneTimestampKeys = repo.keys.timestamp;
    await repo.rotate(['timestamp']);
    await repo.publish();
    const dir = await updatedDevice(repo);
    const rootVersion = () => JSON.parse(readFileSync(join(dir, 'root.json'), 'utf8')).signed.version;
    expect(rootVersion()).toBe(2);
    const good = repo.snapshotFiles();
    // The attacker serves the repository as it was under root 1: root 2 gone, root 1's timestamp key.
    repo.files.delete('2.root.json');
    await repo.publish(undefined, { signers: { timestamp: rootOneTimestampKeys } });
    await expectRefused(repo, dir, 'TUF_BAD_SIGNATURE', { good });
    expect(rootVersion()).toBe(2);
  });

  it('freeze: an expired timestamp replayed to a device is refused (TUF_EXPIRED)', async () => {
    const repo = await repository();
    const dir = deviceMetadataDir(work, `device-${++devices}`, repo.rootBytes);
    const good = repo.snapshotFiles();
    await repo.publish(undefined, { expires: expiresAfter(new Date(), -1) });
    await expectRefused(repo, dir, 'TUF_EXPIRED', { good });
  });

  it('mix-and-match: a timestamp whose snapshot hash is not the served snapshot is refused', async () => {
    const repo = await repository();
    const dir = await updatedDevice(repo);
    const first = await repo.publish();
    // The snapshot of a second, different publication under the same version number.
    const snapshotName = [...first.keys()].find((n) => n.endsWith('.snapshot.json'))!;
    const targetsName = [...first.keys()].find((n) => n.endsWith('.targets.json'))!;
    const timestamp = repo.files.get('timestamp.json')!;
    await repo.publish([], { versions: { targets: repo.versions.targets, snapshot: repo.versions.snapshot, timestamp: repo.versions.timestamp } });
    repo.files.set('timestamp.json', timestamp);
    repo.files.set(targetsName, first.get(targetsName)!);
    expect(repo.files.get(snapshotName)!.equals(first.get(snapshotName)!)).toBe(false);
    await expectRefused(repo, dir, 'TUF_INVALID_METADATA', { recover: true, advanced: ['timestamp.json'] });
  });

  it('fast-forward recovery: after the timestamp key is rotated, a device that saw a fast-forwarded version updates again', async () => {
    const repo = await repository();
    // A compromised timestamp key signed a version far in the future.
    const good = repo.snapshotFiles();
    await repo.publish(undefined, { versions: { timestamp: 1000 } });
    const dir = deviceMetadataDir(work, `device-${++devices}`, repo.rootBytes);
    await resolve(repo, dir);
    repo.restore(good);
    repo.versions.timestamp = 1;
    await repo.publish();
    expect(await settledFailureCode(resolve(repo, dir), failureCode)).toBe('TUF_VERSION_MISMATCH');
    // Recovery (TUF 5.3.11): a new root with a new timestamp key makes the device drop its timestamp.
    await repo.rotate(['timestamp']);
    await repo.publish();
    await expect(resolve(repo, dir)).resolves.toMatchObject({ targetPath: TARGET });
  });

  it('root rotation without the old threshold: a root 2 signed only by its own new keys is refused (TUF_BAD_SIGNATURE)', async () => {
    const repo = await repository();
    const dir = await updatedDevice(repo);
    const good = repo.snapshotFiles();
    await repo.rotate(['root'], 'new');
    await expectRefused(repo, dir, 'TUF_BAD_SIGNATURE', { good });
  });

  it('revoked key: metadata signed by a timestamp key removed in root 2 is refused (TUF_BAD_SIGNATURE)', async () => {
    const repo = await repository();
    const revoked = repo.keys.timestamp;
    await repo.rotate(['timestamp']);
    await repo.publish();
    const dir = await updatedDevice(repo);
    const good = repo.snapshotFiles();
    await repo.publish(undefined, { signers: { timestamp: revoked } });
    await expectRefused(repo, dir, 'TUF_BAD_SIGNATURE', { good });
  });

  it('path traversal in target names: ../, separators and encodings are refused before any request (RELEASE_METADATA_INVALID)', async () => {
    const repo = await repository();
    const dir = await updatedDevice(repo);
    for (const path of ['../etc/passwd', 'a/b.age', '%2e%2e%2fx', '..', 'x\\..\\y.age']) {
      await expectRefused(repo, dir, 'RELEASE_METADATA_INVALID', { targetPath: path });
    }
  });

  it('wrong hardware: a release signed for board-z is refused on board-a (RELEASE_HARDWARE_MISMATCH)', async () => {
    const repo = await repository();
    const dir = await updatedDevice(repo);
    await expectRefused(repo, dir, 'RELEASE_HARDWARE_MISMATCH', { targetPath: 'gw-os-1.7.0.age' });
  });

  it('lower security version: a validly signed older release is refused (RELEASE_DOWNGRADE)', async () => {
    const repo = await repository();
    const dir = await updatedDevice(repo);
    await expectRefused(repo, dir, 'RELEASE_DOWNGRADE', { targetPath: 'gw-os-1.2.0.age' });
  });
});
