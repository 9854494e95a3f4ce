/**
 * The device agent's orchestrator: one `step()` is one decision of the install state machine
 * (state/machine.ts), taken from the persisted state, so a crash or power cut at any instant
 * resumes from the last persisted transition.
 *
 *   every step: load (or recover) the state, apply `reboot_observed` (idempotent within a boot),
 *   confirm the committed slot once per boot (`markGood`), then act on the phase:
 *   idle → poll; a deployment is resolved via TUF (refused: closed/failure with the precise reason)
 *     and recorded (`start`); downloading → the payload streams from the server through decryption
 *     into the inactive slot (install/streaming.ts: payload and final hash checked before the
 *     slot's head is written), while the server is polled for a cancellation of the action;
 *   downloaded → install_begin; installing → the slot is complete (streamed in this process, or
 *     verified after a restart; else streamed again); installed → arm try-once, *then* `activate`,
 *     then reboot;
 *   trial → health check → markGood, raise the security version, *then* `health_ok`; or
 *     `health_failed`/`health_timeout` → rolling_back → markBad + reboot → confirm the old slot;
 *   outcome phases → hawkBit feedback (closed success / closed failure with details; a canceled
 *     action answers the cancel handshake) → `reported`.
 *
 * What a deployment says that the state does not hold (download URL, age header, TUF target) is
 * kept in `<workDir>/action.json` (state/side-files.ts), written atomically before `start` is applied.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildReleaseTarget, type InstallType, type ReleaseCustom } from '@osprey/core';
import { openBundle, type OpenedBundle } from './bundle/index.js';
import { SimulatedBootloader } from './bootloader/simulated.js';
import type { Bootloader, BootStatus } from './bootloader/types.js';
import type { SecurityVersionStore } from './bootloader/security-version.js';
import { Backoff, pollDelayMs, sleep, type BackoffOptions } from './ddi/backoff.js';
import { deploymentPlan, type DdiClient } from './ddi/client.js';
import { streamInstall, type PayloadSource, type StreamCheckpoint } from './install/streaming.js';
import { runHealthCheck, type HealthCheck, type HealthVerdict } from './health/index.js';
import { silentLogger, type AgentLogger } from './log.js';
import type { SecureElement } from './secure-element/types.js';
import type { AbSlots } from './slots/ab.js';
import { otherSlot, type SlotId } from './slots/types.js';
import type { InstallEvent, InstallPhase, InstallState, ReleaseInfo } from './state/machine.js';
import {
  actionRecord,
  installedRecord,
  stagedRecord,
  streamRecord,
  type BundleAction,
  type DdiAction,
  type InstalledRelease,
  type PendingAction,
  type SideFile,
} from './state/side-files.js';
import { loadOrRecover } from './state/recovery.js';
import { isStateCorrupted, type StateStore } from './state/store.js';
import { assignedRelease } from './verify/assigned.js';
import { AgentError, AgentStateError, failureDetails, failureOf, isAgentError } from './errors.js';
import type { TrustAnchor } from './verify/anchor.js';
import { checkAssignedArtifact, resolveRelease, type SignedRelease } from './verify/tuf.js';

export interface AgentOptions {
  readonly ddi: DdiClient;
  /** The device key; needed for encrypted releases. */
  readonly element?: SecureElement;
  readonly slots: AbSlots;
  readonly bootloader: Bootloader;
  readonly store: StateStore;
  readonly securityVersion: SecurityVersionStore;
  /** The device's TUF directory holding the provisioned `root.json`. */
  readonly metadataDir: string;
  /** Checks the provisioned root against its seal before every TUF refresh (verify/anchor.ts). */
  readonly trustAnchor?: TrustAnchor;
  /** Downloads and the pending action (`action.json`). */
  readonly workDir: string;
  /** The hardware id releases must list. */
  readonly hardware: string;
  /** Default: always healthy. */
  readonly healthCheck?: HealthCheck;
  /** Default 60 s: a slower check is `health_timeout`. */
  readonly healthTimeoutMs?: number;
  /**
   * Reboots the device. Default: `boot()` for a {@link SimulatedBootloader} (the agent carries on
   * in the new "boot"); required for real bootloaders (e.g. `systemctl reboot`).
   */
  readonly reboot?: () => Promise<void>;
  /** Refuse unencrypted releases. */
  readonly requireEncryption?: boolean;
  /** Attributes sent when the server asks for them (configData), besides the agent's own `osprey.*` ones. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** The release install types the slots take (`custom.installType`); others are refused. Default: image. */
  readonly installTypes?: readonly InstallType[];
  readonly now?: () => Date;
  readonly logger?: AgentLogger;
  /** Poll loop retry timing. */
  readonly backoff?: BackoffOptions;
  /** Lower bound of the poll delay in `run()` (ms). Default 1000. */
  readonly minPollMs?: number;
  /**
   * Delay between the polls made while an update streams into the slot, to see a cancellation
   * (ms). Default: the server's polling interval, as when idle.
   */
  readonly busyPollMs?: number;
  /**
   * A streaming install makes the slot durable and records where it is every this many bytes, so
   * that after a restart (power cut, reboot) it continues there instead of from the start.
   * Default 16 MiB; 0 turns it off.
   */
  readonly checkpointEveryBytes?: number;
  /** Fault injection (tests): called at each crash point; throwing there simulates a crash. */
  readonly crashPoint?: (name: string) => void;
}

