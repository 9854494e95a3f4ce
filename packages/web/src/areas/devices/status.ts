/**
 * Statuses in words and colours. The word is always shown (the colour only repeats it), so no
 * meaning is carried by colour alone.
 */

export interface StatusLook {
  label: string;
  color: string;
  /** What it means for the operator (a tooltip or a legend). */
  hint: string;
}

/** A target's update status (the API sends it lower-case: unknown, registered, pending, in_sync, error). */
export const UPDATE_STATUSES = ['unknown', 'registered', 'pending', 'in_sync', 'error'] as const;
export type UpdateStatus = (typeof UPDATE_STATUSES)[number];

const UPDATE_LOOK: Record<UpdateStatus, StatusLook> = {
  unknown: { label: 'Unknown', color: 'gray', hint: 'No software has been installed through Osprey yet.' },
  registered: { label: 'Registered', color: 'blue', hint: 'The device has registered itself and waits for software.' },
  pending: { label: 'Pending', color: 'yellow', hint: 'An update is assigned and not finished yet.' },
  in_sync: { label: 'In sync', color: 'teal', hint: 'The assigned software is installed.' },
  error: { label: 'Error', color: 'red', hint: 'The last update failed.' },
};

export function updateStatusLook(status: string): StatusLook {
  return UPDATE_LOOK[status.toLowerCase() as UpdateStatus] ?? { label: status, color: 'gray', hint: 'A status this console does not know.' };
}

const ACTION_LOOK: Record<string, StatusLook> = {
  scheduled: { label: 'Scheduled', color: 'gray', hint: 'Waits to be handed to the device (rollout group or maintenance window).' },
  running: { label: 'Running', color: 'blue', hint: 'Handed to the device, no result yet.' },
  retrieved: { label: 'Retrieved', color: 'blue', hint: 'The device has fetched the update.' },
  download: { label: 'Downloading', color: 'blue', hint: 'The device is downloading.' },
  downloaded: { label: 'Downloaded', color: 'cyan', hint: 'Downloaded; installation not started (download only).' },
  wait_for_confirmation: { label: 'Waiting for confirmation', color: 'yellow', hint: 'The device waits for its user to confirm.' },
  warning: { label: 'Warning', color: 'orange', hint: 'The device reported a warning; it goes on.' },
  canceling: { label: 'Canceling', color: 'yellow', hint: 'Cancel sent; waiting for the device to confirm.' },
  cancel_rejected: { label: 'Cancel rejected', color: 'orange', hint: 'The device refused to cancel.' },
  canceled: { label: 'Canceled', color: 'gray', hint: 'Canceled.' },
  finished: { label: 'Finished', color: 'teal', hint: 'Installed successfully.' },
  error: { label: 'Error', color: 'red', hint: 'The update failed on the device.' },
};

export function actionStatusLook(status: string): StatusLook {
  return ACTION_LOOK[status.toLowerCase()] ?? { label: status, color: 'gray', hint: 'A status this console does not know.' };
}

/** What cancel and force look at of an action. */
export interface ActionState {
  active: boolean;
  type: string;
  status: string;
  forceType: string;
}

/** Whether the operator may still cancel the action: open, an update (not already a cancel). */
export function canCancel(action: ActionState): boolean {
  return action.active && action.type === 'update' && !['canceling', 'canceled'].includes(action.status);
}

/** Whether forcing would change anything: open, and not forced already. */
export function canForce(action: ActionState): boolean {
  return action.active && action.forceType !== 'forced' && !['canceling', 'canceled'].includes(action.status);
}

/** The controller id an action belongs to, from its `target` link (`…/targets/{controllerId}`). */
export function controllerIdOf(action: { _links: { target: { href: string } } }): string | undefined {
  const match = /\/targets\/([^/?#]+)$/.exec(action._links.target.href);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

/** A time in the operator's locale, or a dash. */
export function formatTime(ms: number | undefined): string {
  return ms === undefined ? '—' : new Date(ms).toLocaleString();
}

/** "5 minutes ago", relative to `now` (injected for tests). */
export function ago(ms: number | undefined, now: number): string {
  if (ms === undefined) return 'never';
  const seconds = Math.round((now - ms) / 1000);
  if (seconds < 0) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}
