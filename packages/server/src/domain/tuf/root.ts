/**
 * The root of a tenant's repository: adopted from an offline ceremony (`osprey keys init`), and
 * rotated with root metadata signed offline (`osprey keys rotate`, TUF spec §5.3.4). The rules are
 * state.ts's; this service locks, writes, audits, and moves the keys the server holds.
 *
 * Keys the new root no longer lists are retired after the change commits (the key service keeps
 * them aside, never deletes them): until then a rolled-back change still has them.
 */
import type { KeyObject } from 'node:crypto';
import { TOP_LEVEL_ROLES, type Signer } from '@osprey/core';
import type { Metadata, Root } from '@tufjs/models';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ReleaseStore } from '../../db/stores/releases.js';
import { TenantStore } from '../../db/stores/tenants.js';
import { TufStore } from '../../db/stores/tuf.js';
import { ServerError, badRequest } from '../../errors.js';
import type { KeyService } from '../../keys/keyservice.js';
import type { Actor, Changes } from '../changes.js';
import { lockRepository, requireState } from './repository.js';
import { canSign, heldKeysOf, keyMaterial, listsKey, readPrivateKey, roleKeys, shortKeyId, withGiven } from './signers.js';
import {
  checkImportedRoot,
  checkImportKeys,
  checkOfflineTargets,
  importedRepository,
  ONLINE_ROLES,
  parseRootJson,
  rolesSummary,
  rotateRoot,
  type OnlineRole,
  type PublishedVersions,
  type RepositoryState,
  type RotateRootResult,
} from './state.js';

export type { RotateRootResult } from './state.js';

export interface ImportRootOptions {
  /**
   * PKCS#8 PEM private keys for the roles the server signs online: the snapshot and timestamp keys
   * the root lists (unless the server holds them already), optionally the targets key (without it
   * the targets key stays offline and the tenant is switched to `tuf.targets.offline`).
   */
  keys?: Partial<Record<OnlineRole, string[]>> | undefined;
  /** Passphrase of encrypted PEM keys. */
  passphrase?: string | undefined;
  /** Initial targets metadata signed by the offline targets key (e.g. `1.targets.json` of `osprey keys init`). */
  targets?: unknown;
}

export interface ImportRootResult {
  rootVersion: number;
  targetsOffline: boolean;
  published?: PublishedVersions;
  pendingTargetsVersion?: number;
}

const conflict = (message: string) => new ServerError('CONFLICT', message);

