/**
 * Actions across the tenant (`/rest/v1/actions`) and the operator's levers on one action:
 * cancel (DELETE), force-quit (DELETE ?force=true, only while canceling) and force
 * (PUT {"forceType":"forced"}) — hawkBit §2.2.
 */
import { z } from 'zod';
import { entityId, listQuery, noContent, pageOf, pathText, type TypedApp } from '../schema.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';
import { actionJson, actionReply, page } from './mappers.js';

const actionId = z.object({ id: entityId('action') });

export async function registerActionRoutes(app: TypedApp, context: ManagementContext): Promise<void> {
  const { actions } = context;

  app.get(
    '/actions',
    { preValidation: requires('READ_TARGET'), schema: { querystring: listQuery, response: { 200: pageOf(actionReply) } } },
    async (request) => {
      const { rows, total } = await actions.page(principalOf(request).tenant, request.query);
      return page(
        rows.map((a) => actionJson(context.base(request), a, a.controller_id)),
        total,
      );
    },
  );

  app.get('/actions/:id', { preValidation: requires('READ_TARGET'), schema: { params: actionId, response: { 200: actionReply } } }, async (request) => {
    const a = await actions.get(principalOf(request).tenant, request.params.id);
    return actionJson(context.base(request), a, a.controller_id);
  });

  // DELETE /actions/{id}?force=true — force-quit a canceling action; without force: cancel.
  app.delete(
    '/actions/:id',
    {
      preValidation: requires('UPDATE_TARGET'),
      schema: {
        params: actionId,
        querystring: z.object({ force: z.enum(['true', 'false']).optional().describe('true: force-quit an action stuck in canceling') }),
        response: { 204: noContent },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      if (request.query.force === 'true') await actions.forceQuit(p, request.params.id);
      else await context.targets.cancel(p, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/targets/:controllerId/actions/:actionId',
    {
      preValidation: requires('UPDATE_TARGET'),
      schema: {
        params: z.object({ controllerId: pathText('controller id'), actionId: entityId('action') }),
        body: z.strictObject({ forceType: z.literal('forced') }),
        response: { 200: actionReply },
      },
    },
    async (request) => {
      const { controllerId, actionId: id } = request.params;
      const a = await actions.force(principalOf(request), controllerId, id);
      return actionJson(context.base(request), a, controllerId);
    },
  );
}
