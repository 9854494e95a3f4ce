/**
 * Targets (hawkBit `/rest/v1/targets`, shared/reference/hawkbit-api.md §2.2–2.3): CRUD, their
 * attributes, assigned and installed sets, assignment, their actions with cancel and status
 * history, a device's age header for offline bundles, and the fleet's counts for the console
 * (GET /targetsummary). Handlers map the request to one TargetService / DistributionSetService
 * call and the result to hawkBit's JSON.
 */
import { z } from 'zod';
import { TARGET_UPDATE_STATUSES, type TargetUpdateStatus } from '@osprey/protocol';
import { badRequest } from '../../errors.js';
import { binary, entityId, listQuery, noContent, pageOf, pathText, type TypedApp } from '../schema.js';
import { principalOf, requires, type Principal } from './auth.js';
import type { ManagementContext } from './context.js';
import {
  actionJson,
  actionReply,
  actionStatusJson,
  actionStatusReply,
  assignmentReply,
  distributionSetJson,
  distributionSetReply,
  page,
  targetJson,
  targetReply,
} from './mappers.js';
import { assignmentOptions, assignOptions } from './assignment.js';
import { freeText, line } from './text.js';

const targetFields = {
  name: line(128).optional(),
  description: freeText(512).optional(),
  address: line(512, 0).optional(),
  securityToken: line(128, 8).optional(),
  requestAttributes: z.boolean().optional(),
  publicKey: freeText(8192).optional().describe('age recipient (age1…, age1tag1…) or a PEM/SSH public key of the device'),
};
const newTargets = z
  .array(z.strictObject({ controllerId: z.string().regex(/^[A-Za-z0-9_.:@+-]{1,256}$/, 'use 1–256 letters, digits or _ . : @ + -'), ...targetFields }))
  .min(1)
  .max(500);
const targetUpdate = z.strictObject({ controllerId: line(256, 0).optional(), ...targetFields });
const assignToTarget = z.union([
  z.strictObject({ id: z.int().positive() }).extend(assignmentOptions.shape),
  z.array(z.strictObject({ id: z.int().positive() }).extend(assignmentOptions.shape)).min(1),
]);

const count = z.number().int().min(0);
const targetSummaryReply = z.object({
  total: count,
  byUpdateStatus: z.object(Object.fromEntries(TARGET_UPDATE_STATUSES.map((s) => [s, count])) as Record<TargetUpdateStatus, typeof count>),
  overdue: count.describe('polled once, but not within pollingTime + pollingOverdueTime'),
  neverPolled: count.describe('never polled (not counted as overdue)'),
  pollingTime: z.string().describe('HH:MM:SS'),
  pollingOverdueTime: z.string().describe('HH:MM:SS'),
  overdueBefore: z.number().int().describe('epoch milliseconds: a last poll before this is overdue'),
});

const target = z.object({ controllerId: pathText('controllerId') });
const targetAction = target.extend({ actionId: entityId('action') });

