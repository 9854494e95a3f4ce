/**
 * Device wake-ups (#16): "poll now" for one device, sent when an action was created or canceled
 * for it, so it does not wait for its next poll. Only a hint: the device reads everything through
 * DDI as always, and a lost wake-up costs what it cost before, one polling interval.
 *
 * Wake-ups are collected per transaction by `Changes.wake` and handed to the publisher only after
 * that transaction committed (changes.ts), so a device never polls before its action is visible
 * and a rolled-back assignment wakes nobody. They travel apart from the EventBus on purpose: that
 * bus may reach every instance (LISTEN/NOTIFY), and each wake-up must be sent once, by the
 * instance that committed it.
 */
import type { WakeupReason } from '@osprey/protocol';

export interface Wakeup {
  tenant: string;
  controllerId: string;
  reason: WakeupReason;
  actionId?: number;
}

/** One small interface per capability: where wake-ups go (MQTT, or nowhere). */
export interface WakeupPublisher {
  /**
   * Fire and forget: never throws, never waits for the broker. A broker that is down must not
   * fail an assignment (the implementation logs and counts what it could not send).
   */
  publish(tenant: string, controllerId: string, reason: { reason: WakeupReason; actionId?: number }): void;
  close(): Promise<void>;
}

/** Without MQTT: devices learn of actions at their next poll, as before. */
export const NO_WAKEUPS: WakeupPublisher = { publish: () => undefined, close: async () => undefined };
