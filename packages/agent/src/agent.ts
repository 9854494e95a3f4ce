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
 *
 * The agent decides; its parts act: admission.ts says which release the device accepts,
 * install/slot-writer.ts puts its image into a slot, ddi/outcome.ts says what the server is told,
 * health/ judges the trial boot, state/ persists the state and its side records.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentOptions, StepResult } from './agent-options.js';
import { ReleaseAdmission, releaseInfoOf, type AdmittedAction } from './admission.js';
import { SimulatedBootloader } from './bootloader/simulated.js';
import type { BootStatus } from './bootloader/types.js';
import { deviceAttributes } from './ddi/attributes.js';
import { Backoff, pollDelayMs, sleep } from './ddi/backoff.js';
import { deploymentPlan } from './ddi/client.js';
import { outcomeFeedback, progressFeedback, sendFeedback } from './ddi/outcome.js';
import { AgentError, AgentStateError, failureDetails, failureOf } from './errors.js';
import { runHealthCheck, type HealthVerdict } from './health/index.js';
import { SlotWriter } from './install/slot-writer.js';
import { silentLogger, type AgentLogger } from './log.js';
import { otherSlot, type SlotId } from './slots/types.js';
import type { InstallEvent, InstallPhase, InstallState, ReleaseInfo } from './state/machine.js';
import { loadOrRecover } from './state/recovery.js';
import {
  actionRecord,
  installedRecord,
  readRecordOrAbsent,
  type DdiAction,
  type InstalledRelease,
  type PendingAction,
  type SideFile,
} from './state/side-files.js';
import { isStateCorrupted } from './state/store.js';
import { DEFAULT_WAKEUP_GAP_MS, PollSignal } from './wakeup.js';

export type { AgentOptions, StepResult } from './agent-options.js';

export class Agent {
  readonly #o: AgentOptions;
  readonly #log: AgentLogger;
  readonly #now: () => Date;
  readonly #admission: ReleaseAdmission;
  readonly #writer: SlotWriter;
  #confirmedBoot: string | null = null;
  /** The action whose image this process has streamed into the target slot (no need to verify it again). */
  #slotWrittenFor: string | null = null;
  /** The server's polling interval, from the last poll (seconds). */
  #pollSeconds = 60;
  #recoveryChecked = false;
  #crash: unknown = undefined;
  /** "Poll now" from the server (MQTT): ends the idle wait of run() and the cancel watch's wait early. */
  readonly #wakeups: PollSignal | undefined;

