/**
 * Tenant keys. Each tenant has an escrow key: every encrypted artifact's file key is stored wrapped
 * to it (an age header), so the server can write a header for any device without ever storing a
 * file key in the clear. Each tenant also has its online TUF keys: snapshot and timestamp always
 * (the server re-signs them), targets unless the tenant keeps it offline, root only when the
 * server generated the repository (an offline root ceremony keeps root keys off the server).
 *
 * File-backed implementation: PKCS#8 encrypted under a passphrase, in `<dataDir>/keys/<tenant>/`:
 *   escrow.pem                         the escrow key (X25519)
 *   tuf/<role>/<keyid>.pem             online TUF keys (Ed25519 or ECDSA P-256), several per role
 *                                      while a rotation stages the next key
 *   tuf/retired/<role>-<keyid>.pem     keys no longer used; an operator destroys them deliberately
 * A PKCS#11 implementation plugs in behind the same interface.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyObjectSigner, unwrapHeader, X25519Identity, type Recipient, type Signer, type TopLevelRole, type X25519Recipient } from '@osprey/core';

export type TufKeyRole = TopLevelRole;
export type OnlineKeyType = 'ed25519' | 'ecdsa';

export interface KeyService {
  /** The tenant's escrow recipient; created on first use. */
  escrowRecipient(tenant: string): Recipient;
  /** The file key inside an escrow header. */
  unwrapFileKey(tenant: string, escrowHeader: Uint8Array): Promise<Buffer>;
  /** Adopt an escrow key made elsewhere (e.g. by `osprey keys init`), if the tenant has none. */
  importEscrowKey(tenant: string, key: KeyObject): void;

  /**
   * An online TUF signer of the tenant for `role`: with `keyIds`, one whose key ID is listed
   * there; without, the key added last. Undefined when the server holds no such key.
   */
  tufSigner(tenant: string, role: TufKeyRole, keyIds?: readonly string[]): Signer | undefined;
  /** Every online key the server holds for the role (a rotation may stage a next key). */
  tufSigners(tenant: string, role: TufKeyRole): Signer[];
  /** Generate one new key per role (stored encrypted); returns their signers. */
  generateTufKeys(tenant: string, roles: readonly TufKeyRole[], keyType?: OnlineKeyType): Record<TufKeyRole, Signer>;
  /** Adopt a key made elsewhere (e.g. the snapshot key of an offline root ceremony). Idempotent. */
  importTufKey(tenant: string, role: TufKeyRole, key: KeyObject): Signer;
  /** Move a role's keys aside, except those listed: they sign nothing any more. */
  retireTufKeys(tenant: string, role: TufKeyRole, keepKeyIds?: readonly string[]): void;
  /**
   * Drop what is held in memory of the tenant's keys: another instance sharing the key store
   * changed them (a rotation, a new tenant); without a tenant, of every tenant. The next use
   * reads the store again.
   */
  forget(tenant?: string): void;
}

const TENANT = /^[A-Za-z0-9_-]{1,64}$/;
const ROLES: readonly TufKeyRole[] = ['root', 'targets', 'snapshot', 'timestamp'];

export class FileKeyService implements KeyService {
  private readonly cache = new Map<string, X25519Identity>();
  /** `<tenant>/<role>` → signers, newest last. */
  private readonly tufCache = new Map<string, Signer[]>();
  private readonly passphrase: string;

  /**
   * @param dir `<dataDir>/keys`
   * @param passphrase protects keys at rest; when absent, a random one is kept in `dir/passphrase`
   *   (mode 0600) — adequate for evaluation, not for production, where a passphrase or an HSM is set.
   */
  constructor(
    private readonly dir: string,
    passphrase: string | undefined,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (passphrase) {
      this.passphrase = passphrase;
    } else {
      const file = join(dir, 'passphrase');
      if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
      this.passphrase = readFileSync(file, 'utf8').trim();
    }
  }

  private file(tenant: string): string {
    if (!TENANT.test(tenant)) throw new Error(`invalid tenant name ${JSON.stringify(tenant)}`);
    return join(this.dir, tenant, 'escrow.pem');
  }

  private write(tenant: string, key: KeyObject): void {
    this.writeKey(this.file(tenant), key);
  }

  /** Atomically write an encrypted PKCS#8 key file (mode 0600). */
  private writeKey(path: string, key: KeyObject): void {
    const temp = this.writeTemp(path, key);
    renameSync(temp, path);
  }

  /**
   * Atomically create a key file unless one is there: false when another writer (another instance
   * sharing this directory) created it first — its key is the one to use, not ours.
   */
  private createKey(path: string, key: KeyObject): boolean {
    const temp = this.writeTemp(path, key);
    try {
      linkSync(temp, path); // link, unlike rename, never replaces
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    } finally {
      rmSync(temp, { force: true });
    }
  }

