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
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { INSTALL_TYPES } from '@osprey/core';
import type { ReleaseStatus, TufRepositoryService } from '../../domain/tuf-repository.js';
import type { Permission } from '../../domain/permissions.js';
import { ServerError, notFound } from '../../errors.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';

const pem = z.string().min(1).max(16_384);
const metadataJson = z.record(z.string(), z.unknown());

const schemas = {
  release: z.strictObject({
    securityVersion: z.int().min(0).max(0xffffffff),
    hardware: z.array(z.string().min(1).max(128)).min(1).max(1024),
    installType: z.enum(INSTALL_TYPES).optional(),
  }),
  importRoot: z.strictObject({
    root: metadataJson,
    keys: z
      .strictObject({ targets: z.array(pem).max(16).optional(), snapshot: z.array(pem).max(16).optional(), timestamp: z.array(pem).max(16).optional() })
      .optional(),
    passphrase: z.string().max(1024).optional(),
    targets: metadataJson.optional(),
  }),
  key: z.strictObject({ privateKey: pem, passphrase: z.string().max(1024).optional() }).optional(),
  metadata: metadataJson,
};

const ONLINE_ROLES = ['targets', 'snapshot', 'timestamp'] as const;

function forbidUnless(request: FastifyRequest, permission: Permission, why: string): void {
  if (!principalOf(request).permissions.has(permission)) throw new ServerError('FORBIDDEN', `missing permission ${permission} (${why})`);
}

export async function registerReleaseRoutes(app: FastifyInstance, context: ManagementContext, tuf: TufRepositoryService): Promise<void> {
  const { parseBody, idOf, base } = context;

  const releaseJson = (request: FastifyRequest, status: ReleaseStatus) => {
    const links: Record<string, { href: string }> = {
      self: { href: `${base(request)}/distributionsets/${status.id}/release` },
      distributionset: { href: `${base(request)}/distributionsets/${status.id}` },
    };
    if (status.state === 'pending_approval') links.approve = { href: `${base(request)}/distributionsets/${status.id}/release/approve` };
    if (status.state === 'pending_signature') links.pendingTargets = { href: `${base(request)}/tuf/targets/pending` };
    return { ...status, _links: links };
  };
  const sendRelease = (request: FastifyRequest, reply: FastifyReply, status: ReleaseStatus) =>
    reply.status(status.state === 'released' ? 200 : 202).send(releaseJson(request, status));
  const sendJsonBytes = (reply: FastifyReply, bytes: Buffer) => reply.type('application/json').header('Cache-Control', 'no-cache').send(bytes);

  // --- releases --------------------------------------------------------------------------------
  app.get('/distributionsets/:id/release', { preHandler: requires('READ_DISTRIBUTION_SET') }, async (request) => {
    const p = principalOf(request);
    return releaseJson(request, await tuf.releaseStatus(p.tenant, idOf((request.params as { id: string }).id, 'distribution set')));
  });

  app.post('/distributionsets/:id/release', async (request, reply) => {
    const p = principalOf(request);
    const approval = await tuf.approvalRequired(p.tenant);
    if (approval) forbidUnless(request, 'UPDATE_DISTRIBUTION_SET', 'four-eyes approval is on: a release is requested, then approved by a second user');
    else forbidUnless(request, 'APPROVE_RELEASE', 'releasing signs the distribution set into the TUF repository');
    const dsId = idOf((request.params as { id: string }).id, 'distribution set');
    const body = parseBody(schemas.release, request.body);
    return sendRelease(request, reply, await tuf.requestRelease(p, dsId, body, { approval }));
  });

  app.post('/distributionsets/:id/release/approve', { preHandler: requires('APPROVE_RELEASE') }, async (request, reply) => {
    const p = principalOf(request);
    return sendRelease(request, reply, await tuf.approveRelease(p, idOf((request.params as { id: string }).id, 'distribution set')));
  });

  // --- root ------------------------------------------------------------------------------------
  // The root is public (served at /{tenant}/tuf/metadata): any authenticated user may read it.
  app.get('/tuf/root', async (request, reply) => sendJsonBytes(reply, await tuf.currentRoot(principalOf(request).tenant)));

  app.post('/tuf/root/import', { preHandler: requires('UPDATE_TENANT_CONFIGURATION') }, async (request) => {
    const body = parseBody(schemas.importRoot, request.body);
    return tuf.importRoot(principalOf(request), body.root, { keys: body.keys, passphrase: body.passphrase, targets: body.targets });
  });

  app.put('/tuf/root', { preHandler: requires('UPDATE_TENANT_CONFIGURATION') }, async (request) => {
    return tuf.rotateRoot(principalOf(request), parseBody(schemas.metadata, request.body));
  });

  // --- online keys ----------------------------------------------------------------------------
  app.get('/tuf/keys', { preHandler: requires('READ_TENANT_CONFIGURATION') }, async (request) => tuf.onlineKeys(principalOf(request).tenant));

  app.post('/tuf/keys/:role', { preHandler: requires('UPDATE_TENANT_CONFIGURATION') }, async (request, reply) => {
    const role = (request.params as { role: string }).role;
    if (!(ONLINE_ROLES as readonly string[]).includes(role))
      throw notFound(`online key role ${role} (one of ${ONLINE_ROLES.join(', ')}; root keys stay offline)`);
    const body = parseBody(schemas.key, request.body ?? undefined);
    const key = await tuf.addOnlineKey(principalOf(request), role as (typeof ONLINE_ROLES)[number], body);
    return reply.status(201).send(key);
  });

  // --- offline targets ----------------------------------------------------------------------------
  app.get('/tuf/targets/pending', { preHandler: requires('READ_DISTRIBUTION_SET') }, async (request, reply) => {
    const bytes = await tuf.pendingTargets(principalOf(request).tenant);
    if (!bytes) throw notFound('pending targets metadata');
    return sendJsonBytes(reply, bytes);
  });

  app.put('/tuf/targets', { preHandler: requires('APPROVE_RELEASE') }, async (request) => {
    return tuf.submitTargets(principalOf(request), parseBody(schemas.metadata, request.body));
  });

  app.delete('/tuf/targets/pending', { preHandler: requires('APPROVE_RELEASE') }, async (request, reply) => {
    await tuf.discardPendingTargets(principalOf(request));
    return reply.status(204).send();
  });
}
