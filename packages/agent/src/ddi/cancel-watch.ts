/**
 * While an update streams into the slot, the agent's idle loop does not run, yet the server may
 * cancel the action meanwhile. The watch keeps polling and aborts the stream when a cancelAction
 * names the action: before the bootloader is touched, a cancel is honoured.
 */
import { AgentError, failureDetails } from '../errors.js';
import type { AgentLogger } from '../log.js';
import { sleep } from './backoff.js';
import type { DdiClient } from './client.js';

export interface CancelWatch {
  /** Ends the watch; resolves with whether the server canceled the action meanwhile. */
  stop(): Promise<boolean>;
}

export interface CancelWatchOptions {
  readonly ddi: DdiClient;
  readonly actionId: number;
  /** Aborted (with AGENT_DOWNLOAD_ABORTED) when the server cancels the action. */
  readonly abort: AbortController;
  /** The delay before each poll (ms): asked anew, as each poll may change the server's interval. */
  readonly delayMs: () => number;
  /** Told the server's polling interval of each poll (seconds). */
  readonly polled: (sleepSeconds: number) => void;
  readonly log: AgentLogger;
  /**
   * The wait before each poll (default: sleep). The agent's wake-up signal (wakeup.ts) ends it
   * early, so a cancel the server announces over MQTT stops the stream at once.
   */
  readonly wait?: (ms: number, signal: AbortSignal) => Promise<unknown>;
}

/** Polls until stopped; a failing poll is logged and the next one tried (the stream goes on). */
export function watchForCancel(options: CancelWatchOptions): CancelWatch {
  const { ddi, actionId, abort, log } = options;
  const stop = new AbortController();
  let canceled = false;
  const loop = (async () => {
    for (;;) {
      try {
        await (options.wait ?? sleep)(options.delayMs(), stop.signal);
      } catch {
        return; // stopped
      }
      try {
        const poll = await ddi.poll();
        options.polled(poll.sleepSeconds);
        const link = poll.links.cancelAction;
        if (!link || stop.signal.aborted) continue;
        const cancel = await ddi.cancelAction(link.href);
        if (cancel.stopId !== actionId && cancel.actionId !== actionId) continue;
        canceled = true;
        abort.abort(new AgentError('AGENT_DOWNLOAD_ABORTED', `action ${actionId} was canceled by the server`));
        return;
      } catch (e) {
        log.warn('poll during the download failed', { error: failureDetails(e)[0] });
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

/** No server to cancel (an offline install). */
export const NO_CANCEL_WATCH: CancelWatch = { stop: async () => false };
