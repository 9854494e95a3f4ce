/**
 * What a device reads (hawkBit DDI §1.3, §1.4, §1.6, §1.8): the poll (which resource to follow
 * next), a deployment's content (deploymentBase, confirmationBase/{id}, installedBase/{id}), the
 * cancel instruction, the confirmation state, a module's artifacts and which file a download
 * names. Every lookup is inside the device's tenant and its own actions: a foreign or unknown
 * action or module is simply not found, as in hawkBit.
 */
import type { Kysely } from 'kysely';
import type { ActionStatus } from '@osprey/protocol';
import type { Database } from '../../db/schema.js';
import { ActionStore, type DeviceAction, type PollState } from '../../db/stores/actions.js';
import { DeploymentContentStore } from '../../db/stores/deployment-content.js';
import type { AutoConfirm, DeviceTarget } from '../../db/stores/targets.js';
import { ServerError, notFound } from '../../errors.js';
import type { KeyService } from '../../keys/keyservice.js';
import type { DeviceCache } from '../device-cache.js';
import { maintenanceState } from '../maintenance.js';
import { durationToSeconds, type TenantConfig } from '../tenant-config.js';
import { artifactViews, parseRecipient, type ArtifactView } from './artifacts.js';
import { cacheBuster, deploymentInstructions, type DeploymentInstructions } from './instructions.js';
import { QUOTAS } from './quotas.js';

/** What the root poll tells the device (§1.3). */
export interface PollView {
  sleepSeconds: number;
  /** The one resource to follow now: a cancellation, a consent to give, or a deployment. */
  next?: { kind: 'cancel'; actionId: number } | { kind: 'confirm' | 'deploy'; actionId: number; cacheBuster: number };
  /** The last finished action (installedBase). */
  installedActionId?: number;
  /** The server asks for the device's attributes (configData). */
  requestAttributes: boolean;
}

/** hawkBit's legacy chunk names for two module types (§1.4 `part`). */
const LEGACY_PART: Record<string, string> = { application: 'bApp', runtime: 'jvm' };

export interface ChunkView {
  moduleId: number;
  part: string;
  version: string;
  name: string;
  encrypted: boolean;
  metadata: Array<{ key: string; value: string }>;
  artifacts: ArtifactView[];
}

export type DeploymentKind = 'deployment' | 'confirmation' | 'installed';

export interface DeploymentView {
  actionId: number;
  kind: DeploymentKind;
  instructions: DeploymentInstructions;
  chunks: ChunkView[];
  history?: { status: ActionStatus; messages: string[] };
  /** The tenant publishes a TUF repository (Osprey extension: the deployment names it). */
  tuf: boolean;
}

export interface ConfirmationState {
  autoConfirm: AutoConfirm | null;
  /** The action waiting for the device's consent, if any. */
  waiting?: { actionId: number; cacheBuster: number };
}

/** A stored file as a download serves it. */
export interface DownloadableArtifact {
  id: number;
  /** Set once the stored blob was found damaged: the download is refused. */
  damage: string | null;
  filename: string;
  size: number;
  sha1: string;
  md5: string;
  sha256: string;
  signature: Buffer | null;
  createdAt: Date;
}

/** What a download URL names: the file, its `.MD5SUM` line, or (Osprey) its `.sig` signature. */
export interface Download {
  kind: 'file' | 'md5sum' | 'signature';
  artifact: DownloadableArtifact;
  /** The active action the download belongs to (a full download is recorded on it). */
  actionId: number | undefined;
}

/** actionHistory: at most this many status rows, also for "all" (-1). */
const HISTORY_MAX = 100;

