/**
 * The catalogue around targets and releases (hawkBit §2.2): target and distribution set tags,
 * target filters, and target / software module / distribution set types. Each kind is a
 * `NamedResources` over its store with the kind's own checks; every change goes through Changes
 * with its audit entry (`<subject>.create|update|delete`), a duplicate name or key is a 409, and
 * every id a request names — in the path or the body — is resolved inside the caller's tenant, so
 * another tenant's id is a 404 exactly as a missing one.
 */
import type { Kysely, Selectable } from 'kysely';
import { parseRsql, type RsqlFields } from '../db/rsql.js';
import type { Database, TargetsTable } from '../db/schema.js';
import {
  CATALOGUE_FIELDS,
  DistributionSetTypeStore,
  SoftwareModuleTypeStore,
  TagStore,
  TargetFilterStore,
  TargetTagAssignmentStore,
  TargetTypeStore,
  ensureDefaultTypes,
  type Described,
  type DistributionSetTypeRow,
  type DistributionSetTypeValues,
  type NamedStore,
  type Redescribed,
  type SoftwareModuleTypeRow,
  type SoftwareModuleTypeValues,
  type TagRow,
  type TargetFilterRow,
  type TargetFilterValues,
  type TargetTypeRow,
  type TargetTypeValues,
} from '../db/stores/catalogue.js';
import { conflictOnDuplicate, type Db, type Page } from '../db/stores/common.js';
import { TARGET_FIELDS } from '../db/fields.js';
import { pageRequestOf, type ListQuery } from '../db/stores/list-query.js';
import { notFound } from '../errors.js';
import type { Actor, AuditRecord, Changes } from './changes.js';

/** How one kind is stored and checked. */
export interface NamedKind<Row, Create, Insert, Update> {
  /** The audit subject and action prefix, and the word in "… 5 not found" (hawkBit-style `targettag`). */
  subject: string;
  /** `q=` and `sort=` fields of its list. */
  fields: RsqlFields;
  store(db: Db): NamedStore<Row, Insert, Update>;
  /** An item to create, checked, with its references resolved in the tenant: the values stored. */
  prepare(db: Db, tenant: string, item: Create): Promise<Insert>;
  /** Check a change before it is stored. */
  check?(change: Update): void;
  /** hawkBit's default types exist before the kind is first read or written. */
  defaults?: boolean;
}

export class NamedResources<Row extends { id: number; name: string }, Create, Insert, Update> {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: Changes,
    private readonly kind: NamedKind<Row, Create, Insert, Update>,
  ) {}

  /**
   * The defaults are the tenant's starting state, as hawkBit creates them with the tenant: the
   * same for every tenant and made once, so they are not a change anyone audits.
   */
  private async defaults(tenant: string): Promise<void> {
    if (this.kind.defaults) await ensureDefaultTypes(this.db, tenant);
  }

  async page(tenant: string, query: ListQuery): Promise<Page<Row>> {
    await this.defaults(tenant);
    const request = pageRequestOf(query, this.kind.fields);
    return this.kind.store(this.db).page(tenant, request);
  }

  async get(tenant: string, id: number): Promise<Row> {
    await this.defaults(tenant);
    const row = await this.kind.store(this.db).find(tenant, id);
    if (!row) throw notFound(`${this.kind.subject} ${id}`);
    return row;
  }

  /** Create every item or none. */
  async create(who: Actor, items: readonly Create[]): Promise<Row[]> {
    await this.defaults(who.tenant);
    const { subject } = this.kind;
    return conflictOnDuplicate(
      () =>
        this.changes.apply(who, async (trx) => {
          const store = this.kind.store(trx);
          const rows: Row[] = [];
          const audit: AuditRecord[] = [];
          for (const item of items) {
            const row = await store.insert(who.tenant, await this.kind.prepare(trx, who.tenant, item));
            rows.push(row);
            audit.push({ action: `${subject}.create`, subject: { type: subject, id: String(row.id) }, before: null, after: { name: row.name } });
          }
          return { result: rows, audit };
        }),
      `a ${subject} with this name or key already exists`,
    );
  }

  async update(who: Actor, id: number, change: Update): Promise<Row> {
    this.kind.check?.(change);
    const { subject } = this.kind;
    return conflictOnDuplicate(
      () =>
        this.changes.apply(who, async (trx) => {
          const store = this.kind.store(trx);
          const before = await store.find(who.tenant, id);
          const after = before && (await store.update(who.tenant, id, change));
          if (!before || !after) throw notFound(`${subject} ${id}`);
          return {
            result: after,
            audit: { action: `${subject}.update`, subject: { type: subject, id: String(id) }, before: { name: before.name }, after: { name: after.name } },
          };
        }),
      `a ${subject} with this name or key already exists`,
    );
  }

  async remove(who: Actor, id: number): Promise<void> {
    const { subject } = this.kind;
    await this.changes.apply(who, async (trx) => {
      const store = this.kind.store(trx);
      const row = await store.find(who.tenant, id);
      if (!row || !(await store.remove(who.tenant, id))) throw notFound(`${subject} ${id}`);
      return { result: undefined, audit: { action: `${subject}.delete`, subject: { type: subject, id: String(id) }, before: { name: row.name }, after: null } };
    });
  }
}

