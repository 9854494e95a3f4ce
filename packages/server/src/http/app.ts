/**
 * The fastify application: one plugin per audience, each with its own authentication.
 *   /healthz, /readyz                        probes (no auth)
 *   /{tenant}/controller/v1/{controllerId}   DDI (device credentials)
 *   /{tenant}/tuf/…                          TUF repository (public, signed)
 *   /rest/v1/…                               management API (users, API tokens)
 */
import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { BlobStore } from '../blob/store.js';
import type { ServerConfig } from '../config.js';
import type { Database } from '../db/schema.js';
import type { DdiService } from '../domain/ddi.js';
import type { ManagementService } from '../domain/management.js';
import type { TufServices } from '../domain/tuf/services.js';
import type { ReleaseService } from '../domain/releases.js';
import type { Changes } from '../domain/changes.js';
import type { TenantConfigService } from '../domain/tenant-config-service.js';
import type { ActionService } from '../domain/actions.js';
import type { SignatureService } from '../domain/artifact-signatures.js';
import type { AuditLog } from '../domain/audit.js';
import type { CatalogueService } from '../domain/catalogue.js';
import type { MetadataService } from '../domain/metadata.js';
import type { RolloutService } from '../domain/rollouts.js';
import type { AutoAssignService } from '../domain/auto-assign.js';
import type { LoginService } from '../domain/login.js';
import type { UserService } from '../domain/users.js';
import { ServerError } from '../errors.js';
import { ManagementAuthenticator } from './mgmt/auth.js';
import { managementPlugin } from './mgmt/plugin.js';
import { ddiPlugin } from './ddi.js';
import { installErrorHandlers } from './errors.js';
import type { DestinationStream } from 'pino';
import { createLogger } from './log.js';
import { openApiDocument, registerOpenApi } from './openapi.js';
import { useRouteSchemas } from './schema.js';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { tufPlugin } from './tuf.js';

export interface AppDependencies {
  config: ServerConfig;
  db: Kysely<Database>;
  blobs: BlobStore;
  ddi: DdiService;
  management: ManagementService;
  tuf: TufServices;
  releases: ReleaseService;
  changes: Changes;
  configs: TenantConfigService;
  users: UserService;
  login: LoginService;
  rollouts: RolloutService;
  autoAssign: AutoAssignService;
  catalogue: CatalogueService;
  metadata: MetadataService;
  actions: ActionService;
  auditLog: AuditLog;
  signatures: SignatureService;
  /** Where log lines go (default stdout); tests read them. */
  logStream?: DestinationStream;
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
    logController: new RequestsAtDebug(),
    bodyLimit: config.bodyLimit,
    // DDI controller ids and file names can be long; hawkBit allows up to 256 characters.
    routerOptions: { maxParamLength: 512 },
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    ...https,
  }) as unknown as FastifyInstance;
  installErrorHandlers(app);
  // A refusal that says when to come back (a throttled login) carries Retry-After (RFC 9110 §10.2.3).
  app.addHook('onError', async (_request, reply, error) => {
    if (error instanceof ServerError && error.retryAfterSeconds !== undefined) reply.header('Retry-After', String(error.retryAfterSeconds));
  });
  // Route schemas (zod): requests validated and typed, replies checked, the OpenAPI document generated from them.
  useRouteSchemas(app);
  app.setSerializerCompiler(serializerCompiler);
  await registerOpenApi(app, SERVER_VERSION);
  // SWUpdate sends JSON with `Expect: 100-continue`; hal+json bodies are JSON too.
  app.addContentTypeParser('application/hal+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await sql`select 1`.execute(deps.db);
      return { status: 'ready' };
    } catch {
      return reply.status(503).send({ status: 'database unavailable' });
    }
  });
  await app.register(ddiPlugin, { prefix: '/:tenant/controller/v1/:controllerId', ddi: deps.ddi, blobs: deps.blobs, trustedProxies: config.trustedProxies });
  await app.register(tufPlugin, { prefix: '/:tenant/tuf', repository: deps.tuf.repository, blobs: deps.blobs });
  await app.register(managementPlugin, {
    prefix: '/rest/v1',
    db: deps.db,
    blobs: deps.blobs,
    service: deps.management,
    authenticator: new ManagementAuthenticator(deps.login),
    maxArtifactBytes: config.maxArtifactBytes,
    tuf: deps.tuf,
    releases: deps.releases,
    changes: deps.changes,
    configs: deps.configs,
    catalogue: deps.catalogue,
    metadata: deps.metadata,
    actions: deps.actions,
    auditLog: deps.auditLog,
    signatures: deps.signatures,
    rollouts: deps.rollouts,
    autoAssign: deps.autoAssign,
    users: deps.users,
  });
  // Public: the document describes the API, it grants nothing.
  app.get('/rest/v1/openapi.json', { schema: { hide: true } }, async () => openApiDocument(app));
  return app;
}

export const SERVER_VERSION = '0.1.0';
