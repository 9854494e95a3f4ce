/**
 * The server's logger, in one place. Errors are logged through `errorForLog`, which keeps what
 * helps an operator (message, code, stack, the SQL text) and drops what may hold a secret: the
 * bound parameters that database drivers attach to their errors (PGlite's `params` carry a
 * target's security token or the tenant's gateway key when an insert fails), at any depth of
 * `cause`. On a terminal the lines are made readable by pino-pretty; elsewhere they are JSON.
 *
 * Requests are logged with fastify's request serializer (method, URL, addresses: no headers, no
 * body). As a second guard, any logged object's credential-bearing fields (Authorization and
 * Cookie headers, passwords, tokens, keys) are replaced by `[redacted]` before the line is written.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';

/** Properties of driver errors that carry request data (bound parameters, rows, the failing value). */
const SECRET_BEARING = new Set(['params', 'parameters', 'values', 'bindings', 'detail', 'row']);

export function errorForLog(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error) || depth > 5) return error;
  const serialised = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  for (const key of Object.keys(serialised)) if (SECRET_BEARING.has(key)) delete serialised[key];
  if (error.cause !== undefined) serialised.cause = errorForLog(error.cause, depth + 1);
  return serialised;
}

/** Fields redacted wherever they appear at the top of a logged object or one level down (and in headers). */
const SECRET_FIELDS = ['password', 'adminPassword', 'token', 'securityToken', 'secret', 'key', 'pin', 'passphrase', 'authorization', 'cookie'];
const REDACT = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  ...['req.headers', 'res.headers', 'headers', 'request.headers'].flatMap((h) => [`${h}.authorization`, `${h}.cookie`, `${h}["set-cookie"]`]),
];

export function loggerOptions(level: string): LoggerOptions {
  return { level, serializers: { err: errorForLog, error: errorForLog }, redact: { paths: REDACT, censor: '[redacted]' } };
}

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** A request id we take from a caller: short, and only characters safe in a log line and a header. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The request's id: the caller's X-Request-Id when it is sane, else a new UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/** The logger: JSON to `stream` (default stdout), or human lines when `format` is pretty. */
export function createLogger(options: { level: string; format: 'pretty' | 'json'; stream?: DestinationStream | undefined }): Logger {
  const destination =
    options.stream ?? (options.format === 'pretty' ? pretty({ colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' }) : undefined);
  return destination ? pino(loggerOptions(options.level), destination) : pino(loggerOptions(options.level));
}
