/**
 * `/rest/v1/rollouts` (hawkBit §2.2, §2.3): create (amountGroups or explicit groups, thresholds,
 * start time; Osprey: rate limit, abort criteria with rollback set, retries), list, read, the
 * operator commands, groups and their targets, and retry over the failed devices. Handlers map
 * the request to one RolloutService call and its result to hawkBit's JSON.
 *
 * Every number is bounded by what its column holds and every text refuses NUL (PostgreSQL cannot
 * store it): such input is a 400 naming the field, never a 500 from the database (issue 12).
 */
import { freeText } from './text.js';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ACTION_TYPES, DEFAULT_THRESHOLDS, GROUP_STATUSES, ROLLOUT_STATUSES, type RolloutCommand, type Thresholds } from '@osprey/protocol';
import type { GroupTarget, GroupView, RolloutView } from '../../domain/rollouts.js';
import { INT4_MAX, entityId, links, listQuery, noContent, pageOf, type TypedApp } from '../schema.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';

/** The largest value of an int4 column (counts, weights, retries). */
/** The last millisecond of year 9999: later times are not stored (timestamptz) nor read back (ISO 8601). */
const LATEST_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Epoch milliseconds a timestamptz holds. */
const epochMs = z.int().min(0).max(LATEST_TIME_MS);
const count = (min: number) => z.int().min(min).max(INT4_MAX);

const percent = z
  .string()
  .regex(/^\d{1,3}$/, 'a whole percentage')
  .transform(Number)
  .refine((n) => n <= 100, 'at most 100');
const condition = z.strictObject({ condition: z.literal('THRESHOLD').default('THRESHOLD'), expression: percent });
const successAction = z.strictObject({ action: z.enum(['NEXTGROUP', 'PAUSE']), expression: z.string().max(256).optional() });
const errorAction = z.strictObject({ action: z.literal('PAUSE'), expression: z.string().max(256).optional() });
const conditions = {
  successCondition: condition.optional(),
  successAction: successAction.optional(),
  errorCondition: condition.optional(),
  errorAction: errorAction.optional(),
};
const targetFilterQuery = freeText(4096);
/** An id in a body (a bigint key; zod's int is a safe integer, so ids stay below 2^53). */
const entityRef = () => z.int().positive();

const createBody = z.strictObject({
  name: freeText(128, 1),
  description: freeText(512).optional(),
  distributionSetId: entityRef(),
  targetFilterQuery: freeText(4096, 1),
  type: z.enum(ACTION_TYPES).default('forced'),
  forcetime: epochMs.optional(),
  startAt: epochMs.optional(),
  weight: z.int().min(0).max(1000).optional(),
  confirmationRequired: z.boolean().optional(),
  amountGroups: z.int().min(1).max(500).optional(),
  groups: z
    .array(
      z.strictObject({
        name: freeText(128, 1),
        description: freeText(512).optional(),
        targetFilterQuery: targetFilterQuery.optional(),
        targetPercentage: z.number().min(0).max(100).default(100),
        confirmationRequired: z.boolean().optional(),
        ...conditions,
      }),
    )
    .min(1)
    .max(500)
    .optional(),
  ...conditions,
  // Osprey extensions (AWS IoT Jobs, Azure Device Update).
  rateLimit: z
    .strictObject({
      maxPerMinute: count(1),
      growth: z.strictObject({ baseRatePerMinute: count(1), incrementFactor: z.number().min(1).max(5), whenSucceededCount: count(1) }).optional(),
    })
    .optional(),
  abortCriteria: z
    .array(
      z.strictObject({
        failureType: z.enum(['failed', 'timedOut', 'canceled']),
        minExecutedCount: count(1),
        thresholdPercentage: z.number().min(0).max(100),
      }),
    )
    .max(10)
    .optional(),
  rollbackDistributionSetId: entityRef().optional(),
  maxRetries: z.int().min(0).max(10).optional(),
  maintenanceWindow: z
    .strictObject({
      schedule: freeText(256, 1),
      duration: z.string().regex(/^\d{2}:[0-5]\d:[0-5]\d$/, 'HH:MM:SS'),
      timezone: freeText(64).default('UTC'),
    })
    .optional(),
  dynamic: z.boolean().optional(),
  dynamicGroupTemplate: z.strictObject({ nameSuffix: freeText(64).default('-dynamic'), targetCount: z.int().min(1).max(20_000) }).optional(),
});

