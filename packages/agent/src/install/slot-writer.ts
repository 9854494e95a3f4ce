/**
 * Puts a release's image into a slot for the agent: streams the action's payload (from the server
 * or an extracted bundle) through decryption into the inactive slot (install/streaming.ts),
 * continuing from a checkpoint after a restart and watching the server for a cancellation
 * meanwhile; stages an image ahead of its installation (download-only actions); and tells
 * whether a slot already holds an image. It never touches the bootloader or the install state:
 * the agent turns each outcome into a transition.
 */
import type { ReleaseAdmission } from '../admission.js';
import { NO_CANCEL_WATCH, watchForCancel } from '../ddi/cancel-watch.js';
import type { DdiClient } from '../ddi/client.js';
import { AgentError, failureOf, isAgentError } from '../errors.js';
import type { FreshLink } from '../fetch/attempt.js';
import type { AgentLogger } from '../log.js';
import type { SecureElement } from '../secure-element/types.js';
import type { AbSlots } from '../slots/ab.js';
import type { Slot, SlotId } from '../slots/types.js';
import type { ReleaseInfo } from '../state/machine.js';
import { readRecordOrAbsent, stagedRecord, streamRecord, type DdiAction, type PendingAction } from '../state/side-files.js';
import type { SignedRelease } from '../verify/tuf.js';
import { actionCheckpoints, DEFAULT_CHECKPOINT_EVERY_BYTES } from './checkpoints.js';
import { streamInstall, type PayloadSource, type StreamCheckpoint } from './streaming.js';

export interface SlotWriterOptions {
  readonly ddi: DdiClient;
  readonly element?: SecureElement;
  readonly slots: AbSlots;
  readonly admission: ReleaseAdmission;
  readonly workDir: string;
  readonly requireEncryption?: boolean;
  /** See AgentOptions.checkpointEveryBytes. */
  readonly checkpointEveryBytes?: number;
  /** The delay before each poll that watches for a cancellation (ms). */
  readonly cancelPollDelayMs: () => number;
  /** Told the server's polling interval from each of those polls (seconds). */
  readonly polled: (sleepSeconds: number) => void;
  /** The wait before each of those polls, ended early by a wake-up (default: sleep). */
  readonly cancelPollWait?: (ms: number, signal: AbortSignal) => Promise<unknown>;
  readonly log: AgentLogger;
  /** The agent's crash points (fault injection); throwing there simulates a crash. */
  readonly point: (name: string) => void;
  /** A simulated crash that happened (a crash point threw), which must end the step as it is. */
  readonly crashed: () => unknown;
}

/** How a write ended (a crash is thrown instead: it must not be taken for any of these). */
export type SlotWriteOutcome =
  | { readonly kind: 'written' }
  /** Canceled by the server; `during` says whether the stream had completed. */
  | { readonly kind: 'canceled'; readonly during: 'the download' | 'after the download' }
  /** The error of the stream: retried later if retryable, else the action fails with it. */
  | { readonly kind: 'failed'; readonly error: unknown };

export class SlotWriter {
  readonly #o: SlotWriterOptions;

  constructor(options: SlotWriterOptions) {
    this.#o = options;
  }

