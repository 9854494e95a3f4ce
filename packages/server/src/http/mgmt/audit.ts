/**
 * `GET /rest/v1/audit`: the tenant's hash-chained audit log, as JSON (paged) or as JSON Lines
 * (`?format=jsonl`, every entry from the first) for `osprey audit verify`;
 * `GET /rest/v1/audit/verification`: the same check done on the server, for the console.
 */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { listQuery, type TypedApp } from '../schema.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';

/** One entry exactly as hashed (core/src/audit.ts): the export must give back these bytes' values. */
const auditEntry = z.object({
  tenant: z.string(),
  seq: z.number().int(),
  at: z.string().describe('ISO 8601, milliseconds'),
  actor: z.string(),
  action: z.string(),
  subject: z.object({ type: z.string(), id: z.string() }),
  before: z.unknown().describe('JSON object or null'),
  after: z.unknown().describe('JSON object or null'),
  prevHash: z.string(),
  hash: z.string(),
});

const auditQuery = listQuery.pick({ offset: true, limit: true }).extend({
  format: z.enum(['json', 'jsonl']).optional().describe('jsonl: every entry from the first as application/x-ndjson (a download), for osprey audit verify'),
  offset: listQuery.shape.offset.describe('entries to skip from the first, default 0'),
});

async function* jsonLines(entries: AsyncIterable<unknown>): AsyncGenerator<string> {
  for await (const entry of entries) yield `${JSON.stringify(entry)}\n`;
}

/**
 * The export answers the same route as the JSON page: fastify sends a stream as is (never through
 * the response schema), but types `send` by that schema, so the stream goes through the untyped reply.
 */
function sendStream(reply: FastifyReply, body: Readable): FastifyReply {
  return reply.send(body);
}

export async function registerAuditRoutes(app: TypedApp, context: ManagementContext): Promise<void> {
  app.get(
    '/audit',
    {
      preValidation: requires('READ_AUDIT'),
      schema: {
        querystring: auditQuery,
        // ?format=jsonl streams application/x-ndjson instead (a stream is sent as is, not serialised).
        response: {
          200: z
            .object({ content: z.array(auditEntry), size: z.number().int(), total: z.number().int().describe('entries in the log') })
            .describe('a page of entries; with format=jsonl, application/x-ndjson instead'),
        },
      },
    },
    async (request, reply) => {
      const { tenant } = principalOf(request);
      if (request.query.format === 'jsonl') {
        reply.type('application/x-ndjson').header('Content-Disposition', `attachment;filename=audit-${tenant}.jsonl`);
        return sendStream(reply, Readable.from(jsonLines(context.auditLog.all(tenant))));
      }
      const [entries, total] = await Promise.all([context.auditLog.page(tenant, request.query), context.auditLog.count(tenant)]);
      return { content: entries, size: entries.length, total };
    },
  );

  // The chain checked on the server, for the console's audit page (the CLI verifies an export).
  app.get(
    '/audit/verification',
    {
      preValidation: requires('READ_AUDIT'),
      schema: {
        response: {
          200: z.union([
            z.object({
              ok: z.literal(true),
              head: z.object({ seq: z.number().int(), hash: z.string() }).nullable().describe('the last entry; null when the log is empty'),
            }),
            z.object({ ok: z.literal(false), seq: z.number().int().describe('the first entry where the chain breaks'), reason: z.string() }),
          ]),
        },
      },
    },
    async (request) => {
      const result = await context.auditLog.verify(principalOf(request).tenant);
      return result.ok ? { ok: true as const, head: result.head ?? null } : result;
    },
  );
}
