/**
 * Key ceremonies: `keys init` creates a tenant's repository and its keys; `keys rotate` replaces a
 * role's keys with a new root version signed by the old and the new root keys (TUF spec §5.3.4).
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildRoot,
  DEFAULT_EXPIRY_DAYS,
  expiresAfter,
  KeyObjectSigner,
  nextRoot,
  signMetadata,
  TOP_LEVEL_ROLES,
  verifyRole,
  verifyRootRotation,
  X25519Identity,
  type RoleKeyMap,
  type Signer,
  type TopLevelRole,
} from '@osprey/core';
import type { Key } from '@tufjs/models';
import type { CliEnvironment } from './config.js';
import { UsageError } from './errors.js';
import { generatePrivateKey, writeKeyFile, type KeyFileType } from './keyfile.js';
import { KEYRING_FILE, KeyLoader, readKeyring, writeKeyring, type Keyring, type KeySource } from './keyring.js';
import { loadRepo, publishTargets, writeRoot } from './repo.js';

export interface NewKeysOptions {
  count: number;
  threshold: number;
  keyType: 'ed25519' | 'ecdsa';
  /** Generate this role's keys in the PKCS#11 token instead of key files. */
  inToken: boolean;
}

export interface KeysInitOptions {
  dir: string;
  rootKeys: number;
  rootThreshold: number;
  keyType: 'ed25519' | 'ecdsa';
  /** Roles whose keys are generated inside the PKCS#11 token. */
  tokenRoles: TopLevelRole[];
  now: Date;
}

function requirePassphrase(env: CliEnvironment): string {
  if (!env.passphrase) throw new UsageError('key files are encrypted: set OSPREY_PASSPHRASE or pass --passphrase-file');
  if (env.passphrase.length < 8) throw new UsageError('the passphrase must be at least 8 characters');
  return env.passphrase;
}

function checkThreshold(role: string, count: number, threshold: number): void {
  if (!Number.isInteger(count) || count < 1 || count > 64) throw new UsageError(`--keys for ${role} must be a whole number from 1 to 64`);
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > count) {
    throw new UsageError(`--threshold for ${role} must be from 1 to the number of keys (${count})`);
  }
}

/** Generate `count` keys for `role`; returns their keyring entries, public keys and signers. */
function generateRoleKeys(
  dir: string,
  role: TopLevelRole,
  options: NewKeysOptions,
  env: CliEnvironment,
  loader: KeyLoader,
  suffix: string,
): { sources: KeySource[]; keys: Key[]; signers: Signer[] } {
  const sources: KeySource[] = [];
  const signers: Signer[] = [];
  for (let i = 1; i <= options.count; i++) {
    const name = options.count === 1 ? `${role}${suffix}` : `${role}-${i}${suffix}`;
    if (options.inToken) {
      const label = `osprey-${name}`;
      loader.openToken().generateKeyPair(label, options.keyType === 'ecdsa' ? 'p256' : 'ed25519', { sign: true });
      const signer = loader.openToken().signer(label);
      sources.push({ keyid: signer.key.keyID, source: 'pkcs11', label });
      signers.push(signer);
    } else {
      const key = generatePrivateKey(options.keyType as KeyFileType);
      const path = join('keys', `${name}.pem`);
      writeKeyFile(join(dir, path), key, requirePassphrase(env));
      const signer = new KeyObjectSigner(key);
      sources.push({ keyid: signer.key.keyID, source: 'file', path });
      signers.push(signer);
    }
  }
  return { sources, keys: signers.map((s) => s.key), signers };
}

export interface InitResult {
  keyring: Keyring;
  rootKeyIds: string[];
}

