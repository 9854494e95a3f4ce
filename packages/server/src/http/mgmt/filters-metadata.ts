/**
 * Target filters (hawkBit §2.2 `/targetfilters`: a name and a stored RSQL query; auto-assignment
 * lives in auto-assign.ts) and the metadata of targets, software modules and distribution sets
 * (`…/metadata[/{key}]`: `[{key, value}]`, software modules add `targetVisible`).
 */
import { z } from 'zod';
import { hasTargetVisible, type MetadataItem, type MetadataOwner, type OwnerRef } from '../../domain/metadata.js';
import type { Permission } from '../../domain/permissions.js';
import { entityId, noContent, pathText, type TypedApp } from '../schema.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';
import { page } from './mappers.js';
import { label, name, namedJson, namedReply, registerNamedRoutes } from './named.js';
import { freeText } from './text.js';

const filterBody = z.strictObject({ name, query: freeText(4096).min(1) });

const metadataKey = label(128);
const metadataValue = freeText(4000);
const metadataItem = z.strictObject({ key: metadataKey, value: metadataValue, targetVisible: z.boolean().optional() });
const metadataReply = z.object({ key: z.string(), value: z.string(), targetVisible: z.boolean().optional().describe('software module metadata only') });

interface Owner {
  owner: MetadataOwner;
  path: string;
  /** The owner's path parameter, checked, and the reference the service resolves in the tenant. */
  param: z.ZodType<string | number>;
  ref: (raw: string | number) => OwnerRef;
  read: Permission;
  write: Permission;
}

const OWNERS: Owner[] = [
  {
    owner: 'targets',
    path: 'targets/:owner/metadata',
    param: pathText('controller id'),
    ref: (raw) => ({ owner: 'targets', controllerId: String(raw) }),
    read: 'READ_TARGET',
    write: 'UPDATE_TARGET',
  },
  {
    owner: 'software_modules',
    path: 'softwaremodules/:owner/metadata',
    param: entityId('software_modules'),
    ref: (raw) => ({ owner: 'software_modules', id: Number(raw) }),
    read: 'READ_SOFTWARE_MODULE',
    write: 'UPDATE_SOFTWARE_MODULE',
  },
  {
    owner: 'distribution_sets',
    path: 'distributionsets/:owner/metadata',
    param: entityId('distribution_sets'),
    ref: (raw) => ({ owner: 'distribution_sets', id: Number(raw) }),
    read: 'READ_DISTRIBUTION_SET',
    write: 'UPDATE_DISTRIBUTION_SET',
  },
];

export async function registerFilterAndMetadataRoutes(app: TypedApp, context: ManagementContext): Promise<void> {
  registerNamedRoutes(app, context, {
    path: 'targetfilters',
    subject: 'targetfilter',
    permissions: { read: 'READ_TARGET', create: 'CREATE_TARGET', update: 'UPDATE_TARGET', remove: 'DELETE_TARGET' },
    api: context.catalogue.targetFilters,
    createItem: filterBody,
    toCreate: (body) => body,
    updateBody: filterBody.partial(),
    toUpdate: ({ name, query }) => ({ name, query }),
    reply: namedReply({ query: z.string() }),
    toJson: (base, row) => ({ ...namedJson(base, 'targetfilters', row), query: row.query }),
  });

  const { metadata } = context;
  for (const o of OWNERS) {
    const visible = hasTargetVisible(o.owner);
    // Entries without targetVisible where it does not apply; with it (default false) where it does.
    const shape = (i: MetadataItem) => (visible ? { key: i.key, value: i.value, targetVisible: i.targetVisible ?? false } : { key: i.key, value: i.value });
    const owner = z.object({ owner: o.param });
    const ownerAndKey = z.object({ owner: o.param, key: pathText('metadata key', 128) });

    app.get(
      `/${o.path}`,
      {
        preValidation: requires(o.read),
        schema: { params: owner, response: { 200: z.object({ content: z.array(metadataReply), total: z.number().int(), size: z.number().int() }) } },
      },
      async (request) => {
        const items = await metadata.list(principalOf(request).tenant, o.ref(request.params.owner));
        return page(items.map(shape), items.length);
      },
    );

    app.get(`/${o.path}/:key`, { preValidation: requires(o.read), schema: { params: ownerAndKey, response: { 200: metadataReply } } }, async (request) =>
      shape(await metadata.get(principalOf(request).tenant, o.ref(request.params.owner), request.params.key)),
    );

    app.post(
      `/${o.path}`,
      { preValidation: requires(o.write), schema: { params: owner, body: z.array(metadataItem).min(1).max(100), response: { 201: z.array(metadataReply) } } },
      async (request, reply) => {
        const created = await metadata.create(principalOf(request), o.ref(request.params.owner), request.body);
        return reply.status(201).send(created.map(shape));
      },
    );

    app.put(
      `/${o.path}/:key`,
      {
        preValidation: requires(o.write),
        schema: {
          params: ownerAndKey,
          body: z.strictObject({ key: metadataKey.optional(), value: metadataValue, targetVisible: z.boolean().optional() }),
          response: { 200: metadataReply },
        },
      },
      async (request) => shape(await metadata.update(principalOf(request), o.ref(request.params.owner), request.params.key, request.body)),
    );

    app.delete(
      `/${o.path}/:key`,
      { preValidation: requires(o.write), schema: { params: ownerAndKey, response: { 204: noContent } } },
      async (request, reply) => {
        await metadata.remove(principalOf(request), o.ref(request.params.owner), request.params.key);
        return reply.status(204).send(null);
      },
    );
  }
}
