/**
 * `GET /rest/v1/audit`: the tenant's hash-chained audit log, as JSON (paged) or as JSON Lines
 * (`?format=jsonl`, every entry from the first) for `osprey audit verify`.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { readAudit } from '../../domain/audit.js';
import { badRequest } from '../../errors.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';
import { parsePaging } from '../../db/rsql.js';

export async function registerAuditRoutes(app: FastifyInstance, context: ManagementContext): Promise<void> {
  app.get('/audit', { preHandler: requires('READ_AUDIT') }, async (request, reply) => {
    const { tenant } = principalOf(request);
    const query = request.query as { format?: string; offset?: string; limit?: string };
    if (query.format === 'jsonl') {
      reply.type('application/x-ndjson').header('Content-Disposition', `attachment;filename=audit-${tenant}.jsonl`);
      const db = context.db;
      // Streamed in slices of 1,000 so a long history never sits in memory at once.
      async function* lines() {
        let afterSeq = 0;
        for (;;) {
          const entries = await readAudit(db, tenant, { afterSeq, limit: 1000 });
          if (entries.length === 0) return;
          for (const entry of entries) yield `${JSON.stringify(entry)}\n`;
          afterSeq = entries.at(-1)!.seq;
        }
      }
      return reply.send(Readable.from(lines()));
    }
    if (query.format !== undefined && query.format !== 'json') throw badRequest('format must be json or jsonl');
    const { offset, limit } = parsePaging(query.offset, query.limit);
    const entries = await readAudit(context.db, tenant, { afterSeq: offset, limit });
    return { content: entries, size: entries.length };
  });
}