  /**
   * Streams the action's payload into `target`, polling the server meanwhile (a DDI action) so
   * that a cancellation stops it. A checkpoint outlives only what may heal: a crash, a broken or
   * stalled transfer.
   */
  async write(action: PendingAction, target: SlotId): Promise<SlotWriteOutcome> {
    const { log } = this.#o;
    const abort = new AbortController();
    const watch =
      action.kind === 'bundle'
        ? NO_CANCEL_WATCH
        : watchForCancel({
            ddi: this.#o.ddi,
            actionId: action.actionId,
            abort,
            delayMs: this.#o.cancelPollDelayMs,
            polled: this.#o.polled,
            log,
            ...(this.#o.cancelPollWait ? { wait: this.#o.cancelPollWait } : {}),
          });
    let crashed: unknown;
    let failure: unknown;
    const checkpoints = action.kind === 'bundle' ? undefined : this.#checkpoints(action.actionId, target);
    try {
      const { source, release, header } = await this.#o.admission.payloadOf(action);
      const resume = checkpoints?.load(release);
      if (resume) log.info('continuing the download from its checkpoint', { actionId: action.actionId, offset: resume.offset });
      await streamInstall(source, {
        ...this.#streamOptions(source, release, this.#o.slots.get(target), header, action.kind === 'bundle' ? undefined : action),
        signal: abort.signal,
        onProgress: () => {
          // A (simulated) crash here must end the step at once, not be retried as a broken transfer.
          try {
            this.#o.point('download progress');
          } catch (e) {
            crashed ??= e;
            abort.abort();
          }
        },
        onPlaintext: () => this.#o.point('slot write'),
        ...(resume ? { resume } : {}),
        ...(checkpoints && checkpoints.every > 0
          ? { checkpoint: { every: checkpoints.every, save: (cp: StreamCheckpoint) => checkpoints.save(release, cp) } }
          : {}),
      });
      this.#o.point('slot written');
    } catch (e) {
      failure = e;
    }
    const canceled = await watch.stop();
    if (crashed !== undefined) throw crashed;
    const crash = this.#o.crashed();
    if (crash !== undefined) throw crash;
    if (failure === undefined || canceled || !failureOf(failure).retryable || isAgentError(failure, 'AGENT_DOWNLOAD_RESTART')) checkpoints?.discard();
    // Canceled before the bootloader was touched: honoured, even when the stream had just completed.
    if (canceled) return { kind: 'canceled', during: failure === undefined ? 'after the download' : 'the download' };
    if (failure !== undefined) return { kind: 'failed', error: failure };
    return { kind: 'written' };
  }

  /** Whether the slot holds exactly this release's image (its head is written last, so a cut write never does). */
  holds(target: SlotId, release: ReleaseInfo): Promise<boolean> {
    return this.#o.slots
      .get(target)
      .verify({ length: release.length, sha256: release.sha256 })
      .then(
        () => true,
        () => false,
      );
  }

  /** The target slot holds this release already (staged by a download-only action) and still verifies. */
  async alreadyStaged(target: SlotId, release: ReleaseInfo): Promise<boolean> {
    const staged = readRecordOrAbsent(stagedRecord, this.#o.workDir, this.#o.log);
    if (!staged || staged.slot !== target || staged.sha256 !== release.sha256 || staged.length !== release.length) return false;
    const verified = await this.holds(target, release);
    if (verified) this.#o.log.info('the image is staged in the target slot already: not downloaded again', { slot: target });
    return verified;
  }

  /**
   * Download allowed, installation not (a download-only action, or outside the maintenance
   * window): the image is streamed into the inactive slot now — verified exactly as for an
   * install, but nothing is armed — and the server told `downloaded` (hawkBit closes a
   * download-only action on it). The install that follows finds the slot already holding the
   * image and does not download it again. The running system is untouched either way. Resolves
   * with what was done (`waits` describes the action's wait); a retryable failure throws.
   */
  async stage(action: DdiAction, release: SignedRelease, waits: string): Promise<string> {
    const { ddi, workDir } = this.#o;
    const staged = readRecordOrAbsent(stagedRecord, workDir, this.#o.log);
    if (staged?.actionId === action.actionId) return `${waits}; staged in slot ${staged.slot}`;
    const slot = await this.#o.slots.inactive();
    try {
      await streamInstall(action.downloadUrl, this.#streamOptions(action.downloadUrl, release, slot, action.header, action));
    } catch (e) {
      const failure = failureOf(e);
      if (failure.retryable) throw e;
      await ddi.reportRefusal(action.actionId, e, [`target ${action.targetPath}`]);
      return `refused action ${action.actionId}: ${failure.code}`;
    }
    const what = `${release.custom.name} ${release.custom.version}`;
    // Told first, recorded after: if the report fails, the next poll stages (and reports) again.
    await ddi.feedback(action.actionId, 'downloaded', 'none', [`downloaded and verified ${what}; staged in slot ${slot.id}, not activated`]);
    const { length, sha256 } = release.custom.plaintext;
    stagedRecord.write(workDir, { actionId: action.actionId, slot: slot.id, length, sha256 });
    return `staged action ${action.actionId} in slot ${slot.id}`;
  }

  /** The checkpoints of this action's stream into `target`. */
  #checkpoints(actionId: number, target: SlotId) {
    return actionCheckpoints({
      workDir: this.#o.workDir,
      actionId,
      slot: target,
      every: this.#o.checkpointEveryBytes ?? DEFAULT_CHECKPOINT_EVERY_BYTES,
      read: () => readRecordOrAbsent(streamRecord, this.#o.workDir, this.#o.log),
      saved: () => this.#o.point('checkpoint'),
    });
  }

  /**
   * What every stream into a slot is given: the release, this device's header and key, the
   * download's credentials (the server's, or none for storage) and, for a DDI action, where a
   * fresh link comes from when storage refuses an expired one.
   */
  #streamOptions(source: PayloadSource, release: SignedRelease, slot: Slot, header: string | null, action?: DdiAction) {
    const { ddi, element } = this.#o;
    return {
      release,
      slot,
      ...(header ? { header: Buffer.from(header, 'base64') } : {}),
      ...(element ? { identity: element.identity() } : {}),
      ...(this.#o.requireEncryption ? { requireEncryption: true } : {}),
      ...(typeof source === 'string' ? { headers: ddi.downloadHeaders(source), transport: ddi.downloadTransport(source) } : {}),
      // Only storage's 403 means "this link expired"; the server's own links do not expire.
      ...(typeof source === 'string' && action && ddi.downloadOrigin(source) === 'storage' ? { refresh: () => this.#freshLink(action) } : {}),
    };
  }

  /**
   * The action's download link as the server gives it now (deploymentBase again): a presigned
   * URL is valid for minutes, a download may take longer or continue days later.
   */
  async #freshLink(action: DdiAction): Promise<FreshLink> {
    const { ddi, log } = this.#o;
    const deployment = await ddi.deployment(`${ddi.base}/deploymentBase/${action.actionId}`);
    const artifact = deployment.chunks.flatMap((c) => c.artifacts).find((a) => a.hashes.sha256 === action.sha256);
    if (!artifact?.downloadUrl) {
      throw new AgentError('AGENT_DDI_RESPONSE_INVALID', `deploymentBase ${action.actionId} no longer links the payload ${action.sha256}`);
    }
    log.info('storage refused the download link; continuing on a fresh one', { actionId: action.actionId });
    const url = artifact.downloadUrl;
    return { url, headers: ddi.downloadHeaders(url), transport: ddi.downloadTransport(url) };
  }
}
