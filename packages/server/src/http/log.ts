/**
 * The server's logger, in one place. Errors are logged through `errorForLog`, which keeps what
 * helps an operator (message, code, stack, the SQL text) and drops what may hold a secret: the
 * bound parameters that database drivers attach to their errors (PGlite's `params` carry a
 * target's security token or the tenant's gateway key when an insert fails), at any depth of
 * `cause`. On a terminal the lines are made readable by pino-pretty; elsewhere they are JSON.
 */
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

export function loggerOptions(level: string): LoggerOptions {
  return { level, serializers: { err: errorForLog, error: errorForLog } };
}

/** The logger: JSON to `stream` (default stdout), or human lines when `format` is pretty. */
export function createLogger(options: { level: string; format: 'pretty' | 'json'; stream?: DestinationStream | undefined }): Logger {
  const destination =
    options.stream ?? (options.format === 'pretty' ? pretty({ colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' }) : undefined);
  return destination ? pino(loggerOptions(options.level), destination) : pino(loggerOptions(options.level));
}
