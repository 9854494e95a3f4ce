/**
 * The rollout wizard's form as a pure model: its state, the checks with a message per field (shown
 * next to the field, before the server is asked), which step each field is on, and the request
 * body for POST /rest/v1/rollouts. Only what the server's create schema accepts
 * (server/src/http/mgmt/rollouts.ts); the limits are the same, so what passes here is refused by
 * the server only for what the console cannot know (an RSQL field, a set that went away).
 */
import type { paths } from '../../lib/api.js';

export type CreateRolloutBody = paths['/rest/v1/rollouts']['post']['requestBody']['content']['application/json'];
export type ActionType = NonNullable<CreateRolloutBody['type']>;
export type FailureType = 'failed' | 'timedOut' | 'canceled';

/** A number input's value: empty while nothing is typed. */
export type Num = number | '';

export interface ExplicitGroup {
  name: string;
  targetFilterQuery: string;
  targetPercentage: Num;
}

export interface AbortCriterionInput {
  failureType: FailureType;
  minExecutedCount: Num;
  thresholdPercentage: Num;
}

export interface WizardState {
  name: string;
  description: string;
  distributionSetId: string | null;
  /** What the chosen sets are called (for the review; not sent). */
  setLabels: Record<string, string>;
  type: ActionType;
  /** `datetime-local` text (the browser's local time); for timeforced. */
  forcetime: string;
  weight: Num;
  confirmationRequired: boolean;

  targetFilterQuery: string;

  groupMode: 'count' | 'explicit';
  amountGroups: Num;
  groups: ExplicitGroup[];
  successThreshold: Num;
  successAction: 'NEXTGROUP' | 'PAUSE';
  errorThreshold: Num;
  dynamic: boolean;
  dynamicTargetCount: Num;

  rateLimit: boolean;
  maxPerMinute: Num;
  growth: boolean;
  baseRatePerMinute: Num;
  incrementFactor: Num;
  whenSucceededCount: Num;
  abortCriteria: AbortCriterionInput[];
  rollbackDistributionSetId: string | null;
  maxRetries: Num;

  startMode: 'manual' | 'now' | 'at';
  startAt: string;
  maintenance: boolean;
  maintenanceSchedule: string;
  maintenanceDuration: string;
  maintenanceTimezone: string;
}

export const INITIAL_STATE: WizardState = {
  name: '',
  description: '',
  distributionSetId: null,
  setLabels: {},
  type: 'forced',
  forcetime: '',
  weight: '',
  confirmationRequired: false,
  targetFilterQuery: '',
  groupMode: 'count',
  amountGroups: 1,
  groups: [{ name: 'group 1', targetFilterQuery: '', targetPercentage: 100 }],
  // The server's defaults (hawkBit's): next group at 50 % success, pause at 50 % errors.
  successThreshold: 50,
  successAction: 'NEXTGROUP',
  errorThreshold: 50,
  dynamic: false,
  dynamicTargetCount: 1000,
  rateLimit: false,
  maxPerMinute: 100,
  growth: false,
  baseRatePerMinute: 10,
  incrementFactor: 2,
  whenSucceededCount: 10,
  abortCriteria: [],
  rollbackDistributionSetId: null,
  maxRetries: 0,
  startMode: 'manual',
  startAt: '',
  maintenance: false,
  maintenanceSchedule: '0 0 2 ? * *',
  maintenanceDuration: '02:00:00',
  maintenanceTimezone: 'UTC',
};

export const STEPS = ['Rollout', 'Targets', 'Groups', 'Safety and timing', 'Review'] as const;

/** Field keys: top-level names, `groups.0.name`, `abortCriteria.1.thresholdPercentage`. */
export type Errors = Record<string, string>;

const INT4_MAX = 2_147_483_647;
const HMS = /^\d{2}:[0-5]\d:[0-5]\d$/;
/** A cron schedule of 5 to 7 fields (hawkBit writes Quartz's, seconds first); the server parses it fully. */
const CRON_FIELDS = /^\S+(\s+\S+){4,6}$/;

function whole(value: Num, min: number, max: number, what: string): string | undefined {
  if (value === '') return `Enter ${what}.`;
  if (!Number.isInteger(value)) return 'Enter a whole number.';
  if (value < min) return `At least ${min}.`;
  if (value > max) return `At most ${max.toLocaleString('en')}.`;
  return undefined;
}