  constructor(options: AgentOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
    this.#now = options.now ?? (() => new Date());
    this.#admission = new ReleaseAdmission({ ...options, bundleDir: this.#bundleDir });
    const wakeups = options.wakeups
      ? new PollSignal(options.wakeups, {
          ...(options.wakeupDebounceMs === undefined ? {} : { debounceMs: options.wakeupDebounceMs }),
          // Never closer than the agent's own lower bound of the poll delay.
          minGapMs: Math.max(options.minPollMs ?? 1000, options.wakeupMinGapMs ?? DEFAULT_WAKEUP_GAP_MS),
          ...(options.wakeupTimers ? { timers: options.wakeupTimers } : {}),
        })
      : undefined;
    this.#wakeups = wakeups;
    this.#writer = new SlotWriter({
      ...options,
      admission: this.#admission,
      log: this.#log,
      cancelPollDelayMs: () => options.busyPollMs ?? Math.max(options.minPollMs ?? 1000, pollDelayMs(this.#pollSeconds)),
      polled: (seconds) => (this.#pollSeconds = seconds),
      ...(wakeups
        ? {
            cancelPollWait: async (ms: number, signal: AbortSignal) => {
              const woken = await wakeups.wait(ms, signal);
              // The watch polls as soon as its wait ends: that poll opens the gap like any other.
              wakeups.polling();
              return woken;
            },
          }
        : {}),
      point: (name) => this.#point(name),
      crashed: () => this.#crash,
    });
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

  /** A side-state record; a corrupt one counts as absent (state/side-files.ts). */
  #record<T>(record: SideFile<T>): T | undefined {
    return readRecordOrAbsent(record, this.#o.workDir, this.#log);
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
    // Load (and recover, once per start) the persisted state that #apply transitions.
    await this.#state();
    const boot = await this.#o.bootloader.status();
    const state = this.#apply({ type: 'reboot_observed', bootedSlot: boot.booted, bootId: boot.bootId });
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
        if (!(await this.#writer.alreadyStaged(target, release))) {
          const stopped = await this.#streamToSlot(state, action, target);
          if (stopped) return stopped;
        }
        this.#apply({ type: 'download_complete' });
        await sendFeedback(
          this.#o.ddi,
          this.#log,
          state,
          progressFeedback(`downloaded and verified ${release.name} ${release.version}; written to slot ${target}`),
        );
        return done('downloaded');
      }
      case 'downloaded':
        this.#apply({ type: 'install_begin' });
        return done('install begun');
      case 'installing': {
        // Streamed in this process: complete. After a restart: complete only if the slot verifies
        // against the signed image (its head is written last), else it is streamed again.
        if (this.#slotWrittenFor !== state.actionId) {
          if (!(await this.#writer.holds(target, release))) {
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
   * Streams the action's payload into the target slot (install/slot-writer.ts). Resolves with null
   * when the slot holds the verified image, or with the step's result when the action failed or
   * was canceled; throws to retry later.
   */
  async #streamToSlot(state: InstallState, action: PendingAction, target: SlotId): Promise<StepResult | null> {
    const outcome = await this.#writer.write(action, target);
    if (outcome.kind === 'canceled') {
      this.#log.info('action canceled by the server', { actionId: action.actionId, during: outcome.during });
      this.#apply({ type: 'cancel', actionId: state.actionId ?? String(action.actionId) });
      return { phase: 'canceled', did: `canceled action ${action.actionId}`, idle: false };
    }
    if (outcome.kind === 'failed') return this.#failOrRetry(outcome.error);
    this.#slotWrittenFor = state.actionId;
    rmSync(this.#bundleDir, { recursive: true, force: true });
    return null;
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
    const { action, release } = await this.#admission.admitBundle(file, `bundle-${this.#now().getTime()}`);
    const info = releaseInfoOf(release.custom);
    const targetSlot = (await this.#o.slots.inactive()).id;
    actionRecord.write(this.#o.workDir, action);
    this.#point('action recorded');
    const started = this.#apply({ type: 'start', actionId: action.actionId, release: info, targetSlot, previousSlot: otherSlot(targetSlot) });
    this.#log.info('offline install begun', { bundle: action.bundle, release: `${info.name} ${info.version}`, targetSlot });
    return { phase: started.phase, did: `started ${action.actionId} (${info.name} ${info.version} from ${action.bundle})`, idle: false };
  }

  /** What the device tells the server about itself (DDI configData). */
  async #attributes(): Promise<Record<string, string>> {
    const boot = await this.#o.bootloader.status();
    const installed = this.installed();
    const securityVersion = await this.#o.securityVersion.current();
    const { hardware, bootloader } = this.#o;
    return deviceAttributes(
      { hardware, boot, bootloader: bootloader.kind, securityVersion, installTypes: this.#admission.installTypes, installed },
      this.#o.attributes,
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

  async #report(state: InstallState): Promise<StepResult> {
    await sendFeedback(this.#o.ddi, this.#log, state, outcomeFeedback(state));
    this.#point('reported');
    const outcome = state.phase;
    this.#apply({ type: 'reported' });
    actionRecord.clear(this.#o.workDir);
    return { phase: 'idle', did: `reported ${outcome}`, idle: false };
  }

  async #poll(): Promise<StepResult> {
    const ddi = this.#o.ddi;
    // It answers every wake-up that came before it, and opens the gap before the next early poll.
    this.#wakeups?.polling();
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
    let admitted: AdmittedAction<DdiAction>;
    try {
      admitted = await this.#admission.admitDeployment(deployment);
    } catch (e) {
      const failure = failureOf(e);
      if (failure.retryable) throw e;
      this.#log.warn('deployment refused', { actionId: deployment.actionId, reason: `${failure.code}: ${failure.message}` });
      const target = deployment.chunks[0]?.artifacts[0]?.tufTarget;
      await ddi.reportRefusal(deployment.actionId, e, target ? [`target ${target}`] : []);
      return idle(`refused action ${deployment.actionId}: ${failure.code}`);
    }
    const { action, release } = admitted;
    if (!plan.install) return idle(await this.#writer.stage(action, release, waits));
    const info = releaseInfoOf(release.custom);
    const targetSlot = (await this.#o.slots.inactive()).id;
    actionRecord.write(this.#o.workDir, action);
    this.#point('action recorded');
    const state = this.#apply({ type: 'start', actionId: String(deployment.actionId), release: info, targetSlot, previousSlot: otherSlot(targetSlot) });
    await sendFeedback(this.#o.ddi, this.#log, state, progressFeedback(`downloading ${info.name} ${info.version} into slot ${targetSlot}`));
    return { phase: state.phase, did: `started action ${deployment.actionId}`, idle: false, pollSeconds: poll.sleepSeconds };
  }

  /**
   * Steps until `signal` aborts: at once while an install is in progress, after the server's
   * polling interval when idle, with exponential backoff after errors.
   */
  async run(signal?: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.#o.backoff);
    // With wake-ups (MQTT), the idle wait ends early when the server says "poll now", but never
    // sooner than the signal's gap after the last poll (#poll marks each one). The wait after an
    // error does not: the backoff protects a struggling server from its whole fleet.
    const wakeups = this.#wakeups;
    let pollSeconds = 60;
    let idle: boolean;
    while (!signal?.aborted) {
      let delay = 0;
      try {
        const result = await this.step();
        backoff.reset();
        idle = result.idle;
        if (result.pollSeconds !== undefined) pollSeconds = result.pollSeconds;
        if (result.idle) delay = Math.max(this.#o.minPollMs ?? 1000, pollDelayMs(pollSeconds));
        this.#log.info(result.did, { phase: result.phase });
      } catch (e) {
        idle = false;
        const failure = failureOf(e);
        const retryAfter = typeof failure.details.retryAfterSeconds === 'number' ? failure.details.retryAfterSeconds : undefined;
        delay = backoff.next(retryAfter);
        this.#log.error('step failed', { error: failureDetails(e)[0], retryInMs: delay });
      }
      if (delay > 0) {
        try {
          if (idle && wakeups) {
            if (await wakeups.wait(delay, signal)) this.#log.info('woken by the server: polling now', {});
          } else await sleep(delay, signal);
        } catch {
          return;
        }
      }
    }
  }
}
