/**
 * DDI over HTTP: `/{tenant}/controller/v1/{controllerId}/…` (hawkBit DDI API; wire contract in
 * shared/reference/hawkbit-api.md §1). Each request authenticates the device first (ddi-auth.ts);
 * handlers validate input, call the DdiService, and shape hawkBit's JSON.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ddiFeedbackSchema } from '@osprey/protocol';
import type { BlobStore } from '../blob/store.js';
import type { DdiService } from '../domain/ddi.js';
import { ServerError, badRequest } from '../errors.js';
import { authenticateDevice, type DeviceIdentity } from './ddi-auth.js';
import { MULTIPART_BOUNDARY, multipartLayout, planDownload } from './ranges.js';

export interface DdiPluginOptions {
  ddi: DdiService;
  blobs: BlobStore;
  trustedProxies: readonly string[];
}

const NAME = /^[A-Za-z0-9_.:@+-]{1,256}$/;

interface Params {
  tenant: string;
  controllerId: string;
  actionId?: string;
  moduleId?: string;
  fileName?: string;
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw badRequest(`invalid body at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

function actionIdOf(params: Params): number {
  const id = Number(params.actionId);
  if (!/^\d{1,15}$/.test(params.actionId ?? '') || !Number.isSafeInteger(id))
    throw badRequest(`action id must be a number, not ${JSON.stringify(params.actionId)}`);
  return id;
}

function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/** hawkBit answers hal+json by default and plain JSON to clients that ask for it (SWUpdate). */
function sendJson(request: FastifyRequest, reply: FastifyReply, body: unknown): FastifyReply {
  const accept = request.headers.accept ?? '';
  const type = accept.includes('application/hal+json') || !accept.includes('application/json') ? 'application/hal+json' : 'application/json';
  return reply.type(type).send(JSON.stringify(body));
}

const configDataSchema = z.object({
  mode: z.enum(['merge', 'replace', 'remove']).optional(),
  data: z.record(z.string().min(1).max(128), z.string().max(128)),
});
const installedBaseSchema = z.object({ name: z.string().min(1).max(128), version: z.string().min(1).max(64) });
const confirmationSchema = z.object({
  confirmation: z.enum(['confirmed', 'denied']),
  code: z.int().optional(),
  details: z.array(z.string().max(512)).max(50).optional(),
});
const autoConfirmSchema = z.object({ initiator: z.string().max(64).optional(), remark: z.string().max(512).optional() }).optional();
const publicKeySchema = z.object({ publicKey: z.string().min(10).max(8192) });

