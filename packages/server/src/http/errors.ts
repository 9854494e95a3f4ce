/**
 * One error handler for the whole server: every failure becomes a 4xx/5xx with the hawkBit error
 * body `{ errorCode, message, exceptionClass }`. Unexpected errors are logged with their stack and
 * answered with a generic 500 that reveals nothing internal.
 */
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

/**
 * PostgreSQL's class 22 (data exception: a NUL byte in text or JSON, a number or date out of the
 * column's range, text that is not a number) only arises from values in the request: a 400, the
 * backstop behind the route schemas, which refuse most such values first.
 */
function fromDatabase(error: unknown): ServerError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^22[0-9A-Z]{3}$/.test(code)) return undefined;
  return new ServerError('BAD_REQUEST', 'a value in the request is out of range or holds a character that cannot be stored (such as a NUL byte)', {
    cause: error,
  });
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    let known = error instanceof ServerError ? error : (fromFastify(error) ?? fromDatabase(error));
    if (!known && isOspreyError(error)) known = new ServerError('BAD_REQUEST', error.message);
    if (known) {
      if (known.status >= 500) request.log.error({ err: error }, 'request failed');
      return reply.status(known.status).type('application/json').send(known.body());
    }
    request.log.error({ err: error }, 'unexpected error');
    const internal = new ServerError('INTERNAL', 'internal server error; the request was not applied');
    return reply.status(500).type('application/json').send(internal.body());
  });
  app.setNotFoundHandler((request, reply) => {
    const e = new ServerError('NOT_FOUND', `no such resource: ${request.method} ${request.url.split('?')[0]}`);
    return reply.status(404).type('application/json').send(e.body());
  });
}
