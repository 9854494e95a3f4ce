/**
 * What an {@link Agent} is made of: the device's parts (slots, bootloader, stores, key, DDI
 * client), each injected, and the knobs of its loop.
 */
import type { InstallType } from '@osprey/core';
import type { Bootloader } from './bootloader/types.js';
import type { SecurityVersionStore } from './bootloader/security-version.js';
import type { BackoffOptions } from './ddi/backoff.js';
import type { DdiClient } from './ddi/client.js';
import type { HealthCheck } from './health/types.js';
import type { AgentLogger } from './log.js';
import type { SecureElement } from './secure-element/types.js';
import type { AbSlots } from './slots/ab.js';
import type { InstallPhase } from './state/machine.js';
import type { StateStore } from './state/store.js';
import type { TrustAnchor } from './verify/anchor.js';
import type { WakeupSource, WakeupTimers } from './wakeup.js';

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
   * Reboots the device. Default: `boot()` for a SimulatedBootloader (the agent carries on
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
  /**
   * Wake-ups from the server (MQTT, wakeup.ts): an idle `run()` polls at once when one comes
   * instead of waiting out its interval. Absent: polling only, as before.
   */
  readonly wakeups?: WakeupSource;
  /** A burst of wake-ups within this window is one poll (ms). Default 100. */
  readonly wakeupDebounceMs?: number;
  /**
   * A poll brought forward by a wake-up comes at least this long after the poll before it (ms);
   * a wake-up within the gap is served when it ends. Default 5000, never less than `minPollMs`:
   * whoever can publish to the device's topic cannot make it poll more often than that.
   */
  readonly wakeupMinGapMs?: number;
  /** The timers of the wake-up wait and its debounce (tests inject their own). */
  readonly wakeupTimers?: WakeupTimers;
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
