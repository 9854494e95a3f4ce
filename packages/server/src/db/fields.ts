/**
 * The management API's filterable and sortable fields per table (hawkBit's field names) mapped to
 * columns, for RSQL `q=` and `sort=` (db/rsql.ts), and the compiler of stored target filters.
 */
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import { ACTION_STATUSES, ROLLOUT_STATUSES, TARGET_UPDATE_STATUSES } from '@osprey/protocol';
import { parseRsql, rsqlWhere, type RsqlFields } from './rsql.js';
import type { Database } from './schema.js';

export const TARGET_FIELDS: RsqlFields = {
  controllerId: { column: 'controller_id', type: 'string' },
  name: { column: 'name', type: 'string' },
  description: { column: 'description', type: 'string' },
  updateStatus: { column: 'update_status', type: 'enum', values: TARGET_UPDATE_STATUSES },
  address: { column: 'address', type: 'string' },
  lastControllerRequestAt: { column: 'last_seen_at', type: 'timestamp' },
  lastTargetQuery: { column: 'last_seen_at', type: 'timestamp' },
  createdAt: { column: 'created_at', type: 'timestamp' },
  lastModifiedAt: { column: 'last_modified_at', type: 'timestamp' },
  id: { column: 'controller_id', type: 'string' },
  attribute: { prefix: 'attribute.', jsonColumn: 'attributes' },
  controllerAttributes: { prefix: 'controllerAttributes.', jsonColumn: 'attributes' },
};
export const MODULE_FIELDS: RsqlFields = {
  id: { column: 'id', type: 'number' },
  name: { column: 'name', type: 'string' },
  version: { column: 'version', type: 'string' },
  type: { column: 'type_key', type: 'string' },
  description: { column: 'description', type: 'string' },
  vendor: { column: 'vendor', type: 'string' },
  createdAt: { column: 'created_at', type: 'timestamp' },
};
export const DS_FIELDS: RsqlFields = {
  id: { column: 'id', type: 'number' },
  name: { column: 'name', type: 'string' },
  version: { column: 'version', type: 'string' },
  type: { column: 'type_key', type: 'string' },
  description: { column: 'description', type: 'string' },
  createdAt: { column: 'created_at', type: 'timestamp' },
  // The stored state (draft, pending_approval, released): the console lists the sets awaiting approval.
  releaseState: { column: 'release_state', type: 'string' },
};
export const ACTION_FIELDS: RsqlFields = {
  id: { column: 'id', type: 'number' },
  status: {
    column: 'status',
    type: 'enum',
    values: ACTION_STATUSES,
  },
  active: { column: 'active', type: 'boolean' },
  createdAt: { column: 'created_at', type: 'timestamp' },
};

/** `/rollouts?q=…&sort=…` fields (hawkBit's names); deleted rollouts are never listed anyway. */
export const ROLLOUT_FIELDS: RsqlFields = {
  id: { column: 'id', type: 'number' },
  name: { column: 'name', type: 'string' },
  description: { column: 'description', type: 'string' },
  status: { column: 'status', type: 'enum', values: ROLLOUT_STATUSES },
  'distributionSet.id': { column: 'ds_id', type: 'number' },
  createdAt: { column: 'created_at', type: 'timestamp' },
  lastModifiedAt: { column: 'updated_at', type: 'timestamp' },
};

/** A target filter as SQL over `targets` (rollouts, auto-assignments, target filter queries). */
export type TargetFilter = (eb: ExpressionBuilder<Database, 'targets'>) => Expression<SqlBool>;

/** A stored RSQL target filter as SQL over `targets` (rollouts, auto-assignments, the scheduler). */
export function compileTargetFilter(query: string): TargetFilter {
  return rsqlWhere(parseRsql(query), TARGET_FIELDS) as unknown as TargetFilter;
}