function between(value: Num, min: number, max: number, what: string): string | undefined {
  if (value === '') return `Enter ${what}.`;
  if (value < min || value > max) return `Between ${min} and ${max}.`;
  return undefined;
}

/** Text the server refuses whatever it says: too long, or holding NUL. */
function text(value: string, max: number, what: string, required: boolean): string | undefined {
  if (required && value.trim() === '') return `Enter ${what}.`;
  if (value.length > max) return `At most ${max} characters.`;
  if (value.includes('\u0000')) return 'Remove the NUL character.';
  return undefined;
}

/** A `datetime-local` value as epoch milliseconds, or undefined when it is no time. */
export function parseLocalTime(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

function futureTime(value: string, now: number, what: string): string | undefined {
  if (value === '') return `Choose ${what}.`;
  const ms = parseLocalTime(value);
  if (ms === undefined) return 'Enter a date and time.';
  if (ms <= now) return 'Choose a time in the future.';
  return undefined;
}

/** Every check, with the message for the field it is about. `now` is injected (tests need no clock). */
export function validate(state: WizardState, now: number): Errors {
  const errors: Errors = {};
  const put = (field: string, message: string | undefined) => {
    if (message && !errors[field]) errors[field] = message;
  };

  put('name', text(state.name, 128, 'a name', true));
  put('description', text(state.description, 512, 'a description', false));
  if (!state.distributionSetId) put('distributionSetId', 'Choose the distribution set to roll out.');
  if (state.type === 'timeforced') put('forcetime', futureTime(state.forcetime, now, 'when the update becomes forced'));
  if (state.weight !== '') put('weight', whole(state.weight, 0, 1000, 'a weight'));

  put('targetFilterQuery', text(state.targetFilterQuery, 4096, 'a target filter (e.g. name==*)', true));

  if (state.groupMode === 'count') {
    put('amountGroups', whole(state.amountGroups, 1, 500, 'the number of groups'));
  } else {
    if (state.groups.length === 0) put('groups', 'Add at least one group.');
    if (state.groups.length > 500) put('groups', 'At most 500 groups.');
    const names = new Set<string>();
    state.groups.forEach((g, i) => {
      put(`groups.${i}.name`, text(g.name, 128, 'a group name', true));
      if (names.has(g.name.trim())) put(`groups.${i}.name`, 'Another group has this name.');
      names.add(g.name.trim());
      put(`groups.${i}.targetFilterQuery`, text(g.targetFilterQuery, 4096, 'a filter', false));
      put(`groups.${i}.targetPercentage`, between(g.targetPercentage, 0, 100, 'a percentage'));
    });
  }
  put('successThreshold', whole(state.successThreshold, 0, 100, 'a success threshold'));
  put('errorThreshold', whole(state.errorThreshold, 0, 100, 'an error threshold'));
  if (state.dynamic) put('dynamicTargetCount', whole(state.dynamicTargetCount, 1, 20_000, 'the size of a dynamic group'));

  if (state.rateLimit) {
    put('maxPerMinute', whole(state.maxPerMinute, 1, INT4_MAX, 'the most devices per minute'));
    if (state.growth) {
      put('baseRatePerMinute', whole(state.baseRatePerMinute, 1, INT4_MAX, 'the starting rate'));
      put('incrementFactor', between(state.incrementFactor, 1, 5, 'a factor'));
      put('whenSucceededCount', whole(state.whenSucceededCount, 1, INT4_MAX, 'a count'));
      if (state.baseRatePerMinute !== '' && state.maxPerMinute !== '' && state.baseRatePerMinute > state.maxPerMinute)
        put('baseRatePerMinute', 'The starting rate cannot exceed the most devices per minute.');
    }
  }
  if (state.abortCriteria.length > 10) put('abortCriteria', 'At most 10 abort criteria.');
  state.abortCriteria.forEach((c, i) => {
    put(`abortCriteria.${i}.minExecutedCount`, whole(c.minExecutedCount, 1, INT4_MAX, 'a count'));
    put(`abortCriteria.${i}.thresholdPercentage`, between(c.thresholdPercentage, 0, 100, 'a percentage'));
  });
  if (state.rollbackDistributionSetId && state.abortCriteria.length === 0)
    put('rollbackDistributionSetId', 'A rollback set is deployed when an abort criterion is met: add one, or clear the rollback set.');
  if (state.rollbackDistributionSetId && state.rollbackDistributionSetId === state.distributionSetId)
    put('rollbackDistributionSetId', 'Roll back to another set than the one rolled out.');
  put('maxRetries', whole(state.maxRetries, 0, 10, 'the number of retries'));

  if (state.startMode === 'at') put('startAt', futureTime(state.startAt, now, 'when the rollout starts'));
  if (state.maintenance) {
    put('maintenanceSchedule', text(state.maintenanceSchedule, 256, 'a schedule', true));
    if (!errors.maintenanceSchedule && !CRON_FIELDS.test(state.maintenanceSchedule.trim()))
      put('maintenanceSchedule', 'A cron schedule of 5 to 7 fields, e.g. "0 0 2 ? * *" (02:00 every day).');
    if (!HMS.test(state.maintenanceDuration)) put('maintenanceDuration', 'Enter the duration as HH:MM:SS, e.g. 02:00:00.');
    put('maintenanceTimezone', text(state.maintenanceTimezone, 64, 'a timezone', false));
  }
  return errors;
}

/** The step (index into STEPS) that shows a field. */
export function stepOf(field: string): number {
  const top = field.split('.')[0]!;
  if (['name', 'description', 'distributionSetId', 'type', 'forcetime', 'weight', 'confirmationRequired'].includes(top)) return 0;
  if (top === 'targetFilterQuery') return 1;
  if (['groupMode', 'amountGroups', 'groups', 'successThreshold', 'successAction', 'errorThreshold', 'dynamic', 'dynamicTargetCount'].includes(top)) return 2;
  return 3;
}

/** The errors of one step, so "Next" stops only for what is on screen. */
export function errorsOfStep(errors: Errors, step: number): Errors {
  return Object.fromEntries(Object.entries(errors).filter(([field]) => stepOf(field) === step));
}

const num = (v: Num): number => (v === '' ? 0 : v);

/** The request body; call only when `validate` found nothing. */
export function toCreateBody(state: WizardState, now: number): CreateRolloutBody {
  const body: CreateRolloutBody = {
    name: state.name.trim(),
    distributionSetId: Number(state.distributionSetId),
    targetFilterQuery: state.targetFilterQuery.trim(),
    type: state.type,
    successCondition: { condition: 'THRESHOLD', expression: String(num(state.successThreshold)) },
    successAction: { action: state.successAction },
    errorCondition: { condition: 'THRESHOLD', expression: String(num(state.errorThreshold)) },
    errorAction: { action: 'PAUSE' },
    maxRetries: num(state.maxRetries),
  };
  if (state.description.trim()) body.description = state.description.trim();
  if (state.type === 'timeforced') body.forcetime = parseLocalTime(state.forcetime);
  if (state.weight !== '') body.weight = state.weight;
  if (state.confirmationRequired) body.confirmationRequired = true;
  if (state.groupMode === 'count') body.amountGroups = num(state.amountGroups);
  else
    body.groups = state.groups.map((g) => ({
      name: g.name.trim(),
      ...(g.targetFilterQuery.trim() ? { targetFilterQuery: g.targetFilterQuery.trim() } : {}),
      targetPercentage: num(g.targetPercentage),
    }));
  if (state.dynamic) {
    body.dynamic = true;
    body.dynamicGroupTemplate = { nameSuffix: '-dynamic', targetCount: num(state.dynamicTargetCount) };
  }
  if (state.rateLimit)
    body.rateLimit = {
      maxPerMinute: num(state.maxPerMinute),
      ...(state.growth
        ? {
            growth: {
              baseRatePerMinute: num(state.baseRatePerMinute),
              incrementFactor: num(state.incrementFactor),
              whenSucceededCount: num(state.whenSucceededCount),
            },
          }
        : {}),
    };
  if (state.abortCriteria.length > 0)
    body.abortCriteria = state.abortCriteria.map((c) => ({
      failureType: c.failureType,
      minExecutedCount: num(c.minExecutedCount),
      thresholdPercentage: num(c.thresholdPercentage),
    }));
  if (state.rollbackDistributionSetId) body.rollbackDistributionSetId = Number(state.rollbackDistributionSetId);
  // "Now": the scheduler starts it at its next tick; "manual": it waits for Start.
  if (state.startMode === 'now') body.startAt = now;
  if (state.startMode === 'at') body.startAt = parseLocalTime(state.startAt);
  if (state.maintenance)
    body.maintenanceWindow = {
      schedule: state.maintenanceSchedule.trim(),
      duration: state.maintenanceDuration,
      timezone: state.maintenanceTimezone.trim() || 'UTC',
    };
  return body;
}
