/**
 * Target types, software module types and distribution set types (hawkBit §2.2): a key and a
 * name; software module types say how many modules of the type a set holds, distribution set
 * types which module types are mandatory or optional, target types which distribution set types
 * a target of the type accepts (`/targettypes/{id}/compatibledistributionsettypes`). hawkBit's
 * default software module and distribution set types exist from the first use.
 */
import { z } from 'zod';
import { INT4_MAX, entityId, type TypedApp } from '../schema.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';
import { described, emptyReply, idList, ids, key, keyedJson, keyedReply, label, registerNamedRoutes } from './named.js';

/** int4 columns: larger counts would be refused by PostgreSQL (a 500 otherwise). */
const redescribe = z.strictObject({ description: described.description, colour: described.colour });
const idReply = z.array(z.object({ id: z.number().int() }));
const asIds = (list: number[]) => list.map((id) => ({ id }));

export async function registerTypeRoutes(app: TypedApp, context: ManagementContext): Promise<void> {
  const { catalogue } = context;

  registerNamedRoutes(app, context, {
    path: 'targettypes',
    subject: 'targettype',
    permissions: { read: 'READ_TARGET_TYPE', create: 'CREATE_TARGET_TYPE', update: 'UPDATE_TARGET_TYPE', remove: 'DELETE_TARGET_TYPE' },
    api: catalogue.targetTypes,
    createItem: z.strictObject({ ...described, key: key.optional(), compatibledistributionsettypes: idList.optional() }),
    toCreate: ({ compatibledistributionsettypes, ...rest }) => ({ ...rest, compatible: ids(compatibledistributionsettypes) }),
    updateBody: z.strictObject({ name: label(128).optional(), ...redescribe.shape }),
    toUpdate: ({ name, description, colour }) => ({ name, description, colour }),
    reply: keyedReply({}),
    toJson: (base, row) => keyedJson(base, 'targettypes', row),
  });

  registerNamedRoutes(app, context, {
    path: 'softwaremoduletypes',
    subject: 'softwaremoduletype',
    permissions: {
      read: 'READ_SOFTWARE_MODULE_TYPE',
      create: 'CREATE_SOFTWARE_MODULE_TYPE',
      update: 'UPDATE_SOFTWARE_MODULE_TYPE',
      remove: 'DELETE_SOFTWARE_MODULE_TYPE',
    },
    api: catalogue.softwareModuleTypes,
    createItem: z.strictObject({
      ...described,
      key,
      maxAssignments: z.int().min(1).max(INT4_MAX).default(1),
      minArtifacts: z.int().min(0).max(INT4_MAX).default(0),
    }),
    toCreate: (body) => body,
    updateBody: redescribe,
    toUpdate: ({ description, colour }) => ({ description, colour }),
    reply: keyedReply({ maxAssignments: z.number().int(), minArtifacts: z.number().int() }),
    toJson: (base, row) => ({ ...keyedJson(base, 'softwaremoduletypes', row), maxAssignments: row.max_assignments, minArtifacts: row.min_artifacts }),
  });

  registerNamedRoutes(app, context, {
    path: 'distributionsettypes',
    subject: 'distributionsettype',
    permissions: {
      read: 'READ_DISTRIBUTION_SET_TYPE',
      create: 'CREATE_DISTRIBUTION_SET_TYPE',
      update: 'UPDATE_DISTRIBUTION_SET_TYPE',
      remove: 'DELETE_DISTRIBUTION_SET_TYPE',
    },
    api: catalogue.distributionSetTypes,
    createItem: z.strictObject({ ...described, key, mandatorymodules: idList.optional(), optionalmodules: idList.optional() }),
    toCreate: ({ mandatorymodules, optionalmodules, ...rest }) => ({ ...rest, mandatory: ids(mandatorymodules), optional: ids(optionalmodules) }),
    updateBody: redescribe,
    toUpdate: ({ description, colour }) => ({ description, colour }),
    reply: keyedReply({ mandatorymodules: idReply, optionalmodules: idReply }),
    toJson: (base, row) => ({
      ...keyedJson(base, 'distributionsettypes', row),
      mandatorymodules: asIds(row.mandatory_modules),
      optionalmodules: asIds(row.optional_modules),
    }),
  });

  const typeId = z.object({ id: entityId('target type') });

  app.get(
    '/targettypes/:id/compatibledistributionsettypes',
    {
      preValidation: requires('READ_TARGET_TYPE'),
      schema: { params: typeId, response: { 200: z.array(z.object({ id: z.number().int(), key: z.string(), name: z.string() })) } },
    },
    async (request) => {
      const types = await catalogue.compatibleTypes(principalOf(request).tenant, request.params.id);
      return types.map((t) => ({ id: t.id, key: t.key, name: t.name }));
    },
  );

  app.post(
    '/targettypes/:id/compatibledistributionsettypes',
    {
      preValidation: requires('UPDATE_TARGET_TYPE', 'READ_DISTRIBUTION_SET_TYPE'),
      schema: { params: typeId, body: idList.min(1), response: { 200: emptyReply } },
    },
    async (request, reply) => {
      await catalogue.addCompatibleTypes(principalOf(request), request.params.id, ids(request.body) ?? []);
      return reply.status(200).send();
    },
  );
}
