/**
 * Tenant keys. Each tenant has an escrow key: every encrypted artifact's file key is stored wrapped
 * to it (an age header), so the server can write a header for any device without ever storing a
 * file key in the clear. File-backed implementation: PKCS#8 encrypted under a passphrase, in
 * `<dataDir>/keys/<tenant>/`. A PKCS#11 implementation plugs in behind the same interface.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unwrapHeader, X25519Identity, type X25519Recipient } from '@osprey/core';

export interface KeyService {
  /** The tenant's escrow recipient; created on first use. */
  escrowRecipient(tenant: string): X25519Recipient;
  /** The file key inside an escrow header. */
  unwrapFileKey(tenant: string, escrowHeader: Uint8Array): Promise<Buffer>;
  /** Adopt an escrow key made elsewhere (e.g. by `osprey keys init`), if the tenant has none. */
  importEscrowKey(tenant: string, key: KeyObject): void;
}

const TENANT = /^[A-Za-z0-9_-]{1,64}$/;

export class FileKeyService implements KeyService {
  private readonly cache = new Map<string, X25519Identity>();
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
    const path = this.file(tenant);
    mkdirSync(join(this.dir, tenant), { recursive: true, mode: 0o700 });
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(temp, key.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: this.passphrase }), { mode: 0o600, flag: 'wx' });
    renameSync(temp, path);
  }

  private identity(tenant: string): X25519Identity {
    const cached = this.cache.get(tenant);
    if (cached) return cached;
    const path = this.file(tenant);
    if (!existsSync(path)) this.write(tenant, generateKeyPairSync('x25519').privateKey);
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
}
