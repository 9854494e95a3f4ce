/**
 * A server tenant whose TUF targets key stays offline, driven from the vendor's repository
 * directory (`osprey keys init`):
 *
 *   tuf import-root   the server adopts the vendor's root v1; it is given the snapshot and
 *                     timestamp keys (which it signs with online) and nothing else: the root and
 *                     targets keys never leave the vendor.
 *   release sign      the targets metadata a release left pending on the server: shown, signed with
 *                     the vendor's targets key(s), checked against the server's root, submitted.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkNotExpired, OspreyError, parseMetadata, parseReleaseCustom, signMetadata, verifyRole } from '@osprey/core';
import type { Metadata, Root, TargetFile, Targets } from '@tufjs/models';
import type { CliEnvironment } from './config.js';
import { UsageError } from './errors.js';
import { readKeyFile } from './keyfile.js';
import { KeyLoader, readKeyring, type KeySource } from './keyring.js';
import { ManagementClient, RemoteError, type Profile } from './remote.js';
import { repoPaths } from './repo.js';

const short = (keyId: string) => `${keyId.slice(0, 12)}…`;

/**
 * Private keys travel in the request body: only over TLS, or to this machine.
 * (The one-time passphrase they are encrypted under travels with them.)
 */
function assertPrivateChannel(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`the profile's server URL ${url} is not a URL`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname) || /^127\./.test(parsed.hostname);
  if (parsed.protocol !== 'https:' && !loopback) {
    throw new UsageError(`refusing to send private keys to ${parsed.origin} without TLS: log in with an https:// URL`);
  }
}

// --- tuf import-root -------------------------------------------------------------------------------

export interface ImportRootOptions {
  dir: string;
  profile: Profile;
  now: Date;
  /** Progress and advice for a person (stderr). */
  log: (line: string) => void;
}

export interface ImportRootSummary {
  rootVersion: number;
  targetsOffline: boolean;
  published?: { targets: number; snapshot: number; timestamp: number };
  pendingTargetsVersion?: number;
  /** Key IDs the server was given, per role. */
  keys: { snapshot: string[]; timestamp: string[] };
  /** Whether the vendor's signed 1.targets.json was sent (else the server awaits targets v1). */
  targetsSent: boolean;
}

const ONLINE_ROLES = ['snapshot', 'timestamp'] as const;