export class DeploymentService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: KeyService,
    private readonly cache: DeviceCache,
    private readonly clock: () => Date,
  ) {}

  /** The first active action and the last finished one, from the poll cache when it can. */
  private async pollState(target: DeviceTarget): Promise<PollState> {
    const cached = this.cache.get(target.tenant, target.controllerId)?.poll;
    if (cached) return cached;
    const mark = this.cache.mark();
    const state = await new ActionStore(this.db).pollState(target.tenant, target.id);
    this.cache.storePoll(mark, target.tenant, target.controllerId, state);
    return state;
  }

  /** Root poll: the polling interval and which resource the device should follow (§1.3). */
  async poll(target: DeviceTarget, config: TenantConfig): Promise<PollView> {
    const now = this.clock();
    let sleepSeconds = durationToSeconds(config.pollingTime);
    const { active: action, installed } = await this.pollState(target);
    let next: PollView['next'];
    if (action) {
      if (action.status === 'CANCELING') {
        next = { kind: 'cancel', actionId: action.id };
      } else {
        const instructions = deploymentInstructions(action, now);
        const kind = action.status === 'WAIT_FOR_CONFIRMATION' ? 'confirm' : 'deploy';
        next = { kind, actionId: action.id, cacheBuster: cacheBuster(action, instructions) };
        // While waiting for a window, poll a few times before it opens (§1.3).
        if (kind === 'deploy' && action.maintenance && instructions.maintenanceWindow === 'unavailable') {
          const { nextStart } = maintenanceState(action.maintenance, now);
          if (nextStart) {
            const untilOpen = Math.max(1, Math.floor((nextStart.getTime() - now.getTime()) / 1000));
            sleepSeconds = Math.max(1, Math.min(sleepSeconds, Math.floor(untilOpen / config.maintenanceWindowPollCount)));
          }
        }
      }
    }
    return {
      sleepSeconds,
      ...(next ? { next } : {}),
      ...(installed !== undefined ? { installedActionId: installed } : {}),
      requestAttributes: target.requestAttributes,
    };
  }

  /** The action, if it belongs to this target (a foreign or unknown action is simply not found). */
  private async actionOf(target: DeviceTarget, actionId: number): Promise<DeviceAction> {
    const action = await new ActionStore(this.db).deviceActionOf(target.tenant, target.id, actionId);
    if (!action) throw notFound(`action ${actionId}`);
    return action;
  }

  /**
   * deploymentBase (§1.4), confirmationBase/{id} (§1.6) or installedBase/{id}: the same content
   * for the action in the state each of them is for. `actionHistory` > 0 adds the newest status
   * rows' messages, -1 all of them (at most 100 rows).
   */
  async deployment(target: DeviceTarget, actionId: number, kind: DeploymentKind, actionHistory = 0): Promise<DeploymentView> {
    const action = await this.actionOf(target, actionId);
    const actions = new ActionStore(this.db);
    if (kind === 'deployment') {
      if (!action.active || action.status === 'CANCELING' || action.status === 'CANCELED' || action.status === 'WAIT_FOR_CONFIRMATION') {
        throw notFound(`deployment for action ${actionId}`);
      }
      // Repeated fetches record RETRIEVED once (§1.2).
      if ((await actions.lastStatus(target.tenant, action.id)) !== 'RETRIEVED') {
        await actions.addStatus(
          target.tenant,
          action.id,
          'RETRIEVED',
          ['Update Server: Target retrieved update action and should start now the download.'],
          this.clock(),
        );
      }
    } else if (kind === 'confirmation') {
      if (!action.active || action.status !== 'WAIT_FOR_CONFIRMATION') throw notFound(`confirmation for action ${actionId}`);
    } else if (action.active || action.status !== 'FINISHED') {
      throw notFound(`installed action ${actionId}`);
    }
    const instructions: DeploymentInstructions = kind === 'installed' ? { download: 'forced', update: 'forced' } : deploymentInstructions(action, this.clock());
    const view: DeploymentView = { actionId: action.id, kind, instructions, chunks: await this.chunks(target, action), tuf: false };
    if (actionHistory !== 0) {
      const messages = await actions.recentMessages(target.tenant, action.id, actionHistory < 0 ? HISTORY_MAX : Math.min(actionHistory, HISTORY_MAX));
      if (messages.length > 0) view.history = { status: action.status, messages };
    }
    view.tuf = await new DeploymentContentStore(this.db).hasTufRepository(target.tenant);
    return view;
  }

  private async chunks(target: DeviceTarget, action: DeviceAction): Promise<ChunkView[]> {
    const content = new DeploymentContentStore(this.db);
    const recipient = parseRecipient(target.publicKey);
    const out: ChunkView[] = [];
    for (const m of await content.modulesOfSet(target.tenant, action.dsId)) {
      const artifacts = await artifactViews(this.keys, target.tenant, await content.offeredArtifactsOf(target.tenant, m.id), recipient);
      out.push({
        moduleId: m.id,
        part: LEGACY_PART[m.typeKey] ?? m.typeKey,
        version: m.version,
        name: m.name,
        encrypted: m.encrypted,
        metadata: m.visibleMetadata,
        artifacts,
      });
    }
    return out;
  }

  /** GET cancelAction/{id}: the stop instruction while the action is being canceled. */
  async cancelAction(target: DeviceTarget, actionId: number): Promise<{ actionId: number }> {
    const action = await this.actionOf(target, actionId);
    if (action.status !== 'CANCELING' && action.status !== 'CANCELED') throw notFound(`cancellation of action ${actionId}`);
    return { actionId: action.id };
  }

  /** GET confirmationBase (§1.6): auto-confirm state and the action waiting for consent. */
  async confirmationState(target: DeviceTarget): Promise<ConfirmationState> {
    const [waiting] = await new ActionStore(this.db).waitingForConfirmation(target.tenant, target.id);
    const state: ConfirmationState = { autoConfirm: target.autoConfirm };
    if (waiting) state.waiting = { actionId: waiting.id, cacheBuster: cacheBuster(waiting, deploymentInstructions(waiting, this.clock())) };
    return state;
  }

  /**
   * The target's action through which it may see this module: an active, not canceled one, or a
   * finished one (its installed set) (§1.2). Returns the active action, if any.
   */
  private async moduleAccess(target: DeviceTarget, moduleId: number): Promise<number | undefined> {
    const granted = await new ActionStore(this.db).grantingModule(target.tenant, target.id, moduleId);
    if (!granted) throw notFound(`software module ${moduleId} for this target`);
    return granted.active ? granted.actionId : undefined;
  }

  /** GET softwaremodules/{id}/artifacts: the artifacts of a module the target may download. */
  async moduleArtifacts(target: DeviceTarget, moduleId: number): Promise<ArtifactView[]> {
    await this.moduleAccess(target, moduleId);
    const artifacts = await new DeploymentContentStore(this.db).offeredArtifactsOf(target.tenant, moduleId);
    return artifactViews(this.keys, target.tenant, artifacts, parseRecipient(target.publicKey));
  }

  /**
   * What a download URL names (§1.8): `<file>`, `<file>.MD5SUM`, or (Osprey) `<file>.sig`, the
   * detached signature for `openssl dgst -sha256 -verify` — unless an artifact has that very name,
   * which is tried first.
   */
  async download(target: DeviceTarget, moduleId: number, requested: string): Promise<Download> {
    const actionId = await this.moduleAccess(target, moduleId);
    const content = new DeploymentContentStore(this.db);
    const find = async (filename: string) => {
      const row = await content.artifact(target.tenant, moduleId, filename);
      if (!row) return undefined;
      const artifact: DownloadableArtifact = {
        id: row.id,
        damage: row.damage,
        filename: row.filename,
        size: Number(row.size),
        sha1: row.sha1,
        md5: row.md5,
        sha256: row.sha256,
        signature: row.signature,
        createdAt: new Date(row.created_at),
      };
      return artifact;
    };
    if (requested.endsWith('.MD5SUM')) {
      const artifact = await find(requested.slice(0, -'.MD5SUM'.length));
      if (!artifact) throw notFound(`artifact ${requested.slice(0, -'.MD5SUM'.length)}`);
      return { kind: 'md5sum', artifact, actionId };
    }
    const file = await find(requested);
    if (file) return { kind: 'file', artifact: file, actionId };
    const signed = requested.endsWith('.sig') ? await find(requested.slice(0, -'.sig'.length)) : undefined;
    if (!signed) throw notFound(`artifact ${requested.endsWith('.sig') ? requested.slice(0, -'.sig'.length) : requested}`);
    if (!signed.signature) throw new ServerError('NOT_FOUND', `artifact ${signed.filename} has no signature`);
    return { kind: 'signature', artifact: signed, actionId };
  }

  /** A full (non-range) download is recorded as an informational DOWNLOAD status (§1.8), within the status quota. */
  async recordDownload(target: DeviceTarget, actionId: number, uri: string): Promise<void> {
    const actions = new ActionStore(this.db);
    if ((await actions.statusCount(target.tenant, actionId)) >= QUOTAS.statusEntriesPerAction) return;
    await actions.addStatus(target.tenant, actionId, 'DOWNLOAD', [`Update Server: Target downloads ${uri}`], this.clock());
  }
}
