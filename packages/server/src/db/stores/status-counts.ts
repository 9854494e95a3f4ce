/**
 * Actions, rollouts and rollout groups counted by status, for the metrics gauges (metrics.ts):
 * one grouped query over all tenants by design (an operator's view of the whole server; the
 * figures carry no tenant), read only when Prometheus scrapes, and then at most once per cache
 * period. Statuses in lower case, as the management API shows them.
 */
import { sql } from 'kysely';
import type { Db } from './common.js';

export interface StatusCountRows {
  actions: Record<string, number>;
  rollouts: Record<string, number>;
  groups: Record<string, number>;
}

export async function readStatusCounts(db: Db): Promise<StatusCountRows> {
  const { rows } = await sql<{ kind: 'actions' | 'rollouts' | 'groups'; status: string; n: number }>`
    select 'actions' as kind, lower(status) as status, count(*)::int4 as n from actions group by status
    union all
    select 'rollouts', lower(status), count(*)::int4 from rollouts group by status
    union all
    select 'groups', lower(status), count(*)::int4 from rollout_groups group by status
  `.execute(db);
  const out: StatusCountRows = { actions: {}, rollouts: {}, groups: {} };
  for (const row of rows) out[row.kind][row.status] = Number(row.n);
  return out;
}
