/**
 * DDI over HTTP: `/{tenant}/controller/v1/{controllerId}/…` (hawkBit DDI API; wire contract in
 * shared/reference/hawkbit-api.md §1, schemas in ddi-schemas.ts). Each request authenticates the
 * device first (ddi-auth.ts, as `preValidation`, so a caller without credentials gets 401 before
 * its body is looked at); handlers then make one service call and shape hawkBit's JSON
 * (ddi-dto.ts). Downloads are in ddi-downloads.ts.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ddiFeedbackSchema } from '@osprey/protocol';
import type { DirectDownloads } from '../blob/direct.js';
import type { BlobStore } from '../blob/store.js';
import type { ArtifactView } from '../domain/ddi/artifacts.js';
import type { ArtifactIntegrity } from '../domain/integrity.js';
import type { DdiService } from '../domain/ddi.js';
import { badRequest, ServerError } from '../errors.js';
import { authenticateDevice, deviceOf, type DeviceIdentity } from './ddi-auth.js';
import { registerDownloadRoutes } from './ddi-downloads.js';
import type { ServerMetrics } from '../metrics.js';
import { countFeedback, feedbackErrorHook, pollHook } from './metrics.js';
import { artifactBody, cancelActionBody, confirmationStateBody, deploymentBody, deviceUrls, pollBody, type DeviceUrls, type DirectLinks } from './ddi-dto.js';
import {
  actionParams,
  autoConfirmBody,
  cancelActionReply,
  configDataBody,
  confirmationFeedbackBody,
  confirmationReply,
  confirmationStateReply,
  deploymentQuery,
  deploymentReply,
  deviceParams,
  empty,
  installedBaseBody,
  moduleArtifactsReply,
  moduleParams,
  pollReply,
  publicKeyBody,
} from './ddi-schemas.js';
import type { TypedApp } from './schema.js';

export interface DdiPluginOptions {
  ddi: DdiService;
  blobs: BlobStore;
  integrity: ArtifactIntegrity;
  trustedProxies: readonly string[];
  /** Polls, downloads and feedback are counted through route hooks (http/metrics.ts). */
  metrics: ServerMetrics;
  /** Direct downloads (blob/direct.ts): artifact links point at storage, signed for each response. */
  direct?: { downloads: DirectDownloads; ttlSeconds: number };
}

/**
 * The direct-download URLs of these artifacts, one per artifact whose blob is servable
 * (integrity.assertServable: a blob gone or of another length gets no link to storage, and the
 * damage is recorded as a download would; its server link then answers 503). Without direct
 * downloads, none.
 */
async function directLinks(
  options: DdiPluginOptions,
  request: FastifyRequest,
  tenant: string,
  artifacts: readonly ArtifactView[],
): Promise<DirectLinks | undefined> {
  const direct = options.direct;
  if (!direct) return undefined;
  const links = new Map<number, string>();
  for (const a of artifacts) {
    try {
      await options.integrity.assertServable(tenant, { id: a.id, sha256: a.hashes.sha256, size: a.size, damage: null }, 'device download');
    } catch (e) {
      if (e instanceof ServerError && e.code === 'ARTIFACT_DAMAGED') continue;
      if (e instanceof ServerError) throw e;
      // The store could not be asked (down, slow, refusing): the deployment is still answered,
      // with this artifact's link on the server, whose own download reports the store's state.
      request.log.warn({ err: e, artifactId: a.id }, 'the blob store did not answer; this artifact is linked to the server instead of storage');
      continue;
    }
    links.set(a.id, await direct.downloads.urlFor(a.hashes.sha256, { expiresInSeconds: direct.ttlSeconds, fileName: a.filename }));
  }
  return links;
}

/** Links under the device's own DDI base, as the device reached us. */
function urlsOf(request: FastifyRequest, device: DeviceIdentity): DeviceUrls {
  return deviceUrls(`${request.protocol}://${request.host}`, device.tenant, device.target.controllerId);
}

/** hawkBit answers hal+json by default and plain JSON to clients that ask for it (SWUpdate); the route's reply schema serialises the body. */
function jsonType(request: FastifyRequest): string {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/hal+json') || !accept.includes('application/json') ? 'application/hal+json' : 'application/json';
}

/**
 * The poll's ETag, over the serialised body (the bytes sent): a device that sends it back in
 * If-None-Match gets a 304 without a body while nothing changed for it.
 */
async function pollETag(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (reply.statusCode !== 200 || typeof payload !== 'string') return payload;
  const etag = `"${createHash('sha1').update(payload).digest('hex')}"`;
  reply.header('ETag', etag).header('Cache-Control', 'no-cache');
  if (request.headers['if-none-match'] !== etag) return payload;
  reply.status(304).removeHeader('content-type');
  return null;
}

