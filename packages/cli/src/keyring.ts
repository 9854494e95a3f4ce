/**
 * Where a repository's signing keys live: `keyring.json` beside the repository lists, per TUF role,
 * the threshold and each key's source — an encrypted key file (which may sit on removable media
 * that is only plugged in for a ceremony) or a label on a PKCS#11 token.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KeyObjectSigner, OspreyError, TOP_LEVEL_ROLES, X25519Identity, type Signer, type TopLevelRole } from '@osprey/core';
import { Pkcs11Token } from '@osprey/pkcs11';
import { z } from 'zod';
import { writeFileAtomic } from '@osprey/fs';
import type { CliEnvironment } from './config.js';
import { UsageError } from './errors.js';
import { readKeyFile } from './keyfile.js';

const keySource = z.discriminatedUnion('source', [
  z.strictObject({ keyid: z.string(), source: z.literal('file'), path: z.string() }),
  z.strictObject({ keyid: z.string(), source: z.literal('pkcs11'), label: z.string() }),
]);
const roleEntry = z.strictObject({ threshold: z.int().min(1), keys: z.array(keySource).min(1) });
const keyringSchema = z.strictObject({
  format: z.literal('osprey-keyring-v1'),
  roles: z.strictObject({ root: roleEntry, targets: roleEntry, snapshot: roleEntry, timestamp: roleEntry }),
  /** The release (escrow) key: every payload's file key is also wrapped to it, for re-wrapping. */
  escrow: z.strictObject({ recipient: z.string(), path: z.string() }),
});
export type Keyring = z.infer<typeof keyringSchema>;
export type KeySource = z.infer<typeof keySource>;

export const KEYRING_FILE = 'keyring.json';

export function readKeyring(dir: string): Keyring {
  const path = join(dir, KEYRING_FILE);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT')
      throw new UsageError(`${dir} is not an Osprey repository (no ${KEYRING_FILE}): run "osprey keys init --dir ${dir}" first`);
    throw new UsageError(`${path} is not valid JSON: ${(cause as Error).message}`);
  }
  const parsed = keyringSchema.safeParse(json);
  if (!parsed.success) throw new UsageError(`${path} is not a valid keyring: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export function writeKeyring(dir: string, keyring: Keyring): void {
  writeFileAtomic(join(dir, KEYRING_FILE), JSON.stringify(keyringSchema.parse(keyring), null, 2) + '\n', { mode: 0o644 });
}

/** Opens key files and tokens on demand; close() releases the token sessions. */
export class KeyLoader {
  private token: Pkcs11Token | undefined;

  constructor(
    private readonly dir: string,
    private readonly env: CliEnvironment,
  ) {}

  openToken(): Pkcs11Token {
    if (!this.token) {
      const { module, tokenLabel, pin } = this.env.pkcs11;
      if (!module || !tokenLabel || pin === undefined) {
        throw new UsageError('PKCS#11 keys need OSPREY_PKCS11_MODULE, OSPREY_PKCS11_TOKEN and OSPREY_PKCS11_PIN');
      }
      this.token = Pkcs11Token.open({ module, tokenLabel, pin });
    }
    return this.token;
  }

  signer(source: KeySource): Signer {
    const signer =
      source.source === 'file' ? new KeyObjectSigner(readKeyFile(resolve(this.dir, source.path), this.env.passphrase)) : this.openToken().signer(source.label);
    if (signer.key.keyID !== source.keyid) {
      throw new OspreyError(
        'KEY_INVALID',
        `key ${source.source === 'file' ? source.path : source.label} is not key ${source.keyid.slice(0, 12)}… that the keyring lists`,
      );
    }
    return signer;
  }

  /**
   * Signers for a role: every listed key that can be opened, at least `threshold` of them. A key
   * whose file is absent (kept offline elsewhere) is skipped; a wrong passphrase is an error.
   */
  signersFor(keyring: Keyring, role: TopLevelRole): Signer[] {
    const entry = keyring.roles[role];
    const signers: Signer[] = [];
    const missing: string[] = [];
    for (const source of entry.keys) {
      try {
        signers.push(this.signer(source));
      } catch (e) {
        if (e instanceof OspreyError && e.code === 'KEY_INVALID' && /cannot read key file/.test(e.message)) {
          missing.push(source.source === 'file' ? source.path : source.label);
          continue;
        }
        throw e;
      }
    }
    if (signers.length < entry.threshold) {
      throw new UsageError(`${role} needs ${entry.threshold} key(s) and only ${signers.length} could be opened (missing: ${missing.join(', ')})`);
    }
    return signers;
  }

  escrowIdentity(keyring: Keyring): X25519Identity {
    return new X25519Identity(readKeyFile(resolve(this.dir, keyring.escrow.path), this.env.passphrase));
  }

  close(): void {
    this.token?.close();
    this.token = undefined;
  }
}

export function rolesInOrder(): readonly TopLevelRole[] {
  return TOP_LEVEL_ROLES;
}
