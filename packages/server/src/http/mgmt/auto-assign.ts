/**
 * `/rest/v1/targetfilters/{id}/autoAssignDS`: give a target filter a distribution set that the
 * scheduler assigns to every matching target (hawkBit §2.2), and pause or resume it.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AutoAssignment } from '../../db/schema.js';
import { appendAudit } from '../../domain/audit.js';
import { notFound } from '../../errors.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';

const body = z.strictObject({
  id: z.int().positive(),
  type: z.enum(['forced', 'soft', 'downloadonly']).default('forced'),
  weight: z.int().min(0).max(1000).optional(),
  confirmationRequired: z.boolean().default(false),
});

export async function registerAutoAssignRoutes(app: FastifyInstance, context: ManagementContext): Promise<void> {
  const { db } = context;
  const filterOf = async (tenant: string, raw: unknown) => {
    const id = context.idOf(raw, 'target filter');
    const f = await db.selectFrom('target_filters').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
    if (!f) throw notFound(`target filter ${id}`);
    return f;
  };
  const change = async (tenant: string, actor: string, filterId: number, before: AutoAssignment | null, after: AutoAssignment | null, action: string) =>
    db.transaction().execute(async (trx) => {
      await trx
        .updateTable('target_filters')
        .set({ auto_assign: after ? JSON.stringify(after) : null })
        .where('id', '=', filterId)
        .execute();
      await appendAudit(trx, {
        tenant,
        at: new Date(),
        actor,
        action,
        subject: { type: 'targetfilter', id: String(filterId) },
        before: before ? { ...before } : null,
        after: after ? { ...after } : null,
      });
    });

  app.get('/targetfilters/:id/autoAssignDS', { preHandler: requires('READ_TARGET', 'READ_DISTRIBUTION_SET') }, async (request, reply) => {
    const f = await filterOf(principalOf(request).tenant, (request.params as { id: string }).id);
    if (!f.auto_assign) return reply.status(204).send();
    return f.auto_assign;
  });
  app.post('/targetfilters/:id/autoAssignDS', { preHandler: requires('UPDATE_TARGET', 'READ_DISTRIBUTION_SET') }, async (request) => {
    const p = principalOf(request);
    const f = await filterOf(p.tenant, (request.params as { id: string }).id);
    const b = context.parseBody(body, request.body);
    await context.service.distributionSet(p.tenant, b.id); // must exist in this tenant
    const next: AutoAssignment = {
      distributionSetId: b.id,
      type: b.type,
      weight: b.weight ?? null,
      confirmationRequired: b.confirmationRequired,
      paused: false,
    };
    await change(p.tenant, p.actor, Number(f.id), f.auto_assign, next, 'autoassign.set');
    return next;
  });
  app.delete('/targetfilters/:id/autoAssignDS', { preHandler: requires('UPDATE_TARGET') }, async (request, reply) => {
    const p = principalOf(request);
    const f = await filterOf(p.tenant, (request.params as { id: string }).id);
    await change(p.tenant, p.actor, Number(f.id), f.auto_assign, null, 'autoassign.remove');
    return reply.status(204).send();
  });
  for (const [verb, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    app.post(`/targetfilters/:id/autoAssignDS/${verb}`, { preHandler: requires('UPDATE_TARGET') }, async (request) => {
      const p = principalOf(request);
      const f = await filterOf(p.tenant, (request.params as { id: string }).id);
      if (!f.auto_assign) throw notFound(`auto-assignment of target filter ${f.id}`);
      const next = { ...f.auto_assign, paused };
      await change(p.tenant, p.actor, Number(f.id), f.auto_assign, next, `autoassign.${verb}`);
      return next;
    });
  }
}
