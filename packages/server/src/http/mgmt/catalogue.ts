/**
 * The catalogue around targets and releases (hawkBit §2.2): target tags, distribution set tags,
 * target filters, target types, software module types, distribution set types, and metadata of
 * targets, software modules and distribution sets. Every change is audited in its transaction.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import { appendAudit } from '../../domain/audit.js';
import type { Permission } from '../../domain/permissions.js';
import { ServerError, notFound } from '../../errors.js';
import { principalOf, requires, type Principal } from './auth.js';
import { targetJson } from './mappers.js';
import type { ManagementContext } from './context.js';
import { parsePaging, parseRsql } from '../../db/rsql.js';

type NamedTable = 'target_tags' | 'distribution_set_tags' | 'target_filters' | 'target_types' | 'software_module_types' | 'distribution_set_types';

const name = z.string().min(1).max(128);
const common = { name, description: z.string().max(512).optional(), colour: z.string().max(16).optional() };
const idList = z.array(z.strictObject({ id: z.int().positive() }));
const key = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'use 1–64 letters, digits or _ . -');

const isUniqueViolation = (e: unknown) => (e as { code?: string }).code === '23505';

/** hawkBit's default types, created for a tenant the first time its types are used. */
async function ensureDefaultTypes(db: Kysely<Database>, tenant: string): Promise<void> {
  for (const [k, n, max] of [
    ['os', 'OS', 1],
    ['application', 'Application', 2147483647],
    ['runtime', 'Runtime', 1],
  ] as const) {
    await db
      .insertInto('software_module_types')
      .values({ tenant, key: k, name: n, max_assignments: max })
      .onConflict((oc) => oc.columns(['tenant', 'key']).doNothing())
      .execute();
  }
  const smId = async (k: string) =>
    Number((await db.selectFrom('software_module_types').select('id').where('tenant', '=', tenant).where('key', '=', k).executeTakeFirstOrThrow()).id);
  const [os, app, rt] = [await smId('os'), await smId('application'), await smId('runtime')];
  const defaults: Array<[string, string, number[], number[]]> = [
    ['os', 'OS only', [os], []],
    ['os_app', 'OS with app(s)', [os], [app, rt]],
    ['app', 'App(s) only', [app], [rt]],
  ];
  for (const [k, n, mandatory, optional] of defaults) {
    await db
      .insertInto('distribution_set_types')
      .values({ tenant, key: k, name: n, mandatory_modules: JSON.stringify(mandatory), optional_modules: JSON.stringify(optional) })
      .onConflict((oc) => oc.columns(['tenant', 'key']).doNothing())
      .execute();
  }
}

interface NamedResource<Body> {
  path: string;
  table: NamedTable;
  subject: string;
  read: Permission;
  create: Permission;
  update: Permission;
  remove: Permission;
  createSchema: z.ZodType<Body>;
  updateSchema: z.ZodType<Partial<Body>>;
  /** Body → column values (validate references here). */
  toRow: (db: Kysely<Database> | Transaction<Database>, tenant: string, body: Partial<Body>) => Promise<Record<string, unknown>>;
  toJson: (base: string, row: Record<string, unknown>) => Record<string, unknown>;
  withDefaults?: boolean;
}