export async function ddiPlugin(app: FastifyInstance, options: DdiPluginOptions): Promise<void> {
  const { ddi, blobs } = options;

  app.decorateRequest('device', null);
  app.addHook('preHandler', async (request) => {
    const params = request.params as Params;
    if (!NAME.test(params.tenant ?? '')) throw badRequest('invalid tenant name');
    if (!NAME.test(params.controllerId ?? '')) throw badRequest('invalid controllerId: use 1–256 letters, digits or _ . : @ + -');
    const device = await authenticateDevice(request, ddi, params.tenant, params.controllerId, options.trustedProxies);
    ddi.recordSeen(device.target, request.ip);
    (request as FastifyRequest & { device: DeviceIdentity }).device = device;
  });
  const deviceOf = (request: FastifyRequest) => (request as FastifyRequest & { device: DeviceIdentity }).device;
  /** HAL `_links` from relative paths under the device's own DDI base. */
  const halLinks = (request: FastifyRequest, d: DeviceIdentity, links: Record<string, string>) => {
    const base = `${baseUrl(request)}/${encodeURIComponent(d.tenant)}/controller/v1/${encodeURIComponent(d.target.controllerId)}`;
    return Object.fromEntries(Object.entries(links).map(([rel, path]) => [rel, { href: `${base}/${path}` }]));
  };

  // Root poll (§1.3), with an ETag over the body so an unchanged answer costs a 304.
  app.get('/', async (request, reply) => {
    const d = deviceOf(request);
    const { sleep, links } = await ddi.poll(d.tenant, d.target, d.config);
    const body: Record<string, unknown> = { config: { polling: { sleep } } };
    if (Object.keys(links).length > 0) body._links = halLinks(request, d, links);
    const json = JSON.stringify(body);
    const etag = `"${createHash('sha1').update(json).digest('hex')}"`;
    reply.header('ETag', etag).header('Cache-Control', 'no-cache');
    if (request.headers['if-none-match'] === etag) return reply.status(304).send();
    return sendJson(request, reply, body);
  });

  app.put('/configData', async (request, reply) => {
    const d = deviceOf(request);
    const body = parseBody(configDataSchema, request.body);
    await ddi.configData(d.tenant, d.target, body.mode ?? 'merge', body.data);
    return reply.status(200).send();
  });

  const historyOf = (request: FastifyRequest) => {
    const raw = (request.query as Record<string, string | undefined>).actionHistory;
    if (raw === undefined) return 0;
    if (!/^-?\d{1,6}$/.test(raw)) throw badRequest('actionHistory must be a whole number');
    return Number(raw);
  };

  // deploymentBase, installedBase and confirmationBase share one body shape (§1.4, §1.6).
  for (const [resource, kind] of [
    ['deploymentBase', 'deployment'],
    ['installedBase', 'installed'],
    ['confirmationBase', 'confirmation'],
  ] as const) {
    app.get(`/${resource}/:actionId`, async (request, reply) => {
      const d = deviceOf(request);
      const body = await ddi.deploymentBase(d.tenant, d.target, actionIdOf(request.params as Params), {
        kind,
        actionHistory: historyOf(request),
        baseUrl: baseUrl(request),
      });
      return sendJson(request, reply, body);
    });
  }

  app.post('/deploymentBase/:actionId/feedback', async (request, reply) => {
    const d = deviceOf(request);
    await ddi.deploymentFeedback(d.tenant, d.target, actionIdOf(request.params as Params), parseBody(ddiFeedbackSchema, request.body));
    return reply.status(200).send();
  });

  app.get('/cancelAction/:actionId', async (request, reply) => {
    const d = deviceOf(request);
    return sendJson(request, reply, await ddi.cancelAction(d.tenant, d.target, actionIdOf(request.params as Params)));
  });

  app.post('/cancelAction/:actionId/feedback', async (request, reply) => {
    const d = deviceOf(request);
    await ddi.cancelFeedback(d.tenant, d.target, actionIdOf(request.params as Params), parseBody(ddiFeedbackSchema, request.body));
    return reply.status(200).send();
  });

  app.put('/installedBase', async (request, reply) => {
    const d = deviceOf(request);
    const body = parseBody(installedBaseSchema, request.body);
    const { created } = await ddi.reportInstalled(d.tenant, d.target, body.name, body.version);
    return reply.status(created ? 201 : 200).send();
  });

  app.get('/confirmationBase', async (request, reply) => {
    const d = deviceOf(request);
    const { autoConfirm, links } = await ddi.confirmationBase(d.tenant, d.target);
    return sendJson(request, reply, { autoConfirm, _links: halLinks(request, d, links as Record<string, string>) });
  });

  app.post('/confirmationBase/:actionId/feedback', async (request, reply) => {
    const d = deviceOf(request);
    const body = parseBody(confirmationSchema, request.body);
    await ddi.confirmationFeedback(d.tenant, d.target, actionIdOf(request.params as Params), body.confirmation, body.code, body.details ?? []);
    return reply.status(200).send();
  });

  for (const [path, active] of [
    ['/confirmationBase/activateAutoConfirm', true],
    ['/confirmationBase/deactivateAutoConfirm', false],
  ] as const) {
    app.post(path, async (request, reply) => {
      const d = deviceOf(request);
      const body = parseBody(autoConfirmSchema, request.body ?? undefined);
      await ddi.setAutoConfirm(d.tenant, d.target, active, body?.initiator, body?.remark);
      return reply.status(200).send();
    });
  }

  // Osprey extension: a device registers its own age recipient once, when the tenant allows it.
  app.put('/osprey/publicKey', async (request, reply) => {
    const d = deviceOf(request);
    const body = parseBody(publicKeySchema, request.body);
    const { created } = await ddi.registerPublicKey(d.tenant, d.target, body.publicKey, d.config);
    return reply.status(created ? 201 : 200).send();
  });

  app.get('/softwaremodules/:moduleId/artifacts', async (request, reply) => {
    const d = deviceOf(request);
    const moduleId = Number((request.params as Params).moduleId);
    return sendJson(request, reply, await ddi.moduleArtifacts(d.tenant, d.target, moduleId, baseUrl(request)));
  });

  // Artifact download (§1.8): GET and HEAD, ETag = "<sha1>", Range, If-Range, If-Match, .MD5SUM;
  // and (Osprey) `.sig`, the detached signature for `openssl dgst -sha256 -verify`.
  app.route({
    method: ['GET', 'HEAD'],
    url: '/softwaremodules/:moduleId/artifacts/:fileName',
    handler: async (request, reply) => {
      const d = deviceOf(request);
      const params = request.params as Params;
      const moduleId = Number(params.moduleId);
      let fileName = params.fileName ?? '';
      const md5sum = fileName.endsWith('.MD5SUM');
      if (md5sum) fileName = fileName.slice(0, -'.MD5SUM'.length);
      let found: Awaited<ReturnType<DdiService['downloadableArtifact']>>;
      let signature = false;
      try {
        found = await ddi.downloadableArtifact(d.tenant, d.target, moduleId, fileName);
      } catch (e) {
        // `<file>.sig` is the signature of <file>, unless an artifact has that very name (tried first).
        if (md5sum || !fileName.endsWith('.sig') || !(e instanceof ServerError && e.code === 'NOT_FOUND')) throw e;
        fileName = fileName.slice(0, -'.sig'.length);
        found = await ddi.downloadableArtifact(d.tenant, d.target, moduleId, fileName);
        signature = true;
      }
      const { artifact, actionId } = found;
      const disposition = (name: string) => `attachment;filename=${encodeURIComponent(name)}`;
      if (md5sum) {
        return reply
          .type('text/plain')
          .header('Content-Disposition', disposition(`${artifact.filename}.MD5SUM`))
          .send(`${artifact.md5}  ${artifact.filename}`);
      }
      if (signature) {
        if (!artifact.signature) throw new ServerError('NOT_FOUND', `artifact ${artifact.filename} has no signature`);
        return reply
          .type('application/octet-stream')
          .header('Content-Disposition', disposition(`${artifact.filename}.sig`))
          .send(Buffer.from(artifact.signature));
      }
      const size = Number(artifact.size);
      const etag = `"${artifact.sha1}"`;
      const lastModified = new Date(artifact.created_at);
      reply
        .header('ETag', etag)
        .header('Accept-Ranges', 'bytes')
        .header('Last-Modified', lastModified.toUTCString())
        .header('Content-Disposition', disposition(artifact.filename))
        .header('X-Content-Type-Options', 'nosniff');
      const plan = planDownload(
        {
          method: request.method,
          range: request.headers.range,
          ifRange: request.headers['if-range'] as string | undefined,
          ifMatch: request.headers['if-match'],
          ifNoneMatch: request.headers['if-none-match'],
        },
        size,
        etag,
        lastModified,
      );
      const octets = 'application/octet-stream';
      switch (plan.kind) {
        case 'precondition-failed':
          throw new ServerError('PRECONDITION_FAILED', 'If-Match does not match the artifact');
        case 'not-modified':
          return reply.status(304).send();
        case 'unsatisfiable':
          reply.header('Content-Range', `bytes */${size}`);
          throw new ServerError('RANGE_NOT_SATISFIABLE', `the requested range is outside the artifact (${size} bytes)`);
        case 'single':
          reply
            .status(206)
            .type(octets)
            .header('Content-Range', `bytes ${plan.start}-${plan.end}/${size}`)
            .header('Content-Length', plan.end - plan.start + 1);
          return reply.send(blobs.get(artifact.sha256, plan));
        case 'multi': {
          const { parts, tail, length } = multipartLayout(plan.ranges, size, octets);
          reply.status(206).type(`multipart/byteranges; boundary=${MULTIPART_BOUNDARY}`).header('Content-Length', length);
          async function* body() {
            for (const part of parts) {
              yield part.head;
              for await (const chunk of blobs.get(artifact.sha256, part)) yield chunk as Buffer;
              yield Buffer.from('\r\n');
            }
            yield tail;
          }
          return reply.send(Readable.from(body()));
        }
        case 'full':
          reply.status(200).type(octets).header('Content-Length', size);
          if (request.method === 'HEAD') return reply.send();
          // A full download is recorded; range requests are not (they would eat the status quota, #1249).
          if (actionId !== undefined) await ddi.recordDownload(d.tenant, actionId, request.url);
          return reply.send(blobs.get(artifact.sha256));
      }
    },
  });
}
