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
import type { Changes } from '../../domain/changes.js';
import type { ManagementService } from '../../domain/management.js';
import type { TenantConfigService } from '../../domain/tenant-config-service.js';
import type { UserService } from '../../domain/users.js';
import type { RsqlFields } from '../../db/rsql.js';

/** What route modules get: the database, services and the shared request helpers. */
export interface ManagementContext {
  changes: Changes;
  configs: TenantConfigService;
  users: UserService;
  db: Kysely<Database>;
  blobs: BlobStore;
  service: ManagementService;
  /** `http(s)://host/rest/v1` of this request, for links. */
  base: (request: FastifyRequest) => string;
  /** Validate a body; unknown fields and bad values become a 400 naming the field. */
  parseBody: <T>(schema: z.ZodType<T>, body: unknown) => T;
  /** A numeric path id, or a 400. */
  idOf: (raw: unknown, what: string) => number;
  /** A paged, sorted, RSQL-filtered list of one tenant's rows of a table. */
  list: <T>(
    request: FastifyRequest,
    table: 'targets' | 'software_modules' | 'distribution_sets' | 'actions',
    fields: RsqlFields,
    scope: (qb: any) => any,
    map: (row: any) => T | Promise<T>,
  ) => Promise<{ content: T[]; total: number; size: number }>;
}
