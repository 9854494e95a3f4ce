/**
 * The fleet services of the management API, built together: targets (TargetService), software
 * modules with artifacts (SoftwareModuleService), distribution sets and assignment
 * (DistributionSetService), constructed in main.ts. Route modules take the service of their aggregate.
 *
 * The few methods below the services are the calls route modules of other areas made before the
 * split (`target`, `distributionSet`, `cancel`, `signingPublicKeyPem`); they delegate, and go
 * once those modules call the services themselves.
 */
import type { DistributionSetRow } from '../db/stores/distribution-sets.js';
import type { SoftwareModuleRow } from '../db/stores/software-modules.js';
import type { TargetRow } from '../db/stores/targets.js';
import type { Actor } from './changes.js';
import type { DistributionSetService } from './distribution-set-service.js';
import type { SoftwareModuleService } from './software-module-service.js';
import type { TargetService } from './target-service.js';

export type { Actor } from './changes.js';

export class ManagementService {
  constructor(
    readonly targets: TargetService,
    readonly modules: SoftwareModuleService,
    readonly sets: DistributionSetService,
  ) {}

  target(tenant: string, controllerId: string): Promise<TargetRow> {
    return this.targets.get(tenant, controllerId);
  }

  distributionSet(tenant: string, id: number): Promise<DistributionSetRow> {
    return this.sets.get(tenant, id);
  }

  modulesOf(tenant: string, dsId: number): Promise<SoftwareModuleRow[]> {
    return this.sets.modulesOf(tenant, dsId);
  }

  cancel(who: Actor, actionId: number): Promise<void> {
    return this.targets.cancel(who, actionId);
  }

  signingPublicKeyPem(tenant: string): string {
    return this.modules.signingPublicKeyPem(tenant);
  }
}
