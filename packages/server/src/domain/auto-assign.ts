/**
 * Auto-assignment (hawkBit target filters with `autoAssignDS`): each scheduler tick assigns a
 * filter's distribution set to the matching targets that never had an action for it — in batches,
 * set-based — unless the auto-assignment is paused. Rows are locked with SKIP LOCKED, so several
 * instances share the work without assigning twice.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { FilterCompiler } from './rollouts.js';

const BATCH = 1000;

/** Assign `dsId` to these targets: new active actions, older ones canceled, targets pending. */
export async function assignMany(
  trx: Transaction<Database>,
  tenant: string,
  targetIds: readonly number[],
  dsId: number,
  options: { type: string; weight: number | null; message: string },
  now: Date,
): Promise<number> {
  if (targetIds.length === 0) return 0;
  await sql`update actions set status = 'CANCELING', updated_at = ${now}
            where target_id = any(${sql.val([...targetIds])}::bigint[]) and active and status <> 'CANCELING'`.execute(trx);
  const inserted = await sql<{ id: number }>`
    insert into actions (tenant, target_id, ds_id, status, active, action_type, weight, released_at)
    select ${tenant}, t, ${dsId}, 'RUNNING', true, ${options.type}, ${options.weight}, ${now} from unnest(${sql.val([...targetIds])}::bigint[]) as t
    returning id`.execute(trx);
  const ids = inserted.rows.map((r) => Number(r.id));
  await sql`insert into action_statuses (tenant, action_id, status, messages)
            select ${tenant}, a, 'RUNNING', ${JSON.stringify([options.message])}::jsonb from unnest(${sql.val(ids)}::bigint[]) as a`.execute(trx);
  // Id lists travel as one array parameter: any size stays within PostgreSQL's bind-parameter limit.
  await sql`update targets set assigned_ds_id = ${dsId}, update_status = 'PENDING' where id = any(${sql.val([...targetIds])}::bigint[])`.execute(trx);
  return ids.length;
}

export async function tickAutoAssignments(db: Kysely<Database>, compile: FilterCompiler, now: Date): Promise<number> {
  let assigned = 0;
  const filters = await db.selectFrom('target_filters').select(['id', 'tenant']).where('auto_assign', 'is not', null).orderBy('id').execute();
  for (const f of filters) {
    assigned += await db.transaction().execute(async (trx) => {
      const filter = await trx.selectFrom('target_filters').selectAll().where('id', '=', f.id).forUpdate().skipLocked().executeTakeFirst();
      const auto = filter?.auto_assign;
      if (!filter || !auto || auto.paused) return 0;
      const targets = await trx
        .selectFrom('targets')
        .select('targets.id')
        .where('targets.tenant', '=', filter.tenant)
        .where(compile(filter.query))
        .where((eb) =>
          eb.not(
            eb.exists(eb.selectFrom('actions as a').select('a.id').whereRef('a.target_id', '=', 'targets.id').where('a.ds_id', '=', auto.distributionSetId)),
          ),
        )
        .orderBy('targets.id')
        .limit(BATCH)
        .forUpdate()
        .skipLocked()
        .execute();
      return assignMany(
        trx,
        filter.tenant,
        targets.map((t) => Number(t.id)),
        auto.distributionSetId,
        { type: auto.type, weight: auto.weight, message: `Update Server: Auto-assigned by target filter ${filter.name}` },
        now,
      );
    });
  }
  return assigned;
}