  private writeTemp(path: string, key: KeyObject): string {
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(temp, key.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: this.passphrase }), { mode: 0o600, flag: 'wx' });
    return temp;
  }

  private tufDir(tenant: string, role: TufKeyRole): string {
    if (!TENANT.test(tenant)) throw new Error(`invalid tenant name ${JSON.stringify(tenant)}`);
    if (!ROLES.includes(role)) throw new Error(`invalid TUF role ${JSON.stringify(role)}`);
    return join(this.dir, tenant, 'tuf', role);
  }

  private identity(tenant: string): X25519Identity {
    const cached = this.cache.get(tenant);
    if (cached) return cached;
    const path = this.file(tenant);
    // Two instances may get here at once for a new tenant: exactly one key is created, both use it.
    if (!existsSync(path)) this.createKey(path, generateKeyPairSync('x25519').privateKey);
    const identity = new X25519Identity(createPrivateKey({ key: readFileSync(path), passphrase: this.passphrase }));
    this.cache.set(tenant, identity);
    return identity;
  }

  escrowRecipient(tenant: string): X25519Recipient {
    return this.identity(tenant).recipient;
  }

  async unwrapFileKey(tenant: string, escrowHeader: Uint8Array): Promise<Buffer> {
    return unwrapHeader(escrowHeader, [this.identity(tenant)]);
  }

  importEscrowKey(tenant: string, key: KeyObject): void {
    const path = this.file(tenant);
    if (existsSync(path)) {
      const current = this.identity(tenant);
      if (current.recipient.toString() === new X25519Identity(key).recipient.toString()) return;
      throw new Error(`tenant ${tenant} already has a different escrow key`);
    }
    this.write(tenant, key);
    this.cache.delete(tenant);
  }

  forget(tenant?: string): void {
    if (tenant === undefined) {
      this.cache.clear();
      this.tufCache.clear();
      return;
    }
    this.cache.delete(tenant);
    for (const role of ROLES) this.tufCache.delete(`${tenant}/${role}`);
  }

  // --- online TUF keys -------------------------------------------------------------------------

  tufSigners(tenant: string, role: TufKeyRole): Signer[] {
    const cacheKey = `${tenant}/${role}`;
    const cached = this.tufCache.get(cacheKey);
    if (cached) return [...cached];
    const dir = this.tufDir(tenant, role);
    const files = existsSync(dir) ? readdirSync(dir).filter((n) => /^[0-9a-f]{64}\.pem$/.test(n)) : [];
    const loaded = files
      .map((name) => ({ path: join(dir, name), mtime: statSync(join(dir, name)).mtimeMs, name }))
      .sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name))
      .map(({ path }) => new KeyObjectSigner(createPrivateKey({ key: readFileSync(path), passphrase: this.passphrase })) as Signer);
    // No key yet is not remembered: another instance sharing the directory may create the
    // tenant's repository (ensureRepository announces nothing), and this one must then see it.
    if (loaded.length > 0) this.tufCache.set(cacheKey, loaded);
    return [...loaded];
  }

  tufSigner(tenant: string, role: TufKeyRole, keyIds?: readonly string[]): Signer | undefined {
    const signers = this.tufSigners(tenant, role);
    if (!keyIds) return signers.at(-1);
    return signers.find((s) => keyIds.includes(s.key.keyID));
  }

  generateTufKeys(tenant: string, roles: readonly TufKeyRole[], keyType: OnlineKeyType = 'ed25519'): Record<TufKeyRole, Signer> {
    const out = {} as Record<TufKeyRole, Signer>;
    for (const role of roles) {
      const key = keyType === 'ecdsa' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey : generateKeyPairSync('ed25519').privateKey;
      out[role] = this.importTufKey(tenant, role, key);
    }
    return out;
  }

  importTufKey(tenant: string, role: TufKeyRole, key: KeyObject): Signer {
    const signer = new KeyObjectSigner(key); // refuses anything but Ed25519 / ECDSA P-256 private keys
    const path = join(this.tufDir(tenant, role), `${signer.key.keyID}.pem`);
    if (!existsSync(path)) this.writeKey(path, key);
    this.tufCache.delete(`${tenant}/${role}`);
    return signer;
  }

  retireTufKeys(tenant: string, role: TufKeyRole, keepKeyIds: readonly string[] = []): void {
    const dir = this.tufDir(tenant, role);
    if (!existsSync(dir)) return;
    const retired = join(this.dir, tenant, 'tuf', 'retired');
    for (const name of readdirSync(dir)) {
      const match = /^([0-9a-f]{64})\.pem$/.exec(name);
      if (!match || keepKeyIds.includes(match[1]!)) continue;
      mkdirSync(retired, { recursive: true, mode: 0o700 });
      renameSync(join(dir, name), join(retired, `${role}-${name}`));
    }
    this.tufCache.delete(`${tenant}/${role}`);
  }
}