export async function registerCatalogueRoutes(app: FastifyInstance, context: ManagementContext): Promise<void> {
  const { db } = context;
  const audit = (
    trx: Transaction<Database>,
    p: Principal,
    action: string,
    subject: { type: string; id: string },
    before: object | null,
    after: object | null,
  ) => appendAudit(trx, { tenant: p.tenant, at: new Date(), actor: p.actor, action, subject, before, after });
  const json = (base: string, path: string) => (row: Record<string, unknown>) => ({
    id: Number(row.id),
    name: row.name,
    ...(row.key !== undefined ? { key: row.key } : {}),
    description: row.description ?? undefined,
    colour: row.colour ?? undefined,
    createdAt: new Date(row.created_at as string).getTime(),
    _links: { self: { href: `${base}/${path}/${row.id}` } },
  });

  function named<Body extends Record<string, unknown>>(r: NamedResource<Body>): void {
    const find = async (tenant: string, raw: unknown) => {
      const id = context.idOf(raw, r.subject);
      const row = await db.selectFrom(r.table).selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound(`${r.subject} ${id}`);
      return row as unknown as Record<string, unknown>;
    };
    const base = (request: FastifyRequest) => context.base(request);
    app.get(`/${r.path}`, { preHandler: requires(r.read) }, async (request) => {
      const p = principalOf(request);
      if (r.withDefaults) await ensureDefaultTypes(db, p.tenant);
      const { offset, limit } = parsePaging((request.query as { offset?: string }).offset, (request.query as { limit?: string }).limit);
      const rows = await db.selectFrom(r.table).selectAll().where('tenant', '=', p.tenant).orderBy('id').offset(offset).limit(limit).execute();
      const { total } = await db
        .selectFrom(r.table)
        .select(sql<number>`count(*)::int`.as('total'))
        .where('tenant', '=', p.tenant)
        .executeTakeFirstOrThrow();
      return { content: rows.map((row) => r.toJson(base(request), row as unknown as Record<string, unknown>)), total, size: rows.length };
    });
    app.get(`/${r.path}/:id`, { preHandler: requires(r.read) }, async (request) => {
      const p = principalOf(request);
      if (r.withDefaults) await ensureDefaultTypes(db, p.tenant);
      return r.toJson(base(request), await find(p.tenant, (request.params as { id: string }).id));
    });
    app.post(`/${r.path}`, { preHandler: requires(r.create) }, async (request, reply) => {
      const p = principalOf(request);
      if (r.withDefaults) await ensureDefaultTypes(db, p.tenant);
      const items = context.parseBody(z.array(r.createSchema).min(1).max(100), request.body);
      try {
        const rows = await db.transaction().execute(async (trx) => {
          const out = [];
          for (const item of items) {
            const row = (await trx
              .insertInto(r.table)
              .values({ tenant: p.tenant, ...(await r.toRow(trx, p.tenant, item)) } as never)
              .returningAll()
              .executeTakeFirstOrThrow()) as unknown as Record<string, unknown>;
            await audit(trx, p, `${r.subject}.create`, { type: r.subject, id: String(row.id) }, null, { name: row.name });
            out.push(row);
          }
          return out;
        });
        return reply.status(201).send(rows.map((row) => r.toJson(base(request), row)));
      } catch (e) {
        if (isUniqueViolation(e)) throw new ServerError('CONFLICT', `a ${r.subject} with this name or key already exists`);
        throw e;
      }
    });
    app.put(`/${r.path}/:id`, { preHandler: requires(r.update) }, async (request) => {
      const p = principalOf(request);
      const before = await find(p.tenant, (request.params as { id: string }).id);
      const change = context.parseBody(r.updateSchema, request.body);
      try {
        const row = await db.transaction().execute(async (trx) => {
          const values = await r.toRow(trx, p.tenant, change);
          const updated =
            Object.keys(values).length === 0
              ? before
              : ((await trx
                  .updateTable(r.table)
                  .set(values as never)
                  .where('id', '=', Number(before.id))
                  .returningAll()
                  .executeTakeFirstOrThrow()) as unknown as Record<string, unknown>);
          await audit(trx, p, `${r.subject}.update`, { type: r.subject, id: String(before.id) }, { name: before.name }, { name: updated.name });
          return updated;
        });
        return r.toJson(base(request), row);
      } catch (e) {
        if (isUniqueViolation(e)) throw new ServerError('CONFLICT', `a ${r.subject} with this name or key already exists`);
        throw e;
      }
    });
    app.delete(`/${r.path}/:id`, { preHandler: requires(r.remove) }, async (request, reply) => {
      const p = principalOf(request);
      const row = await find(p.tenant, (request.params as { id: string }).id);
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom(r.table).where('id', '=', Number(row.id)).execute();
        await audit(trx, p, `${r.subject}.delete`, { type: r.subject, id: String(row.id) }, { name: row.name }, null);
      });
      return reply.status(204).send();
    });
  }

  const plain = async (_db: unknown, _tenant: string, body: Partial<{ name: string; description?: string; colour?: string }>) => ({
    ...(body.name !== undefined ? { name: body.name } : {}),
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(body.colour !== undefined ? { colour: body.colour } : {}),
  });
  const tagSchema = z.strictObject(common);
  named({
    path: 'targettags',
    table: 'target_tags',
    subject: 'targettag',
    read: 'READ_TARGET',
    create: 'CREATE_TARGET',
    update: 'UPDATE_TARGET',
    remove: 'DELETE_TARGET',
    createSchema: tagSchema,
    updateSchema: tagSchema.partial(),
    toRow: plain,
    toJson: (b, row) => json(b, 'targettags')(row),
  });
  named({
    path: 'distributionsettags',
    table: 'distribution_set_tags',
    subject: 'distributionsettag',
    read: 'READ_DISTRIBUTION_SET',
    create: 'CREATE_DISTRIBUTION_SET',
    update: 'UPDATE_DISTRIBUTION_SET',
    remove: 'DELETE_DISTRIBUTION_SET',
    createSchema: tagSchema,
    updateSchema: tagSchema.partial(),
    toRow: plain,
    toJson: (b, row) => json(b, 'distributionsettags')(row),
  });

  const filterSchema = z.strictObject({ name, query: z.string().min(1).max(4096) });
  named({
    path: 'targetfilters',
    table: 'target_filters',
    subject: 'targetfilter',
    read: 'READ_TARGET',
    create: 'CREATE_TARGET',
    update: 'UPDATE_TARGET',
    remove: 'DELETE_TARGET',
    createSchema: filterSchema,
    updateSchema: filterSchema.partial(),
    toRow: async (_db, _t, body) => {
      if (body.query !== undefined) parseRsql(body.query); // a stored filter must at least parse
      return { ...(body.name !== undefined ? { name: body.name } : {}), ...(body.query !== undefined ? { query: body.query } : {}) };
    },
    toJson: (b, row) => ({ ...json(b, 'targetfilters')(row), query: row.query }),
  });

  const smTypeSchema = z.strictObject({ ...common, key, maxAssignments: z.int().min(1).default(1), minArtifacts: z.int().min(0).default(0) });
  named({
    path: 'softwaremoduletypes',
    table: 'software_module_types',
    subject: 'softwaremoduletype',
    read: 'READ_SOFTWARE_MODULE_TYPE',
    create: 'CREATE_SOFTWARE_MODULE_TYPE',
    update: 'UPDATE_SOFTWARE_MODULE_TYPE',
    remove: 'DELETE_SOFTWARE_MODULE_TYPE',
    createSchema: smTypeSchema,
    updateSchema: z.strictObject({ description: common.description, colour: common.colour }) as never,
    withDefaults: true,
    toRow: async (_db, _t, body) => ({
      ...(await plain(_db, _t, body)),
      ...(body.key !== undefined ? { key: body.key } : {}),
      ...(body.maxAssignments !== undefined ? { max_assignments: body.maxAssignments } : {}),
      ...(body.minArtifacts !== undefined ? { min_artifacts: body.minArtifacts } : {}),
    }),
    toJson: (b, row) => ({ ...json(b, 'softwaremoduletypes')(row), maxAssignments: row.max_assignments, minArtifacts: row.min_artifacts }),
  });

  const smTypeIds = async (trx: Kysely<Database> | Transaction<Database>, tenant: string, ids: Array<{ id: number }> | undefined) => {
    for (const { id } of ids ?? []) {
      const found = await trx.selectFrom('software_module_types').select('id').where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
      if (!found) throw notFound(`software module type ${id}`);
    }
    return (ids ?? []).map((i) => i.id);
  };
  const dsTypeSchema = z.strictObject({ ...common, key, mandatorymodules: idList.optional(), optionalmodules: idList.optional() });
  named({
    path: 'distributionsettypes',
    table: 'distribution_set_types',
    subject: 'distributionsettype',
    read: 'READ_DISTRIBUTION_SET_TYPE',
    create: 'CREATE_DISTRIBUTION_SET_TYPE',
    update: 'UPDATE_DISTRIBUTION_SET_TYPE',
    remove: 'DELETE_DISTRIBUTION_SET_TYPE',
    createSchema: dsTypeSchema,
    updateSchema: z.strictObject({ description: common.description, colour: common.colour }) as never,
    withDefaults: true,
    toRow: async (trx, tenant, body) => ({
      ...(await plain(trx, tenant, body)),
      ...(body.key !== undefined ? { key: body.key } : {}),
      ...(body.mandatorymodules !== undefined ? { mandatory_modules: JSON.stringify(await smTypeIds(trx, tenant, body.mandatorymodules)) } : {}),
      ...(body.optionalmodules !== undefined ? { optional_modules: JSON.stringify(await smTypeIds(trx, tenant, body.optionalmodules)) } : {}),
    }),
    toJson: (b, row) => ({
      ...json(b, 'distributionsettypes')(row),
      mandatorymodules: (row.mandatory_modules as number[]).map((id) => ({ id })),
      optionalmodules: (row.optional_modules as number[]).map((id) => ({ id })),
    }),
  });

  const targetTypeSchema = z.strictObject({ ...common, key: key.optional(), compatibledistributionsettypes: idList.optional() });
  named({
    path: 'targettypes',
    table: 'target_types',
    subject: 'targettype',
    read: 'READ_TARGET_TYPE',
    create: 'CREATE_TARGET_TYPE',
    update: 'UPDATE_TARGET_TYPE',
    remove: 'DELETE_TARGET_TYPE',
    createSchema: targetTypeSchema,
    updateSchema: z.strictObject({ name: name.optional(), description: common.description, colour: common.colour }) as never,
    toRow: async (trx, tenant, body) => ({
      ...(await plain(trx, tenant, body)),
      ...(body.name !== undefined && body.key === undefined
        ? {
            key: body.name
              .toLowerCase()
              .replace(/[^a-z0-9_.-]/g, '_')
              .slice(0, 64),
          }
        : {}),
      ...(body.key !== undefined ? { key: body.key } : {}),
    }),
    toJson: (b, row) => json(b, 'targettypes')(row),
  });
  // Compatible distribution set types of a target type.
  app.get('/targettypes/:id/compatibledistributionsettypes', { preHandler: requires('READ_TARGET_TYPE') }, async (request) => {
    const p = principalOf(request);
    const id = context.idOf((request.params as { id: string }).id, 'target type');
    const type = await db.selectFrom('target_types').select('id').where('tenant', '=', p.tenant).where('id', '=', id).executeTakeFirst();
    if (!type) throw notFound(`target type ${id}`);
    const rows = await db
      .selectFrom('target_type_compatibility as c')
      .innerJoin('distribution_set_types as d', 'd.id', 'c.ds_type_id')
      .selectAll('d')
      .where('c.target_type_id', '=', id)
      .orderBy('d.id')
      .execute();
    return rows.map((r) => ({ id: Number(r.id), key: r.key, name: r.name }));
  });
  app.post(
    '/targettypes/:id/compatibledistributionsettypes',
    { preHandler: requires('UPDATE_TARGET_TYPE', 'READ_DISTRIBUTION_SET_TYPE') },
    async (request, reply) => {
      const p = principalOf(request);
      const id = context.idOf((request.params as { id: string }).id, 'target type');
      const items = context.parseBody(idList.min(1), request.body);
      await db.transaction().execute(async (trx) => {
        const type = await trx.selectFrom('target_types').select('id').where('tenant', '=', p.tenant).where('id', '=', id).executeTakeFirst();
        if (!type) throw notFound(`target type ${id}`);
        for (const { id: dsType } of items) {
          const found = await trx.selectFrom('distribution_set_types').select('id').where('tenant', '=', p.tenant).where('id', '=', dsType).executeTakeFirst();
          if (!found) throw notFound(`distribution set type ${dsType}`);
          await trx
            .insertInto('target_type_compatibility')
            .values({ target_type_id: id, ds_type_id: dsType })
            .onConflict((oc) => oc.columns(['target_type_id', 'ds_type_id']).doNothing())
            .execute();
        }
        await audit(trx, p, 'targettype.compatibility.add', { type: 'targettype', id: String(id) }, null, { distributionSetTypes: items.map((i) => i.id) });
      });
      return reply.status(200).send();
    },
  );

  // Target tag assignments: POST a list of controllerIds, DELETE one.
  app.get('/targettags/:id/assigned', { preHandler: requires('READ_TARGET') }, async (request) => {
    const p = principalOf(request);
    const id = context.idOf((request.params as { id: string }).id, 'target tag');
    const tag = await db.selectFrom('target_tags').select('id').where('tenant', '=', p.tenant).where('id', '=', id).executeTakeFirst();
    if (!tag) throw notFound(`target tag ${id}`);
    const rows = await db
      .selectFrom('target_tag_assignments as a')
      .innerJoin('targets as t', 't.id', 'a.target_id')
      .selectAll('t')
      .where('a.tag_id', '=', id)
      .orderBy('t.id')
      .execute();
    const withToken = p.permissions.has('READ_TARGET_SECURITY_TOKEN');
    return { content: rows.map((t) => targetJson(context.base(request), t, { withToken })), total: rows.length, size: rows.length };
  });
  app.post('/targettags/:id/assigned', { preHandler: requires('UPDATE_TARGET') }, async (request, reply) => {
    const p = principalOf(request);
    const id = context.idOf((request.params as { id: string }).id, 'target tag');
    const controllerIds = context.parseBody(z.array(z.string().min(1).max(256)).min(1).max(1000), request.body);
    await db.transaction().execute(async (trx) => {
      const tag = await trx.selectFrom('target_tags').select('id').where('tenant', '=', p.tenant).where('id', '=', id).executeTakeFirst();
      if (!tag) throw notFound(`target tag ${id}`);
      for (const controllerId of controllerIds) {
        const t = await trx.selectFrom('targets').select('id').where('tenant', '=', p.tenant).where('controller_id', '=', controllerId).executeTakeFirst();
        if (!t) throw notFound(`target ${controllerId}`);
        await trx
          .insertInto('target_tag_assignments')
          .values({ tag_id: id, target_id: Number(t.id) })
          .onConflict((oc) => oc.columns(['tag_id', 'target_id']).doNothing())
          .execute();
      }
      await audit(trx, p, 'targettag.assign', { type: 'targettag', id: String(id) }, null, { targets: controllerIds });
    });
    return reply.status(200).send();
  });
  app.delete('/targettags/:id/assigned/:controllerId', { preHandler: requires('UPDATE_TARGET') }, async (request, reply) => {
    const p = principalOf(request);
    const { id: raw, controllerId } = request.params as { id: string; controllerId: string };
    const id = context.idOf(raw, 'target tag');
    await db.transaction().execute(async (trx) => {
      const t = await trx.selectFrom('targets').select('id').where('tenant', '=', p.tenant).where('controller_id', '=', controllerId).executeTakeFirst();
      const tag = await trx.selectFrom('target_tags').select('id').where('tenant', '=', p.tenant).where('id', '=', id).executeTakeFirst();
      if (!t || !tag) throw notFound(`target ${controllerId} in tag ${id}`);
      await trx.deleteFrom('target_tag_assignments').where('tag_id', '=', id).where('target_id', '=', Number(t.id)).execute();
      await audit(trx, p, 'targettag.unassign', { type: 'targettag', id: String(id) }, { target: controllerId }, null);
    });
    return reply.status(204).send();
  });

  // Metadata of targets, software modules and distribution sets: [{key, value(, targetVisible)}].
  const metadataItem = z.strictObject({ key: z.string().min(1).max(128), value: z.string().max(4000), targetVisible: z.boolean().optional() });
  const owners = [
    {
      path: 'targets/:owner/metadata',
      table: 'targets' as const,
      lookup: 'controller_id' as const,
      read: 'READ_TARGET' as Permission,
      write: 'UPDATE_TARGET' as Permission,
      visible: false,
    },
    {
      path: 'softwaremodules/:owner/metadata',
      table: 'software_modules' as const,
      lookup: 'id' as const,
      read: 'READ_SOFTWARE_MODULE' as Permission,
      write: 'UPDATE_SOFTWARE_MODULE' as Permission,
      visible: true,
    },
    {
      path: 'distributionsets/:owner/metadata',
      table: 'distribution_sets' as const,
      lookup: 'id' as const,
      read: 'READ_DISTRIBUTION_SET' as Permission,
      write: 'UPDATE_DISTRIBUTION_SET' as Permission,
      visible: false,
    },
  ];
  for (const o of owners) {
    type Item = { key: string; value: string; targetVisible?: boolean };
    const load = async (trx: Kysely<Database> | Transaction<Database>, tenant: string, raw: string, lock: boolean) => {
      const value = o.lookup === 'id' ? context.idOf(raw, o.table) : raw;
      let q = trx
        .selectFrom(o.table)
        .select(['id', 'metadata'])
        .where('tenant', '=', tenant)
        .where(o.lookup as 'id', '=', value as never);
      if (lock) q = q.forUpdate();
      const row = await q.executeTakeFirst();
      if (!row) throw notFound(`${o.table.replace(/_/g, ' ').replace(/s$/, '')} ${raw}`);
      return { id: Number(row.id), items: (row.metadata ?? []) as Item[] };
    };
    const shape = (i: Item) => (o.visible ? { key: i.key, value: i.value, targetVisible: i.targetVisible ?? false } : { key: i.key, value: i.value });
    const save = async (
      trx: Transaction<Database>,
      p: Principal,
      id: number,
      items: Item[],
      action: string,
      key: string,
      before: Item | null,
      after: Item | null,
    ) => {
      await trx
        .updateTable(o.table)
        .set({ metadata: JSON.stringify(items) } as never)
        .where('id', '=', id)
        .execute();
      await audit(
        trx,
        p,
        `${o.table}.metadata.${action}`,
        { type: o.table, id: String(id) },
        before ? { key, value: before.value } : null,
        after ? { key, value: after.value } : null,
      );
    };
    app.get(`/${o.path}`, { preHandler: requires(o.read) }, async (request) => {
      const { items } = await load(db, principalOf(request).tenant, (request.params as { owner: string }).owner, false);
      return { content: items.map(shape), total: items.length, size: items.length };
    });
    app.get(`/${o.path}/:key`, { preHandler: requires(o.read) }, async (request) => {
      const { owner, key: k } = request.params as { owner: string; key: string };
      const { items } = await load(db, principalOf(request).tenant, owner, false);
      const item = items.find((i) => i.key === k);
      if (!item) throw notFound(`metadata ${k}`);
      return shape(item);
    });
    app.post(`/${o.path}`, { preHandler: requires(o.write) }, async (request, reply) => {
      const p = principalOf(request);
      const incoming = context.parseBody(z.array(metadataItem).min(1).max(100), request.body);
      if (!o.visible && incoming.some((i) => i.targetVisible !== undefined))
        throw new ServerError('BAD_REQUEST', 'targetVisible applies to software module metadata only');
      const created = await db.transaction().execute(async (trx) => {
        const { id, items } = await load(trx, p.tenant, (request.params as { owner: string }).owner, true);
        for (const item of incoming) {
          if (items.some((i) => i.key === item.key)) throw new ServerError('CONFLICT', `metadata ${item.key} already exists`);
          items.push(item);
          await save(trx, p, id, items, 'create', item.key, null, item);
        }
        return incoming;
      });
      return reply.status(201).send(created.map(shape));
    });
    app.put(`/${o.path}/:key`, { preHandler: requires(o.write) }, async (request) => {
      const p = principalOf(request);
      const { owner, key: k } = request.params as { owner: string; key: string };
      const change = context.parseBody(
        z.strictObject({ key: z.string().optional(), value: z.string().max(4000), targetVisible: z.boolean().optional() }),
        request.body,
      );
      if (change.key !== undefined && change.key !== k) throw new ServerError('BAD_REQUEST', 'a metadata key cannot be renamed');
      return db.transaction().execute(async (trx) => {
        const { id, items } = await load(trx, p.tenant, owner, true);
        const index = items.findIndex((i) => i.key === k);
        if (index < 0) throw notFound(`metadata ${k}`);
        const before = items[index]!;
        const after = { key: k, value: change.value, ...(o.visible ? { targetVisible: change.targetVisible ?? before.targetVisible ?? false } : {}) };
        items[index] = after;
        await save(trx, p, id, items, 'update', k, before, after);
        return shape(after);
      });
    });
    app.delete(`/${o.path}/:key`, { preHandler: requires(o.write) }, async (request, reply) => {
      const p = principalOf(request);
      const { owner, key: k } = request.params as { owner: string; key: string };
      await db.transaction().execute(async (trx) => {
        const { id, items } = await load(trx, p.tenant, owner, true);
        const before = items.find((i) => i.key === k);
        if (!before) throw notFound(`metadata ${k}`);
        await save(
          trx,
          p,
          id,
          items.filter((i) => i.key !== k),
          'delete',
          k,
          before,
          null,
        );
      });
      return reply.status(204).send();
    });
  }
}
