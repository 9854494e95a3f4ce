/**
 * Server errors: one table from our code to the HTTP status and the hawkBit `errorCode` that
 * hawkBit clients expect in the error body `{ errorCode, message, exceptionClass }`.
 */
export const SERVER_ERRORS = {
  NOT_FOUND: { status: 404, errorCode: 'hawkbit.server.error.repo.entitiesNotFound' },
  BAD_REQUEST: { status: 400, errorCode: 'hawkbit.server.error.rest.param.invalid' },
  BODY_NOT_READABLE: { status: 400, errorCode: 'hawkbit.server.error.rest.body.notReadable' },
  ROLLOUT_ILLEGAL_STATE: { status: 400, errorCode: 'hawkbit.server.error.rollout.illegalState' },
  RSQL_SYNTAX: { status: 400, errorCode: 'hawkbit.server.error.rest.param.rsqlSearchSyntax' },
  RSQL_INVALID_FIELD: { status: 400, errorCode: 'hawkbit.server.error.rest.param.rsqlInvalidField' },
  UNAUTHORIZED: { status: 401, errorCode: 'hawkbit.server.error.unauthorized' },
  /** A console session ended by its idle timeout or its absolute lifetime: the console asks to sign in again. */
  SESSION_EXPIRED: { status: 401, errorCode: 'osprey.server.error.session.expired' },
  FORBIDDEN: { status: 403, errorCode: 'hawkbit.server.error.insufficientpermission' },
  NOT_ALLOWED: { status: 405, errorCode: 'hawkbit.server.error.action.notCancelable' },
  CONFLICT: { status: 409, errorCode: 'hawkbit.server.error.repo.entityAlreadyExists' },
  TARGET_KEY_MISSING: { status: 409, errorCode: 'osprey.server.error.target.publicKeyMissing' },
  ACTION_INACTIVE: { status: 410, errorCode: 'hawkbit.server.error.action.inactive' },
  PRECONDITION_FAILED: { status: 412, errorCode: 'hawkbit.server.error.preconditionFailed' },
  PAYLOAD_TOO_LARGE: { status: 413, errorCode: 'hawkbit.server.error.rest.body.tooLarge' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, errorCode: 'hawkbit.server.error.rest.mediaType.unsupported' },
  RANGE_NOT_SATISFIABLE: { status: 416, errorCode: 'hawkbit.server.error.rest.range.notSatisfiable' },
  QUOTA_EXCEEDED: { status: 429, errorCode: 'hawkbit.server.error.quota.tooManyEntries' },
  /** Too many failed logins for an account or from an address, or too many at once: sent with Retry-After. */
  LOGIN_THROTTLED: { status: 429, errorCode: 'osprey.server.error.login.throttled' },
  /** Too many live-event connections (GET /rest/v1/events) of one user or token at once. */
  TOO_MANY_CONNECTIONS: { status: 429, errorCode: 'osprey.server.error.events.tooManyConnections' },
  INTERNAL: { status: 500, errorCode: 'osprey.server.error.internal' },
  STORAGE_FULL: { status: 507, errorCode: 'osprey.server.error.storage.full' },
  /** A stored artifact is missing, of another length or changed on disk: an operator must restore or re-upload it. */
  ARTIFACT_DAMAGED: { status: 503, errorCode: 'osprey.server.error.artifact.damaged' },
  UNAVAILABLE: { status: 503, errorCode: 'osprey.server.error.unavailable' },
} as const;

export type ServerErrorCode = keyof typeof SERVER_ERRORS;

export class ServerError extends Error {
  override readonly name = 'ServerError';
  /** When to try again (a 429 or 503): sent as the `Retry-After` header, in whole seconds. */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    readonly code: ServerErrorCode,
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterSeconds = options.retryAfterSeconds === undefined ? undefined : Math.max(1, Math.ceil(options.retryAfterSeconds));
  }

  get status(): number {
    return SERVER_ERRORS[this.code].status;
  }

  body(): { errorCode: string; message: string; exceptionClass: string } {
    return { errorCode: SERVER_ERRORS[this.code].errorCode, message: this.message, exceptionClass: `osprey.${this.code}` };
  }
}

export const notFound = (what: string) => new ServerError('NOT_FOUND', `${what} not found`);
export const badRequest = (message: string) => new ServerError('BAD_REQUEST', message);
