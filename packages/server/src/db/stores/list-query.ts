/**
 * hawkBit's list parameters (`q`, `sort`, `offset`, `limit`, as the request spells them) turned
 * into the PageRequest that `pageOf` runs. Every check happens here, before a query runs: an
 * unknown field, a bad value or a bad page is a 400 naming it (db/rsql.ts), never a database error.
 */
import { expressionBuilder } from 'kysely';
import { parsePaging, parseRsql, parseSort, rsqlWhere, type RsqlFields } from '../rsql.js';
import type { Database } from '../schema.js';
import type { PageRequest } from './common.js';

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
