/**
 * The management API, `/rest/v1` (hawkBit-compatible, shared/reference/hawkbit-api.md §2): HTTP
 * Basic or Bearer API tokens, hawkBit permission names, paging `offset`/`limit`, `sort=field:ASC`,
 * RSQL `q=`, creates taking arrays, the hawkBit error body. Handlers validate input (unknown
 * fields are errors naming the field), call the ManagementService and shape hawkBit's JSON.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { z } from 'zod';
import type { BlobStore } from '../../blob/store.js';
import type { Database } from '../../db/schema.js';
import type { ManagementService } from '../../domain/management.js';
import type { TufRepositoryService } from '../../domain/tuf-repository.js';
import { tenantConfigSchema } from '../../domain/tenant-config.js';
import { appendAudit } from '../../domain/audit.js';
import { ServerError, badRequest, notFound } from '../../errors.js';
import { registerActionRoutes } from './actions.js';
import { registerAuditRoutes } from './audit.js';
import { registerCatalogueRoutes } from './catalogue.js';
import { registerRolloutRoutes } from './rollouts.js';
import { registerAutoAssignRoutes } from './auto-assign.js';
import { principalOf, requires, type ManagementAuthenticator, type Principal } from './auth.js';
import { actionJson, artifactJson, distributionSetJson, moduleJson, page, targetJson } from './mappers.js';
import { parsePaging, parseRsql, parseSort, rsqlWhere, type RsqlFields } from '../../db/rsql.js';
import { ACTION_FIELDS, DS_FIELDS, MODULE_FIELDS, TARGET_FIELDS } from '../../db/fields.js';
import { registerReleaseRoutes } from './release.js';
import { registerSignatureRoutes } from './signatures.js';
import { registerUserRoutes } from './users.js';
import { registerSystemRoutes } from './system.js';
import type { ManagementContext } from './context.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Changes } from '../../domain/changes.js';
import type { TenantConfigService } from '../../domain/tenant-config-service.js';
import type { UserService } from '../../domain/users.js';

export interface ManagementPluginOptions {
  db: Kysely<Database>;
  blobs: BlobStore;
  service: ManagementService;
  authenticator: ManagementAuthenticator;
  /** Largest artifact accepted, in bytes. */
  maxArtifactBytes: number;
  /** The tenants' TUF repositories: releases, root import and rotation, offline targets. */
  tuf: TufRepositoryService;
  changes: Changes;
  configs: TenantConfigService;
  users: UserService;
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const at = issue.path.join('.') || '(body)';
  if (issue.code === 'unrecognized_keys')
    throw badRequest(`unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `${at === '(body)' ? '' : `${at}.`}${k}`).join(', ')}`);
  throw badRequest(`invalid ${at}: ${issue.message}`);
}

const idOf = (raw: unknown, what: string): number => {
  const text = String(raw);
  if (!/^\d{1,15}$/.test(text)) throw badRequest(`${what} id must be a number, not ${JSON.stringify(text)}`);
  return Number(text);
};

