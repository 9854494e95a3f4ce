/**
 * Development secure element: a P-256 private key in a PKCS#8 PEM file, mode 0600 (optionally
 * passphrase-encrypted). Created atomically (a crash never leaves a half-written key under its
 * name) and never overwritten; a key file readable by group or others is refused.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { OspreyError, P256TagIdentity, SoftwareP256KeyAgreement, type Identity } from '@osprey/core';
import { AgentError } from '../errors.js';
import type { ProvisionedKey, SecureElement } from './types.js';

export class SoftwareKeyElement implements SecureElement {
  readonly kind = 'software' as const;
  private loaded: { agreement: SoftwareP256KeyAgreement; publicKey: KeyObject; identity: P256TagIdentity } | undefined;

  constructor(
    /** Path of the PEM key file. */
    readonly path: string,
    private readonly options: { passphrase?: string } = {},
  ) {}

  async provision(): Promise<ProvisionedKey> {
    let created = false;
    if (!this.exists()) created = this.create();
    this.load();
    return { recipient: this.recipient(), publicKeyPem: this.publicKeyPem(), created };
  }

  private exists(): boolean {
    try {
      statSync(this.path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  /** Write a new key to a temporary file, then link it into place (fails if another process won). */
  private create(): boolean {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem =
      this.options.passphrase === undefined
        ? privateKey.export({ type: 'pkcs8', format: 'pem' })
        : privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: this.options.passphrase });
    const tmp = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, Buffer.from(pem));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, this.path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    } finally {
      unlinkSync(tmp);
    }
  }

  private load(): NonNullable<SoftwareKeyElement['loaded']> {
    if (this.loaded) return this.loaded;
    let mode: number;
    try {
      mode = statSync(this.path).mode;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new AgentError('AGENT_KEY_MISSING', `no device key at ${this.path}: provision the device first`);
      throw e;
    }
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new AgentError('AGENT_KEY_INSECURE', `the device key ${this.path} has mode ${(mode & 0o777).toString(8)}; it must be 600`);
    }
    let key: KeyObject;
    try {
      const pem = readFileSync(this.path);
      key = createPrivateKey(this.options.passphrase === undefined ? pem : { key: pem, passphrase: this.options.passphrase });
    } catch (cause) {
      const message = (cause as Error).message;
      if (/passphrase|decrypt|bad decrypt/i.test(message))
        throw new OspreyError('KEY_WRONG_PASSPHRASE', `the passphrase does not open ${this.path}`, { cause });
      throw new OspreyError('KEY_INVALID', `${this.path} is not a readable private key: ${message}`, { cause });
    }
    const agreement = new SoftwareP256KeyAgreement(key);
    this.loaded = { agreement, publicKey: createPublicKey(key), identity: new P256TagIdentity(agreement) };
    return this.loaded;
  }

  recipient(): string {
    return this.load().identity.recipient.toString();
  }

  publicKeyPem(): string {
    return this.load().publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  identity(): Identity {
    return this.load().identity;
  }

  close(): void {
    this.loaded = undefined;
  }
}
