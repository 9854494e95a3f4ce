/**
 * The pattern of the catalogue's named resources (tags, target filters, types): list, read,
 * create (an array), update and delete under one path, each guarded by its own permission, with
 * the text fields every kind shares. One kind = one `registerNamedRoutes` call with its schemas.
 */
import { freeText } from './text.js';
import { z } from 'zod';
import type { Page } from '../../db/stores/common.js';
import type { ListQuery } from '../../db/stores/list-query.js';
import type { Actor } from '../../domain/changes.js';
import type { Permission } from '../../domain/permissions.js';
import { entityId, link, listQuery, noContent, pageOf, type TypedApp } from '../schema.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';
import { page } from './mappers.js';

// --- text fields -----------------------------------------------------------------------------

/** A name, key or colour: no NUL or other control characters. */
export const label = (max: number, min = 1) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((s) => !/[\u0000-\u001f]/.test(s), { error: 'must not contain control characters' });

export const name = label(128);
export const described = { name, description: freeText(512).optional(), colour: label(16, 0).optional() };
export const key = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'use 1–64 letters, digits or _ . -');
/** `[{id}]` references; bounded so that resolving them stays one small query. */
export const idList = z.array(z.strictObject({ id: z.int().positive() })).max(1000);
export const ids = (list: ReadonlyArray<{ id: number }> | undefined) => list?.map((i) => i.id);

// --- replies ---------------------------------------------------------------------------------

/** The columns every named kind has. */
export interface NamedRow {
  id: number;
  name: string;
  description: string | null;
  colour: string | null;
  created_at: Date;
}

const ms = (d: Date) => new Date(d).getTime();

const common = (row: NamedRow) => ({
  description: row.description ?? undefined,
  colour: row.colour ?? undefined,
  createdAt: ms(row.created_at),
});

/** hawkBit's fields of a named resource without a key, in its order: id, name, description, colour, createdAt, _links. */
export function namedJson(base: string, path: string, row: NamedRow) {
  return { id: row.id, name: row.name, ...common(row), _links: { self: { href: `${base}/${path}/${row.id}` } } };
}

/** The same with the key after the name (types). */
export function keyedJson(base: string, path: string, row: NamedRow & { key: string }) {
  return { id: row.id, name: row.name, key: row.key, ...common(row), _links: { self: { href: `${base}/${path}/${row.id}` } } };
}

const replyShape = {
  id: z.number().int(),
  name: z.string(),
  description: z.string().optional(),
  colour: z.string().optional(),
  createdAt: z.number().int(),
  _links: z.object({ self: link }),
};
/** A named resource without a key (tags, target filters); `extra` fields follow `_links`. */
export const namedReply = <E extends z.ZodRawShape>(extra: E) => z.object({ ...replyShape, ...extra });
/** A named resource with a key (types), which hawkBit puts after the name. */
export const keyedReply = <E extends z.ZodRawShape>(extra: E) => {
  const { id, name: n, ...rest } = replyShape;
  return z.object({ id, name: n, key: z.string(), ...rest, ...extra });
};

// --- the routes ------------------------------------------------------------------------------

/** What the routes call: domain/catalogue.ts `NamedResources`. */
export interface NamedApi<Row, Create, Update> {
  page(tenant: string, query: ListQuery): Promise<Page<Row>>;
  get(tenant: string, id: number): Promise<Row>;
  create(who: Actor, items: readonly Create[]): Promise<Row[]>;
  update(who: Actor, id: number, change: Update): Promise<Row>;
  remove(who: Actor, id: number): Promise<void>;
}

/**
 * Every field a named kind's PUT body may hold; each kind's schema allows a subset (strict, so
 * no other field arrives). One concrete type keeps the body typed inside this generic factory.
 */
export interface NamedChange {
  name?: string | undefined;
  description?: string | undefined;
  colour?: string | undefined;
  query?: string | undefined;
}

/** No body (a 200 that says only "done", as hawkBit answers these). */
export const emptyReply = z.undefined().describe('no body');

export interface NamedRoutes<Row, Create, Update, CreateBody, Reply> {
  /** The path under /rest/v1, e.g. `targettags`. */
  path: string;
  /** The word of "… id must be a number" (hawkBit-style `targettag`). */
  subject: string;
  permissions: { read: Permission; create: Permission; update: Permission; remove: Permission };
  api: NamedApi<Row, Create, Update>;
  createItem: z.ZodType<CreateBody>;
  toCreate: (body: CreateBody) => Create;
  updateBody: z.ZodType<NamedChange>;
  toUpdate: (body: NamedChange) => Update;
  reply: z.ZodType<Reply>;
  toJson: (base: string, row: Row) => Reply;
}

export function registerNamedRoutes<Row, Create, Update, CreateBody, Reply>(
  app: TypedApp,
  context: ManagementContext,
  r: NamedRoutes<Row, Create, Update, CreateBody, Reply>,
): void {
  const params = z.object({ id: entityId(r.subject) });
  const { read, create, update, remove } = r.permissions;

  app.get(`/${r.path}`, { preValidation: requires(read), schema: { querystring: listQuery, response: { 200: pageOf(r.reply) } } }, async (request) => {
    const { rows, total } = await r.api.page(principalOf(request).tenant, request.query);
    return page(
      rows.map((row) => r.toJson(context.base(request), row)),
      total,
    );
  });

  app.get(`/${r.path}/:id`, { preValidation: requires(read), schema: { params, response: { 200: r.reply } } }, async (request) =>
    r.toJson(context.base(request), await r.api.get(principalOf(request).tenant, request.params.id)),
  );

  app.post(
    `/${r.path}`,
    { preValidation: requires(create), schema: { body: z.array(r.createItem).min(1).max(100), response: { 201: z.array(r.reply) } } },
    async (request, reply) => {
      const rows = await r.api.create(principalOf(request), request.body.map(r.toCreate));
      return reply.status(201).send(rows.map((row) => r.toJson(context.base(request), row)));
    },
  );

  app.put(`/${r.path}/:id`, { preValidation: requires(update), schema: { params, body: r.updateBody, response: { 200: r.reply } } }, async (request) =>
    r.toJson(context.base(request), await r.api.update(principalOf(request), request.params.id, r.toUpdate(request.body))),
  );

  app.delete(`/${r.path}/:id`, { preValidation: requires(remove), schema: { params, response: { 204: noContent } } }, async (request, reply) => {
    await r.api.remove(principalOf(request), request.params.id);
    return reply.status(204).send(null);
  });
}
