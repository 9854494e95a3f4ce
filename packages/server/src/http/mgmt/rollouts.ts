/**
 * `/rest/v1/rollouts` (hawkBit §2.2, §2.3): create (amountGroups or explicit groups, thresholds,
 * start time; Osprey: rate limit, abort criteria with rollback set, retries), list, read, the
 * operator commands, groups and their targets, and retry over the failed devices.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import { DEFAULT_THRESHOLDS, type RolloutCommand, type Thresholds } from '@osprey/protocol';
import { commandRollout, createRollout, type TargetFilter } from '../../domain/rollouts.js';
import { ServerError, notFound } from '../../errors.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';
import { compileTargetFilter } from '../../db/fields.js';
import { parsePaging } from '../../db/rsql.js';

const percent = z
  .string()
  .regex(/^\d{1,3}$/, 'a whole percentage')
  .transform(Number)
  .refine((n) => n <= 100, 'at most 100');
const condition = z.strictObject({ condition: z.literal('THRESHOLD').default('THRESHOLD'), expression: percent });
const successAction = z.strictObject({ action: z.enum(['NEXTGROUP', 'PAUSE']), expression: z.string().optional() });
const errorAction = z.strictObject({ action: z.literal('PAUSE'), expression: z.string().optional() });
const conditions = {
  successCondition: condition.optional(),
  successAction: successAction.optional(),
  errorCondition: condition.optional(),
  errorAction: errorAction.optional(),
};
const createSchema = z.strictObject({
  name: z.string().min(1).max(128),
  description: z.string().max(512).optional(),
  distributionSetId: z.int().positive(),
  targetFilterQuery: z.string().min(1).max(4096),
  type: z.enum(['forced', 'soft', 'timeforced', 'downloadonly']).default('forced'),
  forcetime: z.int().min(0).optional(),
  startAt: z.int().min(0).optional(),
  weight: z.int().min(0).max(1000).optional(),
  confirmationRequired: z.boolean().optional(),
  amountGroups: z.int().min(1).max(500).optional(),
  groups: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(128),
        description: z.string().optional(),
        targetFilterQuery: z.string().max(4096).optional(),
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
      maxPerMinute: z.int().min(1),
      growth: z.strictObject({ baseRatePerMinute: z.int().min(1), incrementFactor: z.number().min(1).max(5), whenSucceededCount: z.int().min(1) }).optional(),
    })
    .optional(),
  abortCriteria: z
    .array(
      z.strictObject({
        failureType: z.enum(['failed', 'timedOut', 'canceled']),
        minExecutedCount: z.int().min(1),
        thresholdPercentage: z.number().min(0).max(100),
      }),
    )
    .max(10)
    .optional(),
  rollbackDistributionSetId: z.int().positive().optional(),
  maxRetries: z.int().min(0).max(10).optional(),
  maintenanceWindow: z
    .strictObject({
      schedule: z.string().min(1).max(256),
      duration: z.string().regex(/^\d{2}:[0-5]\d:[0-5]\d$/, 'HH:MM:SS'),
      timezone: z.string().max(64).default('UTC'),
    })
    .optional(),
  dynamic: z.boolean().optional(),
  dynamicGroupTemplate: z.strictObject({ nameSuffix: z.string().max(64).default('-dynamic'), targetCount: z.int().min(1).max(20_000) }).optional(),
});

function thresholdsOf(body: z.infer<typeof conditions.successCondition & object> | Record<string, unknown>, fallback: Thresholds): Thresholds {
  const b = body as {
    successCondition?: { expression: number };
    successAction?: { action: 'NEXTGROUP' | 'PAUSE' };
    errorCondition?: { expression: number };
    errorAction?: { action: 'PAUSE' };
  };
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

const COMMANDS: Record<string, { command: RolloutCommand; permission: 'HANDLE_ROLLOUT' | 'APPROVE_ROLLOUT' | 'UPDATE_ROLLOUT' }> = {
  start: { command: 'start', permission: 'HANDLE_ROLLOUT' },
  pause: { command: 'pause', permission: 'HANDLE_ROLLOUT' },
  resume: { command: 'resume', permission: 'HANDLE_ROLLOUT' },
  stop: { command: 'stop', permission: 'HANDLE_ROLLOUT' },
  approve: { command: 'approve', permission: 'APPROVE_ROLLOUT' },
  deny: { command: 'deny', permission: 'APPROVE_ROLLOUT' },
  triggerNextGroup: { command: 'triggerNextGroup', permission: 'UPDATE_ROLLOUT' },
};

export async function registerRolloutRoutes(app: FastifyInstance, context: ManagementContext): Promise<void> {
  const { db } = context;
  const filterOf = compileTargetFilter;

  async function rolloutJson(request: FastifyRequest, id: number) {
    const r = await db.selectFrom('rollouts').selectAll().where('tenant', '=', principalOf(request).tenant).where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound(`rollout ${id}`);
    const perStatus = await db
      .selectFrom('actions')
      .select(['status', sql<number>`count(*)::int`.as('n')])
      .where('rollout_id', '=', id)
      .groupBy('status')
      .execute();
    const count = (...statuses: string[]) => perStatus.filter((p) => statuses.includes(p.status)).reduce((n, p) => n + p.n, 0);
    const groups = await db
      .selectFrom('rollout_groups')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('rollout_id', '=', id)
      .executeTakeFirstOrThrow();
    const self = `${context.base(request)}/rollouts/${id}`;
    return {
      id: Number(r.id),
      name: r.name,
      description: r.description ?? undefined,
      status: r.status,
      targetFilterQuery: r.target_filter,
      distributionSetId: Number(r.ds_id),
      totalTargets: r.total_targets,
      totalGroups: groups.n,
      totalTargetsPerStatus: {
        running: count('RUNNING', 'RETRIEVED', 'WARNING', 'DOWNLOAD', 'WAIT_FOR_CONFIRMATION', 'CANCELING', 'CANCEL_REJECTED'),
        scheduled: count('SCHEDULED'),
        notstarted: 0,
        cancelled: count('CANCELED'),
        finished: count('FINISHED') + (r.action_type === 'downloadonly' ? count('DOWNLOADED') : 0),
        error: count('ERROR'),
      },
      type: r.action_type,
      startAt: r.start_at ? new Date(r.start_at).getTime() : undefined,
      forcetime: r.forced_time ? new Date(r.forced_time).getTime() : undefined,
      weight: r.weight ?? undefined,
      deleted: r.status === 'deleted',
      dynamic: r.dynamic_template !== null,
      approvalRemark: r.approval_remark ?? undefined,
      approveDecidedBy: r.approval_decided_by ?? undefined,
      _links: {
        self: { href: self },
        groups: { href: `${self}/deploygroups` },
        distributionset: { href: `${context.base(request)}/distributionsets/${r.ds_id}` },
      },
    };
  }

  app.post('/rollouts', { preHandler: requires('CREATE_ROLLOUT', 'READ_TARGET', 'READ_DISTRIBUTION_SET') }, async (request, reply) => {
    const p = principalOf(request);
    const body = context.parseBody(createSchema, request.body);
    const thresholds = thresholdsOf(body, DEFAULT_THRESHOLDS);
    const id = await createRollout(db, p, {
      name: body.name,
      description: body.description,
      distributionSetId: body.distributionSetId,
      targetFilterQuery: body.targetFilterQuery,
      filter: filterOf(body.targetFilterQuery),
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
        filter: g.targetFilterQuery ? filterOf(g.targetFilterQuery) : undefined,
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
    return reply.status(201).send(await rolloutJson(request, id));
  });
  app.get('/rollouts', { preHandler: requires('READ_ROLLOUT') }, async (request) => {
    const p = principalOf(request);
    const { offset, limit } = parsePaging((request.query as { offset?: string }).offset, (request.query as { limit?: string }).limit);
    const rows = await db
      .selectFrom('rollouts')
      .select('id')
      .where('tenant', '=', p.tenant)
      .where('status', '!=', 'deleted')
      .orderBy('id')
      .offset(offset)
      .limit(limit)
      .execute();
    const { total } = await db
      .selectFrom('rollouts')
      .select(sql<number>`count(*)::int`.as('total'))
      .where('tenant', '=', p.tenant)
      .where('status', '!=', 'deleted')
      .executeTakeFirstOrThrow();
    return { content: await Promise.all(rows.map((r) => rolloutJson(request, Number(r.id)))), total, size: rows.length };
  });
  app.get('/rollouts/:id', { preHandler: requires('READ_ROLLOUT') }, async (request) =>
    rolloutJson(request, context.idOf((request.params as { id: string }).id, 'rollout')),
  );
  for (const [name, { command, permission }] of Object.entries(COMMANDS)) {
    app.post(`/rollouts/:id/${name}`, { preHandler: requires(permission) }, async (request, reply) => {
      const id = context.idOf((request.params as { id: string }).id, 'rollout');
      await commandRollout(db, principalOf(request), id, command, {
        now: new Date(),
        ...((request.query as { remark?: string }).remark ? { remark: (request.query as { remark: string }).remark } : {}),
      });
      return reply.status(200).send(await rolloutJson(request, id));
    });
  }
  app.delete('/rollouts/:id', { preHandler: requires('DELETE_ROLLOUT') }, async (request, reply) => {
    await commandRollout(db, principalOf(request), context.idOf((request.params as { id: string }).id, 'rollout'), 'delete', { now: new Date() });
    return reply.status(204).send();
  });
  // Retry (hawkBit: FINISHED only): a new rollout `<name>_retry` over the devices that failed.
  app.post('/rollouts/:id/retry', { preHandler: requires('CREATE_ROLLOUT', 'HANDLE_ROLLOUT') }, async (request, reply) => {
    const p = principalOf(request);
    const id = context.idOf((request.params as { id: string }).id, 'rollout');
    const r = await db.selectFrom('rollouts').selectAll().where('tenant', '=', p.tenant).where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound(`rollout ${id}`);
    if (r.status !== 'finished') throw new ServerError('BAD_REQUEST', `rollout ${id} is ${r.status}: only a finished rollout can be retried`);
    const failed: TargetFilter = (eb) =>
      eb.exists(
        eb.selectFrom('actions as a').select('a.id').whereRef('a.target_id', '=', 'targets.id').where('a.rollout_id', '=', id).where('a.status', '=', 'ERROR'),
      );
    const newId = await createRollout(db, p, {
      name: `${r.name}_retry`,
      distributionSetId: Number(r.ds_id),
      targetFilterQuery: `failedrollout==${id}`,
      filter: failed,
      type: r.action_type as 'forced',
      thresholds: r.thresholds,
      amountGroups: 1,
    });
    return reply.status(201).send(await rolloutJson(request, newId));
  });
  app.get('/rollouts/:id/deploygroups', { preHandler: requires('READ_ROLLOUT') }, async (request) => {
    const p = principalOf(request);
    const id = context.idOf((request.params as { id: string }).id, 'rollout');
    const groups = await db.selectFrom('rollout_groups').selectAll().where('tenant', '=', p.tenant).where('rollout_id', '=', id).orderBy('ord').execute();
    const content = groups.map((g) => ({
      id: Number(g.id),
      name: g.name,
      status: g.status,
      targetFilterQuery: g.target_filter ?? undefined,
      targetPercentage: g.target_percentage ?? undefined,
      totalTargets: g.total_targets,
      ...(g.thresholds ? { successCondition: g.thresholds.success, errorCondition: g.thresholds.error } : {}),
    }));
    return { content, total: content.length, size: content.length };
  });
  app.get('/rollouts/:id/deploygroups/:groupId/targets', { preHandler: requires('READ_ROLLOUT', 'READ_TARGET') }, async (request) => {
    const p = principalOf(request);
    const { id, groupId } = request.params as { id: string; groupId: string };
    const { offset, limit } = parsePaging((request.query as { offset?: string }).offset, (request.query as { limit?: string }).limit);
    const rows = await db
      .selectFrom('actions as a')
      .innerJoin('targets as t', 't.id', 'a.target_id')
      .select(['t.controller_id', 't.name', 'a.status', 'a.id as action_id'])
      .where('a.tenant', '=', p.tenant)
      .where('a.rollout_id', '=', context.idOf(id, 'rollout'))
      .where('a.rollout_group_id', '=', context.idOf(groupId, 'group'))
      .orderBy('t.id')
      .offset(offset)
      .limit(limit)
      .execute();
    return {
      content: rows.map((r) => ({ controllerId: r.controller_id, name: r.name, actionId: Number(r.action_id), actionStatus: r.status.toLowerCase() })),
      size: rows.length,
    };
  });
}
