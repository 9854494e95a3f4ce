/**
 * The device's anti-rollback counter: the highest release security version it has committed
 * (MCUboot's SEC_CNT against a hardware counter, update-security-landscape §4; Uptane). A release
 * below it is refused before install, and the counter only ever goes up: `raise(v)` refuses a lower
 * `v`. The agent raises it after the health check passes, just before committing.
 *
 * {@link FileSecurityVersionStore} keeps it in a file authenticated with HMAC-SHA256, so that
 * editing or corrupting it is detected (`TAMPERED`) and deleting it is detected (`MISSING`, never a
 * silent reset to 0). The MAC is computed by a {@link SecurityVersionMac}:
 * - {@link pkcs11SecurityVersionMac} (production, a PKCS#11 secure element): a 32-byte generic
 *   secret key generated inside the token as sensitive and non-extractable; the token computes
 *   CKM_SHA256_HMAC and the key never exists outside it. Copying the device's files elsewhere
 *   does not give the key, and forging a record takes the token (and its PIN).
 * - {@link softwareSecurityVersionMac} (development, the software key element): a key in a file
 *   next to the record (`secver.key`); whoever can read that file can forge a record.
 * Both MAC the same bytes, so the file format is the same whichever key protects it.
 *
 * A file cannot stop an attacker with write access from putting back an older authentic copy of
 * itself; that takes a monotonic counter in hardware (a PKCS#11 token has none in its standard
 * object set).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isOspreyError } from '@osprey/core';
import type { Pkcs11Token } from '@osprey/pkcs11';
import { writeFileAtomic, type AtomicWriteHook } from '@osprey/fs';
import { SecurityVersionError } from '../errors.js';

// The record's failures; the codes are in the agent's one table (src/errors.ts).
export { isSecurityVersionError, SECURITY_VERSION_ERROR_CODES, SecurityVersionError, type SecurityVersionErrorCode } from '../errors.js';

export interface SecurityVersionStore {
  /** The current security version. */
  current(): Promise<number>;
  /** Throws `DOWNGRADE` if `version` is below the current security version. */
  check(version: number): Promise<void>;
  /**
   * Raises the security version to `version` and returns the new value. Equal: no-op. Lower:
   * refused (`DOWNGRADE`) and nothing changes.
   */
  raise(version: number): Promise<number>;
}

export const SECURITY_VERSION_FILE_FORMAT = 'osprey-security-version/1';

function validVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 0) throw new SecurityVersionError('INVALID_VERSION', `invalid security version ${String(version)}`);
}

/** The bytes a record's MAC covers. Domain-separated so that the key cannot be made to authenticate anything else. */
function macInput(version: number): Buffer {
  return Buffer.from(`${SECURITY_VERSION_FILE_FORMAT}\n${version}\n`, 'utf8');
}

/**
 * Computes the HMAC-SHA256 tag of a record. Synchronous, like provisioning: a PKCS#11 C_Sign
 * through pkcs11js is.
 */
export interface SecurityVersionMac {
  /** Where the key is, for error messages: `software` or `pkcs11:<label>`. */
  readonly id: string;
  /** HMAC-SHA256 of `data` (32 bytes). */
  mac(data: Buffer): Buffer;
}

/** HMAC-SHA256 in this process under a key of at least 32 bytes (a copy is kept). */
export function softwareSecurityVersionMac(key: Uint8Array): SecurityVersionMac {
  if (key.byteLength < 32) throw new SecurityVersionError('INVALID_KEY');
  const copy = Uint8Array.from(key);
  return { id: 'software', mac: (data) => createHmac('sha256', copy).update(data).digest() };
}

/**
 * HMAC-SHA256 computed by a PKCS#11 token (CKM_SHA256_HMAC) under its secret key `label` (made by
 * `Pkcs11Token.generateHmacKey`). A missing key is `KEY_MISSING`.
 */
export function pkcs11SecurityVersionMac(token: Pick<Pkcs11Token, 'hmacSha256'>, label: string): SecurityVersionMac {
  const id = `pkcs11:${label}`;
  return {
    id,
    mac: (data) => {
      try {
        return token.hmacSha256(label, data);
      } catch (e) {
        if (isOspreyError(e, 'PKCS11_OBJECT_NOT_FOUND')) {
          throw new SecurityVersionError('KEY_MISSING', `the token holds no security version key labelled "${label}": provision the device`, {
            details: { key: id },
          });
        }
        throw e;
      }
    },
  };
}

