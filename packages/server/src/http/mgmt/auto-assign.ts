/**
 * `/rest/v1/targetfilters/{id}/autoAssignDS`: give a target filter a distribution set that the
 * scheduler assigns to every matching target (hawkBit §2.2), and pause or resume it. The filter
 * and the set are resolved in the caller's tenant (another tenant's id is a 404, as a missing one).
 */
import { z } from 'zod';
import { entityId, noContent, type TypedApp } from '../schema.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';

const body = z.strictObject({
  id: z.int().positive().describe('the distribution set'),
  type: z.enum(['forced', 'soft', 'downloadonly']).default('forced'),
  weight: z.int().min(0).max(1000).optional(),
  confirmationRequired: z.boolean().default(false),
});
const autoAssignment = z.object({
  distributionSetId: z.int(),
  type: z.enum(['forced', 'soft', 'downloadonly']),
  weight: z.int().nullable(),
  confirmationRequired: z.boolean(),
  paused: z.boolean(),
});
const params = z.object({ id: entityId('target filter') });

export async function registerAutoAssignRoutes(app: TypedApp, context: ManagementContext): Promise<void> {
  const { autoAssign } = context;

  app.get(
    '/targetfilters/:id/autoAssignDS',
    {
      preValidation: requires('READ_TARGET', 'READ_DISTRIBUTION_SET'),
      schema: { params, response: { 200: autoAssignment, 204: noContent.describe('the filter has no auto-assignment') } },
    },
    async (request, reply) => {
      const current = await autoAssign.get(principalOf(request).tenant, request.params.id);
      if (!current) return reply.status(204).send(null);
      return current;
    },
  );
  app.post(
    '/targetfilters/:id/autoAssignDS',
    { preValidation: requires('UPDATE_TARGET', 'READ_DISTRIBUTION_SET'), schema: { params, body, response: { 200: autoAssignment } } },
    async (request) =>
      autoAssign.set(principalOf(request), request.params.id, {
        distributionSetId: request.body.id,
        type: request.body.type,
        weight: request.body.weight ?? null,
        confirmationRequired: request.body.confirmationRequired,
      }),
  );
  app.delete(
    '/targetfilters/:id/autoAssignDS',
    { preValidation: requires('UPDATE_TARGET'), schema: { params, response: { 204: noContent } } },
    async (request, reply) => {
      await autoAssign.remove(principalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
  for (const [verb, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    app.post(
      `/targetfilters/:id/autoAssignDS/${verb}`,
      { preValidation: requires('UPDATE_TARGET'), schema: { params, response: { 200: autoAssignment } } },
      async (request) => autoAssign.pause(principalOf(request), request.params.id, paused),
    );
  }
}
