/**
 * What the agent tells the server about an action (DDI feedback): progress while it installs and
 * the outcome once the state machine reached one (committed, rolled back, failed, canceled).
 */
import { failureDetails, failureOf } from '../errors.js';
import type { AgentLogger } from '../log.js';
import type { InstallState } from '../state/machine.js';
import type { DdiClient } from './client.js';

export interface Feedback {
  readonly execution: 'proceeding' | 'closed';
  readonly finished: 'none' | 'success' | 'failure';
  readonly details: readonly string[];
  /** The deployment's feedback, or the cancel handshake's (DDI §1.5). */
  readonly to: 'deployment' | 'cancel';
}

/** The closing feedback for a state in an outcome phase. */
export function outcomeFeedback(state: InstallState): Feedback {
  const release = state.release;
  const what = release ? `${release.name} ${release.version}` : 'the release';
  if (state.phase === 'committed') {
    return {
      execution: 'closed',
      finished: 'success',
      details: [`installed ${what} in slot ${state.targetSlot ?? '?'}; health check passed; committed`],
      to: 'deployment',
    };
  }
  if (state.phase === 'canceled') {
    // The cancel handshake: closed + success on the cancelAction once the device stopped.
    const where = state.targetSlot ? `; slot ${state.targetSlot} not activated, slot ${state.previousSlot ?? '?'} still running` : '';
    return { execution: 'closed', finished: 'success', details: [`canceled before activation${where}`], to: 'cancel' };
  }
  const prefix = state.phase === 'rolled_back' ? `rolled back to slot ${state.previousSlot ?? '?'}` : 'install failed';
  return { execution: 'closed', finished: 'failure', details: [state.reason ?? prefix, `${prefix} (${what})`], to: 'deployment' };
}

/** Progress of the install: the action goes on. */
export const progressFeedback = (details: string): Feedback => ({ execution: 'proceeding', finished: 'none', details: [details], to: 'deployment' });

/**
 * Sends `feedback` for the state's action; an offline install (no numeric DDI action id) has no
 * server to tell. Progress that cannot be sent is only logged; a closing report is retried on
 * network trouble (the step throws) but not when the server refuses it outright (4xx: e.g. it
 * had already received it before a crash).
 */
export async function sendFeedback(ddi: DdiClient, log: AgentLogger, state: InstallState, feedback: Feedback): Promise<void> {
  const id = Number(state.actionId);
  if (!Number.isSafeInteger(id)) return;
  const { execution, finished, details } = feedback;
  try {
    if (feedback.to === 'cancel') await ddi.cancelFeedback(id, execution, finished, details);
    else await ddi.feedback(id, execution, finished, details);
  } catch (e) {
    if (execution === 'closed' && failureOf(e).retryable) throw e;
    log.warn('progress feedback failed', { error: failureDetails(e)[0] });
  }
}
