/**
 * The management API, `/rest/v1` (hawkBit-compatible, shared/reference/hawkbit-api.md §2): HTTP
 * Basic or Bearer API tokens, hawkBit permission names, paging `offset`/`limit`, `sort=field:ASC`,
 * RSQL `q=`, creates taking arrays, the hawkBit error body. This plugin authenticates every
 * request, registers multipart uploads and the route modules (one file per area, each with its
 * route schemas); the routes themselves live in those modules.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { BlobStore } from '../../blob/store.js';
import type { ManagementService } from '../../domain/management.js';
import type { TufServices } from '../../domain/tuf/services.js';
import type { ReleaseService } from '../../domain/releases.js';
import { badRequest } from '../../errors.js';
import { registerActionRoutes } from './actions.js';
import { registerAuditRoutes } from './audit.js';
import { registerCatalogueRoutes } from './catalogue.js';
import { registerRolloutRoutes } from './rollouts.js';
import { registerAutoAssignRoutes } from './auto-assign.js';
import { principalOf, type ManagementAuthenticator, type Principal } from './auth.js';
import { page } from './mappers.js';
import { pageOfTenantRows } from '../../db/stores/list-query.js';
import { registerDistributionSetRoutes } from './distribution-sets.js';
import { registerReleaseRoutes } from './release.js';
import { registerSignatureRoutes } from './signatures.js';
import { registerSoftwareModuleRoutes } from './software-modules.js';
import { registerTargetRoutes } from './targets.js';
import { registerUserRoutes } from './users.js';
import { registerSystemRoutes } from './system.js';
import type { ManagementContext } from './context.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Changes } from '../../domain/changes.js';
import type { TenantConfigService } from '../../domain/tenant-config-service.js';
import type { ActionService } from '../../domain/actions.js';
import type { SignatureService } from '../../domain/artifact-signatures.js';
import type { AuditLog } from '../../domain/audit.js';
import type { CatalogueService } from '../../domain/catalogue.js';
import type { MetadataService } from '../../domain/metadata.js';
import { listQuery, parseWith } from '../schema.js';
import type { RolloutService } from '../../domain/rollouts.js';
import type { AutoAssignService } from '../../domain/auto-assign.js';
import type { UserService } from '../../domain/users.js';

export interface ManagementPluginOptions {
  db: ManagementContext['db'];
  blobs: BlobStore;
  service: ManagementService;
  authenticator: ManagementAuthenticator;
  /** Largest artifact accepted, in bytes. */
  maxArtifactBytes: number;
  /** The tenants' TUF repositories: releases, root import and rotation, offline targets. */
  tuf: TufServices;
  releases: ReleaseService;
  changes: Changes;
  configs: TenantConfigService;
  /** The catalogue, metadata, actions, audit log and signature services (http/mgmt/context.ts). */
  catalogue: CatalogueService;
  metadata: MetadataService;
  actions: ActionService;
  auditLog: AuditLog;
  signatures: SignatureService;
  rollouts: RolloutService;
  autoAssign: AutoAssignService;
  users: UserService;
}

/** The old body helper of ManagementContext: the same 400s as the route schemas give. */
const parseBody = <T>(schema: z.ZodType<T>, body: unknown): T => parseWith(schema, body);

const idOf = (raw: unknown, what: string): number => {
  const text = String(raw);
  if (!/^\d{1,15}$/.test(text)) throw badRequest(`${what} id must be a number, not ${JSON.stringify(text)}`);
  return Number(text);
};

export async function managementPlugin(app: FastifyInstance, options: ManagementPluginOptions): Promise<void> {
  const { db, service } = options;
  // One byte above our own limit: the upload (stageArtifact) refuses first, cleanly, with a 413.
  await app.register(multipart, { limits: { fileSize: options.maxArtifactBytes + 1, files: 1, fields: 10, fieldSize: 1024 } });

  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    try {
      (request as FastifyRequest & { principal: Principal }).principal = await options.authenticator.authenticate(request);
    } catch (e) {
      reply.header('WWW-Authenticate', 'Basic realm="Osprey", charset="UTF-8"');
      throw e;
    }
  });
  const base = (request: FastifyRequest) => `${request.protocol}://${request.host}/rest/v1`;

  /** The old list helper, for route modules not yet moved to stores (it goes with ManagementContext.list). */
  const list: ManagementContext['list'] = async (request, table, fields, scope, map) => {
    const query = parseWith(listQuery, request.query, 'querystring');
    const { rows, total } = await pageOfTenantRows(db, table, principalOf(request).tenant, fields, scope, query);
    return page(await Promise.all(rows.map(map)), total);
  };

  // --- route modules (one file per area; each exports (app, context) => Promise<void>) --------
  const { catalogue, metadata, actions, auditLog, signatures } = options;
  const context: ManagementContext = {
    changes: options.changes,
    configs: options.configs,
    tuf: options.tuf,
    releases: options.releases,
    catalogue,
    metadata,
    actions,
    auditLog,
    signatures,
    db,
    blobs: options.blobs,
    service,
    targets: service.targets,
    modules: service.modules,
    sets: service.sets,
    rollouts: options.rollouts,
    autoAssign: options.autoAssign,
    users: options.users,
    base,
    parseBody,
    idOf,
    list,
  };
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
}