export class TufRootService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: KeyService,
    private readonly changes: Changes,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Adopt root v1 from an offline ceremony. Allowed for a tenant without a repository, or whose
   * repository is still the one the server generated (whose root keys the server holds) and has
   * released nothing. The server must end up holding a threshold of the root's snapshot and
   * timestamp keys: held already, or given here as PKCS#8 PEM (400 naming what is missing otherwise).
   */
  async importRoot(who: Actor, rootJson: unknown, options: ImportRootOptions = {}): Promise<ImportRootResult> {
    const tenant = who.tenant;
    await this.assertImportable(new TufStore(this.db), new ReleaseStore(this.db), tenant); // checked again under the lock
    const root = checkImportedRoot(rootJson, this.clock());
    const given = this.givenKeys(root, options);
    const held = withGiven(heldKeysOf(this.keys, tenant), Object.fromEntries(Object.entries(given).map(([role, g]) => [role, g.map((x) => x.signer)])));
    checkImportKeys(root, held);
    const targetsOnline = canSign(root.signed, 'targets', held);
    const offlineTargets = options.targets !== undefined ? checkOfflineTargets(root, options.targets, this.clock()) : undefined;

    const { result, replacedGenerated } = await this.changes.apply(who, async (trx, now) => {
      const locked = await lockRepository(trx, this.keys, tenant);
      const state = await this.assertImportable(locked.store, new ReleaseStore(trx), tenant);
      // Keys first (files): the metadata below is signed with them.
      for (const role of ONLINE_ROLES) for (const g of given[role]) this.keys.importTufKey(tenant, role, g.key);
      await locked.store.clearForImport(tenant);
      const targetsOffline = !targetsOnline || locked.config['tuf.targets.offline'];
      const first = await importedRepository(root, { offlineTargets, targetsOffline }, heldKeysOf(this.keys, tenant), now);
      await locked.store.write(tenant, first.writes, now);
      if (!targetsOnline && !locked.config['tuf.targets.offline']) {
        const tenants = new TenantStore(trx);
        await tenants.replaceConfig(tenant, { ...(await tenants.config(tenant)), 'tuf.targets.offline': true });
      }
      const out: ImportRootResult = { rootVersion: 1, targetsOffline };
      if (first.published) out.published = first.published;
      if (first.pendingTargetsVersion !== undefined) out.pendingTargetsVersion = first.pendingTargetsVersion;
      return {
        result: { result: out, replacedGenerated: state !== undefined },
        audit: {
          action: 'tuf.root.import',
          subject: { type: 'tuf', id: 'root' },
          before: state ? { rootVersion: state.root.signed.version, generated: true } : null,
          after: {
            rootVersion: 1,
            keys: Object.fromEntries(TOP_LEVEL_ROLES.map((r) => [r, roleKeys(root.signed, r).map((k) => k.keyID)])),
            givenKeys: Object.fromEntries(Object.entries(given).map(([r, g]) => [r, g.map((x) => x.signer.key.keyID)])),
            targetsOffline,
          },
        },
      };
    });
    // The generated root key signs nothing any more; generated online keys the new root does not list neither.
    this.keys.retireTufKeys(tenant, 'root');
    if (replacedGenerated) {
      for (const role of ONLINE_ROLES) {
        const keep = this.keys.tufSigners(tenant, role).filter((s) => listsKey(root.signed, role, s.key));
        this.keys.retireTufKeys(
          tenant,
          role,
          keep.map((s) => s.key.keyID),
        );
      }
    }
    return result;
  }

  /** The keys given with an import: readable, supported, and each one a key the root lists for its role (400 otherwise). */
  private givenKeys(root: Metadata<Root>, options: ImportRootOptions): Record<OnlineRole, Array<{ key: KeyObject; signer: Signer }>> {
    const given: Record<OnlineRole, Array<{ key: KeyObject; signer: Signer }>> = { targets: [], snapshot: [], timestamp: [] };
    for (const [role, pems] of Object.entries(options.keys ?? {}) as Array<[OnlineRole, string[] | undefined]>) {
      if (!(role in given)) throw badRequest(`keys.${role}: only targets, snapshot and timestamp keys can be given to the server`);
      (pems ?? []).forEach((pem, i) => {
        const read = readPrivateKey(pem, options.passphrase, `keys.${role}[${i}]`);
        if (!listsKey(root.signed, role, read.signer.key))
          throw badRequest(`keys.${role}[${i}] (key ${shortKeyId(read.signer.key.keyID)}) is not a ${role} key of the root`);
        given[role].push(read);
      });
    }
    return given;
  }

  /** The tenant's repository, if it may still be replaced by an imported root; a 409 otherwise. */
  private async assertImportable(store: TufStore, releases: ReleaseStore, tenant: string): Promise<RepositoryState | undefined> {
    const state = await store.load(tenant);
    if (!state) return undefined;
    // Generated by the server (which then holds its root keys; it may have renewed it since).
    if (!canSign(state.root.signed, 'root', heldKeysOf(this.keys, tenant)))
      throw conflict(
        `tenant ${tenant} already has a TUF repository with root v${state.root.signed.version} from an offline ceremony; replace keys by rotating the root (PUT /rest/v1/tuf/root)`,
      );
    const targetCount = Object.keys(state.targets?.signed.targets ?? {}).length;
    if ((await releases.anyReleased(tenant)) || targetCount > 0 || state.pending) {
      throw conflict(`tenant ${tenant} has released from its generated repository already; its root can no longer be replaced, only rotated`);
    }
    return state;
  }

  /**
   * Root rotation with root metadata signed offline (state.ts `rotateRoot`): version N+1, signed
   * by a threshold of the keys of root N and of its own root keys; changed online keys re-sign at
   * once with keys the server must hold.
   */
  async rotateRoot(who: Actor, nextRootJson: unknown): Promise<RotateRootResult> {
    const next = parseRootJson(nextRootJson, 'root metadata');
    const tenant = who.tenant;
    const { rotated, previous } = await this.changes.apply(who, async (trx, now) => {
      const locked = await lockRepository(trx, this.keys, tenant);
      const state = requireState(locked, tenant);
      const { writes, result } = await rotateRoot(state, next, { targetsOffline: locked.config['tuf.targets.offline'] }, locked.held, now);
      await locked.store.write(tenant, writes, now);
      return {
        result: { rotated: result, previous: state.root },
        audit: {
          action: 'tuf.root.rotate',
          subject: { type: 'tuf', id: 'root' },
          before: { rootVersion: state.root.signed.version, roles: rolesSummary(state.root.signed) },
          after: { rootVersion: next.signed.version, roles: rolesSummary(next.signed), republished: result.republished },
        },
      };
    });
    this.retireDropped(tenant, previous, next);
    return rotated;
  }

  /** Online keys the new root dropped sign nothing any more. */
  private retireDropped(tenant: string, previous: Metadata<Root>, next: Metadata<Root>): void {
    for (const role of TOP_LEVEL_ROLES) {
      const kept = new Set(roleKeys(next.signed, role).map(keyMaterial));
      const dropped = new Set(
        roleKeys(previous.signed, role)
          .map(keyMaterial)
          .filter((m) => !kept.has(m)),
      );
      if (dropped.size === 0) continue;
      const keep = this.keys.tufSigners(tenant, role).filter((s) => !dropped.has(keyMaterial(s.key)));
      this.keys.retireTufKeys(
        tenant,
        role,
        keep.map((s) => s.key.keyID),
      );
    }
  }
}
