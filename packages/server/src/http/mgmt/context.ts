/**
 * What each management route module receives: the services it calls and the request helpers.
 * Route modules (one file per area) export `register…Routes(app: TypedApp, context)`; they parse
 * with route schemas (http/schema.ts) and call services — never the database.
 */
import type { FastifyRequest } from 'fastify';
import type { ActionService } from '../../domain/actions.js';
import type { SignatureService } from '../../domain/artifact-signatures.js';
import type { AuditLog } from '../../domain/audit.js';
import type { CatalogueService } from '../../domain/catalogue.js';
import type { Changes } from '../../domain/changes.js';
import type { MetadataService } from '../../domain/metadata.js';
import type { DistributionSetService } from '../../domain/distribution-set-service.js';
import type { SoftwareModuleService } from '../../domain/software-module-service.js';
import type { TargetService } from '../../domain/target-service.js';
import type { AutoAssignService } from '../../domain/auto-assign.js';
import type { RolloutService } from '../../domain/rollouts.js';
import type { TenantConfigService } from '../../domain/tenant-config-service.js';
import type { ReleaseService } from '../../domain/releases.js';
import type { TufServices } from '../../domain/tuf/services.js';
import type { UserService } from '../../domain/users.js';
import type { SessionService } from '../../domain/sessions.js';

/** The services of the management API, constructed in main.ts (the composition root). */
export interface ManagementServices {
  changes: Changes;
  configs: TenantConfigService;
  /** The tenants' TUF repositories: root import and rotation, online keys. */
  tuf: TufServices;
  /** Releases into them: request, four-eyes approval, status, offline targets. */
  releases: ReleaseService;
  targets: TargetService;
  modules: SoftwareModuleService;
  sets: DistributionSetService;
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
  /** Console sign-in, "who am I", sign-out. */
  sessions: SessionService;
}

/** What route modules get: the services and the request helpers. */
export interface ManagementContext extends ManagementServices {
  /** `http(s)://host/rest/v1` of this request, for links. */
  base: (request: FastifyRequest) => string;
}