/** The first id that is not among `found`, in the order given: a 404 naming it. */
function requireAll(ids: readonly number[], found: ReadonlySet<number>, what: string): void {
  const missing = ids.find((id) => !found.has(id));
  if (missing !== undefined) throw notFound(`${what} ${missing}`);
}

export interface NewTargetType extends Described {
  /** Derived from the name when not given. */
  key?: string | undefined;
  compatible?: readonly number[] | undefined;
}
export interface NewDistributionSetType extends Described {
  key: string;
  mandatory?: readonly number[] | undefined;
  optional?: readonly number[] | undefined;
}

/** hawkBit's key rule for a target type created without one: the name, lower-case, safe characters. */
export const keyFromName = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '_')
    .slice(0, 64);

const passThrough = async <T>(_db: Db, _tenant: string, item: T) => item;

export class CatalogueService {
  readonly targetTags: NamedResources<TagRow, Described, Described, Redescribed>;
  readonly distributionSetTags: NamedResources<TagRow, Described, Described, Redescribed>;
  readonly targetFilters: NamedResources<TargetFilterRow, TargetFilterValues, TargetFilterValues, Partial<TargetFilterValues>>;
  readonly targetTypes: NamedResources<TargetTypeRow, NewTargetType, TargetTypeValues, Redescribed>;
  readonly softwareModuleTypes: NamedResources<SoftwareModuleTypeRow, SoftwareModuleTypeValues, SoftwareModuleTypeValues, Redescribed>;
  readonly distributionSetTypes: NamedResources<DistributionSetTypeRow, NewDistributionSetType, DistributionSetTypeValues, Redescribed>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: Changes,
  ) {
    this.targetTags = new NamedResources(db, changes, {
      subject: 'targettag',
      fields: CATALOGUE_FIELDS.tags,
      store: (d) => new TagStore(d, 'target_tags'),
      prepare: passThrough,
    });
    this.distributionSetTags = new NamedResources(db, changes, {
      subject: 'distributionsettag',
      fields: CATALOGUE_FIELDS.tags,
      store: (d) => new TagStore(d, 'distribution_set_tags'),
      prepare: passThrough,
    });
    // A stored filter must at least parse (RSQL syntax, 400), so that a rollout or an
    // auto-assignment using it later does not fail on it.
    const parses = (query: string | undefined) => void (query !== undefined && parseRsql(query));
    this.targetFilters = new NamedResources(db, changes, {
      subject: 'targetfilter',
      fields: CATALOGUE_FIELDS.targetFilters,
      store: (d) => new TargetFilterStore(d),
      prepare: async (_d, _tenant, item) => (parses(item.query), item),
      check: (change) => parses(change.query),
    });
    this.targetTypes = new NamedResources(db, changes, {
      subject: 'targettype',
      fields: CATALOGUE_FIELDS.targetTypes,
      store: (d) => new TargetTypeStore(d),
      prepare: async (d, tenant, item) => {
        const compatible = item.compatible ?? [];
        requireAll(compatible, await new DistributionSetTypeStore(d).existing(tenant, compatible), 'distribution set type');
        return { name: item.name, description: item.description, colour: item.colour, key: item.key ?? keyFromName(item.name), compatible };
      },
    });
    this.softwareModuleTypes = new NamedResources(db, changes, {
      subject: 'softwaremoduletype',
      fields: CATALOGUE_FIELDS.softwareModuleTypes,
      store: (d) => new SoftwareModuleTypeStore(d),
      prepare: passThrough,
      defaults: true,
    });
    this.distributionSetTypes = new NamedResources(db, changes, {
      subject: 'distributionsettype',
      fields: CATALOGUE_FIELDS.distributionSetTypes,
      store: (d) => new DistributionSetTypeStore(d),
      prepare: async (d, tenant, item) => {
        const mandatory = item.mandatory ?? [];
        const optional = item.optional ?? [];
        const existing = await new SoftwareModuleTypeStore(d).existing(tenant, [...mandatory, ...optional]);
        requireAll([...mandatory, ...optional], existing, 'software module type');
        return { name: item.name, description: item.description, colour: item.colour, key: item.key, mandatory, optional };
      },
      defaults: true,
    });
  }

  // --- target tag assignments ----------------------------------------------------------------

  private async targetTag(db: Db, tenant: string, id: number): Promise<TagRow> {
    const tag = await new TagStore(db, 'target_tags').find(tenant, id);
    if (!tag) throw notFound(`target tag ${id}`);
    return tag;
  }

  /** The targets carrying the tag, paged (fields: TARGET_FIELDS). */
  async taggedTargets(tenant: string, tagId: number, query: ListQuery): Promise<Page<Selectable<TargetsTable>>> {
    await this.targetTag(this.db, tenant, tagId);
    const request = pageRequestOf(query, TARGET_FIELDS);
    return new TargetTagAssignmentStore(this.db).page(tenant, tagId, request);
  }

  /** Tag targets by controllerId: all of them or, if one is not the tenant's, none (404). */
  async tagTargets(who: Actor, tagId: number, controllerIds: readonly string[]): Promise<void> {
    await this.changes.apply(who, async (trx) => {
      await this.targetTag(trx, who.tenant, tagId);
      const assignments = new TargetTagAssignmentStore(trx);
      const ids = await assignments.targetIds(who.tenant, controllerIds);
      const missing = controllerIds.find((c) => !ids.has(c));
      if (missing !== undefined) throw notFound(`target ${missing}`);
      await assignments.add(tagId, [...new Set(ids.values())]);
      return {
        result: undefined,
        audit: { action: 'targettag.assign', subject: { type: 'targettag', id: String(tagId) }, before: null, after: { targets: [...controllerIds] } },
      };
    });
  }

  async untagTarget(who: Actor, tagId: number, controllerId: string): Promise<void> {
    await this.changes.apply(who, async (trx) => {
      const tag = await new TagStore(trx, 'target_tags').find(who.tenant, tagId);
      const assignments = new TargetTagAssignmentStore(trx);
      const targetId = (await assignments.targetIds(who.tenant, [controllerId])).get(controllerId);
      if (!tag || targetId === undefined) throw notFound(`target ${controllerId} in tag ${tagId}`);
      await assignments.remove(tagId, targetId);
      return {
        result: undefined,
        audit: { action: 'targettag.unassign', subject: { type: 'targettag', id: String(tagId) }, before: { target: controllerId }, after: null },
      };
    });
  }

  // --- target type compatibility -------------------------------------------------------------

  private async targetType(db: Db, tenant: string, id: number): Promise<TargetTypeRow> {
    const type = await new TargetTypeStore(db).find(tenant, id);
    if (!type) throw notFound(`target type ${id}`);
    return type;
  }

  async compatibleTypes(tenant: string, targetTypeId: number): Promise<DistributionSetTypeRow[]> {
    await this.targetType(this.db, tenant, targetTypeId);
    return new TargetTypeStore(this.db).compatible(tenant, targetTypeId);
  }

  /** Add distribution set types the target type accepts: all of them or, if one is not the tenant's, none (404). */
  async addCompatibleTypes(who: Actor, targetTypeId: number, dsTypeIds: readonly number[]): Promise<void> {
    await this.changes.apply(who, async (trx) => {
      await this.targetType(trx, who.tenant, targetTypeId);
      requireAll(dsTypeIds, await new DistributionSetTypeStore(trx).existing(who.tenant, dsTypeIds), 'distribution set type');
      await new TargetTypeStore(trx).addCompatible(targetTypeId, [...new Set(dsTypeIds)]);
      return {
        result: undefined,
        audit: {
          action: 'targettype.compatibility.add',
          subject: { type: 'targettype', id: String(targetTypeId) },
          before: null,
          after: { distributionSetTypes: [...dsTypeIds] },
        },
      };
    });
  }
}
