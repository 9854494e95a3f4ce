/**
 * Releases of distribution sets into the tenant's TUF repository: request, four-eyes approval,
 * release, status, and the offline targets signature that completes releases in offline targets
 * mode. Planning is pure (release-plan.ts), the metadata transitions too (tuf/state.ts); this
 * service locks, reads, applies and audits — every change through Changes, its audit entries in
 * the same transaction.
 *
 * Permissions beyond the route guard: with four-eyes approval on (`release.approval.enabled`),
 * UPDATE_DISTRIBUTION_SET requests a release and a second person with APPROVE_RELEASE approves it;
 * otherwise releasing needs APPROVE_RELEASE. With `tuf.targets.offline` a release becomes
 * pending targets metadata that the offline key's holder signs and uploads (submitTargets);
 * nothing the offline key did not sign is published.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { ReleaseStore, type ReleaseRow } from '../db/stores/releases.js';
import { TenantStore } from '../db/stores/tenants.js';
import { TufStore, type PendingRelease } from '../db/stores/tuf.js';
import { ServerError, notFound } from '../errors.js';
import type { KeyService } from '../keys/keyservice.js';
import type { Actor, AuditRecord, Changes } from './changes.js';
import type { Principal } from './permissions.js';
import { assertReleasable, planTargets, releaseRequestSchema, releaseStateOf, type ReleaseRequest, type ReleaseStatus } from './release-plan.js';
import { parseTenantConfig } from './tenant-config.js';
import { lockRepository, requireState, type LockedRepository, type TufRepositoryService } from './tuf/repository.js';
import { acceptSignedTargets, addTargets, parseTargetsJson, type PublishedVersions, type RepositoryState } from './tuf/state.js';

export type { ReleaseRequest, ReleaseState, ReleaseStatus, ReleasedTarget } from './release-plan.js';

const conflict = (message: string) => new ServerError('CONFLICT', message);

/** A set locked for a release decision, with the repository it is released into. */
interface Opened {
  locked: LockedRepository;
  state: RepositoryState;
  pendingRelease: PendingRelease | undefined;
  ds: ReleaseRow;
  sets: ReleaseStore;
}

