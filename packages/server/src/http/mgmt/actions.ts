/**
 * Actions across the tenant (`/rest/v1/actions`) and the operator's levers on one action:
 * cancel (DELETE), force-quit (DELETE ?force=true, only while canceling) and force
 * (PUT {"forceType":"forced"}) — hawkBit §2.2.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { appendAudit } from '../../domain/audit.js';
import { forceAction, forceQuitAction } from '../../domain/deployments.js';
import { notFound } from '../../errors.js';
import { principalOf, requires } from './auth.js';
import { actionJson } from './mappers.js';
import type { ManagementContext } from './context.js';
import type { RsqlFields } from '../../db/rsql.js';

const ACTION_FIELDS: RsqlFields = {
  id: { column: 'id', type: 'number' },
  status: {
    column: 'status',
    type: 'enum',
    values: [
      'FINISHED',
      'ERROR',
      'WARNING',
      'RUNNING',
      'CANCELED',
      'CANCELING',
      'RETRIEVED',
      'DOWNLOAD',
      'SCHEDULED',
      'CANCEL_REJECTED',
      'DOWNLOADED',
      'WAIT_FOR_CONFIRMATION',
    ],
  },
  active: { column: 'active', type: 'boolean' },
  weight: { column: 'weight', type: 'number' },
  'distributionSet.id': { column: 'ds_id', type: 'number' },
  createdAt: { column: 'created_at', type: 'timestamp' },
  lastModifiedAt: { column: 'updated_at', type: 'timestamp' },
};

const forceBody = z.strictObject({ forceType: z.literal('forced') });

export async function registerActionRoutes(app: FastifyInstance, context: ManagementContext): Promise<void> {
  const { db } = context;
  const controllerIdOf = async (tenant: string, targetId: number) =>
    (await db.selectFrom('targets').select('controller_id').where('tenant', '=', tenant).where('id', '=', targetId).executeTakeFirstOrThrow()).controller_id;
  const actionOf = async (tenant: string, rawId: unknown) => {
    const id = context.idOf(rawId, 'action');
    const action = await db.selectFrom('actions').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
    if (!action) throw notFound(`action ${id}`);
    return action;
  };

  app.get('/actions', { preHandler: requires('READ_TARGET') }, async (request) => {
    const tenant = principalOf(request).tenant;
    return context.list(
      request,
      'actions',
      ACTION_FIELDS,
      (q) => q,
      async (a) => actionJson(context.base(request), a, await controllerIdOf(tenant, Number(a.target_id))),
    );
  });
  app.get('/actions/:id', { preHandler: requires('READ_TARGET') }, async (request) => {
    const tenant = principalOf(request).tenant;
    const action = await actionOf(tenant, (request.params as { id: string }).id);
    return actionJson(context.base(request), action, await controllerIdOf(tenant, Number(action.target_id)));
  });
  // DELETE /actions/{id}?force=true — force-quit a canceling action (cancel itself is on the target).
  app.delete('/actions/:id', { preHandler: requires('UPDATE_TARGET') }, async (request, reply) => {
    const p = principalOf(request);
    const action = await actionOf(p.tenant, (request.params as { id: string }).id);
    if ((request.query as { force?: string }).force !== 'true') {
      await context.service.cancel(p, Number(action.id));
    } else {
      await forceQuitAction(db, p.tenant, Number(action.id), (trx) =>
        appendAudit(trx, {
          tenant: p.tenant,
          at: new Date(),
          actor: p.actor,
          action: 'action.forcequit',
          subject: { type: 'action', id: String(action.id) },
          before: { status: action.status },
          after: { status: 'CANCELED' },
        }),
      );
    }
    return reply.status(204).send();
  });
  app.put('/targets/:controllerId/actions/:actionId', { preHandler: requires('UPDATE_TARGET') }, async (request) => {
    const p = principalOf(request);
    const { controllerId, actionId } = request.params as { controllerId: string; actionId: string };
    context.parseBody(forceBody, request.body);
    const target = await context.service.target(p.tenant, controllerId);
    const action = await actionOf(p.tenant, actionId);
    if (Number(action.target_id) !== Number(target.id)) throw notFound(`action ${actionId}`);
    await forceAction(db, p.tenant, Number(action.id), (trx) =>
      appendAudit(trx, {
        tenant: p.tenant,
        at: new Date(),
        actor: p.actor,
        action: 'action.force',
        subject: { type: 'action', id: String(action.id) },
        before: { forceType: action.action_type },
        after: { forceType: 'forced' },
      }),
    );
    return actionJson(context.base(request), await actionOf(p.tenant, actionId), controllerId);
  });
}
