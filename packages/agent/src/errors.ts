/**
 * The agent's errors: one table from code to meaning, whose move it is, whether the code is
 * reported to the server as it is, and whether trying again later may help; one class
 * {@link AgentError} with `code`, `details` and `cause`.
 *
 * Two kinds of code share the table:
 * - *reported* codes (`AGENT_*`) are what the agent tells the server, in DDI feedback, as the
 *   precise reason it refused or failed an update, next to the product codes of `@osprey/core`
 *   (`OspreyError`: AGE_NO_MATCHING_KEY, RELEASE_DOWNGRADE, TUF_EXPIRED, …), which keep theirs;
 * - *local* codes (slots, bootloaders, the security version record, the install state, the
 *   command line) name a failure inside the device. They are reported as AGENT_INTERNAL with
 *   their message, or wrapped in a reported code where one fits (a slot write in the stream is
 *   AGENT_SLOT_WRITE_FAILED with the slot's code in `details.slotCode`). Their names predate the
 *   table and tests and logs depend on them, so they keep them; `COMMAND_FAILED` is one code for
 *   a bootloader tool and an update handler alike.
 *
 * {@link SlotError}, {@link BootloaderError}, {@link SecurityVersionError},
 * {@link AgentStateError} and {@link AgentLockedError} are AgentErrors whose code is one of their
 * area (and, for a slot, which slot); their `name` is kept because logs and tests show it.
 *
 * A caller's programming mistake (an argument outside a function's contract) stays a TypeError
 * or RangeError, as in Node's own API: it is a bug to fix, not a failure to report.
 *
 * `osprey-agent` exits {@link AGENT_EXIT_FAILURE} on any failure whatever its code (systemd
 * restarts the service on any non-zero exit; an offline install checks for 0), so the table has
 * no exit codes of its own.
 */
import { isOspreyError, type ErrorCode } from '@osprey/core';

/**
 * Whose move it is:
 * - `user`: whoever configures, provisions or operates the device must change something (the
 *   config, the provisioning, the bundle file they gave, waiting for the running update);
 * - `untrusted`: the update, its metadata or a record is not authentic or not acceptable for this
 *   device; nothing on the device is broken and nothing is installed;
 * - `environment`: the network, the server, the storage or an external tool failed; it may heal;
 * - `internal`: a bug or an impossible state of the agent.
 */
export type ErrorFault = 'user' | 'untrusted' | 'environment' | 'internal';

export interface AgentErrorInfo {
  readonly meaning: string;
  readonly fault: ErrorFault;
  /** Reported to the server under this code; otherwise as AGENT_INTERNAL (see the module comment). */
  readonly reported: boolean;
  /** Trying again later, unchanged, may succeed (network trouble); otherwise the update is refused. */
  readonly retryable: boolean;
}

const RETRYABLE = true;
const reported = (fault: ErrorFault, meaning: string, retryable = false) => ({ meaning, fault, reported: true as const, retryable });
const local = (fault: ErrorFault, meaning: string) => ({ meaning, fault, reported: false as const, retryable: false });

