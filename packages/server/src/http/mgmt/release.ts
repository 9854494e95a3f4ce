/**
 * Release and TUF repository management (Osprey extension of the management API, hawkBit-style
 * JSON and error bodies):
 *
 *   GET    /distributionsets/{id}/release           release state, requester, releaser, targets
 *   POST   /distributionsets/{id}/release           {securityVersion, hardware[], installType?}
 *            → 200 released; 202 pending_approval (four-eyes) or pending_signature (offline targets)
 *   POST   /distributionsets/{id}/release/approve   four-eyes approval by a second user
 *   GET    /tuf/root                                the current root (N.root.json)
 *   POST   /tuf/root/import                         adopt an offline root v1 {root, keys?, passphrase?, targets?}
 *   PUT    /tuf/root                                rotate: body = N+1.root.json signed offline
 *   GET    /tuf/keys                                the online keys the server holds (public parts)
 *   POST   /tuf/keys/{role}                         stage an online key: generate, or {privateKey, passphrase?}
 *   GET    /tuf/targets/pending                     offline targets mode: metadata to sign
 *   PUT    /tuf/targets                             offline targets mode: the signed metadata
 *   DELETE /tuf/targets/pending                     drop the pending metadata
 *
 * Permissions: releasing needs APPROVE_RELEASE — unless the tenant has four-eyes approval on
 * (`release.approval.enabled`), where UPDATE_DISTRIBUTION_SET requests and APPROVE_RELEASE
 * approves; root and key changes need UPDATE_TENANT_CONFIGURATION; submitting signed targets
 * publishes a release and needs APPROVE_RELEASE.
 *
 * Metadata (the root, the pending targets) is sent as the stored bytes: whoever signs or trusts
 * it works on exactly what the server holds.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TOP_LEVEL_ROLES } from '@osprey/core';
import { releaseRequestSchema, type ReleaseStatus } from '../../domain/release-plan.js';
import { ONLINE_ROLES } from '../../domain/tuf/state.js';
import { notFound } from '../../errors.js';
import { binary, entityId, link, noContent, pathText, type TypedApp } from '../schema.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';

const pem = z.string().min(1).max(16_384);
const metadataJson = z.record(z.string(), z.unknown()).describe('TUF metadata as JSON: { signed, signatures }');
const role = z.enum(TOP_LEVEL_ROLES);
const onlineRole = z.enum(ONLINE_ROLES);
const dsParams = z.object({ id: entityId('distribution set') });

const importRootBody = z.strictObject({
  root: metadataJson,
  keys: z
    .strictObject({ targets: z.array(pem).max(16).optional(), snapshot: z.array(pem).max(16).optional(), timestamp: z.array(pem).max(16).optional() })
    .optional(),
  passphrase: z.string().max(1024).optional(),
  targets: metadataJson.optional(),
});
// No body: the server generates the key (fastify gives an absent body as null).
const keyBody = z.strictObject({ privateKey: pem, passphrase: z.string().max(1024).optional() }).nullish();

const published = z.object({ targets: z.number().int(), snapshot: z.number().int(), timestamp: z.number().int() });
const releaseJson = z.object({
  id: z.number().int(),
  state: z.enum(['draft', 'pending_approval', 'pending_signature', 'released']),
  requestedBy: z.string().optional(),
  releasedBy: z.string().optional(),
  releasedAt: z.string().optional().describe('ISO 8601'),
  request: z.object(releaseRequestSchema.shape).optional(),
  targets: z.array(
    z.object({
      artifactId: z.number().int(),
      moduleId: z.number().int(),
      filename: z.string(),
      path: z.string().describe('the TUF target path'),
      length: z.number().int(),
      sha256: z.string(),
      existing: z.boolean().describe('already a target of the repository, not registered again'),
    }),
  ),
  published: published.optional().describe('the metadata versions published by this call'),
  pendingTargetsVersion: z.number().int().optional().describe('offline targets: the version awaiting the offline signature'),
  _links: z.object({ self: link, distributionset: link, approve: link.optional(), pendingTargets: link.optional() }),
});
const onlineKey = z.object({
  role,
  keyid: z.string(),
  key: z.record(z.string(), z.unknown()).describe('the TUF public key object'),
  inRoot: z.boolean().describe('listed for this role in the current root'),
});
const metadataBytes = (what: string) => binary(`${what}, the bytes as stored (sign or trust exactly these)`, 'application/json');

export async function registerReleaseRoutes(app: TypedApp, context: ManagementContext): Promise<void> {
  const { base, releases } = context;
  const { repository, root, keys } = context.tuf;

  const toJson = (request: FastifyRequest, status: ReleaseStatus): z.infer<typeof releaseJson> => {
    const at = `${base(request)}/distributionsets/${status.id}`;
    return {
      ...status,
      _links: {
        self: { href: `${at}/release` },
        distributionset: { href: at },
        ...(status.state === 'pending_approval' ? { approve: { href: `${at}/release/approve` } } : {}),
        ...(status.state === 'pending_signature' ? { pendingTargets: { href: `${base(request)}/tuf/targets/pending` } } : {}),
      },
    };
  };
  const sendRelease = (request: FastifyRequest, reply: FastifyReply, status: ReleaseStatus) =>
    reply.status(status.state === 'released' ? 200 : 202).send(toJson(request, status));
  const sendJsonBytes = (reply: FastifyReply, bytes: Buffer) => reply.type('application/json').header('Cache-Control', 'no-cache').send(bytes);

  // --- releases --------------------------------------------------------------------------------
  app.get(
    '/distributionsets/:id/release',
    { preValidation: requires('READ_DISTRIBUTION_SET'), schema: { params: dsParams, response: { 200: releaseJson } } },
    async (request) => toJson(request, await releases.status(principalOf(request).tenant, request.params.id)),
  );

  // Which permission releasing needs depends on the tenant's four-eyes setting, so the guard asks the service.
  const mayRelease = async (request: FastifyRequest) => void (await releases.assertMayRelease(principalOf(request)));
  app.post(
    '/distributionsets/:id/release',
    {
      preValidation: mayRelease,
      schema: {
        summary: 'Release (APPROVE_RELEASE); with release.approval.enabled, request the release (UPDATE_DISTRIBUTION_SET)',
        params: dsParams,
        body: releaseRequestSchema,
        response: { 200: releaseJson.describe('released'), 202: releaseJson.describe('pending_approval or pending_signature') },
      },
    },
    async (request, reply) => sendRelease(request, reply, await releases.request(principalOf(request), request.params.id, request.body)),
  );

  app.post(
    '/distributionsets/:id/release/approve',
    {
      preValidation: requires('APPROVE_RELEASE'),
      schema: { params: dsParams, response: { 200: releaseJson.describe('released'), 202: releaseJson.describe('pending_signature') } },
    },
    async (request, reply) => sendRelease(request, reply, await releases.approve(principalOf(request), request.params.id)),
  );

  // --- root ------------------------------------------------------------------------------------
  // The root is public (served at /{tenant}/tuf/metadata): any authenticated user may read it.
  app.get('/tuf/root', { schema: { response: { 200: metadataBytes('the newest root, N.root.json') } } }, async (request, reply) =>
    sendJsonBytes(reply, await repository.currentRoot(principalOf(request).tenant)),
  );

  app.post(
    '/tuf/root/import',
    {
      preValidation: requires('UPDATE_TENANT_CONFIGURATION'),
      schema: {
        body: importRootBody,
        response: {
          200: z.object({
            rootVersion: z.number().int(),
            targetsOffline: z.boolean(),
            published: published.optional(),
            pendingTargetsVersion: z.number().int().optional(),
          }),
        },
      },
    },
    async (request) => {
      const body = request.body;
      return root.importRoot(principalOf(request), body.root, { keys: body.keys, passphrase: body.passphrase, targets: body.targets });
    },
  );

  app.put(
    '/tuf/root',
    {
      preValidation: requires('UPDATE_TENANT_CONFIGURATION'),
      schema: {
        body: metadataJson,
        response: {
          200: z.object({
            rootVersion: z.number().int(),
            changedRoles: z.array(role),
            republished: z.array(onlineRole).describe('roles re-signed with the new keys and published with this rotation'),
            pendingTargetsVersion: z.number().int().optional(),
          }),
        },
      },
    },
    async (request) => root.rotateRoot(principalOf(request), request.body),
  );

  // --- online keys ----------------------------------------------------------------------------
  app.get('/tuf/keys', { preValidation: requires('READ_TENANT_CONFIGURATION'), schema: { response: { 200: z.array(onlineKey) } } }, async (request) =>
    keys.onlineKeys(principalOf(request).tenant),
  );

  app.post(
    '/tuf/keys/:role',
    {
      preValidation: requires('UPDATE_TENANT_CONFIGURATION'),
      // The role is checked by the service: any other than targets, snapshot, timestamp is a 404.
      schema: { params: z.object({ role: pathText('role', 32) }), body: keyBody, response: { 201: onlineKey } },
    },
    async (request, reply) => reply.status(201).send(await keys.addOnlineKey(principalOf(request), request.params.role, request.body ?? undefined)),
  );

  // --- offline targets ----------------------------------------------------------------------------
  app.get(
    '/tuf/targets/pending',
    { preValidation: requires('READ_DISTRIBUTION_SET'), schema: { response: { 200: metadataBytes('unsigned targets metadata awaiting the offline key') } } },
    async (request, reply) => {
      const bytes = await repository.pendingTargets(principalOf(request).tenant);
      if (!bytes) throw notFound('pending targets metadata');
      return sendJsonBytes(reply, bytes);
    },
  );

  app.put(
    '/tuf/targets',
    {
      preValidation: requires('APPROVE_RELEASE'),
      schema: {
        body: metadataJson,
        response: { 200: z.object({ published, released: z.array(z.number().int()).describe('distribution sets released by it') }) },
      },
    },
    async (request) => releases.submitTargets(principalOf(request), request.body),
  );

  app.delete('/tuf/targets/pending', { preValidation: requires('APPROVE_RELEASE'), schema: { response: { 204: noContent } } }, async (request, reply) => {
    await releases.discardPendingTargets(principalOf(request));
    return reply.status(204).send(null);
  });
}
