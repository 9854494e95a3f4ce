/**
 * The key service on a PKCS#11 token (an HSM in production, SoftHSM2 in tests): every tenant key
 * is generated inside the token as a non-extractable object and only used there.
 *   osprey-escrow-<tenant>                 P-256, ECDH: file keys are wrapped to it as age p256tag
 *   osprey-tuf-<tenant>-<role>-<keyid>     Ed25519 or P-256 online TUF keys
 *   osprey-artifact-<tenant>               P-256, detached artifact signatures
 * Retired keys are relabelled `retired-…`, not destroyed: an operator does that deliberately.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { P256TagIdentity, P256TagRecipient, tufKeyFromPublicKey, unwrapHeader, type Recipient, type Signer } from '@osprey/core';
import { Pkcs11Token, type TokenOptions } from '@osprey/pkcs11';
import { SigningTap, type ArtifactSigning } from '../domain/signatures.js';
import type { KeyService, OnlineKeyType, TufKeyRole } from './keyservice.js';

const TENANT = /^[A-Za-z0-9_-]{1,64}$/;

function checkTenant(tenant: string): string {
  if (!TENANT.test(tenant)) throw new Error(`invalid tenant name ${JSON.stringify(tenant)}`);
  return tenant;
}

export class Pkcs11KeyService implements KeyService {
  private readonly token: Pkcs11Token;

  constructor(options: TokenOptions) {
    this.token = Pkcs11Token.open(options);
  }

  close(): void {
    this.token.close();
  }

  private escrowLabel(tenant: string): string {
    return `osprey-escrow-${checkTenant(tenant)}`;
  }

  private ensureEscrow(tenant: string): string {
    const label = this.escrowLabel(tenant);
    if (this.token.privateKeyLabels(label).length === 0) this.token.generateKeyPair(label, 'p256', { derive: true });
    return label;
  }

  escrowRecipient(tenant: string): Recipient {
    return new P256TagRecipient(this.token.publicPoint(this.ensureEscrow(tenant)).point);
  }

  async unwrapFileKey(tenant: string, escrowHeader: Uint8Array): Promise<Buffer> {
    return unwrapHeader(escrowHeader, [new P256TagIdentity(this.token.keyAgreement(this.ensureEscrow(tenant)))]);
  }

  importEscrowKey(tenant: string, key: KeyObject): void {
    if (key.asymmetricKeyType !== 'ec') {
      throw new Error('the PKCS#11 key service keeps P-256 escrow keys; an X25519 escrow key (from "osprey keys init") cannot be imported into the token');
    }
    const label = this.escrowLabel(tenant);
    if (this.token.privateKeyLabels(label).length > 0) throw new Error(`tenant ${tenant} already has an escrow key in the token`);
    this.token.importKeyPair(label, key, { derive: true });
  }

  private tufPrefix(tenant: string, role: TufKeyRole): string {
    return `osprey-tuf-${checkTenant(tenant)}-${role}-`;
  }

  tufSigners(tenant: string, role: TufKeyRole): Signer[] {
    // Labels end in a sortable creation stamp, so the newest key is last.
    return this.token.privateKeyLabels(this.tufPrefix(tenant, role)).map((label) => this.token.signer(label));
  }

  tufSigner(tenant: string, role: TufKeyRole, keyIds?: readonly string[]): Signer | undefined {
    const signers = this.tufSigners(tenant, role);
    if (!keyIds) return signers.at(-1);
    return signers.find((s) => keyIds.includes(s.key.keyID));
  }

  private stamp(): string {
    return `${Date.now().toString(36).padStart(10, '0')}-${process.hrtime.bigint().toString(36)}`;
  }

  generateTufKeys(tenant: string, roles: readonly TufKeyRole[], keyType: OnlineKeyType = 'ed25519'): Record<TufKeyRole, Signer> {
    const out = {} as Record<TufKeyRole, Signer>;
    for (const role of roles) {
      const label = `${this.tufPrefix(tenant, role)}${this.stamp()}`;
      this.token.generateKeyPair(label, keyType === 'ecdsa' ? 'p256' : 'ed25519', { sign: true });
      out[role] = this.token.signer(label);
    }
    return out;
  }

  importTufKey(tenant: string, role: TufKeyRole, key: KeyObject): Signer {
    const keyId = tufKeyFromPublicKey(key).keyID;
    const existing = this.tufSigners(tenant, role).find((s) => s.key.keyID === keyId);
    if (existing) return existing;
    const label = `${this.tufPrefix(tenant, role)}${this.stamp()}`;
    this.token.importKeyPair(label, key, { sign: true });
    return this.token.signer(label);
  }

  forget(): void {
    // Nothing is held here: every use asks the token, which all instances share.
  }

  retireTufKeys(tenant: string, role: TufKeyRole, keepKeyIds: readonly string[] = []): void {
    for (const label of this.token.privateKeyLabels(this.tufPrefix(tenant, role))) {
      if (keepKeyIds.includes(this.token.signer(label).key.keyID)) continue;
      this.token.relabel(label, `retired-${label}`);
    }
  }

  /** Detached artifact signatures with a P-256 key in the token: SHA-256 streamed here, signed there. */
  artifactSigning(): ArtifactSigning {
    const ensure = (tenant: string) => {
      const label = `osprey-artifact-${checkTenant(tenant)}`;
      if (this.token.privateKeyLabels(label).length === 0) this.token.generateKeyPair(label, 'p256', { sign: true });
      return label;
    };
    return {
      signer: (tenant) => {
        const label = ensure(tenant);
        const hash = createHash('sha256');
        return new SigningTap({ update: (chunk) => void hash.update(chunk), sign: () => this.token.signDigest(label, hash.digest()) });
      },
      signingPublicKeyPem: (tenant) => this.token.publicKey(ensure(tenant)).export({ format: 'pem', type: 'spki' }).toString(),
    };
  }
}
