/**
 * The catalogue's named resources (hawkBit §2.2): target tags and distribution set tags (with
 * their assignments), target filters, target types (with compatible distribution set types),
 * software module types and distribution set types — hawkBit's defaults created on first use.
 *
 * One class per kind, each with the same five methods (page, find, insert, update, remove) over
 * its own table, so every query is typed by its table; link tables (assignments, compatibility)
 * are read joined to both sides with the tenant on each.
 */
import type { Selectable } from 'kysely';
import type { RsqlFields } from '../rsql.js';
import type { DistributionSetTypesTable, SoftwareModuleTypesTable, TargetFiltersTable, TargetTagsTable, TargetTypesTable, TargetsTable } from '../schema.js';
import { pageOf, type Db, type Page, type PageRequest } from './common.js';

/** What every kind's store does; the services and routes over them are written once. */
export interface NamedStore<Row, Insert, Update> {
  page(tenant: string, request: PageRequest): Promise<Page<Row>>;
  find(tenant: string, id: number): Promise<Row | undefined>;
  insert(tenant: string, values: Insert): Promise<Row>;
  /** undefined: no such row in the tenant. An empty change returns the row as it is. */
  update(tenant: string, id: number, change: Update): Promise<Row | undefined>;
  remove(tenant: string, id: number): Promise<boolean>;
}

export type TagRow = Selectable<TargetTagsTable>;
export type TargetFilterRow = Selectable<TargetFiltersTable>;
export type TargetTypeRow = Selectable<TargetTypesTable>;
export type SoftwareModuleTypeRow = Selectable<SoftwareModuleTypesTable>;
export type DistributionSetTypeRow = Selectable<DistributionSetTypesTable>;

export interface Described {
  name: string;
  description?: string | undefined;
  colour?: string | undefined;
}
export type Redescribed = Partial<Described>;

const NAMED_FIELDS: RsqlFields = {
  id: { column: 'id', type: 'number' },
  name: { column: 'name', type: 'string' },
  description: { column: 'description', type: 'string' },
  colour: { column: 'colour', type: 'string' },
};
const KEYED_FIELDS: RsqlFields = { ...NAMED_FIELDS, key: { column: 'key', type: 'string' } };
export const CATALOGUE_FIELDS = {
  tags: NAMED_FIELDS,
  targetFilters: { id: NAMED_FIELDS.id!, name: NAMED_FIELDS.name!, query: { column: 'query', type: 'string' } } satisfies RsqlFields,
  targetTypes: KEYED_FIELDS,
  softwareModuleTypes: { ...KEYED_FIELDS, maxAssignments: { column: 'max_assignments', type: 'number' } } satisfies RsqlFields,
  distributionSetTypes: KEYED_FIELDS,
} as const;

