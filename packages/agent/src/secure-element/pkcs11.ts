/**
 * Production secure element: a PKCS#11 token with P-256 ECDH (CKM_ECDH1_DERIVE). The device key
 * is generated inside the token at provisioning as a non-extractable derive-only key; only its
 * public half is ever read. Unwrapping an age p256tag header costs one ECDH in the token.
 */
import { isOspreyError, OspreyError, P256TagIdentity, P256TagRecipient, type Identity } from '@osprey/core';
import { Pkcs11Token, type TokenOptions } from '@osprey/pkcs11';
import { AgentError } from '../errors.js';
import type { ProvisionedKey, SecureElement } from './types.js';

export const DEFAULT_DEVICE_KEY_LABEL = 'osprey-device-key';

export class Pkcs11Element implements SecureElement {
  readonly kind = 'pkcs11' as const;
  readonly label: string;
  private readonly ownsToken: boolean;
  private cachedIdentity: P256TagIdentity | undefined;

  constructor(
    private readonly token: Pkcs11Token,
    options: { label?: string; ownsToken?: boolean } = {},
  ) {
    this.label = options.label ?? DEFAULT_DEVICE_KEY_LABEL;
    this.ownsToken = options.ownsToken ?? false;
  }

  /** Open the token and use key `label` on it; close() closes the session. */
  static open(options: TokenOptions, label?: string): Pkcs11Element {
    return new Pkcs11Element(Pkcs11Token.open(options), { ...(label ? { label } : {}), ownsToken: true });
  }

  /** The key's public point, or undefined when the token has no such key. */
  private point(): Buffer | undefined {
    try {
      const { type, point } = this.token.publicPoint(this.label);
      if (type !== 'p256') throw new OspreyError('KEY_UNSUPPORTED', `token key "${this.label}" is not a P-256 key`);
      return point;
    } catch (e) {
      if (isOspreyError(e, 'PKCS11_OBJECT_NOT_FOUND')) return undefined;
      throw e;
    }
  }

  private requirePoint(): Buffer {
    const point = this.point();
    if (!point) throw new AgentError('AGENT_KEY_MISSING', `no key labelled "${this.label}" on the token: provision the device first`);
    return point;
  }

  async provision(): Promise<ProvisionedKey> {
    let created = false;
    if (!this.point()) {
      this.token.generateKeyPair(this.label, 'p256', { sign: false, derive: true });
      created = true;
    }
    return { recipient: this.recipient(), publicKeyPem: this.publicKeyPem(), created };
  }

  recipient(): string {
    return new P256TagRecipient(this.requirePoint()).toString();
  }

  publicKeyPem(): string {
    this.requirePoint();
    return this.token.publicKey(this.label).export({ type: 'spki', format: 'pem' }).toString();
  }

  identity(): Identity {
    this.requirePoint();
    this.cachedIdentity ??= new P256TagIdentity(this.token.keyAgreement(this.label));
    return this.cachedIdentity;
  }

  close(): void {
    this.cachedIdentity = undefined;
    if (this.ownsToken) this.token.close();
  }
}
