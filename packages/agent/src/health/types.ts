/**
 * The health check that decides a trial boot: after the device booted the new slot, the agent
 * asks it whether the system works before it commits the slot (`markGood`) — or rolls back.
 * One small interface, injected (`AgentOptions.healthCheck`); the configured kinds are a command
 * (health/command.ts) and a URL (health/http.ts).
 */
import type { SlotId } from '../slots/types.js';
import type { ReleaseInfo } from '../state/machine.js';

export type HealthResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface HealthContext {
  /** The release on trial. */
  readonly release: ReleaseInfo;
  /** The slot it runs from. */
  readonly slot: SlotId;
  /** Aborted when the agent's timeout is over: stop checking, the answer no longer counts. */
  readonly signal: AbortSignal;
}

/** Decides whether the booted trial slot is healthy. */
export type HealthCheck = (context: HealthContext) => Promise<HealthResult>;