export interface FileSecurityVersionStoreOptions {
  /** Fault injection for tests (see `AtomicWriteHook` in @osprey/fs). */
  readonly writeHook?: AtomicWriteHook;
}

/**
 * A security version kept in a file and authenticated with HMAC-SHA256 under a device key: a key
 * given as bytes (software), or a {@link SecurityVersionMac} (e.g. a token key).
 */
export class FileSecurityVersionStore implements SecurityVersionStore {
  readonly path: string;
  readonly #mac: SecurityVersionMac;
  readonly #hook: AtomicWriteHook | undefined;

  /**
   * Provisions the record (factory or first boot). Refuses (`EXISTS`) if one is there: an
   * existing counter is never reset.
   */
  static provision(path: string, key: Uint8Array | SecurityVersionMac, version = 0, options: FileSecurityVersionStoreOptions = {}): FileSecurityVersionStore {
    const store = new FileSecurityVersionStore(path, key, options);
    validVersion(version);
    if (existsSync(path)) throw new SecurityVersionError('EXISTS', `${path} already exists`);
    store.#write(version);
    return store;
  }

  /**
   * Moves an existing record from key `from` to key `to` (e.g. from a software key to a token
   * key), keeping its value: the record must be authentic under `from` (else `MISSING`/`TAMPERED`,
   * and nothing changes). Atomic: a crash leaves the record under `from` or under `to`.
   */
  static rekey(
    path: string,
    from: Uint8Array | SecurityVersionMac,
    to: Uint8Array | SecurityVersionMac,
    options: FileSecurityVersionStoreOptions = {},
  ): FileSecurityVersionStore {
    const version = new FileSecurityVersionStore(path, from).#read();
    const store = new FileSecurityVersionStore(path, to, options);
    store.#write(version);
    return store;
  }

  constructor(path: string, key: Uint8Array | SecurityVersionMac, options: FileSecurityVersionStoreOptions = {}) {
    this.path = path;
    this.#mac = key instanceof Uint8Array ? softwareSecurityVersionMac(key) : key;
    this.#hook = options.writeHook;
  }

  #read(): number {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new SecurityVersionError('MISSING', `${this.path} does not exist`);
      throw e;
    }
    let record: { format?: unknown; securityVersion?: unknown; mac?: unknown };
    try {
      record = JSON.parse(text) as typeof record;
    } catch {
      throw new SecurityVersionError('TAMPERED', `${this.path} is not a security version record`);
    }
    const { format, securityVersion, mac: tag } = record ?? {};
    if (
      format !== SECURITY_VERSION_FILE_FORMAT ||
      typeof securityVersion !== 'number' ||
      !Number.isSafeInteger(securityVersion) ||
      securityVersion < 0 ||
      typeof tag !== 'string'
    ) {
      throw new SecurityVersionError('TAMPERED', `${this.path} is not a valid security version record`);
    }
    const expected = this.#tag(securityVersion);
    const actual = Buffer.from(tag, 'hex');
    if (!/^[0-9a-f]{64}$/.test(tag) || actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      // Also what a record made under another key looks like (e.g. after switching key kinds).
      throw new SecurityVersionError('TAMPERED', `${this.path} fails its authentication under the ${this.#mac.id} key`, { details: { key: this.#mac.id } });
    }
    return securityVersion;
  }

  #tag(version: number): Buffer {
    const tag = this.#mac.mac(macInput(version));
    if (tag.length !== 32) throw new SecurityVersionError('INVALID_KEY', `the ${this.#mac.id} MAC returned ${tag.length} bytes, not 32`);
    return tag;
  }

  #write(version: number): void {
    const body = JSON.stringify({ format: SECURITY_VERSION_FILE_FORMAT, securityVersion: version, mac: this.#tag(version).toString('hex') });
    writeFileAtomic(this.path, `${body}\n`, { mode: 0o600, ...(this.#hook ? { hook: this.#hook } : {}) });
  }

  async current(): Promise<number> {
    return this.#read();
  }

  async check(version: number): Promise<void> {
    validVersion(version);
    const current = this.#read();
    if (version < current) {
      throw new SecurityVersionError('DOWNGRADE', `security version ${version} is below the device security version ${current}`, {
        details: { version, current },
      });
    }
  }

  async raise(version: number): Promise<number> {
    validVersion(version);
    const current = this.#read();
    if (version < current) {
      throw new SecurityVersionError('DOWNGRADE', `refusing to lower the security version from ${current} to ${version}`, { details: { version, current } });
    }
    if (version > current) this.#write(version);
    return version;
  }
}
