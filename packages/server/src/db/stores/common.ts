/**
 * What every store shares: the handle type (a store works on the database or inside a
 * transaction alike), the one place a PostgreSQL unique violation becomes a 409, and the one way
 * a list is paged, sorted and counted.
 */
import { sql, type Expression, type Kysely, type SelectQueryBuilder, type SqlBool, type Transaction } from 'kysely';
import { ServerError } from '../../errors.js';
import type { Database } from '../schema.js';

/** A store takes either; inside a service's transaction it is given the transaction. */
export type Db = Kysely<Database> | Transaction<Database>;

/** PostgreSQL's unique_violation (SQLSTATE 23505), raised by pg and PGlite alike. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505';
}

/** Run `work`; a unique violation becomes a 409 CONFLICT with `message`, anything else is rethrown. */
export async function conflictOnDuplicate<T>(work: () => Promise<T>, message: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ServerError('CONFLICT', message, { cause: error });
    throw error;
  }
}

/** A page request as the management API's `offset`, `limit`, `sort` and `q` parse to (http/mgmt/rsql.ts). */
export interface PageRequest {
  offset: number;
  limit: number;
  sort?: ReadonlyArray<{ column: string; direction: 'asc' | 'desc' }>;
  filter?: Expression<SqlBool> | undefined;
}

export interface Page<Row> {
  rows: Row[];
  total: number;
}

/**
 * One page of `query` (already scoped to the tenant): the total before paging, rows ordered by
 * the requested columns and then by `tiebreak` (default `id`) so pages never overlap.
 */
export async function pageOf<DB, TB extends keyof DB, Row>(
  query: SelectQueryBuilder<DB, TB, Row>,
  request: PageRequest,
  tiebreak: string = 'id',
): Promise<Page<Row>> {
  const scoped = request.filter ? query.where(() => request.filter!) : query;
  const counted = (await scoped
    .clearSelect()
    .select(sql<number>`count(*)::int`.as('total'))
    .executeTakeFirstOrThrow()) as unknown as { total: number };
  let selected = scoped;
  for (const s of request.sort ?? []) selected = selected.orderBy(sql.ref(s.column), s.direction);
  const rows = await selected.orderBy(sql.ref(tiebreak), 'asc').offset(request.offset).limit(request.limit).execute();
  return { rows: rows as Row[], total: counted.total };
}
