/**
 * Target tags and distribution set tags (hawkBit §2.2 `/targettags`, `/distributionsettags`):
 * `{name, description, colour}`; target tags are put on targets by controllerId
 * (`POST /targettags/{id}/assigned` with a list, `DELETE …/assigned/{controllerId}`).
 */
import { z } from 'zod';
import { entityId, listQuery, noContent, pageOf, pathText, type TypedApp } from '../schema.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';
import { page, targetJson, targetReply } from './mappers.js';
import { described, emptyReply, label, namedJson, namedReply, registerNamedRoutes } from './named.js';

const tagBody = z.strictObject(described);
const tagReply = namedReply({});

export async function registerTagRoutes(app: TypedApp, context: ManagementContext): Promise<void> {
  const { catalogue } = context;
  for (const [path, subject, api, entity] of [
    ['targettags', 'targettag', catalogue.targetTags, 'TARGET'],
    ['distributionsettags', 'distributionsettag', catalogue.distributionSetTags, 'DISTRIBUTION_SET'],
  ] as const) {
    registerNamedRoutes(app, context, {
      path,
      subject,
      permissions: { read: `READ_${entity}`, create: `CREATE_${entity}`, update: `UPDATE_${entity}`, remove: `DELETE_${entity}` },
      api,
      createItem: tagBody,
      toCreate: (body) => body,
      updateBody: tagBody.partial(),
      toUpdate: ({ name, description, colour }) => ({ name, description, colour }),
      reply: tagReply,
      toJson: (base, row) => namedJson(base, path, row),
    });
  }

  const tagId = z.object({ id: entityId('target tag') });

  app.get(
    '/targettags/:id/assigned',
    { preValidation: requires('READ_TARGET'), schema: { params: tagId, querystring: listQuery, response: { 200: pageOf(targetReply) } } },
    async (request) => {
      const p = principalOf(request);
      const { rows, total } = await catalogue.taggedTargets(p.tenant, request.params.id, request.query);
      const withToken = p.permissions.has('READ_TARGET_SECURITY_TOKEN');
      return page(
        rows.map((t) => targetJson(context.base(request), t, { withToken })),
        total,
      );
    },
  );

  app.post(
    '/targettags/:id/assigned',
    {
      preValidation: requires('UPDATE_TARGET'),
      schema: { params: tagId, body: z.array(label(256)).min(1).max(1000).describe('controllerIds'), response: { 200: emptyReply } },
    },
    async (request, reply) => {
      await catalogue.tagTargets(principalOf(request), request.params.id, request.body);
      return reply.status(200).send();
    },
  );

  app.delete(
    '/targettags/:id/assigned/:controllerId',
    {
      preValidation: requires('UPDATE_TARGET'),
      schema: { params: z.object({ id: entityId('target tag'), controllerId: pathText('controller id') }), response: { 204: noContent } },
    },
    async (request, reply) => {
      await catalogue.untagTarget(principalOf(request), request.params.id, request.params.controllerId);
      return reply.status(204).send(null);
    },
  );
}
