/**
 * Signer choice: which of the keys the server holds may sign a role of a given root, and what is
 * missing when they do not meet its threshold. Pure: the held keys come in as a function (the
 * key service's, or a test's), so the state transitions (state.ts) never touch the key store.
 *
 * Keys are matched by key material, not by key ID: python-tuf and other tools may write the same
 * ECDSA PEM with other whitespace, which changes the ID but not the key (TUF spec §4.2).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { KeyObjectSigner, type Signer, type TopLevelRole } from '@osprey/core';
import type { Key, Metadata, Root } from '@tufjs/models';
import { ServerError } from '../../errors.js';
import type { KeyService } from '../../keys/keyservice.js';

/** The online keys the server holds for a role (several while a rotation stages the next). */
export type HeldKeys = (role: TopLevelRole) => readonly Signer[];

/** The key service's keys of one tenant. */
export const heldKeysOf =
  (keys: KeyService, tenant: string): HeldKeys =>
  (role) =>
    keys.tufSigners(tenant, role);

/** `held`, plus keys given with this request (an import), in front. */
export const withGiven =
  (held: HeldKeys, given: Partial<Record<TopLevelRole, readonly Signer[]>>): HeldKeys =>
  (role) => [...(given[role] ?? []), ...held(role)];

export const shortKeyId = (keyId: string) => `${keyId.slice(0, 12)}…`;

/** Key material, independent of how a key ID was computed. */
export function keyMaterial(key: Key): string {
  const value = key.keyVal.public ?? '';
  if (key.keyType === 'ed25519') return `ed25519:${value.toLowerCase()}`;
  try {
    return `${key.keyType}:${createPublicKey(value).export({ format: 'der', type: 'spki' }).toString('hex')}`;
  } catch {
    return `${key.keyType}:${value}`;
  }
}

/** The keys a root lists for a role; a 409 when the root has no such role. */
export function roleKeys(root: Root, role: TopLevelRole): Key[] {
  const spec = root.roles[role];
  if (!spec) throw new ServerError('CONFLICT', `the root has no ${role} role`);
  return spec.keyIDs.map((id) => root.keys[id]).filter((k): k is Key => k !== undefined);
}

/** A role's keys and threshold, comparable across root versions: which roles a rotation changes. */
export function roleSignature(root: Root, role: TopLevelRole): string {
  const spec = root.roles[role];
  if (!spec) return '';
  const keys = spec.keyIDs
    .map((id) => root.keys[id])
    .filter((k): k is Key => k !== undefined)
    .map(keyMaterial)
    .sort();
  return `${spec.threshold}|${keys.join(',')}`;
}

export interface SignerChoice {
  /** Held keys the root lists for the role, each signing under the root's key ID. */
  signers: Signer[];
  /** The root's keys of the role that the server does not hold. */
  missing: Key[];
  threshold: number;
}

export function chooseSigners(root: Root, role: TopLevelRole, held: HeldKeys): SignerChoice {
  const candidates = held(role);
  const signers: Signer[] = [];
  const missing: Key[] = [];
  for (const key of roleKeys(root, role)) {
    const material = keyMaterial(key);
    const signer = candidates.find((s) => keyMaterial(s.key) === material);
    if (signer) signers.push({ key, sign: (data) => signer.sign(data) });
    else missing.push(key);
  }
  return { signers, missing, threshold: root.roles[role]?.threshold ?? 1 };
}

export function canSign(root: Root, role: TopLevelRole, held: HeldKeys): boolean {
  const { signers, threshold } = chooseSigners(root, role, held);
  return signers.length >= threshold;
}

export function missingKeysMessage(root: Metadata<Root>, role: TopLevelRole, choice: SignerChoice): string {
  const { missing, threshold, signers } = choice;
  return `root v${root.signed.version} needs ${threshold} signature(s) by its ${role} key(s), and the server holds ${signers.length}; missing ${missing.map((k) => `${k.keyType} key ${shortKeyId(k.keyID)}`).join(', ')}`;
}

/** Signers meeting the role's threshold, or a 409 naming the keys the server lacks and `hint`. */
export function requireSigners(root: Metadata<Root>, role: TopLevelRole, held: HeldKeys, hint: string): Signer[] {
  const choice = chooseSigners(root.signed, role, held);
  if (choice.signers.length < choice.threshold) throw new ServerError('CONFLICT', `${missingKeysMessage(root, role, choice)}; ${hint}`);
  return choice.signers;
}

/** Whether `key` is one the root lists for `role`. */
export function listsKey(root: Root, role: TopLevelRole, key: Key): boolean {
  const material = keyMaterial(key);
  return roleKeys(root, role).some((k) => keyMaterial(k) === material);
}

/** A PKCS#8 PEM private key given to the server, as a signer; a 400 naming `field` when unreadable. */
export function readPrivateKey(pem: string, passphrase: string | undefined, field: string): { key: KeyObject; signer: Signer } {
  try {
    const key = createPrivateKey(passphrase ? { key: pem, passphrase } : { key: pem });
    return { key, signer: new KeyObjectSigner(key) };
  } catch (cause) {
    throw new ServerError(
      'BAD_REQUEST',
      `${field}: not a readable Ed25519 or ECDSA P-256 private key (PKCS#8 PEM; encrypted ones need the passphrase): ${(cause as Error).message}`,
      { cause },
    );
  }
}
