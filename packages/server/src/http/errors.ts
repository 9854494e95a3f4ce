/**
 * One error handler for the whole server: every failure becomes a 4xx/5xx with the hawkBit error
 * body `{ errorCode, message, exceptionClass }`. Unexpected errors are logged with their stack and
 * answered with a generic 500 that reveals nothing internal.
 */
import type { ConsoleFallback } from './console.js';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isOspreyError } from '@osprey/core';
import { ServerError } from '../errors.js';

function fromFastify(error: FastifyError): ServerError | undefined {
  if (error.validation) return new ServerError('BAD_REQUEST', `invalid request: ${error.message}`);
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ServerError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ServerError('PAYLOAD_TOO_LARGE', 'the request body is too large');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ServerError('BODY_NOT_READABLE', 'the request body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ServerError('BAD_REQUEST', 'Content-Length does not match the body');
    default:
      break;
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return new ServerError('BODY_NOT_READABLE', 'the request body is not valid JSON');
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new ServerError('BAD_REQUEST', error.message);
  }
  return undefined;
}

/** SQLSTATEs of a database that is away: connection exceptions (class 08), shutting down or starting (57P01–57P03), full (53300). */
const DATABASE_AWAY = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;
/** The same seen by the driver before PostgreSQL could answer (refused, reset, cut, pool timeout). */
const CONNECTION_LOST = /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH)$/;
const CONNECTION_LOST_MESSAGE = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/** How long a client should wait before trying again while the database is away. */
const DATABASE_RETRY_SECONDS = 5;

/**
 * Errors of the database rather than of the request:
 * - PostgreSQL's class 22 (data exception: a NUL byte in text or JSON, a number or date out of the
 *   column's range) only arises from values in the request: a 400, the backstop behind the route
 *   schemas, which refuse most such values first;
 * - a database that is restarting or unreachable is a 503 with Retry-After, so devices and
 *   scripts back off and retry (hawkBit clients do on 5xx) instead of seeing a 500. The request
 *   was not applied: its transaction never committed.
 */
function fromDatabase(error: unknown): ServerError | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) {
    return new ServerError('BAD_REQUEST', 'a value in the request is out of range or holds a character that cannot be stored (such as a NUL byte)', {
      cause: error,
    });
  }
  const away =
    (typeof code === 'string' && (DATABASE_AWAY.test(code) || CONNECTION_LOST.test(code))) ||
    (typeof message === 'string' && CONNECTION_LOST_MESSAGE.test(message));
  if (away) {
    return new ServerError('UNAVAILABLE', 'the database is not reachable right now; the request was not applied — try again shortly', {
      cause: error,
      retryAfterSeconds: DATABASE_RETRY_SECONDS,
    });
  }
  return undefined;
}

/** The disk under the blob store (or the database) is full: 507 Insufficient Storage (RFC 4918 §11.5); the write was undone. */
function fromStorage(error: unknown): ServerError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  // ENOSPC/EDQUOT from the file system, 53100 (disk_full) from PostgreSQL.
  if (code !== 'ENOSPC' && code !== 'EDQUOT' && code !== '53100') return undefined;
  return new ServerError('STORAGE_FULL', "the server's storage is full: nothing was stored; free space or grow the volume, then try again", { cause: error });
}

export function installErrorHandlers(app: FastifyInstance, fallback?: ConsoleFallback): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    let known = error instanceof ServerError ? error : (fromFastify(error) ?? fromDatabase(error) ?? fromStorage(error));
    if (!known && isOspreyError(error)) known = new ServerError('BAD_REQUEST', error.message);
    if (known) {
      if (known.status >= 500) request.log.error({ err: error }, 'request failed');
      // A refusal before the body was read to its end (a full disk, a too-large upload): close the
      // connection after the answer, or the unread rest of the body would hold it (and shutdown) open.
      if (!request.raw.readableEnded) reply.header('Connection', 'close');
      // A refusal that says when to come back (a throttled login, the database away) carries Retry-After (RFC 9110 §10.2.3).
      if (known.retryAfterSeconds !== undefined) reply.header('Retry-After', String(known.retryAfterSeconds));
      return reply.status(known.status).type('application/json').send(known.body());
    }
    request.log.error({ err: error }, 'unexpected error');
    const internal = new ServerError('INTERNAL', 'internal server error; the request was not applied');
    return reply.status(500).type('application/json').send(internal.body());
  });
  app.setNotFoundHandler(async (request, reply) => {
    // The console's client-side routes (http/console.ts) before the JSON 404.
    if (fallback && (await fallback(request, reply))) return reply;
    const e = new ServerError('NOT_FOUND', `no such resource: ${request.method} ${request.url.split('?')[0]}`);
    return reply.status(404).type('application/json').send(e.body());
  });
}