export async function registerTargetRoutes(app: TypedApp, context: ManagementContext): Promise<void> {
  const { targets, sets } = context;
  const withToken = (p: Principal) => ({ withToken: p.permissions.has('READ_TARGET_SECURITY_TOKEN') });

  app.get(
    '/targets',
    { preValidation: requires('READ_TARGET'), schema: { querystring: listQuery, response: { 200: pageOf(targetReply) } } },
    async (request) => {
      const p = principalOf(request);
      const { rows, total } = await targets.page(p.tenant, request.query);
      return page(
        rows.map((t) => targetJson(context.base(request), t, withToken(p))),
        total,
      );
    },
  );

  // Not /targets/summary: that would hide a device whose controllerId is "summary".
  app.get('/targetsummary', { preValidation: requires('READ_TARGET'), schema: { response: { 200: targetSummaryReply } } }, async (request) =>
    targets.summary(principalOf(request).tenant),
  );

  app.post(
    '/targets',
    { preValidation: requires('CREATE_TARGET'), schema: { body: newTargets, response: { 201: z.array(targetReply) } } },
    async (request, reply) => {
      const p = principalOf(request);
      const rows = await targets.create(p, request.body);
      return reply.status(201).send(rows.map((t) => targetJson(context.base(request), t, withToken(p))));
    },
  );

  app.get('/targets/:controllerId', { preValidation: requires('READ_TARGET'), schema: { params: target, response: { 200: targetReply } } }, async (request) => {
    const p = principalOf(request);
    return targetJson(context.base(request), await targets.get(p.tenant, request.params.controllerId), withToken(p));
  });

  app.put(
    '/targets/:controllerId',
    { preValidation: requires('UPDATE_TARGET'), schema: { params: target, body: targetUpdate, response: { 200: targetReply } } },
    async (request) => {
      const p = principalOf(request);
      const { controllerId } = request.params;
      const { controllerId: renamed, ...change } = request.body;
      if (renamed !== undefined && renamed !== controllerId) throw badRequest('controllerId cannot be changed');
      return targetJson(context.base(request), await targets.update(p, controllerId, change), withToken(p));
    },
  );

  app.delete(
    '/targets/:controllerId',
    { preValidation: requires('DELETE_TARGET'), schema: { params: target, response: { 204: noContent } } },
    async (request, reply) => {
      await targets.delete(principalOf(request), request.params.controllerId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/targets/:controllerId/ageheader',
    {
      preValidation: requires('READ_TARGET', 'READ_SOFTWARE_MODULE_ARTIFACT'),
      schema: {
        params: target,
        querystring: z.object({ tufTarget: pathText('tufTarget', 1024).describe('the TUF target path of the encrypted artifact, e.g. gw-os-1.2.0.age') }),
        response: { 200: binary("this target's age header for the artifact", 'application/octet-stream') },
      },
    },
    async (request, reply) => {
      const header = await targets.ageHeader(principalOf(request).tenant, request.params.controllerId, request.query.tufTarget);
      return reply.type('application/octet-stream').send(header);
    },
  );

  app.get(
    '/targets/:controllerId/attributes',
    { preValidation: requires('READ_TARGET'), schema: { params: target, response: { 200: z.record(z.string(), z.string()) } } },
    async (request) => (await targets.get(principalOf(request).tenant, request.params.controllerId)).attributes,
  );

  for (const which of ['assigned', 'installed'] as const) {
    app.get(
      `/targets/:controllerId/${which}DS`,
      {
        preValidation: requires('READ_TARGET', 'READ_DISTRIBUTION_SET'),
        schema: { params: target, response: { 200: distributionSetReply, 204: noContent.describe(`no set is ${which}`) } },
      },
      async (request, reply) => {
        const found = await targets.setOf(principalOf(request).tenant, request.params.controllerId, which);
        if (!found) return reply.status(204).send(null);
        return distributionSetJson(context.base(request), found.set, found.modules);
      },
    );
  }

  // One set or several, each with its own options; the results add up (hawkBit answers one body).
  app.post(
    '/targets/:controllerId/assignedDS',
    { preValidation: requires('READ_DISTRIBUTION_SET', 'UPDATE_TARGET'), schema: { params: target, body: assignToTarget, response: { 200: assignmentReply } } },
    async (request) => {
      const p = principalOf(request);
      const { controllerId } = request.params;
      const items = Array.isArray(request.body) ? request.body : [request.body];
      const results = [];
      for (const item of items) results.push(await sets.assign(p, item.id, [{ controllerId, options: assignOptions(item) }]));
      return results.reduce((sum, r) => ({
        assigned: sum.assigned + r.assigned,
        alreadyAssigned: sum.alreadyAssigned + r.alreadyAssigned,
        total: sum.total + r.total,
        assignedActions: [...sum.assignedActions, ...r.assignedActions],
      }));
    },
  );

  // --- the target's actions ------------------------------------------------------------------

  app.get(
    '/targets/:controllerId/actions',
    { preValidation: requires('READ_TARGET'), schema: { params: target, querystring: listQuery, response: { 200: pageOf(actionReply) } } },
    async (request) => {
      const { controllerId } = request.params;
      const { rows, total } = await targets.actions(principalOf(request).tenant, controllerId, request.query);
      return page(
        rows.map((a) => actionJson(context.base(request), a, controllerId)),
        total,
      );
    },
  );

  app.get(
    '/targets/:controllerId/actions/:actionId',
    { preValidation: requires('READ_TARGET'), schema: { params: targetAction, response: { 200: actionReply } } },
    async (request) => {
      const { controllerId, actionId } = request.params;
      return actionJson(context.base(request), await targets.action(principalOf(request).tenant, controllerId, actionId), controllerId);
    },
  );

  // DELETE = cancel (hawkBit §2.2): the action becomes CANCELING until the device confirms.
  app.delete(
    '/targets/:controllerId/actions/:actionId',
    { preValidation: requires('UPDATE_TARGET'), schema: { params: targetAction, response: { 204: noContent } } },
    async (request, reply) => {
      await targets.cancelAction(principalOf(request), request.params.controllerId, request.params.actionId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/targets/:controllerId/actions/:actionId/status',
    {
      preValidation: requires('READ_TARGET'),
      schema: { params: targetAction, querystring: listQuery.pick({ offset: true, limit: true }), response: { 200: pageOf(actionStatusReply) } },
    },
    async (request) => {
      const { controllerId, actionId } = request.params;
      const { rows, total } = await targets.actionStatuses(principalOf(request).tenant, controllerId, actionId, request.query);
      return page(rows.map(actionStatusJson), total);
    },
  );
}