/** What one step did. */
export interface StepResult {
  /** The phase after the step. */
  readonly phase: InstallPhase;
  /** Short description, e.g. `polled`, `downloaded`, `rebooted`, `reported committed`. */
  readonly did: string;
  /** Nothing more to do until the next poll. */
  readonly idle: boolean;
  /** The server's polling interval, when the step polled. */
  readonly pollSeconds?: number;
}

const releaseInfoOf = (custom: ReleaseCustom): ReleaseInfo => ({
  name: custom.name,
  version: custom.version,
  securityVersion: custom.securityVersion,
  sha256: custom.plaintext.sha256,
  length: custom.plaintext.length,
});

export class Agent {
  readonly #o: AgentOptions;
  readonly #log: AgentLogger;
  readonly #now: () => Date;
  #confirmedBoot: string | null = null;
  /** The action whose image this process has streamed into the target slot (no need to verify it again). */
  #slotWrittenFor: string | null = null;
  /** The server's polling interval, from the last poll (seconds). */
  #pollSeconds = 60;
  #recoveryChecked = false;
  #crash: unknown = undefined;

  constructor(options: AgentOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
    this.#now = options.now ?? (() => new Date());
    mkdirSync(options.workDir, { recursive: true });
  }

  get actionFile(): string {
    return actionRecord.path(this.#o.workDir);
  }
  get installedFile(): string {
    return installedRecord.path(this.#o.workDir);
  }
  /** Leftovers of the download-to-file install of earlier agent versions. */
  get #downloadDir(): string {
    return join(this.#o.workDir, 'download');
  }
  /** The payload extracted from an update bundle. */
  get #bundleDir(): string {
    return join(this.#o.workDir, 'bundle');
  }

  #point(name: string): void {
    try {
      this.#o.crashPoint?.(name);
    } catch (e) {
      // A simulated crash is never mistaken for an install failure (see #failOrRetry).
      this.#crash = e;
      throw e;
    }
  }

  /** The persisted state; a corrupted state file is recovered once per agent start. */
  async #state(): Promise<InstallState> {
    if (!this.#recoveryChecked) {
      const { state, recovery } = await loadOrRecover(this.#o.store, this.#o.bootloader);
      this.#recoveryChecked = true;
      if (recovery) {
        this.#log.warn('state file corrupted: fell back to the committed slot', { reason: recovery.corruption.reason, quarantinedTo: recovery.quarantinedTo });
        if (recovery.rebootRequired) await this.#reboot();
      }
      return state;
    }
    const loaded = this.#o.store.load();
    if (!loaded.ok) {
      this.#recoveryChecked = false;
      return this.#state();
    }
    return loaded.state;
  }

  #apply(event: InstallEvent): InstallState {
    const result = this.#o.store.apply(event);
    if (isStateCorrupted(result)) throw new AgentStateError('STATE_CORRUPTED', `state file corrupted: ${result.message}`);
    if (!result.ok)
      throw new AgentStateError('STATE_TRANSITION_REFUSED', `${event.type} refused: ${result.refusal.message}`, { details: { refusal: result.refusal.code } });
    if (result.changed) {
      this.#log.info(`state ${result.state.phase}`, { event: event.type, actionId: result.state.actionId });
      this.#point(`applied ${event.type}`);
    }
    return result.state;
  }

  async #reboot(): Promise<void> {
    this.#log.info('rebooting');
    if (this.#o.reboot) return this.#o.reboot();
    if (this.#o.bootloader instanceof SimulatedBootloader) {
      await this.#o.bootloader.boot();
      return;
    }
    throw new AgentError('AGENT_INTERNAL', 'a reboot is needed, but no reboot function was configured');
  }