export const AGENT_ERRORS = {
  // downloads (src/fetch)
  AGENT_DOWNLOAD_HTTP: reported('environment', 'the download server answered with an unexpected HTTP status'),
  AGENT_DOWNLOAD_TOO_LARGE: reported('untrusted', 'the download is longer than its signed length'),
  AGENT_DOWNLOAD_LENGTH_MISMATCH: reported('untrusted', 'the download server announces a length other than the signed one'),
  AGENT_DOWNLOAD_RANGE_INVALID: reported('environment', 'the download server answered a range request with another range'),
  AGENT_DOWNLOAD_STALLED: reported('environment', 'the download fell below the minimum throughput and was aborted', RETRYABLE),
  AGENT_DOWNLOAD_INCOMPLETE: reported('environment', 'the download kept breaking off before its end; resumes exhausted', RETRYABLE),
  AGENT_DOWNLOAD_HASH_MISMATCH: reported('untrusted', 'the downloaded file does not match its expected SHA-256'),
  AGENT_DOWNLOAD_ABORTED: reported('environment', 'the download was aborted by the agent'),
  AGENT_DOWNLOAD_RESTART: reported('environment', 'the download cannot be continued where it broke off and starts over', RETRYABLE),
  AGENT_DOWNLOAD_IO: reported('environment', 'the download could not be written to local storage'),
  AGENT_DOWNLOAD_ORIGIN_REFUSED: reported(
    'untrusted',
    'the download link leads to an origin that is neither the update server nor one of the configured storage origins (storageOrigins)',
  ),
  AGENT_LOCAL_STORAGE: reported(
    'environment',
    "the device's own storage refused a write (no space left, an I/O error, a read-only file system); nothing changed, the agent retries",
    RETRYABLE,
  ),
  // DDI (src/ddi)
  AGENT_DDI_UNREACHABLE: reported('environment', 'the update server is not reachable', RETRYABLE),
  AGENT_DDI_UNAUTHORIZED: reported('user', 'the update server refused the device credentials'),
  AGENT_DDI_HTTP: reported('environment', 'the update server answered with an unexpected HTTP status'),
  AGENT_DDI_RESPONSE_INVALID: reported('environment', 'the update server sent a response the agent does not understand'),
  AGENT_DDI_RESPONSE_TOO_LARGE: reported('environment', 'the update server sent a response larger than the agent accepts'),
  // verification (src/verify)
  AGENT_TUF_ROOT_MISSING: reported('user', 'the device has no provisioned TUF root in its metadata directory'),
  AGENT_TUF_ROOT_UNSEALED: reported('user', 'the provisioned TUF root has no seal: run osprey-agent provision after installing it'),
  AGENT_TUF_ROOT_TAMPERED: reported('untrusted', 'the provisioned TUF root does not match its seal under the device key (replaced or corrupted)'),
  AGENT_TUF_UNREACHABLE: reported('environment', 'the TUF repository is not reachable', RETRYABLE),
  AGENT_ARTIFACT_UNSIGNED: reported('untrusted', 'the assigned artifact names no signed TUF target'),
  AGENT_HEADER_MISSING: reported('untrusted', 'the encrypted artifact comes without an age header for this device'),
  AGENT_UNENCRYPTED_REFUSED: reported('untrusted', 'the release is not encrypted and this device requires encryption'),
  AGENT_INSTALL_TYPE_UNSUPPORTED: reported('untrusted', 'the release is of an install type (custom.installType) this device is not set up for'),
  // installing (src/install, src/slots)
  AGENT_SLOT_WRITE_FAILED: reported('environment', 'the image could not be written to the inactive slot (storage, update handler or archive refused)'),
  AGENT_PAYLOAD_CONSUMED: reported('internal', 'a verified payload can be read only once'),
  // offline bundles (src/bundle)
  AGENT_BUNDLE_INVALID: reported('user', 'the file is not a valid Osprey update bundle (damaged, or not made by "osprey bundle create")'),
  AGENT_BUNDLE_TRUNCATED: reported('user', 'the update bundle ends too early: the copy is incomplete, copy the file again'),
  AGENT_BUNDLE_ENTRY_TOO_LARGE: reported('user', 'a file inside the update bundle is larger than the agent accepts'),
  AGENT_BUNDLE_INCOMPLETE: reported('user', 'the update bundle lacks TUF metadata this device needs: create the bundle again'),
  AGENT_BUNDLE_IO: reported('environment', 'the update bundle could not be read, or its payload not written to local storage'),
  // device key (src/secure-element)
  AGENT_KEY_MISSING: reported('user', 'the device key has not been provisioned'),
  AGENT_KEY_INSECURE: reported('user', 'the device key file is readable by other users'),
  // anything else
  AGENT_INTERNAL: reported('internal', 'an unexpected error in the agent'),

  // slots (src/slots): SlotError
  INVALID_DIGEST: local('internal', 'the expected digest is not a length and a lowercase hex SHA-256'),
  TOO_LARGE: local('untrusted', 'the image does not fit in the slot'),
  SOURCE_TRUNCATED: local('untrusted', 'the image stream ended before its signed length'),
  SOURCE_TOO_LONG: local('untrusted', 'the image stream is longer than its signed length'),
  SOURCE_MISMATCH: local('untrusted', 'the image stream does not match its signed SHA-256'),
  READBACK_MISMATCH: local('environment', 'the slot read back after writing does not match the image'),
  WRITE_FAILED: local('environment', 'the slot could not be written: no space left, an I/O error or a read-only file system'),
  VERIFY_FAILED: local('environment', 'the slot does not hold the expected image'),
  NOT_A_DEVICE: local('user', 'the path is neither a block device nor a regular file'),
  DEVICE_SIZE_UNKNOWN: local('environment', 'the size of the block device could not be determined'),
  SLOT_BUSY: local('environment', 'no slot is free to install into: a trial is in progress (booted slot is not the committed one)'),
  ARCHIVE_INVALID: local('untrusted', 'the archive holds an entry that is not installed (links, special files, names leaving the directory) or is damaged'),
  // slots and bootloaders: SlotError (the update handler) or BootloaderError (fw_setenv, grub-editenv, …)
  COMMAND_FAILED: local('environment', 'an external command failed (the update handler, or a bootloader environment tool)'),
  // bootloaders (src/bootloader): BootloaderError
  ENV_CORRUPTED: local('environment', 'the bootloader environment is damaged (checksum or format)'),
  ENV_INVALID: local('environment', 'the bootloader environment holds values the agent does not understand'),
  ILLEGAL_OPERATION: local('internal', 'the operation is not allowed in the current boot state'),
  BOOTED_SLOT_UNKNOWN: local('environment', 'which slot is running cannot be determined'),
  // the anti-rollback counter (src/bootloader/security-version.ts): SecurityVersionError
  MISSING: local('user', 'the security version record is missing (deleted?): provision it explicitly'),
  TAMPERED: local('untrusted', 'the security version record fails its authentication (tampered with or corrupted)'),
  DOWNGRADE: local('untrusted', 'the security version is below the device security version (anti-rollback)'),
  INVALID_VERSION: local('internal', 'a security version is a non-negative safe integer'),
  INVALID_KEY: local('user', 'the security version key must be at least 32 bytes'),
  KEY_MISSING: local('user', 'the security version key is missing (not provisioned, or deleted from the token)'),
  EXISTS: local('user', 'a security version record already exists'),
  // the install state (src/agent.ts, src/state): AgentStateError, AgentLockedError
  STATE_CORRUPTED: local('environment', 'the install state file became unreadable while the agent ran (recovered at the next start)'),
  STATE_TRANSITION_REFUSED: local('internal', 'the install state machine refused a transition the agent asked for'),
  STATE_INCONSISTENT: local('internal', 'the persisted install state lacks what its phase needs'),
  UPDATE_IN_PROGRESS: local('user', 'an update is in progress or a slot is on trial: let the agent finish it first'),
  LOCKED: local('user', 'another osprey-agent process is using the state directory'),
  // side-state records (src/state/side-files.ts): action.json, installed.json, stream.json, staged.json
  RECORD_CORRUPTED: local('environment', 'a side-state record cannot be read, is not JSON, or does not match its schema'),
  // the command line (src/cli.ts, src/config.ts)
  CONFIG_INVALID: local('user', 'the agent configuration is invalid'),
  PROVISIONING_INCOMPLETE: local('user', 'the device is not provisioned for this configuration: run osprey-agent provision'),
  USAGE_INVALID: local('user', 'a command-line option is invalid'),
} as const satisfies Record<string, AgentErrorInfo>;

