/**
 * MQTT wake-up (#16): when an action is created or canceled for a device, the server publishes a
 * small message to the device's own topic, and the device polls at once instead of at its next
 * interval. The message says nothing but "poll now": the device learns what to do through DDI as
 * always, so a forged or replayed wake-up costs one poll and nothing more.
 *
 * The scheme, shared by the server (publisher) and the agent (subscriber):
 *   topic     `<prefix>/<tenant>/<controllerId>/wakeup`   (prefix default `osprey`)
 *   username  `<tenant>/<controllerId>`                   (the device's broker login)
 * so that one Mosquitto ACL line, `pattern read <prefix>/%u/wakeup`, lets every device read its own
 * topic and no other. Each id is escaped as one topic level: controller ids may hold `+` (an MQTT
 * wildcard), and `/` would split a level, `#` is the other wildcard; `%` escapes them
 * (`%2B`, `%23`, `%2F`, `%25`), so the mapping is one-to-one and the username carries no wildcard
 * (Mosquitto refuses a `%u` pattern to a username with `+` or `#`). `:` (`%3A`) too: Mosquitto's
 * password file separates username and hash with it.
 */

export const DEFAULT_WAKEUP_TOPIC_PREFIX = 'osprey';

/** Why the device is woken (informational: the device polls the same way for both). */
export type WakeupReason = 'action' | 'cancel';

/** The payload, JSON. `actionId` is a hint for logs, never trusted. */
export interface WakeupMessage {
  reason: WakeupReason;
  actionId?: number;
}

const ESCAPES: Record<string, string> = { '%': '%25', '+': '%2B', '#': '%23', '/': '%2F', ':': '%3A' };

/** One id as one MQTT topic level: `%`, `+`, `#`, `/` and `:` percent-escaped; refuses what no level may be. */
export function topicLevel(id: string): string {
  if (id.length === 0) throw new RangeError('an empty id is no MQTT topic level');
  // NUL is forbidden in MQTT strings; a level starting with `$` would be a broker system topic.
  if (id.includes('\u0000')) throw new RangeError('an id with NUL is no MQTT topic level');
  const escaped = id.replace(/[%+#/:]/g, (c) => ESCAPES[c]!);
  return escaped.startsWith('$') ? `%24${escaped.slice(1)}` : escaped;
}

/** The device's wake-up topic. */
export function wakeupTopic(tenant: string, controllerId: string, prefix: string = DEFAULT_WAKEUP_TOPIC_PREFIX): string {
  return `${prefix}/${topicLevel(tenant)}/${topicLevel(controllerId)}/wakeup`;
}

/** The device's broker username, which the ACL pattern `<prefix>/%u/wakeup` turns into its topic. */
export function wakeupUsername(tenant: string, controllerId: string): string {
  return `${topicLevel(tenant)}/${topicLevel(controllerId)}`;
}

export function wakeupPayload(message: WakeupMessage): string {
  return JSON.stringify(message.actionId === undefined ? { reason: message.reason } : { reason: message.reason, actionId: message.actionId });
}