export async function keysInit(options: KeysInitOptions, env: CliEnvironment): Promise<InitResult> {
  checkThreshold('root', options.rootKeys, options.rootThreshold);
  requirePassphrase(env);
  if (existsSync(join(options.dir, KEYRING_FILE))) {
    throw new UsageError(`${options.dir} already holds a repository; rotate keys with "osprey keys rotate" instead`);
  }
  mkdirSync(join(options.dir, 'keys'), { recursive: true, mode: 0o700 });
  const loader = new KeyLoader(options.dir, env);
  try {
    const generated = {} as Record<TopLevelRole, ReturnType<typeof generateRoleKeys>>;
    for (const role of TOP_LEVEL_ROLES) {
      const isRoot = role === 'root';
      generated[role] = generateRoleKeys(
        options.dir,
        role,
        {
          count: isRoot ? options.rootKeys : 1,
          threshold: isRoot ? options.rootThreshold : 1,
          keyType: options.keyType,
          inToken: options.tokenRoles.includes(role),
        },
        env,
        loader,
        '',
      );
    }
    const escrowKey = generatePrivateKey('x25519');
    const escrowPath = join('keys', 'escrow.pem');
    writeKeyFile(join(options.dir, escrowPath), escrowKey, requirePassphrase(env));
    const escrow = new X25519Identity(escrowKey);
    const keyring: Keyring = {
      format: 'osprey-keyring-v1',
      roles: {
        root: { threshold: options.rootThreshold, keys: generated.root.sources },
        targets: { threshold: 1, keys: generated.targets.sources },
        snapshot: { threshold: 1, keys: generated.snapshot.sources },
        timestamp: { threshold: 1, keys: generated.timestamp.sources },
      },
      escrow: { recipient: escrow.recipient.toString(), path: escrowPath },
    };
    const roles = {} as Record<TopLevelRole, RoleKeyMap[TopLevelRole]>;
    for (const role of TOP_LEVEL_ROLES) roles[role] = { keys: generated[role].keys, threshold: keyring.roles[role].threshold };
    const root = buildRoot({ roles, expires: expiresAfter(options.now, DEFAULT_EXPIRY_DAYS.root) });
    await signMetadata(root, generated.root.signers);
    verifyRole(root.signed, 'root', root);
    writeRoot(options.dir, root);
    await publishTargets(
      options.dir,
      root,
      undefined,
      [],
      {
        targets: generated.targets.signers,
        snapshot: generated.snapshot.signers,
        timestamp: generated.timestamp.signers,
      },
      options.now,
    );
    writeKeyring(options.dir, keyring);
    return { keyring, rootKeyIds: generated.root.keys.map((k) => k.keyID) };
  } finally {
    loader.close();
  }
}

export interface KeysRotateOptions extends NewKeysOptions {
  dir: string;
  role: TopLevelRole;
  now: Date;
}

/**
 * Replace every key of one role. A new root version lists the new keys and is signed by a
 * threshold of the previous root keys and of its own root keys; when an online role rotates, its
 * metadata is re-signed at once so clients move to the new keys (fast-forward recovery, §5.3.11).
 */
export async function keysRotate(options: KeysRotateOptions, env: CliEnvironment): Promise<{ rootVersion: number }> {
  checkThreshold(options.role, options.count, options.threshold);
  const keyring = readKeyring(options.dir);
  const state = loadRepo(options.dir);
  const loader = new KeyLoader(options.dir, env);
  try {
    const oldRootSigners = loader.signersFor(keyring, 'root');
    const version = state.root.signed.version + 1;
    const fresh = generateRoleKeys(options.dir, options.role, options, env, loader, `.v${version}`);
    const root = nextRoot(state.root, {
      roles: { [options.role]: { keys: fresh.keys, threshold: options.threshold } },
      expires: expiresAfter(options.now, DEFAULT_EXPIRY_DAYS.root),
    });
    await signMetadata(root, options.role === 'root' ? [...oldRootSigners, ...fresh.signers] : oldRootSigners);
    verifyRootRotation(state.root, root); // refuse to write a root no client would accept
    const retired = keyring.roles[options.role].keys;
    const updated: Keyring = { ...keyring, roles: { ...keyring.roles, [options.role]: { threshold: options.threshold, keys: fresh.sources } } };
    writeRoot(options.dir, root);
    if (options.role !== 'root') {
      const signersOf = (role: 'targets' | 'snapshot' | 'timestamp') => (role === options.role ? fresh.signers : loader.signersFor(keyring, role));
      await publishTargets(
        options.dir,
        root,
        state,
        Object.values(state.targets.signed.targets),
        {
          targets: signersOf('targets'),
          snapshot: signersOf('snapshot'),
          timestamp: signersOf('timestamp'),
        },
        options.now,
      );
    }
    writeKeyring(options.dir, updated);
    // Retired key files move aside rather than vanish: an operator destroys them deliberately.
    for (const source of retired) {
      if (source.source === 'file' && existsSync(join(options.dir, source.path))) {
        mkdirSync(join(options.dir, 'keys', 'retired'), { recursive: true, mode: 0o700 });
        renameSync(join(options.dir, source.path), join(options.dir, 'keys', 'retired', source.path.replace(/^keys\//, '')));
      }
    }
    return { rootVersion: root.signed.version };
  } finally {
    loader.close();
  }
}