export type AgentErrorCode = keyof typeof AGENT_ERRORS;

/** The codes of one area, checked against the table. */
const area = <const C extends readonly AgentErrorCode[]>(codes: C): C => codes;

export const SLOT_ERROR_CODES = area([
  'INVALID_DIGEST',
  'TOO_LARGE',
  'SOURCE_TRUNCATED',
  'SOURCE_TOO_LONG',
  'SOURCE_MISMATCH',
  'READBACK_MISMATCH',
  'WRITE_FAILED',
  'VERIFY_FAILED',
  'NOT_A_DEVICE',
  'DEVICE_SIZE_UNKNOWN',
  'SLOT_BUSY',
  'COMMAND_FAILED',
  'ARCHIVE_INVALID',
]);
export type SlotErrorCode = (typeof SLOT_ERROR_CODES)[number];

export const BOOTLOADER_ERROR_CODES = area(['ENV_CORRUPTED', 'ENV_INVALID', 'COMMAND_FAILED', 'ILLEGAL_OPERATION', 'BOOTED_SLOT_UNKNOWN']);
export type BootloaderErrorCode = (typeof BOOTLOADER_ERROR_CODES)[number];

export const SECURITY_VERSION_ERROR_CODES = area(['MISSING', 'TAMPERED', 'DOWNGRADE', 'INVALID_VERSION', 'INVALID_KEY', 'KEY_MISSING', 'EXISTS']);
export type SecurityVersionErrorCode = (typeof SECURITY_VERSION_ERROR_CODES)[number];

