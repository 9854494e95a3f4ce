/** A release state in words and colour (never colour alone: the label says it). */
import type { Release } from '../software/types.js';

export type ReleaseState = Release['state'];

export interface StateLabel {
  label: string;
  color: string;
  hint: string;
}

const LABELS: Record<ReleaseState, StateLabel> = {
  draft: { label: 'not released', color: 'gray', hint: 'Not in the TUF repository: devices cannot verify it yet.' },
  pending_approval: { label: 'awaiting approval', color: 'yellow', hint: 'Four-eyes rule: a second user with APPROVE_RELEASE must approve it.' },
  pending_signature: { label: 'awaiting offline signature', color: 'orange', hint: 'The targets metadata waits for the offline targets key.' },
  released: { label: 'released', color: 'teal', hint: 'Signed into the TUF repository: devices can verify and install it.' },
};

export function releaseStateLabel(state: ReleaseState): StateLabel {
  return LABELS[state];
}

/**
 * Whether the signed-in user may approve a pending release: the server refuses the requester
 * (four-eyes) and anyone without APPROVE_RELEASE; the console says why before they try.
 * `requestedBy` is the server's actor (`user:carol`).
 */
export function approvalRefusal(release: Pick<Release, 'state' | 'requestedBy'>, user: { username: string }, can: (p: string) => boolean): string | undefined {
  if (release.state !== 'pending_approval') return 'Nothing awaits approval.';
  if (!can('APPROVE_RELEASE')) return 'Needs the permission APPROVE_RELEASE';
  if (release.requestedBy === `user:${user.username}`) return 'Four-eyes rule: you requested this release, so another user must approve it.';
  return undefined;
}