  /** A side-state record; a corrupt one counts as absent (each is only a hint, see state/side-files.ts). */
  #record<T>(record: SideFile<T>): T | undefined {
    try {
      return record.read(this.#o.workDir);
    } catch (e) {
      if (!isAgentError(e, 'RECORD_CORRUPTED')) throw e;
      this.#log.warn(`ignoring a corrupt ${record.name}`, { error: e.message });
      return undefined;
    }
  }

  /** Reads the action the state refers to. */
  #pending(state: InstallState): PendingAction | null {
    const action = this.#record(actionRecord);
    return action && String(action.actionId) === state.actionId ? action : null;
  }

  /** The installed release (null before the first update). */
  installed(): InstalledRelease | null {
    return this.#record(installedRecord) ?? null;
  }

  /** The persisted state and what the bootloader says, for `status`. */
  async status(): Promise<{ state: InstallState | null; boot: BootStatus; installed: InstalledRelease | null; securityVersion: number }> {
    const loaded = this.#o.store.load();
    return {
      state: loaded.ok ? loaded.state : null,
      boot: await this.#o.bootloader.status(),
      installed: this.installed(),
      securityVersion: await this.#o.securityVersion.current(),
    };
  }

  /** One iteration: resume the persisted install (or poll when idle) by one transition. */
  async step(): Promise<StepResult> {
    let state = await this.#state();
    const boot = await this.#o.bootloader.status();
    state = this.#apply({ type: 'reboot_observed', bootedSlot: boot.booted, bootId: boot.bootId });
    const done = (did: string, idle = false, pollSeconds?: number): StepResult => ({
      phase: this.#phaseNow(),
      did,
      idle,
      ...(pollSeconds === undefined ? {} : { pollSeconds }),
    });

    if (state.phase === 'idle') {
      if (boot.booted !== boot.active) {
        // Idle but running a non-committed slot (a recovered state): return to the committed one.
        await this.#o.bootloader.markBad(boot.booted);
        await this.#reboot();
        return done('returned to the committed slot');
      }
      if (this.#confirmedBoot !== boot.bootId) {
        await this.#o.bootloader.markGood();
        this.#confirmedBoot = boot.bootId;
      }
      return this.#poll();
    }

    const target = state.targetSlot;
    const previous = state.previousSlot;
    const release = state.release;
    if (target === null || previous === null || release === null) throw new AgentStateError('STATE_INCONSISTENT', `phase ${state.phase} without its action`);

    switch (state.phase) {
      case 'downloading': {
        const action = this.#pending(state);
        if (!action) return this.#fail('AGENT_INTERNAL: the pending action record is lost; cannot resume the download');
        rmSync(this.#downloadDir, { recursive: true, force: true });
        if (!(await this.#alreadyStaged(target, release))) {
          const stopped = await this.#streamToSlot(state, action, target);
          if (stopped) return stopped;
        }
        this.#apply({ type: 'download_complete' });
        await this.#feedback(state, 'proceeding', 'none', [`downloaded and verified ${release.name} ${release.version}; written to slot ${target}`]);
        return done('downloaded');
      }
      case 'downloaded':
        this.#apply({ type: 'install_begin' });
        return done('install begun');
      case 'installing': {
        // Streamed in this process: complete. After a restart: complete only if the slot verifies
        // against the signed image (its head is written last), else it is streamed again.
        if (this.#slotWrittenFor !== state.actionId) {
          const verified = await this.#o.slots
            .get(target)
            .verify({ length: release.length, sha256: release.sha256 })
            .then(
              () => true,
              () => false,
            );
          if (!verified) {
            const action = this.#pending(state);
            if (!action) return this.#fail('AGENT_INTERNAL: the pending action record is lost; cannot install');
            const stopped = await this.#streamToSlot(state, action, target);
            if (stopped) return stopped;
          }
        }
        this.#apply({ type: 'install_complete' });
        return done(`installed into slot ${target}`);
      }
      case 'installed':
        await this.#o.bootloader.setTryOnce(target);
        this.#point('armed');
        this.#apply({ type: 'activate', bootId: boot.bootId });
        await this.#reboot();
        return done('rebooted into the new slot');
      case 'activating':
        // Same boot (the restart came before the reboot): re-arm (idempotent) and reboot.
        await this.#o.bootloader.setTryOnce(target);
        this.#point('re-armed');
        await this.#reboot();
        return done('rebooted into the new slot');
      case 'trial':
        return this.#trial(state, boot, release, target);
      case 'rolling_back':
        if (boot.booted === target) {
          await this.#o.bootloader.markBad(target);
          this.#point('marked bad');
          await this.#reboot();
          return done('rebooted into the previous slot');
        }
        await this.#o.bootloader.markGood();
        this.#confirmedBoot = boot.bootId;
        this.#point('previous confirmed');
        this.#apply({ type: 'rollback_complete' });
        return done('rolled back');
      case 'committed':
      case 'rolled_back':
      case 'failed':
      case 'canceled':
        return this.#report(state);
    }
  }

  #phaseNow(): InstallPhase {
    const loaded = this.#o.store.load();
    return loaded.ok ? loaded.state.phase : 'idle';
  }

  async #trial(state: InstallState, boot: BootStatus, release: ReleaseInfo, target: SlotId): Promise<StepResult> {
    const alreadyCommitted = boot.active === target;
    if (!alreadyCommitted) {
      this.#point('health check');
      // The slot must hold the verified image before it is judged (it was read back when written).
      const health = await this.#health(release, target);
      if (!health.ok) {
        this.#log.warn('health check failed', { reason: health.reason });
        this.#apply(health.timeout ? { type: 'health_timeout' } : { type: 'health_failed', reason: health.reason });
        return { phase: 'rolling_back', did: `health check failed: ${health.reason}`, idle: false };
      }
      await this.#o.bootloader.markGood();
      this.#confirmedBoot = boot.bootId;
      this.#point('marked good');
    }
    await this.#o.securityVersion.raise(release.securityVersion);
    this.#point('security version raised');
    const installed: InstalledRelease = { ...release, slot: target, actionId: state.actionId, committedAt: this.#now().toISOString() };
    installedRecord.write(this.#o.workDir, installed);
    this.#apply({ type: 'health_ok' });
    return { phase: 'committed', did: 'committed', idle: false };
  }

  #health(release: ReleaseInfo, slot: SlotId): Promise<HealthVerdict> {
    const check = this.#o.healthCheck;
    if (!check) return Promise.resolve({ ok: true });
    return runHealthCheck(check, { release, slot }, this.#o.healthTimeoutMs ?? 60_000);
  }

  /**
   * Streams the action's payload into the target slot (install/streaming.ts), polling the server
   * meanwhile so that a cancellation stops it. Resolves with null when the slot holds the verified
   * image, or with the step's result when the action failed or was canceled; throws to retry later.
   */
  async #streamToSlot(state: InstallState, action: PendingAction, target: SlotId): Promise<StepResult | null> {
    const abort = new AbortController();
    const watch = action.kind === 'bundle' ? { stop: async () => false } : this.#watchForCancel(action.actionId, abort);
    let crashed: unknown;
    let failure: unknown;
    const checkpoints = action.kind === 'bundle' ? undefined : this.#checkpoints(action.actionId, target);
    try {
      const { source, release, header } = await this.#payloadOf(action);
      const resume = checkpoints?.load(release);
      if (resume) this.#log.info('continuing the download from its checkpoint', { actionId: action.actionId, offset: resume.offset });
      await streamInstall(source, {
        release,
        slot: this.#o.slots.get(target),
        ...(header ? { header: Buffer.from(header, 'base64') } : {}),
        ...(this.#o.element ? { identity: this.#o.element.identity() } : {}),
        ...(this.#o.requireEncryption ? { requireEncryption: true } : {}),
        ...(typeof source === 'string' ? { headers: this.#o.ddi.downloadHeaders(source), transport: this.#o.ddi.transport } : {}),
        signal: abort.signal,
        onProgress: () => {
          // A (simulated) crash here must end the step at once, not be retried as a broken transfer.
          try {
            this.#point('download progress');
          } catch (e) {
            crashed ??= e;
            abort.abort();
          }
        },
        onPlaintext: () => this.#point('slot write'),
        ...(resume ? { resume } : {}),
        ...(checkpoints && checkpoints.every > 0
          ? { checkpoint: { every: checkpoints.every, save: (cp: StreamCheckpoint) => checkpoints.save(release, cp) } }
          : {}),
      });
      this.#point('slot written');
    } catch (e) {
      failure = e;
    }
    const canceled = await watch.stop();
    if (crashed !== undefined) throw crashed;
    if (this.#crash !== undefined) throw this.#crash;
    // A checkpoint outlives only what may heal (a crash, above; a broken or stalled transfer).
    if (failure === undefined || canceled || !failureOf(failure).retryable || isAgentError(failure, 'AGENT_DOWNLOAD_RESTART')) checkpoints?.discard();
    // Canceled before the bootloader was touched: honoured, even when the stream had just completed.
    if (canceled) {
      this.#log.info('action canceled by the server', { actionId: action.actionId, during: failure === undefined ? 'after the download' : 'the download' });
      this.#apply({ type: 'cancel', actionId: state.actionId ?? String(action.actionId) });
      return { phase: 'canceled', did: `canceled action ${action.actionId}`, idle: false };
    }
    if (failure !== undefined) return this.#failOrRetry(failure);
    this.#slotWrittenFor = state.actionId;
    rmSync(this.#bundleDir, { recursive: true, force: true });
    return null;
  }

  /** The target slot holds this release already (staged by a download-only action) and still verifies. */
  async #alreadyStaged(target: SlotId, release: ReleaseInfo): Promise<boolean> {
    const staged = this.#record(stagedRecord);
    if (!staged || staged.slot !== target || staged.sha256 !== release.sha256 || staged.length !== release.length) return false;
    const verified = await this.#o.slots
      .get(target)
      .verify({ length: release.length, sha256: release.sha256 })
      .then(
        () => true,
        () => false,
      );
    if (verified) this.#log.info('the image is staged in the target slot already: not downloaded again', { slot: target });
    return verified;
  }

  /** The checkpoint of this action's stream into `target` (install/streaming.ts StreamCheckpoint). */
  #checkpoints(actionId: number, target: SlotId) {
    const workDir = this.#o.workDir;
    return {
      every: this.#o.checkpointEveryBytes ?? 16 << 20,
      load: (release: SignedRelease): StreamCheckpoint | undefined => {
        const record = this.#record(streamRecord);
        if (!record || record.actionId !== actionId || record.slot !== target || record.payloadSha256 !== release.sha256) return undefined;
        return { offset: record.offset, nonce: record.nonce, head: record.head };
      },
      save: (release: SignedRelease, checkpoint: StreamCheckpoint): void => {
        streamRecord.write(workDir, { actionId, slot: target, payloadSha256: release.sha256, ...checkpoint });
        this.#point('checkpoint');
      },
      discard: (): void => streamRecord.clear(workDir),
    };
  }

  /** Where an action's payload comes from, and the signed release it must be. */
  async #payloadOf(action: PendingAction): Promise<{ source: PayloadSource; release: SignedRelease; header: string | null }> {
    if (action.kind !== 'bundle') {
      // Refreshed at every (re)start of the stream: a resume days later still needs fresh metadata.
      return { source: action.downloadUrl, release: await this.#resolve(action, await this.#o.securityVersion.current()), header: action.header };
    }
    if (existsSync(action.payloadFile)) {
      // Admitted by openBundle() when the install began; the stream checks it against these signed facts.
      const target = buildReleaseTarget({ length: action.length, sha256: action.sha256, custom: action.custom, path: action.targetPath });
      return {
        source: { file: action.payloadFile },
        release: { targetPath: action.targetPath, target, custom: action.custom, length: action.length, sha256: action.sha256 },
        header: action.header,
      };
    }
    // The extracted copy is gone (a restart cleaned it): admit and extract the bundle again.
    const opened = await this.#openBundle(action.bundle);
    if (opened.release.targetPath !== action.targetPath || opened.release.sha256 !== action.sha256) {
      throw new AgentError(
        'AGENT_BUNDLE_INVALID',
        `${action.bundle} no longer holds ${action.targetPath} (sha256 ${action.sha256}): it changed since the install began`,
      );
    }
    return { source: { file: opened.payloadFile }, release: opened.release, header: opened.header ? opened.header.toString('base64') : null };
  }

  #openBundle(file: string): Promise<OpenedBundle> {
    return this.#o.securityVersion
      .current()
      .then((securityVersion) =>
        this.#trusted(() =>
          openBundle(file, { metadataDir: this.#o.metadataDir, device: { hardware: this.#o.hardware, securityVersion }, workDir: this.#bundleDir }),
        ),
      );
  }

  /**
   * Begins an offline install from an update bundle (`osprey-agent install`): the bundle is
   * admitted like a deployment (TUF from the provisioned root, hardware, anti-rollback; refused
   * with the precise reason before anything changes), then recorded as the action in progress.
   * `step()` carries it on like any other; its outcome is not reported to a server.
   */
  async installBundle(file: string): Promise<StepResult> {
    const state = await this.#state();
    if (state.phase !== 'idle') {
      throw new AgentStateError(
        'UPDATE_IN_PROGRESS',
        `an update is in progress (action ${state.actionId ?? '?'}, phase ${state.phase}): let it finish, then install the bundle`,
      );
    }
    const boot = await this.#o.bootloader.status();
    if (boot.booted !== boot.active)
      throw new AgentStateError('UPDATE_IN_PROGRESS', `slot ${boot.booted} is on trial (the committed slot is ${boot.active}): let the agent decide it first`);
    rmSync(this.#bundleDir, { recursive: true, force: true });
    const bundle = resolve(file);
    const opened = await this.#openBundle(bundle);
    const { release } = opened;
    try {
      this.#checkInstallType(release.custom);
    } catch (e) {
      rmSync(this.#bundleDir, { recursive: true, force: true });
      throw e;
    }
    const actionId = `bundle-${this.#now().getTime()}`;
    const action: BundleAction = {
      kind: 'bundle',
      actionId,
      bundle,
      payloadFile: opened.payloadFile,
      targetPath: release.targetPath,
      custom: release.custom,
      header: opened.header ? opened.header.toString('base64') : null,
      length: release.length,
      sha256: release.sha256,
    };
    const info = releaseInfoOf(release.custom);
    const targetSlot = (await this.#o.slots.inactive()).id;
    actionRecord.write(this.#o.workDir, action);
    this.#point('action recorded');
    const started = this.#apply({ type: 'start', actionId, release: info, targetSlot, previousSlot: otherSlot(targetSlot) });
    this.#log.info('offline install begun', { bundle, release: `${info.name} ${info.version}`, targetSlot });
    return { phase: started.phase, did: `started ${actionId} (${info.name} ${info.version} from ${bundle})`, idle: false };
  }

  /**
   * Polls while an update streams (the idle loop does not run meanwhile). A cancelAction for this
   * action aborts the stream; `stop()` ends the watch and says whether that happened.
   */
  #watchForCancel(actionId: number, abort: AbortController): { stop(): Promise<boolean> } {
    const ddi = this.#o.ddi;
    const stop = new AbortController();
    let canceled = false;
    const loop = (async () => {
      for (;;) {
        try {
          await sleep(this.#o.busyPollMs ?? Math.max(this.#o.minPollMs ?? 1000, pollDelayMs(this.#pollSeconds)), stop.signal);
        } catch {
          return; // stopped
        }
        try {
          const poll = await ddi.poll();
          this.#pollSeconds = poll.sleepSeconds;
          const link = poll.links.cancelAction;
          if (!link || stop.signal.aborted) continue;
          const cancel = await ddi.cancelAction(link.href);
          if (cancel.stopId !== actionId && cancel.actionId !== actionId) continue;
          canceled = true;
          abort.abort(new AgentError('AGENT_DOWNLOAD_ABORTED', `action ${actionId} was canceled by the server`));
          return;
        } catch (e) {
          this.#log.warn('poll during the download failed', { error: failureDetails(e)[0] });
        }
      }
    })();
    return {
      stop: async () => {
        stop.abort();
        await loop;
        return canceled;
      },
    };
  }

  #checkInstallType(custom: ReleaseCustom): void {
    const accepted = this.#o.installTypes ?? ['image'];
    if (!accepted.includes(custom.installType)) {
      throw new AgentError(
        'AGENT_INSTALL_TYPE_UNSUPPORTED',
        `release ${custom.name} ${custom.version} is of install type "${custom.installType}"; this device's slots take ${accepted.map((t) => `"${t}"`).join(', ')}`,
        {
          details: { installType: custom.installType, accepted },
        },
      );
    }
  }

  /** What the device tells the server about itself (each value ≤ 128 characters). */
  async #attributes(): Promise<Record<string, string>> {
    const boot = await this.#o.bootloader.status();
    const installed = this.installed();
    return {
      ...this.#o.attributes,
      'osprey.hardware': this.#o.hardware,
      'osprey.slot.active': boot.active,
      'osprey.slot.booted': boot.booted,
      'osprey.bootloader': this.#o.bootloader.kind,
      'osprey.securityVersion': String(await this.#o.securityVersion.current()),
      'osprey.installTypes': (this.#o.installTypes ?? ['image']).join(','),
      ...(installed ? { 'osprey.release': `${installed.name} ${installed.version}`.slice(0, 128) } : {}),
    };
  }

  /** A TUF refresh, on the sealed root when there is a trust anchor. */
  #trusted<T>(refresh: () => Promise<T>): Promise<T> {
    return this.#o.trustAnchor ? this.#o.trustAnchor.guard(refresh) : refresh();
  }

  #resolve(action: Pick<DdiAction, 'tufMetadataUrl' | 'tufTargetsUrl' | 'targetPath'>, securityVersion: number): Promise<SignedRelease> {
    return this.#trusted(() =>
      resolveRelease({
        tufMetadataUrl: action.tufMetadataUrl,
        tufTargetsUrl: action.tufTargetsUrl,
        targetPath: action.targetPath,
        metadataDir: this.#o.metadataDir,
        device: { hardware: this.#o.hardware, securityVersion },
      }),
    );
  }

  /** A retryable failure leaves the phase as it is (the step throws; `run()` backs off); any other fails the action. */
  async #failOrRetry(e: unknown): Promise<StepResult> {
    if (this.#crash !== undefined) throw this.#crash;
    if (failureOf(e).retryable) throw e;
    return this.#fail(failureDetails(e).join('; '));
  }

  async #fail(message: string): Promise<StepResult> {
    this.#log.warn('install failed', { reason: message });
    rmSync(this.#downloadDir, { recursive: true, force: true });
    rmSync(this.#bundleDir, { recursive: true, force: true });
    this.#apply({ type: 'error', message });
    return { phase: this.#phaseNow(), did: `failed: ${message}`, idle: false };
  }

  async #feedback(
    state: InstallState,
    execution: 'proceeding' | 'closed',
    finished: 'none' | 'success' | 'failure',
    details: string[],
    to: 'deployment' | 'cancel' = 'deployment',
  ): Promise<void> {
    const id = Number(state.actionId);
    if (!Number.isSafeInteger(id)) return;
    try {
      if (to === 'cancel') await this.#o.ddi.cancelFeedback(id, execution, finished, details);
      else await this.#o.ddi.feedback(id, execution, finished, details);
    } catch (e) {
      // A closed report the server refuses outright (4xx: e.g. it was already received before a
      // crash) is not retried forever; network trouble is.
      if (execution === 'closed' && failureOf(e).retryable) throw e;
      this.#log.warn('progress feedback failed', { error: failureDetails(e)[0] });
    }
  }

  async #report(state: InstallState): Promise<StepResult> {
    const release = state.release;
    const what = release ? `${release.name} ${release.version}` : 'the release';
    if (state.phase === 'committed') {
      await this.#feedback(state, 'closed', 'success', [`installed ${what} in slot ${state.targetSlot ?? '?'}; health check passed; committed`]);
    } else if (state.phase === 'canceled') {
      // The cancel handshake (DDI §1.5): closed + success on the cancelAction once the device stopped.
      const where = state.targetSlot ? `; slot ${state.targetSlot} not activated, slot ${state.previousSlot ?? '?'} still running` : '';
      await this.#feedback(state, 'closed', 'success', [`canceled before activation${where}`], 'cancel');
    } else {
      const prefix = state.phase === 'rolled_back' ? `rolled back to slot ${state.previousSlot ?? '?'}` : 'install failed';
      await this.#feedback(state, 'closed', 'failure', [state.reason ?? prefix, `${prefix} (${what})`]);
    }
    this.#point('reported');
    const outcome = state.phase;
    this.#apply({ type: 'reported' });
    actionRecord.clear(this.#o.workDir);
    return { phase: 'idle', did: `reported ${outcome}`, idle: false };
  }

  async #poll(): Promise<StepResult> {
    const ddi = this.#o.ddi;
    const poll = await ddi.poll();
    this.#pollSeconds = poll.sleepSeconds;
    const idle = (did: string): StepResult => ({ phase: 'idle', did, idle: true, pollSeconds: poll.sleepSeconds });
    if (poll.links.configData) {
      // The server asks for the device's attributes (DDI §1.7); a failure here must not stop updates.
      try {
        await ddi.putConfigData(await this.#attributes());
      } catch (e) {
        this.#log.warn('reporting attributes failed', { error: failureDetails(e)[0] });
      }
    }
    if (poll.links.cancelAction && !poll.links.deploymentBase) {
      // Nothing in progress: the cancellation is acknowledged at once.
      const cancel = await ddi.cancelAction(poll.links.cancelAction.href);
      await ddi.cancelFeedback(cancel.actionId, 'closed', 'success', ['nothing in progress on the device']);
      return idle(`acknowledged cancellation of action ${cancel.actionId}`);
    }
    const link = poll.links.deploymentBase;
    if (!link) return idle('polled');
    const deployment = await ddi.deployment(link.href);
    const plan = deploymentPlan(deployment);
    const waits = `action ${deployment.actionId} waits (download ${deployment.download}, update ${deployment.update}${plan.waitForWindow ? ', outside its maintenance window' : ''})`;
    if (!plan.download) return idle(waits);
    const artifact = deployment.chunks[0]?.artifacts[0];
    let release: SignedRelease;
    let action: DdiAction;
    try {
      if (!artifact) throw new AgentError('AGENT_ARTIFACT_UNSIGNED', `action ${deployment.actionId} has no artifact`);
      const assigned = assignedRelease(deployment, artifact);
      if (!assigned.downloadUrl) throw new AgentError('AGENT_DDI_RESPONSE_INVALID', `artifact ${artifact.filename} has no download link`);
      release = await this.#resolve(assigned, await this.#o.securityVersion.current());
      checkAssignedArtifact(artifact, release);
      this.#checkInstallType(release.custom);
      action = {
        actionId: deployment.actionId,
        targetPath: assigned.targetPath,
        tufMetadataUrl: assigned.tufMetadataUrl,
        tufTargetsUrl: assigned.tufTargetsUrl,
        downloadUrl: assigned.downloadUrl,
        header: assigned.header ? assigned.header.toString('base64') : null,
        length: release.length,
        sha256: release.sha256,
      };
    } catch (e) {
      const failure = failureOf(e);
      if (failure.retryable) throw e;
      this.#log.warn('deployment refused', { actionId: deployment.actionId, reason: `${failure.code}: ${failure.message}` });
      await ddi.reportRefusal(deployment.actionId, e, artifact?.tufTarget ? [`target ${artifact.tufTarget}`] : []);
      return idle(`refused action ${deployment.actionId}: ${failure.code}`);
    }
    if (!plan.install) return idle(await this.#stage(action, release, waits));
    const info = releaseInfoOf(release.custom);
    const targetSlot = (await this.#o.slots.inactive()).id;
    actionRecord.write(this.#o.workDir, action);
    this.#point('action recorded');
    const state = this.#apply({ type: 'start', actionId: String(deployment.actionId), release: info, targetSlot, previousSlot: otherSlot(targetSlot) });
    await this.#feedback(state, 'proceeding', 'none', [`downloading ${info.name} ${info.version} into slot ${targetSlot}`]);
    return { phase: state.phase, did: `started action ${deployment.actionId}`, idle: false, pollSeconds: poll.sleepSeconds };
  }

  /**
   * Download allowed, installation not (a download-only action, or outside the maintenance
   * window): the image is streamed into the inactive slot now — verified exactly as for an
   * install, but nothing is armed — and the server told `downloaded` (hawkBit closes a
   * download-only action on it). The install that follows finds the slot already holding the
   * image and does not download it again. The running system is untouched either way.
   */
  async #stage(action: DdiAction, release: SignedRelease, waits: string): Promise<string> {
    const staged = this.#record(stagedRecord);
    if (staged?.actionId === action.actionId) return `${waits}; staged in slot ${staged.slot}`;
    const slot = await this.#o.slots.inactive();
    try {
      await streamInstall(action.downloadUrl, {
        release,
        slot,
        ...(action.header ? { header: Buffer.from(action.header, 'base64') } : {}),
        ...(this.#o.element ? { identity: this.#o.element.identity() } : {}),
        ...(this.#o.requireEncryption ? { requireEncryption: true } : {}),
        headers: this.#o.ddi.downloadHeaders(action.downloadUrl),
        transport: this.#o.ddi.transport,
      });
    } catch (e) {
      const failure = failureOf(e);
      if (failure.retryable) throw e;
      await this.#o.ddi.reportRefusal(action.actionId, e, [`target ${action.targetPath}`]);
      return `refused action ${action.actionId}: ${failure.code}`;
    }
    const what = `${release.custom.name} ${release.custom.version}`;
    // Told first, recorded after: if the report fails, the next poll stages (and reports) again.
    await this.#o.ddi.feedback(action.actionId, 'downloaded', 'none', [`downloaded and verified ${what}; staged in slot ${slot.id}, not activated`]);
    stagedRecord.write(this.#o.workDir, {
      actionId: action.actionId,
      slot: slot.id,
      length: release.custom.plaintext.length,
      sha256: release.custom.plaintext.sha256,
    });
    return `staged action ${action.actionId} in slot ${slot.id}`;
  }

  /**
   * Steps until `signal` aborts: at once while an install is in progress, after the server's
   * polling interval when idle, with exponential backoff after errors.
   */
  async run(signal?: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.#o.backoff);
    let pollSeconds = 60;
    while (!signal?.aborted) {
      let delay = 0;
      try {
        const result = await this.step();
        backoff.reset();
        if (result.pollSeconds !== undefined) pollSeconds = result.pollSeconds;
        if (result.idle) delay = Math.max(this.#o.minPollMs ?? 1000, pollDelayMs(pollSeconds));
        this.#log.info(result.did, { phase: result.phase });
      } catch (e) {
        const failure = failureOf(e);
        const retryAfter = typeof failure.details.retryAfterSeconds === 'number' ? failure.details.retryAfterSeconds : undefined;
        delay = backoff.next(retryAfter);
        this.#log.error('step failed', { error: failureDetails(e)[0], retryInMs: delay });
      }
      if (delay > 0) {
        try {
          await sleep(delay, signal);
        } catch {
          return;
        }
      }
    }
  }
}