/** The columns a change sets: only the fields given (undefined means "leave as is"). */
function given<T extends object>(change: T): Partial<T> {
  return Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const described = (d: Redescribed) => given({ name: d.name, description: d.description, colour: d.colour });

// --- tags ------------------------------------------------------------------------------------

/** Target tags and distribution set tags: the same columns in two tables. */
export class TagStore implements NamedStore<TagRow, Described, Redescribed> {
  constructor(
    private readonly db: Db,
    private readonly table: 'target_tags' | 'distribution_set_tags',
  ) {}

  page(tenant: string, request: PageRequest) {
    return pageOf(this.db.selectFrom(this.table).selectAll().where('tenant', '=', tenant), request);
  }
  find(tenant: string, id: number) {
    return this.db.selectFrom(this.table).selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  }
  insert(tenant: string, values: Described) {
    return this.db
      .insertInto(this.table)
      .values({ tenant, ...described(values), name: values.name })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  async update(tenant: string, id: number, change: Redescribed) {
    const set = described(change);
    if (Object.keys(set).length === 0) return this.find(tenant, id);
    return this.db.updateTable(this.table).set(set).where('tenant', '=', tenant).where('id', '=', id).returningAll().executeTakeFirst();
  }
  async remove(tenant: string, id: number) {
    const result = await this.db.deleteFrom(this.table).where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

/** Which targets carry a target tag: the link rows, read and written with both ends in the tenant. */
export class TargetTagAssignmentStore {
  constructor(private readonly db: Db) {}

  /** The tagged targets (fields: db/fields.ts TARGET_FIELDS); a link to another tenant's target is never followed. */
  page(tenant: string, tagId: number, request: PageRequest): Promise<Page<Selectable<TargetsTable>>> {
    const tagged = this.db
      .selectFrom('target_tag_assignments as a')
      .innerJoin('target_tags as g', (join) => join.onRef('g.id', '=', 'a.tag_id').on('g.tenant', '=', tenant))
      .select('a.target_id')
      .where('a.tag_id', '=', tagId);
    return pageOf(this.db.selectFrom('targets').selectAll().where('tenant', '=', tenant).where('id', 'in', tagged), request);
  }

  /** The tenant's target ids of these controllerIds; missing ones are absent from the map. */
  async targetIds(tenant: string, controllerIds: readonly string[]): Promise<Map<string, number>> {
    if (controllerIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('targets')
      .select(['id', 'controller_id'])
      .where('tenant', '=', tenant)
      .where('controller_id', 'in', controllerIds)
      .execute();
    return new Map(rows.map((r) => [r.controller_id, r.id]));
  }

  /** Tag the targets (ids already resolved in the tenant); a target tagged already stays so. */
  async add(tagId: number, targetIds: readonly number[]): Promise<void> {
    if (targetIds.length === 0) return;
    await this.db
      .insertInto('target_tag_assignments')
      .values(targetIds.map((target_id) => ({ tag_id: tagId, target_id })))
      .onConflict((oc) => oc.columns(['tag_id', 'target_id']).doNothing())
      .execute();
  }

  async remove(tagId: number, targetId: number): Promise<void> {
    await this.db.deleteFrom('target_tag_assignments').where('tag_id', '=', tagId).where('target_id', '=', targetId).execute();
  }
}

// --- target filters --------------------------------------------------------------------------

export interface TargetFilterValues {
  name: string;
  query: string;
}

export class TargetFilterStore implements NamedStore<TargetFilterRow, TargetFilterValues, Partial<TargetFilterValues>> {
  constructor(private readonly db: Db) {}

  page(tenant: string, request: PageRequest) {
    return pageOf(this.db.selectFrom('target_filters').selectAll().where('tenant', '=', tenant), request);
  }
  find(tenant: string, id: number) {
    return this.db.selectFrom('target_filters').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  }
  insert(tenant: string, values: TargetFilterValues) {
    return this.db.insertInto('target_filters').values({ tenant, name: values.name, query: values.query }).returningAll().executeTakeFirstOrThrow();
  }
  async update(tenant: string, id: number, change: Partial<TargetFilterValues>) {
    const set = given({ name: change.name, query: change.query });
    if (Object.keys(set).length === 0) return this.find(tenant, id);
    return this.db.updateTable('target_filters').set(set).where('tenant', '=', tenant).where('id', '=', id).returningAll().executeTakeFirst();
  }
  async remove(tenant: string, id: number) {
    const result = await this.db.deleteFrom('target_filters').where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

// --- types -----------------------------------------------------------------------------------

export interface TargetTypeValues extends Described {
  key: string;
  /** Distribution set type ids, already resolved in the tenant. */
  compatible: readonly number[];
}

export class TargetTypeStore implements NamedStore<TargetTypeRow, TargetTypeValues, Redescribed> {
  constructor(private readonly db: Db) {}

  page(tenant: string, request: PageRequest) {
    return pageOf(this.db.selectFrom('target_types').selectAll().where('tenant', '=', tenant), request);
  }
  find(tenant: string, id: number) {
    return this.db.selectFrom('target_types').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  }
  async insert(tenant: string, values: TargetTypeValues) {
    const row = await this.db
      .insertInto('target_types')
      .values({ tenant, ...described(values), name: values.name, key: values.key })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.addCompatible(row.id, values.compatible);
    return row;
  }
  async update(tenant: string, id: number, change: Redescribed) {
    const set = described(change);
    if (Object.keys(set).length === 0) return this.find(tenant, id);
    return this.db.updateTable('target_types').set(set).where('tenant', '=', tenant).where('id', '=', id).returningAll().executeTakeFirst();
  }
  async remove(tenant: string, id: number) {
    const result = await this.db.deleteFrom('target_types').where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** The distribution set types a target type accepts, in id order; only the tenant's are ever shown. */
  compatible(tenant: string, targetTypeId: number): Promise<DistributionSetTypeRow[]> {
    return this.db
      .selectFrom('target_type_compatibility as c')
      .innerJoin('target_types as tt', (join) => join.onRef('tt.id', '=', 'c.target_type_id').on('tt.tenant', '=', tenant))
      .innerJoin('distribution_set_types as d', (join) => join.onRef('d.id', '=', 'c.ds_type_id').on('d.tenant', '=', tenant))
      .selectAll('d')
      .where('c.target_type_id', '=', targetTypeId)
      .orderBy('d.id')
      .execute();
  }

  /** Add compatible distribution set types (ids already resolved in the tenant); present ones stay. */
  async addCompatible(targetTypeId: number, dsTypeIds: readonly number[]): Promise<void> {
    if (dsTypeIds.length === 0) return;
    await this.db
      .insertInto('target_type_compatibility')
      .values(dsTypeIds.map((ds_type_id) => ({ target_type_id: targetTypeId, ds_type_id })))
      .onConflict((oc) => oc.columns(['target_type_id', 'ds_type_id']).doNothing())
      .execute();
  }
}

export interface SoftwareModuleTypeValues extends Described {
  key: string;
  maxAssignments: number;
  minArtifacts: number;
}

/** hawkBit's default software module types: key, name, how many modules of it a set may hold. */
const DEFAULT_SOFTWARE_MODULE_TYPES = [
  { key: 'os', name: 'OS', max_assignments: 1 },
  { key: 'application', name: 'Application', max_assignments: 2147483647 },
  { key: 'runtime', name: 'Runtime', max_assignments: 1 },
] as const;
/** hawkBit's default distribution set types over those (mandatory and optional module type keys). */
const DEFAULT_DISTRIBUTION_SET_TYPES = [
  { key: 'os', name: 'OS only', mandatory: ['os'], optional: [] },
  { key: 'os_app', name: 'OS with app(s)', mandatory: ['os'], optional: ['application', 'runtime'] },
  { key: 'app', name: 'App(s) only', mandatory: ['application'], optional: ['runtime'] },
] as const;

export class SoftwareModuleTypeStore implements NamedStore<SoftwareModuleTypeRow, SoftwareModuleTypeValues, Redescribed> {
  constructor(private readonly db: Db) {}

  page(tenant: string, request: PageRequest) {
    return pageOf(this.db.selectFrom('software_module_types').selectAll().where('tenant', '=', tenant), request);
  }
  find(tenant: string, id: number) {
    return this.db.selectFrom('software_module_types').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  }
  insert(tenant: string, values: SoftwareModuleTypeValues) {
    return this.db
      .insertInto('software_module_types')
      .values({ tenant, ...described(values), name: values.name, key: values.key, max_assignments: values.maxAssignments, min_artifacts: values.minArtifacts })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  async update(tenant: string, id: number, change: Redescribed) {
    const set = described(change);
    if (Object.keys(set).length === 0) return this.find(tenant, id);
    return this.db.updateTable('software_module_types').set(set).where('tenant', '=', tenant).where('id', '=', id).returningAll().executeTakeFirst();
  }
  async remove(tenant: string, id: number) {
    const result = await this.db.deleteFrom('software_module_types').where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Which of these ids are the tenant's software module types. */
  async existing(tenant: string, ids: readonly number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.selectFrom('software_module_types').select('id').where('tenant', '=', tenant).where('id', 'in', ids).execute();
    return new Set(rows.map((r) => r.id));
  }
}

export interface DistributionSetTypeValues extends Described {
  key: string;
  /** Software module type ids, already resolved in the tenant. */
  mandatory: readonly number[];
  optional: readonly number[];
}

export class DistributionSetTypeStore implements NamedStore<DistributionSetTypeRow, DistributionSetTypeValues, Redescribed> {
  constructor(private readonly db: Db) {}

  page(tenant: string, request: PageRequest) {
    return pageOf(this.db.selectFrom('distribution_set_types').selectAll().where('tenant', '=', tenant), request);
  }
  find(tenant: string, id: number) {
    return this.db.selectFrom('distribution_set_types').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  }
  insert(tenant: string, values: DistributionSetTypeValues) {
    return this.db
      .insertInto('distribution_set_types')
      .values({
        tenant,
        ...described(values),
        name: values.name,
        key: values.key,
        mandatory_modules: JSON.stringify(values.mandatory),
        optional_modules: JSON.stringify(values.optional),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  async update(tenant: string, id: number, change: Redescribed) {
    const set = described(change);
    if (Object.keys(set).length === 0) return this.find(tenant, id);
    return this.db.updateTable('distribution_set_types').set(set).where('tenant', '=', tenant).where('id', '=', id).returningAll().executeTakeFirst();
  }
  async remove(tenant: string, id: number) {
    const result = await this.db.deleteFrom('distribution_set_types').where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Which of these ids are the tenant's distribution set types. */
  async existing(tenant: string, ids: readonly number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.selectFrom('distribution_set_types').select('id').where('tenant', '=', tenant).where('id', 'in', ids).execute();
    return new Set(rows.map((r) => r.id));
  }
}

/**
 * Create hawkBit's default software module and distribution set types for the tenant where
 * missing. Idempotent and safe when two requests race (ON CONFLICT DO NOTHING on the keys).
 */
export async function ensureDefaultTypes(db: Db, tenant: string): Promise<void> {
  await db
    .insertInto('software_module_types')
    .values(DEFAULT_SOFTWARE_MODULE_TYPES.map((t) => ({ tenant, ...t })))
    .onConflict((oc) => oc.columns(['tenant', 'key']).doNothing())
    .execute();
  const rows = await db
    .selectFrom('software_module_types')
    .select(['id', 'key'])
    .where('tenant', '=', tenant)
    .where(
      'key',
      'in',
      DEFAULT_SOFTWARE_MODULE_TYPES.map((t) => t.key),
    )
    .execute();
  const idOf = new Map(rows.map((r) => [r.key, r.id]));
  const ids = (keys: readonly string[]) => JSON.stringify(keys.map((k) => idOf.get(k)!));
  await db
    .insertInto('distribution_set_types')
    .values(
      DEFAULT_DISTRIBUTION_SET_TYPES.map((t) => ({ tenant, key: t.key, name: t.name, mandatory_modules: ids(t.mandatory), optional_modules: ids(t.optional) })),
    )
    .onConflict((oc) => oc.columns(['tenant', 'key']).doNothing())
    .execute();
}
