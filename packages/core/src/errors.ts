/**
 * Typed errors. Every failure the product reports carries a stable `code` that callers branch on
 * and that the server maps to an HTTP status in one table; `message` is for a person.
 */
export const ERROR_CODES = {
  // age payload encryption (C2SP age v1)
  AGE_HEADER_INVALID: 'the age header is malformed',
  AGE_UNSUPPORTED_VERSION: 'the file is not an age v1 file',
  AGE_NO_MATCHING_KEY: 'none of the provided keys can open this file (wrong key)',
  AGE_STANZA_INVALID: 'a recipient stanza for our key type is malformed',
  AGE_HEADER_MAC_MISMATCH: 'the header MAC does not match: header tampered with or wrong file key',
  AGE_CHUNK_AUTH_FAILED: 'a payload chunk failed authentication: tampered, reordered or wrong key',
  AGE_TRUNCATED: 'the payload ends before its final chunk: the file is truncated',
  AGE_TRAILING_DATA: 'data follows the final payload chunk',
  AGE_INVALID_RECIPIENT: 'the recipient string is not a valid age recipient',
  AGE_INVALID_IDENTITY: 'the identity is not a valid age identity',
  // TUF metadata
  TUF_INVALID_METADATA: 'TUF metadata is malformed',
  TUF_BAD_SIGNATURE: 'a TUF signature does not verify',
  TUF_THRESHOLD_NOT_MET: 'too few valid signatures to meet the role threshold',
  TUF_EXPIRED: 'TUF metadata has expired',
  TUF_VERSION_MISMATCH: 'TUF metadata version is not the one expected',
  TUF_ROOT_ROTATION_INVALID: 'the new root is not correctly signed by the previous and new root keys',
  TUF_TARGET_MISMATCH: 'the file does not match its signed length or hash',
  TUF_TARGET_UNKNOWN: 'the target is not in the signed metadata',
  // release (software update data set) metadata
  RELEASE_METADATA_INVALID: 'release metadata is invalid',
  RELEASE_HARDWARE_MISMATCH: 'the release is not built for this hardware',
  RELEASE_DOWNGRADE: 'the release security version is below the device security version (anti-rollback)',
  RELEASE_PLAINTEXT_MISMATCH: 'the decrypted image does not match its signed length or hash (final hash)',
  // keys and signers
  KEY_INVALID: 'the key is not a supported key',
  KEY_WRONG_PASSPHRASE: 'the passphrase does not open the key file',
  KEY_UNSUPPORTED: 'the key type is not supported for this use',
  PKCS11_ERROR: 'the PKCS#11 token reported an error',
  PKCS11_OBJECT_NOT_FOUND: 'no such key object on the PKCS#11 token',
  // audit log (hash-chained per tenant)
  AUDIT_ENTRY_INVALID: 'the audit entry is malformed',
  AUDIT_CHAIN_BROKEN: 'the audit log hash chain is broken: an entry was changed, deleted, inserted or reordered',
  // delta updates (VCDIFF, RFC 3284)
  DELTA_INVALID: 'the delta is not a valid VCDIFF (RFC 3284) file: bad magic, a malformed field or inconsistent sizes',
  DELTA_TRUNCATED: 'the delta ends in the middle of its header or of a window',
  DELTA_UNSUPPORTED: 'the delta uses a VCDIFF feature Osprey does not decode (secondary compression, a custom code table, VCD_TARGET windows)',
  DELTA_WINDOW_TOO_LARGE: 'a delta window declares sizes above the configured maximum (bounded device memory)',
  DELTA_SOURCE_RANGE: 'the delta reads outside the source (wrong or short source image)',
  DELTA_CHECKSUM_MISMATCH: 'a decoded delta window does not match its Adler-32 checksum',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class OspreyError extends Error {
  readonly code: ErrorCode;
  /** Extra machine-readable facts, e.g. `{ field: 'custom.version' }`. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message?: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message ?? ERROR_CODES[code], options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OspreyError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isOspreyError(e: unknown, code?: ErrorCode): e is OspreyError {
  return e instanceof OspreyError && (code === undefined || e.code === code);
}