const maintenanceWindow = z.strictObject({
  schedule: z.string().min(1).max(256),
  duration: z.string().regex(/^\d{2}:[0-5]\d:[0-5]\d$/),
  timezone: z.string().max(64).default('UTC'),
});
const assignment = z.strictObject({
  type: z.enum(['forced', 'soft', 'timeforced', 'downloadonly']).default('forced'),
  forcetime: z.int().min(0).optional(),
  weight: z.int().min(0).max(1000).optional(),
  confirmationRequired: z.boolean().optional(),
  maintenanceWindow: maintenanceWindow.optional(),
});
const targetFields = {
  name: z.string().min(1).max(128).optional(),
  description: z.string().max(512).optional(),
  address: z.string().max(512).optional(),
  securityToken: z.string().min(8).max(128).optional(),
  requestAttributes: z.boolean().optional(),
  publicKey: z.string().max(8192).optional(),
};
const schemas = {
  targets: z
    .array(z.strictObject({ controllerId: z.string().regex(/^[A-Za-z0-9_.:@+-]{1,256}$/, 'use 1–256 letters, digits or _ . : @ + -'), ...targetFields }))
    .min(1)
    .max(500),
  targetUpdate: z.strictObject({ controllerId: z.string().optional(), ...targetFields }),
  modules: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(128),
        version: z.string().min(1).max(64),
        type: z.string().min(1).max(64),
        description: z.string().max(512).optional(),
        vendor: z.string().max(256).optional(),
        encrypted: z.boolean().optional(),
      }),
    )
    .min(1)
    .max(500),
  distributionSets: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(128),
        version: z.string().min(1).max(64),
        type: z.string().min(1).max(64).optional(),
        description: z.string().max(512).optional(),
        modules: z.array(z.strictObject({ id: z.int().positive() })).optional(),
        requiredMigrationStep: z.boolean().optional(),
      }),
    )
    .min(1)
    .max(500),
  assignTarget: z.union([
    z.strictObject({ id: z.int().positive() }).extend(assignment.shape),
    z.array(z.strictObject({ id: z.int().positive() }).extend(assignment.shape)).min(1),
  ]),
  assignTargets: z
    .array(z.strictObject({ id: z.string().min(1).max(256) }).extend(assignment.shape))
    .min(1)
    .max(10_000),
  config: z.strictObject({ value: z.unknown() }),
};

interface ListQuery {
  q?: string;
  sort?: string;
  offset?: string;
  limit?: string;
}