/** Versions of `N.root.json` in the vendor's metadata directory, ascending. */
function rootVersions(metadataDir: string): number[] {
  if (!existsSync(metadataDir)) throw new UsageError(`${metadataDir} is missing: run "osprey keys init" first`);
  return readdirSync(metadataDir)
    .map((name) => /^(\d+)\.root\.json$/.exec(name)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * Adopt the vendor's root v1 on the server, giving it the snapshot and timestamp keys. The keys are
 * opened here with the vendor passphrase and sent re-encrypted under a one-time passphrase: the
 * vendor passphrase, which also opens the root and targets keys, never reaches the server.
 */
export async function tufImportRoot(options: ImportRootOptions, env: CliEnvironment): Promise<ImportRootSummary> {
  const { dir } = options;
  const keyring = readKeyring(dir);
  // Keys inside a PKCS#11 token cannot be exported: say so before anything is opened.
  for (const role of ONLINE_ROLES) {
    const inToken = keyring.roles[role].keys.find((k): k is Extract<KeySource, { source: 'pkcs11' }> => k.source === 'pkcs11');
    if (inToken) {
      throw new UsageError(
        `the ${role} key "${inToken.label}" is in the PKCS#11 token and cannot be exported to the server: the server needs ${role} key files (osprey keys init without ${role} in --token-roles)`,
      );
    }
  }
  const { metadata } = repoPaths(dir);
  const versions = rootVersions(metadata);
  if (!versions.includes(1)) throw new UsageError(`${join(metadata, '1.root.json')} is missing`);
  const latest = versions.at(-1)!;
  if (latest > 1) {
    throw new UsageError(
      `${dir} has rotated to root v${latest}; the server imports root v1 only and would serve an outdated root: import before rotating (or rotate on the server with PUT /rest/v1/tuf/root)`,
    );
  }
  const root = parseMetadata('root', readFileSync(join(metadata, '1.root.json')));
  verifyRole(root.signed, 'root', root); // never hand the server a root no device would accept
  checkNotExpired(root, 'root', options.now);
  assertPrivateChannel(options.profile.url);

  const oneTime = randomBytes(32).toString('base64url');
  const loader = new KeyLoader(dir, env);
  const keys: Record<(typeof ONLINE_ROLES)[number], string[]> = { snapshot: [], timestamp: [] };
  const keyIds: Record<(typeof ONLINE_ROLES)[number], string[]> = { snapshot: [], timestamp: [] };
  try {
    for (const role of ONLINE_ROLES) {
      const entry = keyring.roles[role];
      const listed = new Set(root.signed.roles[role]?.keyIDs ?? []);
      const missing: string[] = [];
      for (const source of entry.keys) {
        if (source.source !== 'file') continue; // refused above
        if (!listed.has(source.keyid)) {
          throw new UsageError(`the keyring's ${role} key ${short(source.keyid)} (${source.path}) is not a ${role} key of root v1`);
        }
        const path = join(dir, source.path);
        if (!existsSync(path)) {
          missing.push(source.path);
          continue;
        }
        loader.signer(source); // the passphrase opens it, and it is the key the keyring names
        const key = readKeyFile(path, env.passphrase);
        keys[role].push(key.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: oneTime }).toString());
        keyIds[role].push(source.keyid);
      }
      if (keys[role].length < entry.threshold) {
        throw new UsageError(
          `${role} needs ${entry.threshold} key(s) on the server and only ${keys[role].length} could be opened (missing: ${missing.join(', ')})`,
        );
      }
    }
  } finally {
    loader.close();
  }

  // The vendor's first targets metadata (empty, signed by the offline targets key at `keys init`):
  // with it the server publishes at once; without it targets v1 awaits `osprey release sign`.
  let targets: unknown;
  const targetsFile = join(metadata, '1.targets.json');
  if (existsSync(targetsFile)) {
    const md = parseMetadata('targets', readFileSync(targetsFile));
    try {
      verifyRole(root.signed, 'targets', md);
      checkNotExpired(md, 'targets', options.now);
      if (Object.keys(md.signed.targets).length === 0) targets = md.toJSON();
    } catch (e) {
      if (!(e instanceof OspreyError)) throw e;
      options.log(`not sending ${targetsFile}: ${e.message}`);
    }
  }

  const client = ManagementClient.fromProfile(options.profile);
  const result = await client.call<{
    rootVersion: number;
    targetsOffline: boolean;
    published?: ImportRootSummary['published'];
    pendingTargetsVersion?: number;
  }>('POST', '/tuf/root/import', {
    root: root.toJSON(),
    keys,
    passphrase: oneTime,
    ...(targets === undefined ? {} : { targets }),
  });
  if (result.pendingTargetsVersion !== undefined) {
    options.log(`targets v${result.pendingTargetsVersion} awaits the offline targets key: run "osprey release sign --dir ${dir}"`);
  }
  return { ...result, keys: keyIds, targetsSent: targets !== undefined };
}

// --- release sign ----------------------------------------------------------------------------------

export interface ReleaseSignOptions {
  dir: string;
  profile: Profile;
  log: (line: string) => void;
}

export interface TargetSummary {
  path: string;
  length: number;
  sha256: string;
  name?: string;
  version?: string;
  securityVersion?: number;
  hardware?: string[];
}

export interface ReleaseSignSummary {
  tenant: string;
  targetsVersion: number;
  rootVersion: number;
  /** Targets new in (or changed by) this version, compared with the last version the targets key signed. */
  added: TargetSummary[];
  removed: string[];
  signedBy: string[];
  published: { targets: number; snapshot: number; timestamp: number };
  released: number[];
}

function summarize(target: TargetFile): TargetSummary {
  const out: TargetSummary = { path: target.path, length: target.length, sha256: target.hashes.sha256 ?? '' };
  try {
    const custom = parseReleaseCustom(target.custom);
    Object.assign(out, { name: custom.name, version: custom.version, securityVersion: custom.securityVersion, hardware: custom.hardware });
  } catch {
    // Not an Osprey release target: shown by path, length and hash only.
  }
  return out;
}

function describeTarget(t: TargetSummary): string {
  const release =
    t.name !== undefined ? `${t.name} ${t.version}, securityVersion ${t.securityVersion}, hardware ${t.hardware?.join(',')}` : 'no release metadata';
  return `${t.path}: ${release} (${t.length} bytes, sha256 ${t.sha256.slice(0, 16)}…)`;
}

/** Fetch a public metadata file of the tenant's repository; undefined when absent. */
async function publicMetadata(base: string, name: string): Promise<Buffer | undefined> {
  try {
    const response = await fetch(`${base}/${name}`);
    if (!response.ok) return undefined;
    return Buffer.from(await response.arrayBuffer());
  } catch {
    return undefined;
  }
}

