/**
 * Typed failures of the device agent. Codes of the shared product table (`OspreyError`, e.g.
 * AGE_NO_MATCHING_KEY, RELEASE_DOWNGRADE, TUF_EXPIRED) keep their codes; failures only the agent
 * has (transport, DDI, device key) carry an `AGENT_*` code from the table below. Either way
 * `failureOf()` gives one `{ code, message, retryable }` that the agent reports to the server as
 * the precise reason it refused an update.
 */
import { isOspreyError, type ErrorCode } from '@osprey/core';

export const AGENT_ERROR_CODES = {
  // downloads (src/fetch)
  AGENT_DOWNLOAD_HTTP: 'the download server answered with an unexpected HTTP status',
  AGENT_DOWNLOAD_TOO_LARGE: 'the download is longer than its signed length',
  AGENT_DOWNLOAD_LENGTH_MISMATCH: 'the download server announces a length other than the signed one',
  AGENT_DOWNLOAD_RANGE_INVALID: 'the download server answered a range request with another range',
  AGENT_DOWNLOAD_STALLED: 'the download fell below the minimum throughput and was aborted',
  AGENT_DOWNLOAD_INCOMPLETE: 'the download kept breaking off before its end; resumes exhausted',
  AGENT_DOWNLOAD_HASH_MISMATCH: 'the downloaded file does not match its expected SHA-256',
  AGENT_DOWNLOAD_ABORTED: 'the download was aborted by the agent',
  AGENT_DOWNLOAD_RESTART: 'the download cannot be continued where it broke off and starts over',
  AGENT_DOWNLOAD_IO: 'the download could not be written to local storage',
  // DDI (src/ddi)
  AGENT_DDI_UNREACHABLE: 'the update server is not reachable',
  AGENT_DDI_UNAUTHORIZED: 'the update server refused the device credentials',
  AGENT_DDI_HTTP: 'the update server answered with an unexpected HTTP status',
  AGENT_DDI_RESPONSE_INVALID: 'the update server sent a response the agent does not understand',
  AGENT_DDI_RESPONSE_TOO_LARGE: 'the update server sent a response larger than the agent accepts',
  // verification (src/verify)
  AGENT_TUF_ROOT_MISSING: 'the device has no provisioned TUF root in its metadata directory',
  AGENT_TUF_ROOT_UNSEALED: 'the provisioned TUF root has no seal: run osprey-agent provision after installing it',
  AGENT_TUF_ROOT_TAMPERED: 'the provisioned TUF root does not match its seal under the device key (replaced or corrupted)',
  AGENT_TUF_UNREACHABLE: 'the TUF repository is not reachable',
  AGENT_ARTIFACT_UNSIGNED: 'the assigned artifact names no signed TUF target',
  AGENT_HEADER_MISSING: 'the encrypted artifact comes without an age header for this device',
  AGENT_UNENCRYPTED_REFUSED: 'the release is not encrypted and this device requires encryption',
  AGENT_INSTALL_TYPE_UNSUPPORTED: 'the release is of an install type (custom.installType) this device is not set up for',
  // installing (src/install, src/slots)
  AGENT_SLOT_WRITE_FAILED: 'the image could not be written to the inactive slot (storage, update handler or archive refused)',
  AGENT_PAYLOAD_CONSUMED: 'a verified payload can be read only once',
  // offline bundles (src/bundle)
  AGENT_BUNDLE_INVALID: 'the file is not a valid Osprey update bundle (damaged, or not made by "osprey bundle create")',
  AGENT_BUNDLE_TRUNCATED: 'the update bundle ends too early: the copy is incomplete, copy the file again',
  AGENT_BUNDLE_ENTRY_TOO_LARGE: 'a file inside the update bundle is larger than the agent accepts',
  AGENT_BUNDLE_INCOMPLETE: 'the update bundle lacks TUF metadata this device needs: create the bundle again',
  AGENT_BUNDLE_IO: 'the update bundle could not be read, or its payload not written to local storage',
  // device key (src/secure-element)
  AGENT_KEY_MISSING: 'the device key has not been provisioned',
  AGENT_KEY_INSECURE: 'the device key file is readable by other users',
  // anything else
  AGENT_INTERNAL: 'an unexpected error in the agent',
} as const;

export type AgentErrorCode = keyof typeof AGENT_ERROR_CODES;
/** Every code an agent failure can carry. */
export type FailureCode = AgentErrorCode | ErrorCode;

/** Agent failures that are worth retrying later as they are (the network, the server's mood). */
const RETRYABLE: ReadonlySet<string> = new Set<FailureCode>([
  'AGENT_DOWNLOAD_STALLED',
  'AGENT_DOWNLOAD_INCOMPLETE',
  'AGENT_DOWNLOAD_RESTART',
  'AGENT_DDI_UNREACHABLE',
  'AGENT_TUF_UNREACHABLE',
]);

export class AgentError extends Error {
  readonly code: AgentErrorCode;
  /** Machine-readable facts, e.g. `{ status: 503, retryAfterSeconds: 30 }`. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: AgentErrorCode, message?: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message ?? AGENT_ERROR_CODES[code], options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AgentError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isAgentError(e: unknown, code?: AgentErrorCode): e is AgentError {
  return e instanceof AgentError && (code === undefined || e.code === code);
}

export interface Failure {
  code: FailureCode;
  message: string;
  details: Readonly<Record<string, unknown>>;
  /** Trying again later, unchanged, may succeed (network trouble); otherwise the update is refused. */
  retryable: boolean;
}

/** One shape for every error the agent may meet. */
export function failureOf(e: unknown): Failure {
  if (isAgentError(e)) {
    const status = typeof e.details.status === 'number' ? e.details.status : undefined;
    const retryableStatus = status !== undefined && (status >= 500 || status === 429 || status === 408);
    return { code: e.code, message: e.message, details: e.details, retryable: RETRYABLE.has(e.code) || retryableStatus };
  }
  if (isOspreyError(e)) return { code: e.code, message: e.message, details: e.details, retryable: false };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'AGENT_INTERNAL', message, details: {}, retryable: false };
}

/** The code of any error (AGENT_INTERNAL when it is not a typed one). */
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