export async function managementPlugin(app: FastifyInstance, options: ManagementPluginOptions): Promise<void> {
  const { db, service } = options;
  // One byte above our own limit: the upload path (addArtifact) refuses first, cleanly, with a 413.
  await app.register(multipart, { limits: { fileSize: options.maxArtifactBytes + 1, files: 1, fields: 10, fieldSize: 1024 } });

  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    try {
      (request as FastifyRequest & { principal: Principal }).principal = await options.authenticator.authenticate(request);
    } catch (e) {
      reply.header('WWW-Authenticate', 'Basic realm="Osprey", charset="UTF-8"');
      throw e;
    }
  });
  const base = (request: FastifyRequest) => `${request.protocol}://${request.host}/rest/v1`;

  /** A paged, sorted, RSQL-filtered list of one tenant's rows. */
  async function list<T>(
    request: FastifyRequest,
    table: 'targets' | 'software_modules' | 'distribution_sets' | 'actions',
    fields: RsqlFields,
    scope: (qb: any) => any,
    map: (row: any) => T | Promise<T>,
  ) {
    const query = request.query as ListQuery;
    const { offset, limit } = parsePaging(query.offset, query.limit);
    const sort = parseSort(query.sort, fields);
    const filter = query.q ? rsqlWhere(parseRsql(query.q), fields) : undefined;
    let rows = scope(db.selectFrom(table as 'targets').where('tenant', '=', principalOf(request).tenant));
    if (filter) rows = rows.where(filter);
    const { total } = await rows.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow();
    let selected = rows.selectAll();
    for (const s of sort) selected = selected.orderBy(sql.ref(s.column), s.direction);
    selected = selected.orderBy('id', 'asc').offset(offset).limit(limit);
    const content = await Promise.all((await selected.execute()).map(map));
    return page(content, total);
  }

  // --- targets -------------------------------------------------------------------------------
  app.get('/targets', { preHandler: requires('READ_TARGET') }, async (request) => {
    const withToken = principalOf(request).permissions.has('READ_TARGET_SECURITY_TOKEN');
    return list(
      request,
      'targets',
      TARGET_FIELDS,
      (q) => q,
      (t) => targetJson(base(request), t, { withToken }),
    );
  });
  app.post('/targets', { preHandler: requires('CREATE_TARGET') }, async (request, reply) => {
    const p = principalOf(request);
    const rows = await service.createTargets(p, parseBody(schemas.targets, request.body));
    return reply.status(201).send(rows.map((t) => targetJson(base(request), t, { withToken: p.permissions.has('READ_TARGET_SECURITY_TOKEN') })));
  });
  app.get('/targets/:controllerId', { preHandler: requires('READ_TARGET') }, async (request) => {
    const p = principalOf(request);
    const t = await service.target(p.tenant, (request.params as { controllerId: string }).controllerId);
    return targetJson(base(request), t, { withToken: p.permissions.has('READ_TARGET_SECURITY_TOKEN') });
  });
  app.put('/targets/:controllerId', { preHandler: requires('UPDATE_TARGET') }, async (request) => {
    const p = principalOf(request);
    const controllerId = (request.params as { controllerId: string }).controllerId;
    const { controllerId: renamed, ...change } = parseBody(schemas.targetUpdate, request.body);
    if (renamed !== undefined && renamed !== controllerId) throw badRequest('controllerId cannot be changed');
    const t = await service.updateTarget(p, controllerId, change);
    return targetJson(base(request), t, { withToken: p.permissions.has('READ_TARGET_SECURITY_TOKEN') });
  });
  app.delete('/targets/:controllerId', { preHandler: requires('DELETE_TARGET') }, async (request, reply) => {
    await service.deleteTarget(principalOf(request), (request.params as { controllerId: string }).controllerId);
    return reply.status(204).send();
  });
  app.get('/targets/:controllerId/ageheader', { preHandler: requires('READ_TARGET', 'READ_SOFTWARE_MODULE_ARTIFACT') }, async (request, reply) => {
    const tufTarget = (request.query as { tufTarget?: unknown }).tufTarget;
    if (typeof tufTarget !== 'string' || tufTarget.length === 0) throw badRequest('give the TUF target path: ?tufTarget=<name>-<version>.age');
    const header = await service.ageHeader(principalOf(request).tenant, (request.params as { controllerId: string }).controllerId, tufTarget);
    return reply.type('application/octet-stream').send(header);
  });
  app.get('/targets/:controllerId/attributes', { preHandler: requires('READ_TARGET') }, async (request) => {
    const t = await service.target(principalOf(request).tenant, (request.params as { controllerId: string }).controllerId);
    return t.attributes;
  });
  for (const which of ['assignedDS', 'installedDS'] as const) {
    app.get(`/targets/:controllerId/${which}`, { preHandler: requires('READ_TARGET', 'READ_DISTRIBUTION_SET') }, async (request, reply) => {
      const p = principalOf(request);
      const t = await service.target(p.tenant, (request.params as { controllerId: string }).controllerId);
      const dsId = which === 'assignedDS' ? t.assigned_ds_id : t.installed_ds_id;
      if (dsId === null) return reply.status(204).send();
      const ds = await service.distributionSet(p.tenant, Number(dsId));
      return distributionSetJson(base(request), ds, await service.modulesOf(p.tenant, Number(ds.id)));
    });
  }
  app.post('/targets/:controllerId/assignedDS', { preHandler: requires('READ_DISTRIBUTION_SET', 'UPDATE_TARGET') }, async (request) => {
    const p = principalOf(request);
    const controllerId = (request.params as { controllerId: string }).controllerId;
    const body = parseBody(schemas.assignTarget, request.body);
    const items = Array.isArray(body) ? body : [body];
    const results = [];
    for (const item of items) results.push(await service.assign(p, item.id, [{ controllerId, options: assignOptions(item) }]));
    return results.reduce((sum, r) => ({
      assigned: sum.assigned + r.assigned,
      alreadyAssigned: sum.alreadyAssigned + r.alreadyAssigned,
      total: sum.total + r.total,
      assignedActions: [...sum.assignedActions, ...r.assignedActions],
    }));
  });
  app.get('/targets/:controllerId/actions', { preHandler: requires('READ_TARGET') }, async (request) => {
    const p = principalOf(request);
    const controllerId = (request.params as { controllerId: string }).controllerId;
    const t = await service.target(p.tenant, controllerId);
    return list(
      request,
      'actions',
      ACTION_FIELDS,
      (q) => q.where('target_id', '=', t.id),
      (a) => actionJson(base(request), a, controllerId),
    );
  });
  app.get('/targets/:controllerId/actions/:actionId', { preHandler: requires('READ_TARGET') }, async (request) => {
    const p = principalOf(request);
    const { controllerId, actionId } = request.params as { controllerId: string; actionId: string };
    const t = await service.target(p.tenant, controllerId);
    const a = await db
      .selectFrom('actions')
      .selectAll()
      .where('tenant', '=', p.tenant)
      .where('target_id', '=', t.id)
      .where('id', '=', idOf(actionId, 'action'))
      .executeTakeFirst();
    if (!a) throw notFound(`action ${actionId}`);
    return actionJson(base(request), a, controllerId);
  });
  app.delete('/targets/:controllerId/actions/:actionId', { preHandler: requires('UPDATE_TARGET') }, async (request, reply) => {
    const p = principalOf(request);
    const { controllerId, actionId } = request.params as { controllerId: string; actionId: string };
    const t = await service.target(p.tenant, controllerId);
    const a = await db
      .selectFrom('actions')
      .select('id')
      .where('tenant', '=', p.tenant)
      .where('target_id', '=', t.id)
      .where('id', '=', idOf(actionId, 'action'))
      .executeTakeFirst();
    if (!a) throw notFound(`action ${actionId}`);
    await service.cancel(p, Number(a.id));
    return reply.status(204).send();
  });
  app.get('/targets/:controllerId/actions/:actionId/status', { preHandler: requires('READ_TARGET') }, async (request) => {
    const p = principalOf(request);
    const { controllerId, actionId } = request.params as { controllerId: string; actionId: string };
    const t = await service.target(p.tenant, controllerId);
    const a = await db
      .selectFrom('actions')
      .select('id')
      .where('tenant', '=', p.tenant)
      .where('target_id', '=', t.id)
      .where('id', '=', idOf(actionId, 'action'))
      .executeTakeFirst();
    if (!a) throw notFound(`action ${actionId}`);
    const { offset, limit } = parsePaging((request.query as ListQuery).offset, (request.query as ListQuery).limit);
    const rows = await db.selectFrom('action_statuses').selectAll().where('action_id', '=', a.id).orderBy('id', 'desc').offset(offset).limit(limit).execute();
    const { total } = await db
      .selectFrom('action_statuses')
      .select(sql<number>`count(*)::int`.as('total'))
      .where('action_id', '=', a.id)
      .executeTakeFirstOrThrow();
    return page(
      rows.map((s) => ({
        id: Number(s.id),
        type: s.status.toLowerCase(),
        messages: s.messages,
        code: s.code ?? undefined,
        reportedAt: new Date(s.created_at).getTime(),
      })),
      total,
    );
  });

  // --- software modules and artifacts --------------------------------------------------------
  app.get('/softwaremodules', { preHandler: requires('READ_SOFTWARE_MODULE') }, async (request) =>
    list(
      request,
      'software_modules',
      MODULE_FIELDS,
      (q) => q,
      (m) => moduleJson(base(request), m),
    ),
  );
  app.post('/softwaremodules', { preHandler: requires('CREATE_SOFTWARE_MODULE') }, async (request, reply) => {
    const rows = await service.createModules(principalOf(request), parseBody(schemas.modules, request.body));
    return reply.status(201).send(rows.map((m) => moduleJson(base(request), m)));
  });
  app.get('/softwaremodules/:id', { preHandler: requires('READ_SOFTWARE_MODULE') }, async (request) => {
    return moduleJson(base(request), await service.module(principalOf(request).tenant, idOf((request.params as { id: string }).id, 'software module')));
  });
  app.delete('/softwaremodules/:id', { preHandler: requires('DELETE_SOFTWARE_MODULE') }, async (request, reply) => {
    await service.deleteModule(principalOf(request), idOf((request.params as { id: string }).id, 'software module'));
    return reply.status(204).send();
  });
  app.get('/softwaremodules/:id/artifacts', { preHandler: requires('READ_SOFTWARE_MODULE') }, async (request) => {
    const p = principalOf(request);
    const m = await service.module(p.tenant, idOf((request.params as { id: string }).id, 'software module'));
    const rows = await db.selectFrom('artifacts').selectAll().where('tenant', '=', p.tenant).where('module_id', '=', m.id).orderBy('id').execute();
    return rows.map((a) => artifactJson(base(request), a));
  });
  app.get('/softwaremodules/:id/artifacts/:artifactId', { preHandler: requires('READ_SOFTWARE_MODULE') }, async (request) => {
    const p = principalOf(request);
    const { id, artifactId } = request.params as { id: string; artifactId: string };
    const a = await db
      .selectFrom('artifacts')
      .selectAll()
      .where('tenant', '=', p.tenant)
      .where('module_id', '=', idOf(id, 'software module'))
      .where('id', '=', idOf(artifactId, 'artifact'))
      .executeTakeFirst();
    if (!a) throw notFound(`artifact ${artifactId}`);
    return artifactJson(base(request), a);
  });
  // Management downloads of an encrypted artifact return ciphertext: the server never hands out plaintext.
  app.get('/softwaremodules/:id/artifacts/:artifactId/download', { preHandler: requires('READ_SOFTWARE_MODULE_ARTIFACT') }, async (request, reply) => {
    const p = principalOf(request);
    const { id, artifactId } = request.params as { id: string; artifactId: string };
    const a = await db
      .selectFrom('artifacts')
      .selectAll()
      .where('tenant', '=', p.tenant)
      .where('module_id', '=', idOf(id, 'software module'))
      .where('id', '=', idOf(artifactId, 'artifact'))
      .executeTakeFirst();
    if (!a) throw notFound(`artifact ${artifactId}`);
    reply
      .type('application/octet-stream')
      .header('Content-Length', Number(a.size))
      .header('Content-Disposition', `attachment;filename=${encodeURIComponent(a.filename)}`)
      .header('ETag', `"${a.sha1}"`);
    return reply.send(options.blobs.get(a.sha256));
  });
  // Upload (multipart part `file`, optional fields filename, md5sum, sha1sum, sha256sum), streamed.
  app.post('/softwaremodules/:id/artifacts', { preHandler: requires('CREATE_SOFTWARE_MODULE') }, async (request, reply) => {
    const p = principalOf(request);
    const moduleId = idOf((request.params as { id: string }).id, 'software module');
    if (!request.isMultipart()) throw new ServerError('UNSUPPORTED_MEDIA_TYPE', 'upload the artifact as multipart/form-data with a part named "file"');
    const fields: Record<string, string> = {};
    let result: Awaited<ReturnType<ManagementService['uploadArtifact']>> | undefined;
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (!['filename', 'md5sum', 'sha1sum', 'sha256sum'].includes(part.fieldname)) throw badRequest(`unknown form field ${part.fieldname}`);
        fields[part.fieldname] = String(part.value);
        continue;
      }
      if (part.fieldname !== 'file') throw badRequest(`the file part must be named "file", not "${part.fieldname}"`);
      if (result) throw badRequest('upload one file per request');
      const filename = fields.filename ?? part.filename;
      if (!filename) throw badRequest("give the file a name (filename field or the part's filename)");
      result = await service.uploadArtifact(
        p,
        moduleId,
        filename,
        part.file,
        { sha1: fields.sha1sum, md5: fields.md5sum, sha256: fields.sha256sum },
        options.maxArtifactBytes,
      );
      if (part.file.truncated) throw new ServerError('PAYLOAD_TOO_LARGE', `the artifact is larger than the limit of ${options.maxArtifactBytes} bytes`);
    }
    if (!result) throw badRequest('no part named "file" in the upload');
    const row = await db.selectFrom('artifacts').selectAll().where('id', '=', result.id).executeTakeFirstOrThrow();
    return reply.status(201).send(artifactJson(base(request), row));
  });

  // --- distribution sets ---------------------------------------------------------------------
  app.get('/distributionsets', { preHandler: requires('READ_DISTRIBUTION_SET') }, async (request) => {
    const tenant = principalOf(request).tenant;
    return list(
      request,
      'distribution_sets',
      DS_FIELDS,
      (q) => q,
      async (d) => distributionSetJson(base(request), d, await service.modulesOf(tenant, Number(d.id))),
    );
  });
  app.post('/distributionsets', { preHandler: requires('CREATE_DISTRIBUTION_SET') }, async (request, reply) => {
    const p = principalOf(request);
    const rows = await service.createDistributionSets(p, parseBody(schemas.distributionSets, request.body));
    return reply
      .status(201)
      .send(await Promise.all(rows.map(async (d) => distributionSetJson(base(request), d, await service.modulesOf(p.tenant, Number(d.id))))));
  });
  app.get('/distributionsets/:id', { preHandler: requires('READ_DISTRIBUTION_SET') }, async (request) => {
    const p = principalOf(request);
    const d = await service.distributionSet(p.tenant, idOf((request.params as { id: string }).id, 'distribution set'));
    return distributionSetJson(base(request), d, await service.modulesOf(p.tenant, Number(d.id)));
  });
  app.delete('/distributionsets/:id', { preHandler: requires('DELETE_DISTRIBUTION_SET') }, async (request, reply) => {
    await service.deleteDistributionSet(principalOf(request), idOf((request.params as { id: string }).id, 'distribution set'));
    return reply.status(204).send();
  });
  app.post('/distributionsets/:id/assignedTargets', { preHandler: requires('READ_DISTRIBUTION_SET', 'UPDATE_TARGET') }, async (request) => {
    const p = principalOf(request);
    const dsId = idOf((request.params as { id: string }).id, 'distribution set');
    const items = parseBody(schemas.assignTargets, request.body);
    return service.assign(
      p,
      dsId,
      items.map((item) => ({ controllerId: item.id, options: assignOptions(item) })),
    );
  });

  // --- route modules (one file per area; each exports (app, context) => Promise<void>) --------
  const context: ManagementContext = {
    changes: options.changes,
    configs: options.configs,
    users: options.users,
    db,
    blobs: options.blobs,
    service,
    base,
    parseBody,
    idOf,
    list,
  };
  const typed = app.withTypeProvider<ZodTypeProvider>();
  await registerSystemRoutes(typed, context);
  await registerReleaseRoutes(app, context, options.tuf);
  await registerUserRoutes(typed, context);
  await registerSignatureRoutes(app, context);
  await registerAuditRoutes(app, context);
  await registerActionRoutes(app, context);
  await registerCatalogueRoutes(app, context);
  await registerRolloutRoutes(app, context);
  await registerAutoAssignRoutes(app, context);
}

function assignOptions(item: z.infer<typeof assignment>) {
  return {
    type: item.type,
    ...(item.forcetime !== undefined ? { forceTime: new Date(item.forcetime) } : {}),
    ...(item.weight !== undefined ? { weight: item.weight } : {}),
    ...(item.confirmationRequired !== undefined ? { confirmationRequired: item.confirmationRequired } : {}),
    ...(item.maintenanceWindow ? { maintenanceWindow: item.maintenanceWindow } : {}),
  };
}
