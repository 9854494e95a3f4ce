/**
 * hawkBit's list parameters (`q`, `sort`, `offset`, `limit`, as the request spells them) turned
 * into the PageRequest that `pageOf` runs. Every check happens here, before a query runs: an
 * unknown field, a bad value or a bad page is a 400 naming it (db/rsql.ts), never a database error.
 */
import { expressionBuilder } from 'kysely';
import { parsePaging, parseRsql, parseSort, rsqlWhere, type RsqlFields } from '../rsql.js';
import type { Database } from '../schema.js';
import { pageOf, type Db, type Page, type PageRequest } from './common.js';

/** The list query of a management API route, as plain strings (http/schema.ts `listQuery`). */
export interface ListQuery {
  q?: string | undefined;
  sort?: string | undefined;
  offset?: string | undefined;
  limit?: string | undefined;
}

export function pageRequestOf(query: ListQuery, fields: RsqlFields): PageRequest {
  const { offset, limit } = parsePaging(query.offset, query.limit);
  const sort = parseSort(query.sort, fields);
  // rsqlWhere builds plain SQL over trusted column names; any expression builder serves.
  // An empty q is no filter, as it always was.
  const filter = !query.q ? undefined : rsqlWhere(parseRsql(query.q), fields)(expressionBuilder<Database, keyof Database>());
  return { offset, limit, sort, filter };
}

/**
 * A page of one tenant's rows of `table`, narrowed by `scope`: what the old
 * `ManagementContext.list` runs for the route modules that still use it. It goes with that field.
 */
export async function pageOfTenantRows(
  db: Db,
  table: 'targets' | 'software_modules' | 'distribution_sets' | 'actions',
  tenant: string,
  fields: RsqlFields,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the old helper's contract: any table's query builder
  scope: (qb: any) => any,
  query: ListQuery,
): Promise<Page<unknown>> {
  const request = pageRequestOf(query, fields);
  return pageOf(
    scope(
      db
        .selectFrom(table as 'targets')
        .selectAll()
        .where('tenant', '=', tenant),
    ),
    request,
  );
}
