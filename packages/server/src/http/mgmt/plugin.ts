/**
 * The management API, `/rest/v1` (hawkBit-compatible, shared/reference/hawkbit-api.md §2): HTTP
 * Basic or Bearer API tokens, hawkBit permission names, paging `offset`/`limit`, `sort=field:ASC`,
 * RSQL `q=`, creates taking arrays, the hawkBit error body. This plugin authenticates every
 * request, registers multipart uploads and the route modules (one file per area, each with its
 * route schemas); the routes themselves live in those modules.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { registerActionRoutes } from './actions.js';
import { registerAuditRoutes } from './audit.js';
import type { ManagementAuthenticator, Principal } from './auth.js';
import { registerAutoAssignRoutes } from './auto-assign.js';
import { registerCatalogueRoutes } from './catalogue.js';
import type { ManagementContext, ManagementServices } from './context.js';
import { registerDistributionSetRoutes } from './distribution-sets.js';
import { registerEventRoutes, type EventStreamOptions } from './events.js';
import { registerReleaseRoutes } from './release.js';
import { registerRolloutRoutes } from './rollouts.js';
import { registerSessionRoutes } from './sessions.js';
import { registerSignatureRoutes } from './signatures.js';
import { registerSoftwareModuleRoutes } from './software-modules.js';
import { registerSystemRoutes } from './system.js';
import { registerTargetRoutes } from './targets.js';
import { registerUserRoutes } from './users.js';

export interface ManagementPluginOptions {
  services: ManagementServices;
  authenticator: ManagementAuthenticator;
  /** Largest artifact accepted, in bytes. */
  maxArtifactBytes: number;
  /** The live channel's timing and bounds (tests inject the ticker). */
  liveEvents?: Omit<EventStreamOptions, 'bus' | 'authenticate'>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A management route that authenticates by its body (sign-in), not by the Authorization header. */
    public?: boolean;
  }
}

export async function managementPlugin(app: FastifyInstance, options: ManagementPluginOptions): Promise<void> {
  // One byte above our own limit: the upload (stageArtifact) refuses first, cleanly, with a 413.
  await app.register(multipart, { limits: { fileSize: options.maxArtifactBytes + 1, files: 1, fields: 10, fieldSize: 1024 } });

  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.public === true) return;
    try {
      (request as FastifyRequest & { principal: Principal }).principal = await options.authenticator.authenticate(request);
    } catch (e) {
      // A Bearer caller (the console, a pipeline) is not asked for Basic: a browser would pop up its password dialog.
      const bearer = /^bearer\s/i.test(request.headers.authorization ?? '');
      reply.header('WWW-Authenticate', bearer ? 'Bearer realm="Osprey"' : 'Basic realm="Osprey", charset="UTF-8"');
      throw e;
    }
  });

  // --- route modules (one file per area; each exports (app, context) => Promise<void>) --------
  const context: ManagementContext = { ...options.services, base: (request) => `${request.protocol}://${request.host}/rest/v1` };
  const typed = app.withTypeProvider<ZodTypeProvider>();
  await registerSystemRoutes(typed, context);
  await registerTargetRoutes(typed, context);
  await registerSoftwareModuleRoutes(typed, context);
  await registerDistributionSetRoutes(typed, context);
  await registerReleaseRoutes(typed, context);
  await registerUserRoutes(typed, context);
  await registerSignatureRoutes(typed, context);
  await registerAuditRoutes(typed, context);
  await registerActionRoutes(typed, context);
  await registerCatalogueRoutes(typed, context);
  await registerRolloutRoutes(typed, context);
  await registerAutoAssignRoutes(typed, context);
  await registerSessionRoutes(typed, context);
  await registerEventRoutes(typed, {
    ...options.liveEvents,
    bus: options.services.changes.events,
    authenticate: (request) => options.authenticator.authenticate(request),
  });
}