/**
 * The published targets metadata, if the current root's targets key(s) signed it: the baseline
 * against which the pending version is shown. Undefined for a repository without one.
 */
async function signedBaseline(base: string, root: Root): Promise<Metadata<Targets> | undefined> {
  try {
    const timestampBytes = await publicMetadata(base, 'timestamp.json');
    if (!timestampBytes) return undefined;
    const snapshotVersion = parseMetadata('timestamp', timestampBytes).signed.snapshotMeta.version;
    const snapshotBytes = await publicMetadata(base, `${snapshotVersion}.snapshot.json`);
    const targetsVersion = snapshotBytes && parseMetadata('snapshot', snapshotBytes).signed.meta['targets.json']?.version;
    const targetsBytes = targetsVersion === undefined ? undefined : await publicMetadata(base, `${targetsVersion}.targets.json`);
    if (!targetsBytes) return undefined;
    const targets = parseMetadata('targets', targetsBytes);
    verifyRole(root, 'targets', targets);
    return targets;
  } catch {
    return undefined;
  }
}

/** Sign the targets metadata pending on the server with the vendor's targets key(s) and submit it. */
export async function releaseSign(options: ReleaseSignOptions, env: CliEnvironment): Promise<ReleaseSignSummary> {
  const { dir, profile, log } = options;
  const keyring = readKeyring(dir);
  const client = ManagementClient.fromProfile(profile);
  let pendingJson: unknown;
  try {
    pendingJson = await client.call('GET', '/tuf/targets/pending');
  } catch (e) {
    if (e instanceof RemoteError && e.status === 404)
      throw new UsageError(`nothing to sign: no targets metadata awaits the offline signature on ${profile.url}`);
    throw e;
  }
  const pending = parseMetadata('targets', Buffer.from(JSON.stringify(pendingJson)));
  const root = parseMetadata('root', Buffer.from(JSON.stringify(await client.call('GET', '/tuf/root'))));
  const { tenant } = await client.call<{ tenant: string }>('GET', '/userinfo');

  // The vendor's targets keys must be the ones the server's root names, or nothing can verify.
  const rootTargets = root.signed.roles.targets;
  const ours = keyring.roles.targets.keys.map((k) => k.keyid);
  if (!rootTargets || !ours.some((id) => rootTargets.keyIDs.includes(id))) {
    throw new UsageError(
      `the targets key(s) of ${dir} (${ours.map(short).join(', ')}) are not the targets key(s) of the server's root v${root.signed.version} (${(rootTargets?.keyIDs ?? []).map(short).join(', ')}): wrong --dir?`,
    );
  }

  // What the signature adds: compared with the last targets metadata the targets key signed.
  const base = `${profile.url.replace(/\/$/, '')}/${encodeURIComponent(tenant)}/tuf/metadata`;
  const baseline = await signedBaseline(base, root.signed);
  const before = baseline?.signed.targets ?? {};
  const after = pending.signed.targets;
  const added = Object.values(after)
    .filter((t) => {
      const previous = before[t.path];
      return !previous || !previous.equals(t);
    })
    .map(summarize);
  const removed = Object.keys(before).filter((path) => !(path in after));
  const against = baseline ? `targets v${baseline.signed.version}` : 'an empty repository';
  log(`targets v${pending.signed.version} of tenant ${tenant} (expires ${pending.signed.expires}), compared with ${against}:`);
  for (const t of added) log(`  + ${describeTarget(t)}`);
  for (const path of removed) log(`  - ${path}`);
  if (added.length === 0 && removed.length === 0) log(`  no change: re-signs ${Object.keys(after).length} target(s)`);

  const loader = new KeyLoader(dir, env);
  let signedBy: string[];
  try {
    const signers = loader.signersFor(keyring, 'targets');
    await signMetadata(pending, signers);
    signedBy = signers.map((s) => s.key.keyID);
  } finally {
    loader.close();
  }
  try {
    verifyRole(root.signed, 'targets', pending); // never submit what a device would reject
  } catch (e) {
    if (!(e instanceof OspreyError)) throw e;
    throw new UsageError(`the signed targets v${pending.signed.version} does not verify against the server's root v${root.signed.version}: ${e.message}`);
  }
  const result = await client.call<{ published: ReleaseSignSummary['published']; released: number[] }>('PUT', '/tuf/targets', pending.toJSON());
  return {
    tenant,
    targetsVersion: pending.signed.version,
    rootVersion: root.signed.version,
    added,
    removed,
    signedBy,
    published: result.published,
    released: result.released,
  };
}
