/**
 * Metadata of targets, software modules and distribution sets (hawkBit §2.2 `…/metadata`): keys
 * with values, unique per owner. Only software module metadata has `targetVisible` (hawkBit shows
 * those entries to devices in the deployment's chunks). Each change locks the owner row, writes the
 * list and audits one entry per key (`<owner>.metadata.create|update|delete`) in one transaction.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Db } from '../db/stores/common.js';
import { MetadataStore, type MetadataItem, type MetadataOwner } from '../db/stores/metadata.js';
import { ServerError, badRequest, notFound } from '../errors.js';
import type { Actor, AuditRecord, Changes } from './changes.js';

export type { MetadataItem, MetadataOwner } from '../db/stores/metadata.js';

/** A target by its controllerId, a module or a set by its id. */
export type OwnerRef = { owner: 'targets'; controllerId: string } | { owner: 'software_modules' | 'distribution_sets'; id: number };

const WHAT: Record<MetadataOwner, string> = { targets: 'target', software_modules: 'software module', distribution_sets: 'distribution set' };

/** Whether entries of this owner carry `targetVisible`. */
export const hasTargetVisible = (owner: MetadataOwner) => owner === 'software_modules';

export class MetadataService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: Changes,
  ) {}

  private async load(db: Db, tenant: string, ref: OwnerRef, lock: boolean) {
    const key = ref.owner === 'targets' ? ref.controllerId : ref.id;
    const found = await new MetadataStore(db).find(ref.owner, tenant, key, { lock });
    if (!found) throw notFound(`${WHAT[ref.owner]} ${key}`);
    return found;
  }

  async list(tenant: string, ref: OwnerRef): Promise<MetadataItem[]> {
    return (await this.load(this.db, tenant, ref, false)).items;
  }

  async get(tenant: string, ref: OwnerRef, key: string): Promise<MetadataItem> {
    const item = (await this.load(this.db, tenant, ref, false)).items.find((i) => i.key === key);
    if (!item) throw notFound(`metadata ${key}`);
    return item;
  }

  /** Add entries: all of them, or none if one of the keys exists already (409). */
  async create(who: Actor, ref: OwnerRef, incoming: readonly MetadataItem[]): Promise<MetadataItem[]> {
    if (!hasTargetVisible(ref.owner) && incoming.some((i) => i.targetVisible !== undefined)) {
      throw badRequest('targetVisible applies to software module metadata only');
    }
    return this.change(who, ref, (items, record) => {
      for (const item of incoming) {
        if (items.some((i) => i.key === item.key)) throw new ServerError('CONFLICT', `metadata ${item.key} already exists`);
        items.push(item);
        record('create', item.key, null, item);
      }
      return [...incoming];
    });
  }

  /** A new value (and for software modules `targetVisible`, kept when not given); the key stays. */
  async update(
    who: Actor,
    ref: OwnerRef,
    key: string,
    change: { key?: string | undefined; value: string; targetVisible?: boolean | undefined },
  ): Promise<MetadataItem> {
    if (change.key !== undefined && change.key !== key) throw badRequest('a metadata key cannot be renamed');
    return this.change(who, ref, (items, record) => {
      const index = items.findIndex((i) => i.key === key);
      const before = items[index];
      if (!before) throw notFound(`metadata ${key}`);
      const after: MetadataItem = {
        key,
        value: change.value,
        ...(hasTargetVisible(ref.owner) ? { targetVisible: change.targetVisible ?? before.targetVisible ?? false } : {}),
      };
      items[index] = after;
      record('update', key, before, after);
      return after;
    });
  }

  async remove(who: Actor, ref: OwnerRef, key: string): Promise<void> {
    await this.change(who, ref, (items, record) => {
      const index = items.findIndex((i) => i.key === key);
      const before = items[index];
      if (!before) throw notFound(`metadata ${key}`);
      items.splice(index, 1);
      record('delete', key, before, null);
    });
  }

  /** Lock the owner, let `edit` change its list (recording each key it touches), write the list back. */
  private async change<T>(
    who: Actor,
    ref: OwnerRef,
    edit: (items: MetadataItem[], record: (action: string, key: string, before: MetadataItem | null, after: MetadataItem | null) => void) => T,
  ): Promise<T> {
    return this.changes.apply(who, async (trx) => {
      const { id, items } = await this.load(trx, who.tenant, ref, true);
      const audit: AuditRecord[] = [];
      const result = edit(items, (action, key, before, after) =>
        audit.push({
          action: `${ref.owner}.metadata.${action}`,
          subject: { type: ref.owner, id: String(id) },
          before: before ? { key, value: before.value } : null,
          after: after ? { key, value: after.value } : null,
        }),
      );
      await new MetadataStore(trx).replace(ref.owner, who.tenant, id, items);
      return { result, audit };
    });
  }
}