interface Conditions {
  successCondition?: { expression: number } | undefined;
  successAction?: { action: 'NEXTGROUP' | 'PAUSE' } | undefined;
  errorCondition?: { expression: number } | undefined;
  errorAction?: { action: 'PAUSE' } | undefined;
}

/** hawkBit's condition/action pairs as the engine's thresholds; what is not given comes from `fallback` (groups inherit). */
function thresholdsOf(b: Conditions, fallback: Thresholds): Thresholds {
  return {
    success:
      b.successCondition || b.successAction
        ? {
            percentage: b.successCondition?.expression ?? fallback.success?.percentage ?? 50,
            action: b.successAction?.action ?? fallback.success?.action ?? 'NEXTGROUP',
          }
        : fallback.success,
    error:
      b.errorCondition || b.errorAction ? { percentage: b.errorCondition?.expression ?? fallback.error?.percentage ?? 50, action: 'PAUSE' } : fallback.error,
  };
}

/** The commands without a parameter; approve and deny (with a remark) are registered on their own. */
const COMMANDS: Record<string, { command: Exclude<RolloutCommand, 'retry' | 'delete' | 'approve' | 'deny'>; permission: 'HANDLE_ROLLOUT' | 'UPDATE_ROLLOUT' }> =
  {
    start: { command: 'start', permission: 'HANDLE_ROLLOUT' },
    pause: { command: 'pause', permission: 'HANDLE_ROLLOUT' },
    resume: { command: 'resume', permission: 'HANDLE_ROLLOUT' },
    stop: { command: 'stop', permission: 'HANDLE_ROLLOUT' },
    triggerNextGroup: { command: 'triggerNextGroup', permission: 'UPDATE_ROLLOUT' },
  };

// --- replies (hawkBit's JSON) ----------------------------------------------------------------

const statusCounts = z.object({
  running: z.int(),
  scheduled: z.int(),
  notstarted: z.int(),
  cancelled: z.int(),
  finished: z.int(),
  error: z.int(),
});
const rolloutJsonSchema = z.object({
  id: z.int(),
  name: z.string(),
  description: z.string().optional(),
  status: z.enum(ROLLOUT_STATUSES),
  targetFilterQuery: z.string(),
  distributionSetId: z.int(),
  totalTargets: z.int(),
  totalGroups: z.int(),
  totalTargetsPerStatus: statusCounts,
  type: z.enum(ACTION_TYPES),
  startAt: z.int().optional().describe('epoch milliseconds'),
  forcetime: z.int().optional().describe('epoch milliseconds'),
  weight: z.int().optional(),
  deleted: z.boolean(),
  dynamic: z.boolean(),
  approvalRemark: z.string().optional(),
  approveDecidedBy: z.string().optional(),
  createdAt: z.int().describe('epoch milliseconds'),
  createdBy: z.string().optional().describe('the actor, as in the audit log: user:<name> or token:<name>'),
  _links: links('self', 'groups', 'distributionset'),
});
const threshold = z.object({ percentage: z.number(), action: z.string() }).nullable();
const groupJsonSchema = z.object({
  id: z.int(),
  name: z.string(),
  status: z.enum(GROUP_STATUSES),
  targetFilterQuery: z.string().optional(),
  targetPercentage: z.number().optional(),
  totalTargets: z.int(),
  successCondition: threshold.optional(),
  errorCondition: threshold.optional(),
  totalTargetsPerStatus: statusCounts.describe("the group's actions, counted as the rollout's are"),
});
const groupTargetsSchema = z.object({
  content: z.array(
    z.object({ controllerId: z.string(), name: z.string(), actionId: z.int(), actionStatus: z.string().describe('the action status, lowercase') }),
  ),
  size: z.int(),
});

