/**
 * Eclipse hawkBit Direct Device Integration (DDI) wire contract, the part both the server and the
 * device agent need: feedback bodies and how each `execution`/`finished` pair changes an action
 * (hawkBit DDI API, "Feedback"; Osprey shared/reference/hawkbit-api.md §1.5 and §3.1).
 */
import { z } from 'zod';

export const ACTION_STATUSES = [
  'FINISHED',
  'ERROR',
  'WARNING',
  'RUNNING',
  'CANCELED',
  'CANCELING',
  'RETRIEVED',
  'DOWNLOAD',
  'SCHEDULED',
  'CANCEL_REJECTED',
  'DOWNLOADED',
  'WAIT_FOR_CONFIRMATION',
] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/** A target's update status as hawkBit reports it (management API `updateStatus`). */
export const TARGET_UPDATE_STATUSES = ['UNKNOWN', 'REGISTERED', 'PENDING', 'IN_SYNC', 'ERROR'] as const;
export type TargetUpdateStatus = (typeof TARGET_UPDATE_STATUSES)[number];

export const EXECUTIONS = ['closed', 'proceeding', 'canceled', 'scheduled', 'rejected', 'resumed', 'downloaded', 'download'] as const;
export type Execution = (typeof EXECUTIONS)[number];
export const FINISHED_RESULTS = ['success', 'failure', 'none'] as const;
export type FinishedResult = (typeof FINISHED_RESULTS)[number];

/**
 * hawkBit stores an action status message in parts of at most this many characters: a longer
 * detail is split, not refused (hawkBit `ActionStatus.addMessage`, "splitting in case it exceeds
 * 512 length"). SWUpdate's progress feedback during an install sends such details.
 */
export const MESSAGE_PART_LENGTH = 512;
/** hawkBit's quota of messages per action status (`maxMessagesPerActionStatus`), counted in parts. */
export const MESSAGES_PER_STATUS = 50;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text a server can store: no NUL (PostgreSQL's text and jsonb cannot hold U+0000) and no lone
 * surrogate (not Unicode; jsonb refuses it). Either would otherwise reach the database and fail there.
 */
export const storableText = (max?: number) =>
  (max === undefined ? z.string() : z.string().max(max))
    .refine((s) => !s.includes('\u0000'), { error: 'must not contain NUL characters' })
    .refine((s) => !LONE_SURROGATE.test(s), { error: 'must be valid Unicode (a lone surrogate was sent)' });

/** The latest instant a JavaScript Date (and so a timestamptz here) represents: 8.64e15 ms after 1970. */
const MAX_DATE_MS = 8_640_000_000_000_000;

/** Feedback body. Unknown fields, such as the legacy `id` and `time` SWUpdate sends, are ignored. */
export const ddiFeedbackSchema = z.object({
  timestamp: z.int().nonnegative().max(MAX_DATE_MS).optional(),
  status: z.object({
    execution: z.enum(EXECUTIONS),
    result: z.object({
      finished: z.enum(FINISHED_RESULTS),
      progress: z.object({ cnt: z.int().nonnegative(), of: z.int().nonnegative() }).optional(),
    }),
    // Stored in an int4 column: beyond its range is a 400, not a database error.
    code: z.int32().optional(),
    // Any length: the server splits a detail into MESSAGE_PART_LENGTH parts; the quota of
    // MESSAGES_PER_STATUS parts is the server's to enforce (429), not a schema error.
    details: z.array(storableText()).optional(),
  }),
});
export type DdiFeedback = z.infer<typeof ddiFeedbackSchema>;

/** What one feedback message does to an action. */
export interface FeedbackEffect {
  /** The action status entry to record. */
  readonly status: ActionStatus;
  /** The action becomes inactive (terminal). */
  readonly closesAction: boolean;
  /** For cancel feedback: the action goes back to RUNNING (the cancellation failed or was rejected). */
  readonly resumesAction: boolean;
}

const effect = (status: ActionStatus, closesAction = false, resumesAction = false): FeedbackEffect => ({ status, closesAction, resumesAction });

/** deploymentBase feedback → action status (hawkBit DDI §1.5, first column). */
export function deploymentFeedbackEffect(execution: Execution, finished: FinishedResult, options: { downloadOnly: boolean }): FeedbackEffect {
  switch (execution) {
    case 'closed':
      return finished === 'failure' ? effect('ERROR', true) : effect('FINISHED', true);
    case 'proceeding':
    case 'scheduled':
    case 'resumed':
      return effect('RUNNING');
    case 'download':
      return effect('DOWNLOAD');
    case 'downloaded':
      // Final only for a download-only action.
      return effect('DOWNLOADED', options.downloadOnly);
    case 'rejected':
      return effect('WARNING');
    case 'canceled':
      // Recorded, but the action stays open: only the cancel handshake closes it.
      return effect('CANCELED');
  }
}

/** cancelAction feedback → action status (hawkBit DDI §1.5, second column; cancel handshake #952). */
export function cancelFeedbackEffect(execution: Execution, finished: FinishedResult): FeedbackEffect {
  switch (execution) {
    case 'closed':
      return finished === 'failure' ? effect('ERROR', false, true) : effect('CANCELED', true);
    case 'rejected':
      return effect('CANCEL_REJECTED', false, true);
    case 'canceled':
      return effect('WARNING');
    default:
      return effect('RUNNING');
  }
}
