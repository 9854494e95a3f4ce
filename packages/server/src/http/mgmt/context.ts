/**
 * What each management route module receives: the services it calls and the request helpers.
 * Route modules (one file per area) export `register…Routes(app: TypedApp, context)`.
 *
 * `db`, `parseBody`, `idOf` and `list` are the old shape: handlers that still query or parse by
 * hand. New routes use route schemas (http/schema.ts) and services, never `db`.
 */
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { BlobStore } from '../../blob/store.js';
import type { Database } from '../../db/schema.js';
import type { ActionService } from '../../domain/actions.js';
import type { SignatureService } from '../../domain/artifact-signatures.js';
import type { AuditLog } from '../../domain/audit.js';
import type { CatalogueService } from '../../domain/catalogue.js';
import type { Changes } from '../../domain/changes.js';
import type { MetadataService } from '../../domain/metadata.js';
import type { DistributionSetService } from '../../domain/distribution-set-service.js';
import type { ManagementService } from '../../domain/management.js';
import type { SoftwareModuleService } from '../../domain/software-module-service.js';
import type { TargetService } from '../../domain/target-service.js';
import type { AutoAssignService } from '../../domain/auto-assign.js';
import type { RolloutService } from '../../domain/rollouts.js';
import type { TenantConfigService } from '../../domain/tenant-config-service.js';
import type { ReleaseService } from '../../domain/releases.js';
import type { TufServices } from '../../domain/tuf/services.js';
import type { UserService } from '../../domain/users.js';
import type { RsqlFields } from '../../db/rsql.js';

/** What route modules get: the database, services and the shared request helpers. */
export interface ManagementContext {
  changes: Changes;
  configs: TenantConfigService;
  /** The tenants' TUF repositories: root import and rotation, online keys. */
  tuf: TufServices;
  /** Releases into them: request, four-eyes approval, status, offline targets. */
  releases: ReleaseService;
  /** Tags, target filters, types (tags.ts, types.ts, filters-metadata.ts). */
  catalogue: CatalogueService;
  metadata: MetadataService;
  /** `/actions`: list, read, force, force-quit. */
  actions: ActionService;
  auditLog: AuditLog;
  signatures: SignatureService;
  rollouts: RolloutService;
  autoAssign: AutoAssignService;
  users: UserService;
  db: Kysely<Database>;
  blobs: BlobStore;
  service: ManagementService;
  targets: TargetService;
  modules: SoftwareModuleService;
  sets: DistributionSetService;
  /** `http(s)://host/rest/v1` of this request, for links. */
  base: (request: FastifyRequest) => string;
  /** Validate a body; unknown fields and bad values become a 400 naming the field. */
  parseBody: <T>(schema: z.ZodType<T>, body: unknown) => T;
  /** A numeric path id, or a 400. */
  idOf: (raw: unknown, what: string) => number;
  /** A paged, sorted, RSQL-filtered list of one tenant's rows of a table (old: any table's query builder and rows). */
  /* eslint-disable @typescript-eslint/no-explicit-any */
  list: <T>(
    request: FastifyRequest,
    table: 'targets' | 'software_modules' | 'distribution_sets' | 'actions',
    fields: RsqlFields,
    scope: (qb: any) => any,
    map: (row: any) => T | Promise<T>,
  ) => Promise<{ content: T[]; total: number; size: number }>;
  /* eslint-enable @typescript-eslint/no-explicit-any */
}
