/**
 * hawkBit's list query as the request gives it (`q`, `sort`, `offset`, `limit`: strings, see
 * `listQuery` in http/schema.ts) turned into the `PageRequest` that `pageOf` runs, over one
 * list's field map (db/rsql.ts checks selectors, operators and value types before any query).
 */
import { expressionBuilder } from 'kysely';
import { ServerError } from '../../errors.js';
import type { Database } from '../schema.js';
import { parsePaging, parseRsql, parseSort, rsqlWhere, type RsqlFields } from '../rsql.js';
import type { PageRequest } from './common.js';

export interface ListQueryText {
  q?: string | undefined;
  sort?: string | undefined;
  offset?: string | undefined;
  limit?: string | undefined;
}

export function pageRequest(query: ListQueryText, fields: RsqlFields): PageRequest {
  const { offset, limit } = parsePaging(query.offset, query.limit);
  const sort = parseSort(query.sort, fields);
  // The filter is plain SQL over the field map's trusted columns: any builder of the database builds it.
  const filter = query.q ? rsqlWhere<Database, keyof Database>(parseRsql(query.q), fields)(expressionBuilder<Database, keyof Database>()) : undefined;
  return { offset, limit, sort, filter };
}

/**
 * SQLSTATEs of values a column cannot hold: 22003 numeric_value_out_of_range (`weight==99999999999`
 * on an int4 column), 22007/22008/22009 for times PostgreSQL has no timestamp for (`createdAt>
 * 8640000000000000` is a valid JS date in year 275760, written with a sign PostgreSQL reads as a
 * zone). rsql.ts checks a value's type, not its column's range; only a filtered list meets these,
 * and for it they are the caller's mistake, not the server's.
 */
const OUT_OF_RANGE = new Set(['22003', '22007', '22008', '22009']);

/** Run a list query; a filter value beyond its column's range becomes a 400 naming the value. */
export async function refuseOutOfRange<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && OUT_OF_RANGE.has(code)) {
      // PostgreSQL's message quotes the caller's own value and the column type, nothing else.
      throw new ServerError('BAD_REQUEST', `invalid q: a value is out of range for its field (${String(message)})`, { cause: error });
    }
    throw error;
  }
}
