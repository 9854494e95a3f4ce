/**
 * The device's anti-rollback counter: the highest release security version it has committed
 * (MCUboot's SEC_CNT against a hardware counter, update-security-landscape §4; Uptane). A release
 * below it is refused before install, and the counter only ever goes up: `raise(v)` refuses a lower
 * `v`. The agent raises it after the health check passes, just before committing.
 *
 * Implementations:
 * - {@link FileSecurityVersionStore}: a file authenticated with HMAC-SHA256 under a device key, so
 *   that editing or corrupting it is detected (`TAMPERED`) and deleting it is detected (`MISSING`,
 *   never a silent reset to 0). A file cannot stop an attacker with write access from putting back
 *   an older authentic copy of itself; that takes a monotonic counter in hardware.
 * - A PKCS#11 / secure-element implementation (a monotonic counter object or a key-bound record
 *   in the token) is to come with `src/secure-element/`; it implements the same interface.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic, type AtomicWriteHook } from '../state/atomic.js';

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

export const SECURITY_VERSION_ERROR_CODES = {
  MISSING: 'the security version record is missing (deleted?): provision it explicitly',
  TAMPERED: 'the security version record fails its authentication (tampered with or corrupted)',
  DOWNGRADE: 'the security version is below the device security version (anti-rollback)',
  INVALID_VERSION: 'a security version is a non-negative safe integer',
  INVALID_KEY: 'the security version key must be at least 32 bytes',
  EXISTS: 'a security version record already exists',
} as const;
export type SecurityVersionErrorCode = keyof typeof SECURITY_VERSION_ERROR_CODES;

export class SecurityVersionError extends Error {
  readonly code: SecurityVersionErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: SecurityVersionErrorCode, message?: string, details: Record<string, unknown> = {}) {
    super(message ?? SECURITY_VERSION_ERROR_CODES[code]);
    this.name = 'SecurityVersionError';
    this.code = code;
    this.details = details;
  }
}

export function isSecurityVersionError(e: unknown, code?: SecurityVersionErrorCode): e is SecurityVersionError {
  return e instanceof SecurityVersionError && (code === undefined || e.code === code);
}

export const SECURITY_VERSION_FILE_FORMAT = 'osprey-security-version/1';

function validVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 0) throw new SecurityVersionError('INVALID_VERSION', `invalid security version ${String(version)}`);
}

function mac(key: Uint8Array, version: number): string {
  // Domain-separated so that the key cannot be made to authenticate anything else.
  return createHmac('sha256', key).update(`${SECURITY_VERSION_FILE_FORMAT}\n${version}\n`).digest('hex');
}

export interface FileSecurityVersionStoreOptions {
  /** Fault injection for tests (see `state/atomic.ts`). */
  readonly writeHook?: AtomicWriteHook;
}

/** A security version kept in a file and authenticated with HMAC-SHA256 under a device key. */
export class FileSecurityVersionStore implements SecurityVersionStore {
  readonly path: string;
  readonly #key: Uint8Array;
  readonly #hook: AtomicWriteHook | undefined;

  /**
   * Provisions the record (factory or first boot). Refuses (`EXISTS`) if one is there: an
   * existing counter is never reset.
   */
  static provision(path: string, key: Uint8Array, version = 0, options: FileSecurityVersionStoreOptions = {}): FileSecurityVersionStore {
    const store = new FileSecurityVersionStore(path, key, options);
    validVersion(version);
    if (existsSync(path)) throw new SecurityVersionError('EXISTS', `${path} already exists`);
    store.#write(version);
    return store;
  }

  constructor(path: string, key: Uint8Array, options: FileSecurityVersionStoreOptions = {}) {
    if (key.byteLength < 32) throw new SecurityVersionError('INVALID_KEY');
    this.path = path;
    this.#key = Uint8Array.from(key);
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
    if (format !== SECURITY_VERSION_FILE_FORMAT || typeof securityVersion !== 'number' || !Number.isSafeInteger(securityVersion) || securityVersion < 0 || typeof tag !== 'string') {
      throw new SecurityVersionError('TAMPERED', `${this.path} is not a valid security version record`);
    }
    const expected = Buffer.from(mac(this.#key, securityVersion), 'hex');
    const actual = Buffer.from(tag, 'hex');
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw new SecurityVersionError('TAMPERED', `${this.path} fails its authentication`);
    }
    return securityVersion;
  }

  #write(version: number): void {
    const body = JSON.stringify({ format: SECURITY_VERSION_FILE_FORMAT, securityVersion: version, mac: mac(this.#key, version) });
    writeFileAtomic(this.path, `${body}\n`, { mode: 0o600, ...(this.#hook ? { hook: this.#hook } : {}) });
  }

  async current(): Promise<number> {
    return this.#read();
  }

  async check(version: number): Promise<void> {
    validVersion(version);
    const current = this.#read();
    if (version < current) {
      throw new SecurityVersionError('DOWNGRADE', `security version ${version} is below the device security version ${current}`, { version, current });
    }
  }

  async raise(version: number): Promise<number> {
    validVersion(version);
    const current = this.#read();
    if (version < current) {
      throw new SecurityVersionError('DOWNGRADE', `refusing to lower the security version from ${current} to ${version}`, { version, current });
    }
    if (version > current) this.#write(version);
    return version;
  }
}