export const AGENT_STATE_ERROR_CODES = area(['STATE_CORRUPTED', 'STATE_TRANSITION_REFUSED', 'STATE_INCONSISTENT', 'UPDATE_IN_PROGRESS']);
export type AgentStateErrorCode = (typeof AGENT_STATE_ERROR_CODES)[number];

/** The codes reported to the server as they are. */
export type ReportedCode = { [C in AgentErrorCode]: (typeof AGENT_ERRORS)[C]['reported'] extends true ? C : never }[AgentErrorCode];
/** Every code a failure can be reported with: the agent's reported codes and the product's. */
export type FailureCode = ReportedCode | ErrorCode;

/** `osprey-agent`'s exit code for any failure. */
export const AGENT_EXIT_FAILURE = 1;

export interface AgentErrorOptions {
  readonly cause?: unknown;
  /** Machine-readable facts, e.g. `{ status: 503, retryAfterSeconds: 30 }`. */
  readonly details?: Record<string, unknown>;
}

export class AgentError<C extends AgentErrorCode = AgentErrorCode> extends Error {
  override name = 'AgentError';
  readonly code: C;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: C, message?: string, options: AgentErrorOptions = {}) {
    super(message ?? AGENT_ERRORS[code].meaning, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isAgentError(e: unknown, code?: AgentErrorCode): e is AgentError {
  return e instanceof AgentError && (code === undefined || e.code === code);
}

/**
 * A slot failed to take or to hold an image; `slot` says which (null before one was chosen). The
 * slot id is spelled out (slots/types.ts SlotId) so that this module imports nothing of the agent.
 */
export class SlotError extends AgentError<SlotErrorCode> {
  override name = 'SlotError';
  readonly slot: 'a' | 'b' | null;

  constructor(code: SlotErrorCode, slot: 'a' | 'b' | null, message?: string, options: AgentErrorOptions = {}) {
    super(code, message, options);
    this.slot = slot;
  }
}

export function isSlotError(e: unknown, code?: SlotErrorCode): e is SlotError {
  return e instanceof SlotError && (code === undefined || e.code === code);
}

export class BootloaderError extends AgentError<BootloaderErrorCode> {
  override name = 'BootloaderError';
}

export function isBootloaderError(e: unknown, code?: BootloaderErrorCode): e is BootloaderError {
  return e instanceof BootloaderError && (code === undefined || e.code === code);
}

export class SecurityVersionError extends AgentError<SecurityVersionErrorCode> {
  override name = 'SecurityVersionError';
}

export function isSecurityVersionError(e: unknown, code?: SecurityVersionErrorCode): e is SecurityVersionError {
  return e instanceof SecurityVersionError && (code === undefined || e.code === code);
}

/** The install state does not allow what was asked (src/agent.ts). */
export class AgentStateError extends AgentError<AgentStateErrorCode> {
  override name = 'AgentStateError';
}

/** Another agent process holds the state directory's lock (src/state/lock.ts). */
export class AgentLockedError extends AgentError<'LOCKED'> {
  override name = 'AgentLockedError';
  constructor(
    readonly pid: number,
    readonly path: string,
  ) {
    super('LOCKED', `another osprey-agent (pid ${pid}) is using ${path}: stop it first (e.g. systemctl stop osprey-agent)`, { details: { pid, path } });
  }
}

export interface Failure {
  code: FailureCode;
  message: string;
  details: Readonly<Record<string, unknown>>;
  /** Trying again later, unchanged, may succeed (network trouble); otherwise the update is refused. */
  retryable: boolean;
}

const isReported = (code: AgentErrorCode): code is ReportedCode => AGENT_ERRORS[code].reported;

/** One shape for every error the agent may meet, as it is reported. */
export function failureOf(e: unknown): Failure {
  if (isAgentError(e) && isReported(e.code)) {
    const status = typeof e.details.status === 'number' ? e.details.status : undefined;
    const retryableStatus = status !== undefined && (status >= 500 || status === 429 || status === 408);
    return { code: e.code, message: e.message, details: e.details, retryable: AGENT_ERRORS[e.code].retryable || retryableStatus };
  }
  if (isOspreyError(e)) return { code: e.code, message: e.message, details: e.details, retryable: false };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'AGENT_INTERNAL', message, details: {}, retryable: false };
}

/** The code of any error as it is reported (AGENT_INTERNAL when it is not a typed one, or a local one). */
export function failureCode(e: unknown): FailureCode {
  return failureOf(e).code;
}

/** DDI feedback details for a refusal: `CODE: message` first, then the causes, each ≤ 512 characters. */
export function failureDetails(e: unknown): string[] {
  const failure = failureOf(e);
  const lines = [`${failure.code}: ${failure.message}`];
  let cause = e instanceof Error ? e.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < 3; depth++) {
    lines.push(`caused by: ${cause instanceof Error ? cause.message : String(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return lines.map((line) => (line.length > 512 ? `${line.slice(0, 509)}...` : line));
}

/**
 * What `osprey-agent` prints when a command fails: a local mistake of the user's (a missing or
 * invalid config, a bad option, an unprovisioned device) as one line saying what to fix; anything
 * else (a refused update too) with its code and causes, as it would be reported.
 */
export function commandLineMessage(e: unknown): string {
  if (isAgentError(e) && AGENT_ERRORS[e.code].fault === 'user' && !isReported(e.code)) return e.message;
  if (isAgentError(e) && !isReported(e.code)) return [`${e.code}: ${e.message}`, ...failureDetails(e).slice(1)].join('\n  ');
  return failureDetails(e).join('\n  ');
}

const STORAGE_ERRNO = /\b(ENOSPC|EDQUOT|EIO|EROFS)\b/;

/**
 * A write to the device's own storage that the system refused (the fs error itself, or a library's
 * error quoting it, as tuf-js does): the retryable AGENT_LOCAL_STORAGE in the system's words
 * ("no space left on device"), or undefined for any other error.
 */
export function localStorageFailure(e: unknown, what: string): AgentError | undefined {
  const errno = e as NodeJS.ErrnoException | undefined;
  const message = e instanceof Error ? e.message : String(e);
  if (!(typeof errno?.code === 'string' && STORAGE_ERRNO.test(errno.code)) && !STORAGE_ERRNO.test(message)) return undefined;
  return new AgentError('AGENT_LOCAL_STORAGE', `the device could not store ${what}: ${message}`, { cause: e });
}
