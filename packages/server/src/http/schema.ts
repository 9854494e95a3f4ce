/**
 * Route schemas: every route declares zod schemas for its params, query, body and replies
 * (fastify-type-provider-zod types the handler from them, so handlers need no casts). The same
 * schemas validate requests, check replies, and generate docs/openapi.json (http/openapi.ts).
 *
 * Validation failures are 400s in the hawkBit error body whose message names the field, as
 * `parseBody` always did: "unknown field 0.colour", "invalid name: Too small…".
 */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifySchemaCompiler,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ServerError, badRequest } from '../errors.js';

/** The fastify instance that route modules receive: typed by the zod schemas of each route. */
export type TypedApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

const PART_NAMES: Record<string, string> = { body: '(body)', querystring: '(query)', params: '(path)', headers: '(headers)' };

/** One zod issue as the message a person reads: the field path first. */
export function describeIssues(error: z.ZodError, part: string = 'body'): string {
  const issue = error.issues[0]!;
  const at = issue.path.join('.') || PART_NAMES[part] || '(body)';
  const root = at.startsWith('(');
  if (issue.code === 'unrecognized_keys') {
    const prefix = part === 'querystring' ? 'unknown query parameter' : 'unknown field';
    return `${prefix}${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `${root ? '' : `${at}.`}${k}`).join(', ')}`;
  }
  return `invalid ${at}: ${issue.message}`;
}

/** Validate a value outside a route schema (a multipart field, a config value); a 400 naming the field. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, part: string = 'body'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw badRequest(describeIssues(result.error, part));
}

/** Requests: zod parses (and coerces) params, query and body; a failure is a ServerError 400 that the error handler sends as is. */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    const first = result.error.issues[0];
    // A custom message on a path id ("software module id must be a number…") stands alone.
    if (httpPart === 'params' && first?.code === 'custom') return { error: badRequest(first.message) };
    return { error: new ServerError('BAD_REQUEST', describeIssues(result.error, httpPart ?? 'body'), { cause: result.error }) };
  };

/** Install the compilers on the root instance, before any route. */
export function useRouteSchemas(app: FastifyInstance): TypedApp {
  app.setValidatorCompiler(validatorCompiler);
  return app.withTypeProvider<ZodTypeProvider>();
}

// --- pieces every area uses ----------------------------------------------------------------

/** The largest value of a PostgreSQL int4 column (counts, percentages, weights, codes). */
export const INT4_MAX = 2 ** 31 - 1;

/** A numeric path id: 1–15 digits, or a 400 saying which id was wrong. */
export const entityId = (what: string) =>
  z
    .string()
    .refine((s) => /^\d{1,15}$/.test(s), { error: (issue) => `${what} id must be a number, not ${JSON.stringify(String(issue.input))}` })
    .transform(Number);

/** A text path segment (controller ids, keys, names): no NUL or other control characters. */
export const pathText = (what: string, max = 256) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !/[\u0000-\u001f]/.test(s), { error: `${what} must not contain control characters` });

/** hawkBit's list query: `q` (RSQL), `sort=field:ASC`, `offset`, `limit` — parsed by rsql.ts, so plain strings here. */
export const listQuery = z.object({
  q: z.string().max(4096).optional().describe('RSQL filter, e.g. name==gw*'),
  sort: z.string().max(256).optional().describe('field:ASC or field:DESC, comma-separated'),
  offset: z.string().max(16).optional().describe('first row, default 0'),
  limit: z.string().max(16).optional().describe('rows per page, default 50, at most 500'),
});

/** hawkBit's paged list body. */
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ content: z.array(item), total: z.number().int(), size: z.number().int() });

/** A hawkBit link object. */
export const link = z.object({ href: z.string() });
/** hawkBit's `_links`: each named link is always present. */
export const links = <K extends string>(...names: K[]) => z.object(Object.fromEntries(names.map((n) => [n, link])) as Record<K, typeof link>);

/** The hawkBit error body every 4xx/5xx carries. */
export const errorBody = z.object({ errorCode: z.string(), message: z.string(), exceptionClass: z.string().optional() });

/** No body (204). */
export const noContent = z.null().describe('no content');

/** Bytes (a file, PEM, an age header): documented as such, sent as is (not serialised). */
export const binary = (description: string, mediaType = 'application/octet-stream') =>
  z.unknown().meta({ description, 'x-osprey-media-type': mediaType }) as unknown as z.ZodType<unknown>;