export class ReleaseService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: KeyService,
    private readonly changes: Changes,
    private readonly repository: TufRepositoryService,
  ) {}

  /** Whether the tenant requires four-eyes approval of releases. */
  async approvalRequired(tenant: string): Promise<boolean> {
    return parseTenantConfig(await new TenantStore(this.db).config(tenant))['release.approval.enabled'];
  }

  /**
   * A 403 unless `who` may ask for a release now; returns whether four-eyes approval is on. The
   * route runs it as its guard (before the body is looked at) and request() again.
   */
  async assertMayRelease(who: Principal): Promise<{ approval: boolean }> {
    const approval = await this.approvalRequired(who.tenant);
    const [permission, why] = approval
      ? (['UPDATE_DISTRIBUTION_SET', 'four-eyes approval is on: a release is requested, then approved by a second user'] as const)
      : (['APPROVE_RELEASE', 'releasing signs the distribution set into the TUF repository'] as const);
    if (!who.permissions.has(permission)) throw new ServerError('FORBIDDEN', `missing permission ${permission} (${why})`);
    return { approval };
  }

  /**
   * Request a release. With four-eyes approval on, it is recorded and waits for a second user
   * (pending_approval); otherwise it is released at once (or, with the targets key offline,
   * becomes pending targets metadata).
   */
  async request(who: Principal, dsId: number, request: ReleaseRequest): Promise<ReleaseStatus> {
    const { approval } = await this.assertMayRelease(who);
    await this.repository.ensureRepository(who.tenant);
    return this.changes.apply(who, async (trx, now) => {
      const opened = await this.open(trx, who.tenant, dsId);
      assertReleasable(opened.ds, { pending: opened.state.pending, pendingRelease: opened.pendingRelease }, 'draft');
      if (!approval) {
        const { status, audit } = await this.release(opened, who, request, { requestedBy: who.actor, authorizedBy: who.actor }, now);
        return { result: status, audit };
      }
      // Refuse now what would fail at approval.
      const planned = planTargets(await opened.sets.artifactsToRelease(who.tenant, dsId), dsId, request, opened.state.targets);
      await opened.locked.store.putReleaseRequest(who.tenant, dsId, request, now);
      await opened.sets.requestApproval(who.tenant, dsId, who.actor, now);
      const status: ReleaseStatus = { id: dsId, state: 'pending_approval', requestedBy: who.actor, request, targets: planned.map((p) => p.info) };
      return {
        result: status,
        audit: {
          action: 'distributionset.release.request',
          subject: { type: 'distributionset', id: String(dsId) },
          before: { releaseState: opened.ds.release_state },
          after: { releaseState: 'pending_approval', request, targets: planned.map((p) => p.info.path) },
        },
      };
    });
  }

  /**
   * Four-eyes approval: a second person with APPROVE_RELEASE releases what the requester asked
   * for. The requester (also through one of their API tokens) cannot approve their own request.
   */
  async approve(who: Actor, dsId: number): Promise<ReleaseStatus> {
    await this.repository.ensureRepository(who.tenant);
    return this.changes.apply(who, async (trx, now) => {
      const opened = await this.open(trx, who.tenant, dsId);
      assertReleasable(opened.ds, { pending: opened.state.pending, pendingRelease: opened.pendingRelease }, 'pending_approval');
      const requester = opened.ds.release_requested_by ?? '';
      if ((await this.personOf(opened.sets, who.tenant, who.actor)) === (await this.personOf(opened.sets, who.tenant, requester))) {
        throw new ServerError(
          'FORBIDDEN',
          `four-eyes rule: ${who.actor} requested the release of distribution set ${dsId} and cannot approve it; another user with APPROVE_RELEASE must`,
        );
      }
      const stored = releaseRequestSchema.safeParse(await opened.locked.store.releaseRequest(who.tenant, dsId));
      if (!stored.success) throw conflict(`the release request of distribution set ${dsId} is missing; request the release again`);
      const request = stored.data;
      const approval: AuditRecord = {
        action: 'distributionset.release.approve',
        subject: { type: 'distributionset', id: String(dsId) },
        before: { releaseState: 'pending_approval', requestedBy: requester },
        after: { approvedBy: who.actor, request },
      };
      const { status, audit } = await this.release(opened, who, request, { requestedBy: requester, authorizedBy: who.actor }, now);
      // Kept while the offline signature is pending: discarding it returns the set to pending approval.
      if (status.state === 'released') await opened.locked.store.removeReleaseRequest(who.tenant, dsId);
      return { result: status, audit: [approval, audit] };
    });
  }

  /** A distribution set's release: its state, who asked and who released, and its targets. */
  async status(tenant: string, dsId: number): Promise<ReleaseStatus> {
    if (!Number.isSafeInteger(dsId) || dsId <= 0) throw notFound(`distribution set ${dsId}`);
    const sets = new ReleaseStore(this.db);
    const ds = await sets.distributionSet(tenant, dsId);
    if (!ds) throw notFound(`distribution set ${dsId}`);
    const store = new TufStore(this.db);
    const state = await store.load(tenant);
    const pendingRelease = await store.pendingRelease(tenant);
    const status: ReleaseStatus = { id: dsId, state: releaseStateOf(ds, pendingRelease, dsId), targets: [] };
    if (ds.release_requested_by) status.requestedBy = ds.release_requested_by;
    if (ds.released_by) status.releasedBy = ds.released_by;
    if (ds.released_at) status.releasedAt = new Date(ds.released_at).toISOString();
    const request = releaseRequestSchema.safeParse(await store.releaseRequest(tenant, dsId));
    if (request.success) status.request = request.data;
    if (status.state === 'pending_signature' && state?.pending) status.pendingTargetsVersion = state.pending.signed.version;
    if (status.state !== 'released' && status.state !== 'pending_signature') return status;
    // Released: the artifacts' targets; awaiting the offline signature: the targets it will publish.
    const pendingPaths = new Map((pendingRelease?.releases.find((r) => r.dsId === dsId)?.artifacts ?? []).map((a) => [a.id, a.path]));
    for (const a of await sets.artifactsOf(tenant, dsId)) {
      const path = status.state === 'released' ? a.tuf_target : pendingPaths.get(Number(a.id));
      if (path) {
        status.targets.push({
          artifactId: Number(a.id),
          moduleId: Number(a.module_id),
          filename: a.filename,
          path,
          length: Number(a.size),
          sha256: a.sha256,
          existing: status.state === 'released',
        });
      }
    }
    return status;
  }

  // --- offline targets -----------------------------------------------------------------------------

  /**
   * Publish targets metadata signed by the offline targets key (tuf/state.ts `acceptSignedTargets`);
   * snapshot and timestamp are then signed online and the pending releases complete.
   */
  async submitTargets(who: Actor, signedJson: unknown): Promise<{ published: PublishedVersions; released: number[] }> {
    const submitted = parseTargetsJson(signedJson, 'targets metadata');
    const tenant = who.tenant;
    return this.changes.apply(who, async (trx, now) => {
      const locked = await lockRepository(trx, this.keys, tenant);
      const state = requireState(locked, tenant);
      const pendingRelease = await locked.store.pendingRelease(tenant);
      const { writes, published } = await acceptSignedTargets(state, submitted, locked.held, now);
      await locked.store.write(tenant, writes, now);
      const sets = new ReleaseStore(trx);
      const audit: AuditRecord[] = [];
      const released: number[] = [];
      for (const r of pendingRelease?.releases ?? []) {
        const ds = await sets.distributionSet(tenant, r.dsId);
        if (!ds) continue;
        await sets.markReleased(tenant, r.dsId, r.artifacts, { requestedBy: ds.release_requested_by ?? r.authorizedBy, releasedBy: r.authorizedBy }, now);
        await locked.store.removeReleaseRequest(tenant, r.dsId);
        audit.push({
          action: 'distributionset.release',
          subject: { type: 'distributionset', id: String(r.dsId) },
          before: { releaseState: ds.release_state },
          after: {
            releaseState: 'released',
            releasedBy: r.authorizedBy,
            signedOffline: true,
            targetPaths: r.artifacts.map((a) => a.path),
            metadata: published,
          },
        });
        released.push(r.dsId);
      }
      audit.push({
        action: 'tuf.targets.submit',
        subject: { type: 'tuf', id: 'targets' },
        before: null,
        after: { ...published, keys: Object.keys(submitted.signatures), released },
      });
      return { result: { published, released }, audit };
    });
  }

  /** Drop the pending targets metadata: its releases go back to where they were (draft or pending approval). */
  async discardPendingTargets(who: Actor): Promise<void> {
    await this.changes.apply(who, async (trx, now) => {
      const locked = await lockRepository(trx, this.keys, who.tenant);
      const state = requireState(locked, who.tenant);
      if (!state.pending) throw notFound('pending targets metadata');
      const pendingRelease = await locked.store.pendingRelease(who.tenant);
      await locked.store.write(who.tenant, { pending: null }, now);
      return {
        result: undefined,
        audit: {
          action: 'tuf.targets.discard',
          subject: { type: 'tuf', id: 'targets' },
          before: { targetsVersion: state.pending.signed.version, releases: pendingRelease?.releases.map((r) => r.dsId) ?? [] },
          after: null,
        },
      };
    });
  }

  // --- inside a change ---------------------------------------------------------------------------------

  /** Lock the tenant's repository, then the set (always in this order, so two releases never deadlock). */
  private async open(trx: Transaction<Database>, tenant: string, dsId: number): Promise<Opened> {
    const locked = await lockRepository(trx, this.keys, tenant);
    const sets = new ReleaseStore(trx);
    if (!Number.isSafeInteger(dsId) || dsId <= 0) throw notFound(`distribution set ${dsId}`);
    const ds = await sets.lockDistributionSet(tenant, dsId);
    if (!ds) throw notFound(`distribution set ${dsId}`);
    const state = requireState(locked, tenant);
    return { locked, state, pendingRelease: await locked.store.pendingRelease(tenant), ds, sets };
  }

  /**
   * Register the set's artifacts as targets (tuf/state.ts `addTargets`): signed and published
   * with snapshot and timestamp, or — targets signed offline — pending the offline signature.
   */
  private async release(
    { locked, state, ds, sets }: Opened,
    who: Actor,
    request: ReleaseRequest,
    by: { requestedBy: string; authorizedBy: string },
    now: Date,
  ): Promise<{ status: ReleaseStatus; audit: AuditRecord }> {
    const tenant = who.tenant;
    const dsId = Number(ds.id);
    const planned = planTargets(await sets.artifactsToRelease(tenant, dsId), dsId, request, state.targets);
    const offline = locked.config['tuf.targets.offline'];
    const fresh = planned.filter((p) => !p.info.existing).map((p) => p.target);
    const { writes, targetsVersion, published } = await addTargets(state, fresh, { offline }, locked.held, now);
    await locked.store.write(tenant, writes, now);
    const subject = { type: 'distributionset', id: String(dsId) };
    const artifacts = planned.map((p) => ({ id: p.info.artifactId, path: p.info.path }));
    const paths = planned.map((p) => p.info.path);
    if (offline || !published) {
      await locked.store.putPendingRelease(tenant, { targetsVersion, releases: [{ dsId, authorizedBy: by.authorizedBy, artifacts }] }, now);
      if (ds.release_state === 'draft') await sets.recordRequester(tenant, dsId, by.requestedBy, now);
      return {
        status: {
          id: dsId,
          state: 'pending_signature',
          requestedBy: by.requestedBy,
          request,
          targets: planned.map((p) => p.info),
          pendingTargetsVersion: targetsVersion,
        },
        audit: { action: 'distributionset.release.pending', subject, before: null, after: { targetsVersion, targets: paths, request } },
      };
    }
    await sets.markReleased(tenant, dsId, artifacts, { requestedBy: by.requestedBy, releasedBy: by.authorizedBy }, now);
    return {
      status: {
        id: dsId,
        state: 'released',
        requestedBy: by.requestedBy,
        releasedBy: by.authorizedBy,
        releasedAt: now.toISOString(),
        request,
        targets: planned.map((p) => p.info),
        published,
      },
      audit: {
        action: 'distributionset.release',
        subject,
        before: { releaseState: ds.release_state },
        after: { releaseState: 'released', releasedBy: by.authorizedBy, targetPaths: paths, request, metadata: published },
      },
    };
  }

  /** Who is behind an actor: an API token acts for its owner. */
  private async personOf(sets: ReleaseStore, tenant: string, actor: string): Promise<string> {
    if (!actor.startsWith('token:')) return actor;
    const owner = await sets.tokenOwner(tenant, actor.slice('token:'.length));
    return owner ? `user:${owner.replace(/^user:/, '')}` : actor;
  }
}
