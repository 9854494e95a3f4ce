/**
 * The device key behind one interface. The private key never leaves the element: a software key
 * file for development, a PKCS#11 token (SoftHSM2 in tests, any token with P-256 ECDH in
 * production) on real devices. What leaves is the public key (as an age recipient or PEM) for the
 * server, and an age `Identity` that unwraps file keys (one ECDH inside the element per update).
 */
import type { Identity } from '@osprey/core';

export interface ProvisionedKey {
  /** The age recipient (`age1tag1…` for P-256) the server wraps file keys to. */
  recipient: string;
  /** The public key as PEM (SPKI), e.g. for a CSR or the operator's inventory. */
  publicKeyPem: string;
  /** Whether provisioning generated the key now (false: it existed already). */
  created: boolean;
}

export interface SecureElement {
  readonly kind: 'software' | 'pkcs11';
  /** Generate the device key if there is none yet (idempotent); never replaces an existing key. */
  provision(): Promise<ProvisionedKey>;
  /** The age recipient. Throws AGENT_KEY_MISSING before provisioning. */
  recipient(): string;
  /** The public key as PEM (SPKI). Throws AGENT_KEY_MISSING before provisioning. */
  publicKeyPem(): string;
  /** The identity for unwrapping age headers. Throws AGENT_KEY_MISSING before provisioning. */
  identity(): Identity;
  /** Release the element (closes a token session the element opened). */
  close(): void;
}
