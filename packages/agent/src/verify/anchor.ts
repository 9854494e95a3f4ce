/**
 * The provisioned TUF root is the device's trust anchor: whoever can replace `root.json` in the
 * metadata directory can make the device accept anything. It is kept in a file, so it is
 * authenticated at rest with an HMAC under the device's MAC key — the same key as the security
 * version record, generated inside the PKCS#11 token and never leaving it (a key file only for
 * the software element) — over a domain-separated SHA-256 of the file:
 *
 *   root.json.seal = { format: "osprey-tuf-root/1", sha256, mac: HMAC(key, "osprey-tuf-root/1\n" || SHA-256(root.json)) }
 *
 * `osprey-agent provision` seals the root it finds; every TUF refresh first checks the seal
 * (AGENT_TUF_ROOT_UNSEALED, AGENT_TUF_ROOT_TAMPERED), and reseals when tuf-js replaced the root
 * with a newer one it verified against the old (TUF §5.3, root rotation).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecurityVersionMac } from '../bootloader/security-version.js';
import { writeFileAtomic } from '@osprey/fs';
import { AgentError } from '../errors.js';

export const TRUST_ANCHOR_FORMAT = 'osprey-tuf-root/1';

interface Seal {
  format: string;
  sha256: string;
  mac: string;
}

export class TrustAnchor {
  readonly rootFile: string;
  readonly sealFile: string;

  constructor(
    metadataDir: string,
    private readonly key: SecurityVersionMac,
  ) {
    this.rootFile = join(metadataDir, 'root.json');
    this.sealFile = join(metadataDir, 'root.json.seal');
  }

  #digest(): string {
    try {
      return createHash('sha256').update(readFileSync(this.rootFile)).digest('hex');
    } catch (cause) {
      throw new AgentError('AGENT_TUF_ROOT_MISSING', `cannot read ${this.rootFile}: ${(cause as Error).message}`, { cause });
    }
  }

  #mac(sha256: string): Buffer {
    return this.key.mac(Buffer.concat([Buffer.from(`${TRUST_ANCHOR_FORMAT}\n`), Buffer.from(sha256, 'hex')]));
  }

  /** Whether a seal exists (authentic or not). */
  sealed(): boolean {
    try {
      readFileSync(this.sealFile);
      return true;
    } catch {
      return false;
    }
  }

  /** Seal the root as it is now (provisioning, or after tuf-js accepted a newer root). */
  seal(): void {
    const sha256 = this.#digest();
    const seal: Seal = { format: TRUST_ANCHOR_FORMAT, sha256, mac: this.#mac(sha256).toString('hex') };
    writeFileAtomic(this.sealFile, `${JSON.stringify(seal)}\n`, { mode: 0o600 });
  }

  /** The SHA-256 of the authentic root; throws unless the root matches its seal under this device's key. */
  check(): string {
    let seal: Partial<Seal>;
    try {
      seal = JSON.parse(readFileSync(this.sealFile, 'utf8')) as Partial<Seal>;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new AgentError('AGENT_TUF_ROOT_UNSEALED', `${this.rootFile} has no seal: run osprey-agent provision once the tenant's root is installed`);
      }
      throw new AgentError('AGENT_TUF_ROOT_TAMPERED', `${this.sealFile} is not a seal of the TUF root`);
    }
    const sha256 = this.#digest();
    const expected = this.#mac(sha256);
    const actual = Buffer.from(typeof seal.mac === 'string' && /^[0-9a-f]{64}$/.test(seal.mac) ? seal.mac : '', 'hex');
    if (seal.format !== TRUST_ANCHOR_FORMAT || seal.sha256 !== sha256 || actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw new AgentError(
        'AGENT_TUF_ROOT_TAMPERED',
        `${this.rootFile} does not match its seal under the device key (${this.key.id}): it was replaced or corrupted`,
      );
    }
    return sha256;
  }

  /**
   * Runs a TUF refresh on an authentic root. tuf-js writes a newer root into the directory only
   * after verifying it with the current one, so a root changed by `refresh` is resealed, also when
   * the refresh failed after the rotation.
   */
  async guard<T>(refresh: () => Promise<T>): Promise<T> {
    const before = this.check();
    try {
      return await refresh();
    } finally {
      if (this.#digest() !== before) this.seal();
    }
  }
}