export async function ddiPlugin(app: TypedApp, options: DdiPluginOptions): Promise<void> {
  const { ddi, metrics } = options;

  app.decorateRequest('device', null);
  app.addHook('preValidation', async (request) => {
    // The path names the device; its segments are checked before anything is looked up.
    const parsed = deviceParams.safeParse(request.params);
    if (!parsed.success) throw badRequest(parsed.error.issues[0]!.message);
    const { tenant, controllerId } = parsed.data;
    const device = await authenticateDevice(request, ddi.devices, { tenant, controllerId, now: ddi.clock() }, options.trustedProxies);
    ddi.devices.recordSeen(device.target, request.ip);
    (request as FastifyRequest & { device: DeviceIdentity }).device = device;
  });

  // Root poll (§1.3), with an ETag over the body so an unchanged answer costs a 304.
  app.get(
    '/',
    { schema: { params: deviceParams, response: { 200: pollReply, 304: empty } }, onSend: pollETag, onResponse: pollHook(metrics) },
    async (request, reply) => {
      const d = deviceOf(request);
      return reply.type(jsonType(request)).send(pollBody(urlsOf(request, d), await ddi.deployments.poll(d.target, d.config)));
    },
  );

  app.put('/configData', { schema: { params: deviceParams, body: configDataBody, response: { 200: empty } } }, async (request, reply) => {
    const d = deviceOf(request);
    await ddi.configData.apply(d.target, request.body.mode ?? 'merge', request.body.data);
    return reply.status(200).send(undefined);
  });

  // deploymentBase, installedBase and confirmationBase share one body shape (§1.4, §1.6).
  for (const [resource, kind] of [
    ['deploymentBase', 'deployment'],
    ['installedBase', 'installed'],
    ['confirmationBase', 'confirmation'],
  ] as const) {
    const response = { 200: kind === 'confirmation' ? confirmationReply : deploymentReply };
    app.get(`/${resource}/:actionId`, { schema: { params: actionParams, querystring: deploymentQuery, response } }, async (request, reply) => {
      const d = deviceOf(request);
      const view = await ddi.deployments.deployment(d.target, request.params.actionId, kind, request.query.actionHistory ?? 0);
      // Consent comes before the bytes: a confirmation's links stay on the server.
      const direct =
        kind === 'confirmation'
          ? undefined
          : await directLinks(
              options,
              request,
              d.target.tenant,
              view.chunks.flatMap((c) => c.artifacts),
            );
      return reply.type(jsonType(request)).send(deploymentBody(urlsOf(request, d), view, direct));
    });
  }

  app.post(
    '/deploymentBase/:actionId/feedback',
    { schema: { params: actionParams, body: ddiFeedbackSchema, response: { 200: empty } }, onResponse: feedbackErrorHook(metrics, 'deployment') },
    async (request, reply) => {
      await ddi.feedback.deploymentFeedback(deviceOf(request).target, request.params.actionId, request.body);
      countFeedback(metrics, 'deployment', request.body.status);
      return reply.status(200).send(undefined);
    },
  );

  app.get('/cancelAction/:actionId', { schema: { params: actionParams, response: { 200: cancelActionReply } } }, async (request, reply) => {
    const { actionId } = await ddi.deployments.cancelAction(deviceOf(request).target, request.params.actionId);
    return reply.type(jsonType(request)).send(cancelActionBody(actionId));
  });

  app.post(
    '/cancelAction/:actionId/feedback',
    { schema: { params: actionParams, body: ddiFeedbackSchema, response: { 200: empty } }, onResponse: feedbackErrorHook(metrics, 'cancel') },
    async (request, reply) => {
      await ddi.feedback.cancelFeedback(deviceOf(request).target, request.params.actionId, request.body);
      countFeedback(metrics, 'cancel', request.body.status);
      return reply.status(200).send(undefined);
    },
  );

  app.put('/installedBase', { schema: { params: deviceParams, body: installedBaseBody, response: { 200: empty, 201: empty } } }, async (request, reply) => {
    const { created } = await ddi.feedback.reportInstalled(deviceOf(request).target, request.body.name, request.body.version);
    return reply.status(created ? 201 : 200).send(undefined);
  });

  app.get('/confirmationBase', { schema: { params: deviceParams, response: { 200: confirmationStateReply } } }, async (request, reply) => {
    const d = deviceOf(request);
    return reply.type(jsonType(request)).send(confirmationStateBody(urlsOf(request, d), await ddi.deployments.confirmationState(d.target)));
  });

  app.post(
    '/confirmationBase/:actionId/feedback',
    { schema: { params: actionParams, body: confirmationFeedbackBody, response: { 200: empty } } },
    async (request, reply) => {
      const { confirmation, code, details } = request.body;
      await ddi.feedback.confirmationFeedback(deviceOf(request).target, request.params.actionId, confirmation, code, details ?? []);
      return reply.status(200).send(undefined);
    },
  );

  for (const [path, active] of [
    ['/confirmationBase/activateAutoConfirm', true],
    ['/confirmationBase/deactivateAutoConfirm', false],
  ] as const) {
    app.post(path, { schema: { params: deviceParams, body: autoConfirmBody, response: { 200: empty } } }, async (request, reply) => {
      await ddi.feedback.setAutoConfirm(deviceOf(request).target, active, request.body?.initiator, request.body?.remark);
      return reply.status(200).send(undefined);
    });
  }

  // Osprey extension: a device registers its own age recipient once, when the tenant allows it.
  app.put('/osprey/publicKey', { schema: { params: deviceParams, body: publicKeyBody, response: { 200: empty, 201: empty } } }, async (request, reply) => {
    const d = deviceOf(request);
    const { created } = await ddi.devices.registerPublicKey(d.target, request.body.publicKey, d.config);
    return reply.status(created ? 201 : 200).send(undefined);
  });

  app.get('/softwaremodules/:moduleId/artifacts', { schema: { params: moduleParams, response: { 200: moduleArtifactsReply } } }, async (request, reply) => {
    const d = deviceOf(request);
    const { moduleId } = request.params;
    const urls = urlsOf(request, d);
    const artifacts = await ddi.deployments.moduleArtifacts(d.target, moduleId);
    const direct = await directLinks(options, request, d.target.tenant, artifacts);
    return reply.type(jsonType(request)).send(artifacts.map((a) => artifactBody(urls, moduleId, a, direct)));
  });

  registerDownloadRoutes(app, ddi, options.blobs, options.integrity, metrics);
}
