/**
 * Distribution sets (hawkBit `/rest/v1/distributionsets`, shared/reference/hawkbit-api.md
 * §2.2–2.3): CRUD with their modules, and assignment to targets (`assignedTargets`). Handlers map
 * the request to one DistributionSetService call and the result to hawkBit's JSON.
 */
import { z } from 'zod';
import { entityId, listQuery, noContent, pageOf, type TypedApp } from '../schema.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';
import { assignmentReply, distributionSetJson, distributionSetReply, page } from './mappers.js';
import { assignmentOptions, assignOptions } from './assignment.js';
import { freeText, line } from './text.js';

const newSets = z
  .array(
    z.strictObject({
      name: line(128),
      version: line(64),
      type: line(64).optional().describe('a distribution set type key (default os)'),
      description: freeText(512).optional(),
      modules: z.array(z.strictObject({ id: z.int().positive() })).optional(),
      requiredMigrationStep: z.boolean().optional().describe('accepted for hawkBit clients; not used'),
    }),
  )
  .min(1)
  .max(500);
const assignTargets = z
  .array(z.strictObject({ id: line(256).describe('controllerId') }).extend(assignmentOptions.shape))
  .min(1)
  .max(10_000);

const setParams = z.object({ id: entityId('distribution set') });

export async function registerDistributionSetRoutes(app: TypedApp, context: ManagementContext): Promise<void> {
  const { sets } = context;

  app.get(
    '/distributionsets',
    { preValidation: requires('READ_DISTRIBUTION_SET'), schema: { querystring: listQuery, response: { 200: pageOf(distributionSetReply) } } },
    async (request) => {
      const { rows, total } = await sets.page(principalOf(request).tenant, request.query);
      return page(
        rows.map(({ set, modules }) => distributionSetJson(context.base(request), set, modules)),
        total,
      );
    },
  );

  app.post(
    '/distributionsets',
    { preValidation: requires('CREATE_DISTRIBUTION_SET'), schema: { body: newSets, response: { 201: z.array(distributionSetReply) } } },
    async (request, reply) => {
      const created = await sets.create(principalOf(request), request.body);
      return reply.status(201).send(created.map(({ set, modules }) => distributionSetJson(context.base(request), set, modules)));
    },
  );

  app.get(
    '/distributionsets/:id',
    { preValidation: requires('READ_DISTRIBUTION_SET'), schema: { params: setParams, response: { 200: distributionSetReply } } },
    async (request) => {
      const { set, modules } = await sets.withModules(principalOf(request).tenant, request.params.id);
      return distributionSetJson(context.base(request), set, modules);
    },
  );

  app.delete(
    '/distributionsets/:id',
    { preValidation: requires('DELETE_DISTRIBUTION_SET'), schema: { params: setParams, response: { 204: noContent } } },
    async (request, reply) => {
      await sets.delete(principalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/distributionsets/:id/assignedTargets',
    {
      preValidation: requires('READ_DISTRIBUTION_SET', 'UPDATE_TARGET'),
      schema: { params: setParams, body: assignTargets, response: { 200: assignmentReply } },
    },
    async (request) =>
      sets.assign(
        principalOf(request),
        request.params.id,
        request.body.map((item) => ({ controllerId: item.id, options: assignOptions(item) })),
      ),
  );
}
