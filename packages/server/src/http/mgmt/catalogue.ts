/**
 * The catalogue around targets and releases (hawkBit §2.2), one route module per concern:
 * tags.ts (target and distribution set tags, tag assignment), types.ts (target, software module
 * and distribution set types), filters-metadata.ts (target filters; metadata of targets, software
 * modules and distribution sets). The rules and the audit are domain/catalogue.ts and
 * domain/metadata.ts.
 */
import type { TypedApp } from '../schema.js';
import type { ManagementContext } from './context.js';
import { registerFilterAndMetadataRoutes } from './filters-metadata.js';
import { registerTagRoutes } from './tags.js';
import { registerTypeRoutes } from './types.js';

export async function registerCatalogueRoutes(app: TypedApp, context: ManagementContext): Promise<void> {
  await registerTagRoutes(app, context);
  await registerTypeRoutes(app, context);
  await registerFilterAndMetadataRoutes(app, context);
}