const ms = (d: Date | string | null): number | undefined => (d === null ? undefined : new Date(d).getTime());

function rolloutJson(base: string, v: RolloutView): z.input<typeof rolloutJsonSchema> {
  const r = v.rollout;
  const self = `${base}/rollouts/${r.id}`;
  return {
    id: Number(r.id),
    name: r.name,
    description: r.description ?? undefined,
    status: r.status,
    targetFilterQuery: r.target_filter,
    distributionSetId: Number(r.ds_id),
    totalTargets: r.total_targets,
    totalGroups: v.totalGroups,
    totalTargetsPerStatus: v.totalTargetsPerStatus,
    type: r.action_type,
    startAt: ms(r.start_at),
    forcetime: ms(r.forced_time),
    weight: r.weight ?? undefined,
    deleted: r.status === 'deleted',
    dynamic: r.dynamic_template !== null,
    approvalRemark: r.approval_remark ?? undefined,
    approveDecidedBy: r.approval_decided_by ?? undefined,
    createdAt: new Date(r.created_at).getTime(),
    createdBy: r.created_by ?? undefined,
    _links: { self: { href: self }, groups: { href: `${self}/deploygroups` }, distributionset: { href: `${base}/distributionsets/${r.ds_id}` } },
  };
}

function groupJson({ group: g, totalTargetsPerStatus }: GroupView): z.input<typeof groupJsonSchema> {
  return {
    id: Number(g.id),
    name: g.name,
    status: g.status,
    targetFilterQuery: g.target_filter ?? undefined,
    targetPercentage: g.target_percentage ?? undefined,
    totalTargets: g.total_targets,
    ...(g.thresholds ? { successCondition: g.thresholds.success, errorCondition: g.thresholds.error } : {}),
    totalTargetsPerStatus,
  };
}

const groupTargetJson = (t: GroupTarget) => ({ controllerId: t.controllerId, name: t.name, actionId: t.actionId, actionStatus: t.status.toLowerCase() });

// --- routes ----------------------------------------------------------------------------------

const rolloutParams = z.object({ id: entityId('rollout') });
const paging = listQuery.pick({ offset: true, limit: true });

