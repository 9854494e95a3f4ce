/**
 * The fastify application: one plugin per audience, each with its own authentication.
 *   /healthz, /readyz                        probes (no auth)
 *   /metrics                                 Prometheus (OSPREY_METRICS_TOKEN, else loopback only)
 *   /{tenant}/controller/v1/{controllerId}   DDI (device credentials)
 *   /{tenant}/tuf/…                          TUF repository (public, signed)
 *   /rest/v1/…                               management API (users, API tokens, console sessions)
 *   /, /assets/…                             the operator console (http/console.ts), if built
 */
import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { BlobStore } from '../blob/store.js';
import type { ServerConfig } from '../config.js';
import type { DdiService } from '../domain/ddi.js';
import type { ArtifactIntegrity } from '../domain/integrity.js';
import type { LoginService } from '../domain/login.js';
import type { ServerMetrics } from '../metrics.js';
import { ManagementAuthenticator } from './mgmt/auth.js';
import { managementPlugin, type ManagementPluginOptions } from './mgmt/plugin.js';
import { ddiPlugin, type DdiPluginOptions } from './ddi.js';
import { installErrorHandlers } from './errors.js';
import { instrumentRequests, registerMetrics } from './metrics.js';
import { registerReadiness, type ReadinessChecks } from './readiness.js';
import { registerConsole, type ConsoleFallback } from './console.js';
import type { DestinationStream } from 'pino';
import { REQUEST_ID_HEADER, createLogger, requestIdOf } from './log.js';
import { openApiDocument, registerOpenApi } from './openapi.js';
import { useRouteSchemas } from './schema.js';
import { serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ManagementServices } from './mgmt/context.js';
import { tufPlugin } from './tuf.js';

export interface AppDependencies {
  config: ServerConfig;
  blobs: BlobStore;
  /** Downloads check stored bytes through it, and report what they find damaged. */
  integrity: ArtifactIntegrity;
  metrics: ServerMetrics;
  ddi: DdiService;
  /** The services of the management API (http/mgmt/context.ts). */
  management: ManagementServices;
  login: LoginService;
  /** What the readiness probe checks: the database and the blob store. */
  readiness: ReadinessChecks;
  /** Where log lines go (default stdout); tests read them. */
  logStream?: DestinationStream;
  /** The live channel's timing (tests inject its ticker). */
  liveEvents?: ManagementPluginOptions['liveEvents'];
  /** Direct downloads: DDI artifact links point at storage (blob/direct.ts). */
  direct?: DdiPluginOptions['direct'];
}

/** Each request is logged at debug, not info, so the info lines stay the few a person reads. */
class RequestsAtDebug extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) return super.requestCompleted(error, request, reply);
    if (!this.isLogDisabled(request)) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config } = deps;
  const https = config.tls
    ? {
        https: {
          cert: readFileSync(config.tls.cert),
          key: readFileSync(config.tls.key),
          ...(config.tls.clientCa ? { ca: readFileSync(config.tls.clientCa) } : {}),
          // Certificates are checked per tenant in ddi-auth.ts, so the handshake asks but never rejects.
          requestCert: true,
          rejectUnauthorized: false,
        },
      }
    : {};
  const app = Fastify({
    loggerInstance: createLogger({ level: config.logLevel, format: config.logFormat, stream: deps.logStream }),
    // Every log line of a request carries `requestId`: the caller's X-Request-Id when it is sane
    // (a proxy's, to follow one request across hops), else a fresh one; echoed in the response.
    logController: new RequestsAtDebug({ requestIdLogLabel: 'requestId' }),
    genReqId: requestIdOf,
    bodyLimit: config.bodyLimit,
    // DDI controller ids and file names can be long; hawkBit allows up to 256 characters.
    routerOptions: { maxParamLength: 512 },
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    ...https,
  }) as unknown as FastifyInstance;
  // The console's page fallback is known once its routes are registered (last, below).
  let consoleFallback: ConsoleFallback = async () => false;
  installErrorHandlers(app, (request, reply) => consoleFallback(request, reply));
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  instrumentRequests(app, deps.metrics);
  // Route schemas (zod): requests validated and typed, replies checked, the OpenAPI document generated from them.
  useRouteSchemas(app);
  app.setSerializerCompiler(serializerCompiler);
  await registerOpenApi(app, SERVER_VERSION);
  // SWUpdate sends JSON with `Expect: 100-continue`; hal+json bodies are JSON too.
  app.addContentTypeParser('application/hal+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  const probes = app.withTypeProvider<ZodTypeProvider>();
  probes.get('/healthz', { schema: { response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }));
  registerReadiness(probes, deps.readiness);
  registerMetrics(probes, deps.metrics, config.metricsToken);
  await app.register(ddiPlugin, {
    prefix: '/:tenant/controller/v1/:controllerId',
    ddi: deps.ddi,
    blobs: deps.blobs,
    integrity: deps.integrity,
    trustedProxies: config.trustedProxies,
    metrics: deps.metrics,
    ...(deps.direct ? { direct: deps.direct } : {}),
  });
  await app.register(tufPlugin, { prefix: '/:tenant/tuf', repository: deps.management.tuf.repository, blobs: deps.blobs });
  await app.register(managementPlugin, {
    prefix: '/rest/v1',
    services: deps.management,
    authenticator: new ManagementAuthenticator(deps.login, deps.management.sessions),
    maxArtifactBytes: config.maxArtifactBytes,
    ...(deps.liveEvents ? { liveEvents: deps.liveEvents } : {}),
  });
  // Public: the document describes the API, it grants nothing.
  probes.get('/rest/v1/openapi.json', { schema: { response: { 200: z.record(z.string(), z.unknown()).describe('this document') } } }, async () =>
    openApiDocument(app),
  );
  consoleFallback = await registerConsole(app, config.consoleDir);
  return app;
}

export const SERVER_VERSION = '0.1.0';