export async function registerRolloutRoutes(app: TypedApp, context: ManagementContext): Promise<void> {
  const { rollouts } = context;
  const base = (request: FastifyRequest) => context.base(request);

  app.post(
    '/rollouts',
    {
      preValidation: requires('CREATE_ROLLOUT', 'READ_TARGET', 'READ_DISTRIBUTION_SET'),
      schema: { body: createBody, response: { 201: rolloutJsonSchema } },
    },
    async (request, reply) => {
      const body = request.body;
      const thresholds = thresholdsOf(body, DEFAULT_THRESHOLDS);
      const view = await rollouts.create(principalOf(request), {
        name: body.name,
        description: body.description,
        distributionSetId: body.distributionSetId,
        targetFilterQuery: body.targetFilterQuery,
        type: body.type,
        forcetime: body.forcetime === undefined ? undefined : new Date(body.forcetime),
        weight: body.weight,
        confirmationRequired: body.confirmationRequired,
        startAt: body.startAt === undefined ? undefined : new Date(body.startAt),
        thresholds,
        amountGroups: body.amountGroups ?? (body.groups ? undefined : 1),
        groups: body.groups?.map((g) => ({
          name: g.name,
          targetFilterQuery: g.targetFilterQuery,
          targetPercentage: g.targetPercentage,
          thresholds: thresholdsOf(g, thresholds),
        })),
        rateLimit: body.rateLimit ?? null,
        abortCriteria: body.abortCriteria,
        rollbackDistributionSetId: body.rollbackDistributionSetId,
        maxRetries: body.maxRetries,
        maintenanceWindow: body.maintenanceWindow,
        dynamicGroupTemplate: body.dynamic ? (body.dynamicGroupTemplate ?? { nameSuffix: '-dynamic', targetCount: 1000 }) : undefined,
      });
      return reply.status(201).send(rolloutJson(base(request), view));
    },
  );

  app.get(
    '/rollouts',
    { preValidation: requires('READ_ROLLOUT'), schema: { querystring: listQuery, response: { 200: pageOf(rolloutJsonSchema) } } },
    async (request) => {
      const { content, total } = await rollouts.list(principalOf(request).tenant, request.query);
      return { content: content.map((v) => rolloutJson(base(request), v)), total, size: content.length };
    },
  );

  app.get(
    '/rollouts/:id',
    { preValidation: requires('READ_ROLLOUT'), schema: { params: rolloutParams, response: { 200: rolloutJsonSchema } } },
    async (request) => rolloutJson(base(request), await rollouts.get(principalOf(request).tenant, request.params.id)),
  );

  for (const [name, { command, permission }] of Object.entries(COMMANDS)) {
    app.post(
      `/rollouts/:id/${name}`,
      { preValidation: requires(permission), schema: { params: rolloutParams, response: { 200: rolloutJsonSchema } } },
      async (request) => rolloutJson(base(request), await rollouts.command(principalOf(request), request.params.id, command)),
    );
  }
  // hawkBit: approve and deny take an optional remark, kept with the decision.
  for (const command of ['approve', 'deny'] as const) {
    app.post(
      `/rollouts/:id/${command}`,
      {
        preValidation: requires('APPROVE_ROLLOUT'),
        schema: { params: rolloutParams, querystring: z.object({ remark: freeText(1024).optional() }), response: { 200: rolloutJsonSchema } },
      },
      async (request) =>
        rolloutJson(base(request), await rollouts.command(principalOf(request), request.params.id, command, { remark: request.query.remark || undefined })),
    );
  }

  app.delete(
    '/rollouts/:id',
    { preValidation: requires('DELETE_ROLLOUT'), schema: { params: rolloutParams, response: { 204: noContent } } },
    async (request, reply) => {
      await rollouts.delete(principalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  // Retry (hawkBit: FINISHED only): a new rollout `<name>_retry` over the devices that failed.
  app.post(
    '/rollouts/:id/retry',
    { preValidation: requires('CREATE_ROLLOUT', 'HANDLE_ROLLOUT'), schema: { params: rolloutParams, response: { 201: rolloutJsonSchema } } },
    async (request, reply) => reply.status(201).send(rolloutJson(base(request), await rollouts.retry(principalOf(request), request.params.id))),
  );

  app.get(
    '/rollouts/:id/deploygroups',
    { preValidation: requires('READ_ROLLOUT'), schema: { params: rolloutParams, response: { 200: pageOf(groupJsonSchema) } } },
    async (request) => {
      const content = (await rollouts.groups(principalOf(request).tenant, request.params.id)).map(groupJson);
      return { content, total: content.length, size: content.length };
    },
  );

  app.get(
    '/rollouts/:id/deploygroups/:groupId/targets',
    {
      preValidation: requires('READ_ROLLOUT', 'READ_TARGET'),
      schema: {
        params: z.object({ id: entityId('rollout'), groupId: entityId('group') }),
        querystring: paging,
        response: { 200: groupTargetsSchema },
      },
    },
    async (request) => {
      const targets = await rollouts.groupTargets(principalOf(request).tenant, request.params.id, request.params.groupId, request.query);
      return { content: targets.map(groupTargetJson), size: targets.length };
    },
  );
}
