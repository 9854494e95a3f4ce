import { describe, expect, it } from 'vitest';
import {
  type ActionCounts,
  decide,
  DEFAULT_THRESHOLDS,
  type GroupSnapshot,
  type GroupStatus,
  nextScheduledGroup,
  ratePerMinute,
  ROLLOUT_COMMANDS,
  ROLLOUT_STATUSES,
  type RolloutCommand,
  rolloutCommand,
  type RolloutSnapshot,
  type RolloutStatus,
  type Thresholds,
  type Transition,
} from './rollout.js';

const NOW = new Date('2026-03-01T12:00:00Z');

/** Counts with every bucket defaulting to 0 and `total` to their sum. */
function counts(c: Partial<ActionCounts>): ActionCounts {
  const buckets = { scheduled: 0, running: 0, downloaded: 0, finished: 0, error: 0, canceled: 0, ...c };
  const sum = buckets.scheduled + buckets.running + buckets.downloaded + buckets.finished + buckets.error + buckets.canceled;
  return { ...buckets, total: c.total ?? sum };
}
function group(id: number, status: GroupStatus, c: Partial<ActionCounts> = {}, extra: Partial<GroupSnapshot> = {}): GroupSnapshot {
  return { id, order: id, status, counts: counts(c), ...extra };
}
function rollout(extra: Partial<RolloutSnapshot> = {}): RolloutSnapshot {
  return { status: 'running', startAt: null, actionType: 'forced', dynamic: false, thresholds: DEFAULT_THRESHOLDS, ...extra };
}
const thresholds = (success: number | null, error: number | null, action: 'NEXTGROUP' | 'PAUSE' = 'NEXTGROUP'): Thresholds => ({
  success: success === null ? null : { percentage: success, action },
  error: error === null ? null : { percentage: error, action: 'PAUSE' },
});

const startGroup = (groupId: number): Transition => ({ kind: 'startGroup', groupId });
const finishGroup = (groupId: number): Transition => ({ kind: 'finishGroup', groupId });
const errorGroup = (groupId: number): Transition => ({ kind: 'errorGroup', groupId });
const release = (groupId: number, count: number): Transition => ({ kind: 'releaseActions', groupId, count });
const retry = (groupId: number, count: number): Transition => ({ kind: 'retryActions', groupId, count });
const pausedBy = (reason: 'errorAction' | 'successAction', groupId: number): Transition => ({ kind: 'pauseRollout', reason, groupId });
const finishRollout: Transition = { kind: 'finishRollout' };

describe('rolloutCommand (§3.2)', () => {
  /** Written out from §3.2 / hawkBit JpaRolloutManagement; every other pair is illegal. */
  const LEGAL: Record<RolloutCommand, Partial<Record<RolloutStatus, RolloutStatus>>> = {
    start: { ready: 'starting' },
    pause: { running: 'paused' },
    resume: { paused: 'running' },
    approve: { waiting_for_approval: 'ready' },
    deny: { waiting_for_approval: 'approval_denied' },
    stop: {
      creating: 'stopping',
      ready: 'stopping',
      waiting_for_approval: 'stopping',
      starting: 'stopping',
      running: 'stopping',
      paused: 'stopping',
      approval_denied: 'stopping',
    },
    delete: {
      creating: 'deleting',
      waiting_for_approval: 'deleting',
      approval_denied: 'deleting',
      ready: 'deleting',
      starting: 'deleting',
      running: 'deleting',
      paused: 'deleting',
      stopping: 'deleting',
      stopped: 'deleting',
      finished: 'deleting',
      deleting: 'deleting',
    },
    triggerNextGroup: { running: 'running' },
    retry: { finished: 'finished' },
  };
  const cases = ROLLOUT_COMMANDS.flatMap((command) => ROLLOUT_STATUSES.map((status) => [command, status, LEGAL[command][status] ?? null] as const));

  it.each(cases)('%s from %s → %s', (command, status, next) => {
    const result = rolloutCommand(status, command, { hasScheduledGroup: true });
    if (next === null) expect(result).toMatchObject({ error: 'illegalState', message: expect.stringContaining(status) });
    else expect(result).toEqual({ next });
  });

  it('refuses triggerNextGroup when no group is scheduled', () => {
    expect(rolloutCommand('running', 'triggerNextGroup', { hasScheduledGroup: false })).toEqual({
      error: 'illegalState',
      message: 'rollout has no groups left to be triggered',
    });
  });
});

describe('decide: thresholds of one running group (§3.3)', () => {
  // Group 1 is RUNNING with the given counts; group 2 (10 actions) is SCHEDULED behind it.
  const next = [startGroup(2), release(2, 10)];
  const cases: [string, Thresholds, Partial<ActionCounts>, Transition[]][] = [
    ['success 0 %: starts the next group before anything finished', thresholds(0, 50), { running: 10 }, next],
    ['success 100 %: 9/10 finished waits', thresholds(100, 50), { finished: 9, running: 1 }, []],
    ['success 100 %: 10/10 finished', thresholds(100, 50), { finished: 10 }, [finishGroup(1), ...next]],
    ['success 50 %: 4/10 waits', thresholds(50, 50), { finished: 4, running: 6 }, []],
    ['success 50 %: 5/10 is enough (≥)', thresholds(50, 50), { finished: 5, running: 5 }, next],
    ['success 33 %: 1/3 (33.3 %) is enough', thresholds(33, 50), { finished: 1, running: 2 }, next],
    ['success 34 %: 1/3 waits', thresholds(34, 50), { finished: 1, running: 2 }, []],
    ['error 50 %: 5/10 is not over (>)', thresholds(100, 50), { error: 5, running: 5 }, []],
    ['error 50 %: 6/10 errs and pauses', thresholds(100, 50), { error: 6, running: 4 }, [errorGroup(1), pausedBy('errorAction', 1)]],
    ['error 0 %: one error errs', thresholds(100, 0), { error: 1, running: 9 }, [errorGroup(1), pausedBy('errorAction', 1)]],
    ['error 0 %: no error, nothing', thresholds(100, 0), { finished: 1, running: 9 }, []],
    ['error 100 %: can never be exceeded; all terminal → success action', thresholds(100, 100), { error: 10 }, [finishGroup(1), ...next]],
    ['empty group counts as success', thresholds(100, 0), { total: 0 }, [finishGroup(1), ...next]],
    ['group of one: running', thresholds(50, 50), { running: 1 }, []],
    ['group of one: finished', thresholds(50, 50), { finished: 1 }, [finishGroup(1), ...next]],
    ['group of one: failed', thresholds(50, 50), { error: 1 }, [errorGroup(1), pausedBy('errorAction', 1)]],
    ['error and success in the same tick: error wins', thresholds(30, 50), { error: 6, finished: 4 }, [errorGroup(1), pausedBy('errorAction', 1)]],
    ['no error condition: errors never pause', thresholds(50, null), { error: 10 }, [finishGroup(1), ...next]],
    ['no success condition: finishes without a success action', thresholds(null, 50), { finished: 10 }, [finishGroup(1)]],
    ['all terminal below both thresholds → success action', thresholds(100, 50), { finished: 3, error: 2, canceled: 5 }, [finishGroup(1), ...next]],
    ['canceled counts neither as success nor as error', thresholds(50, 0), { canceled: 9, running: 1 }, []],
    ['forced: DOWNLOADED is neither success nor terminal', thresholds(50, 50), { downloaded: 10 }, []],
    ['PAUSE: pauses while a scheduled group remains', thresholds(50, 50, 'PAUSE'), { finished: 5, running: 5 }, [pausedBy('successAction', 1)]],
    ['PAUSE: group complete finishes and pauses', thresholds(50, 50, 'PAUSE'), { finished: 10 }, [finishGroup(1), pausedBy('successAction', 1)]],
  ];

  it.each(cases)('%s', (_name, th, c, expected) => {
    expect(decide(rollout({ thresholds: th }), [group(1, 'running', c), group(2, 'scheduled', { scheduled: 10 })], NOW)).toEqual(expected);
  });

  it.each([
    ['5/10 DOWNLOADED reaches 50 %', { downloaded: 5, running: 5 }, next],
    ['FINISHED does not count as success', { finished: 5, running: 5 }, []],
    ['all DOWNLOADED is terminal', { downloaded: 10 }, [finishGroup(1), ...next]],
  ] as [string, Partial<ActionCounts>, Transition[]][])('downloadonly: %s', (_name, c, expected) => {
    const r = rollout({ actionType: 'downloadonly', thresholds: thresholds(50, 50) });
    expect(decide(r, [group(1, 'running', c), group(2, 'scheduled', { scheduled: 10 })], NOW)).toEqual(expected);
  });

  it('uses a group’s own thresholds before the rollout’s', () => {
    const own = group(1, 'running', { finished: 2, running: 8 }, { thresholds: thresholds(20, 50) });
    expect(decide(rollout({ thresholds: thresholds(90, 50) }), [own, group(2, 'scheduled', { scheduled: 10 })], NOW)).toEqual(next);
  });
});

describe('decide: rollout progress (§3.2, §3.3)', () => {
  const cases: [string, RolloutSnapshot, GroupSnapshot[], Transition[]][] = [
    ['READY without startAt waits for the start command', rollout({ status: 'ready' }), [], []],
    ['READY with startAt in the future waits', rollout({ status: 'ready', startAt: new Date(NOW.getTime() + 1) }), [], []],
    ['READY with startAt = now starts', rollout({ status: 'ready', startAt: NOW }), [], [{ kind: 'startRollout' }]],
    ['READY with startAt in the past starts', rollout({ status: 'ready', startAt: new Date(NOW.getTime() - 60_000) }), [], [{ kind: 'startRollout' }]],
    ['STARTING waits until every group is scheduled', rollout({ status: 'starting' }), [group(1, 'scheduled', { scheduled: 5 }), group(2, 'ready')], []],
    [
      'STARTING starts the first group and runs',
      rollout({ status: 'starting' }),
      [group(2, 'scheduled', { scheduled: 7 }), group(1, 'scheduled', { scheduled: 5 })],
      [startGroup(1), release(1, 5), { kind: 'runRollout' }],
    ],
    [
      'NEXTGROUP overlaps groups: a running group at 50 % starts the third while the first still runs',
      rollout(),
      [group(1, 'running', { finished: 6, running: 4 }), group(2, 'running', { finished: 5, running: 5 }), group(3, 'scheduled', { scheduled: 10 })],
      [startGroup(3), release(3, 10)],
    ],
    [
      'NEXTGROUP does not restart a child that already runs',
      rollout(),
      [group(1, 'running', { finished: 6, running: 4 }), group(2, 'running', { running: 10 }), group(3, 'scheduled', { scheduled: 10 })],
      [],
    ],
    [
      'resumed after an error: no running group, so the next scheduled one starts',
      rollout(),
      [group(1, 'error', { error: 6, finished: 4 }), group(2, 'scheduled', { scheduled: 10 }), group(3, 'scheduled', { scheduled: 10 })],
      [startGroup(2), release(2, 10)],
    ],
    ['PAUSED starts nothing', rollout({ status: 'paused' }), [group(1, 'error', { error: 6, finished: 4 }), group(2, 'scheduled', { scheduled: 10 })], []],
    ['STOPPING is the scheduler’s', rollout({ status: 'stopping' }), [group(1, 'running', { finished: 10 }), group(2, 'scheduled', { scheduled: 10 })], []],
    [
      'a pause in the same tick suppresses another group’s NEXTGROUP',
      rollout(),
      [group(1, 'running', { error: 6, running: 4 }), group(2, 'running', { finished: 10 }), group(3, 'scheduled', { scheduled: 10 })],
      [errorGroup(1), finishGroup(2), pausedBy('errorAction', 1)],
    ],
    [
      'finished: the last group completes',
      rollout(),
      [group(1, 'finished', { finished: 10 }), group(2, 'running', { finished: 9, canceled: 1 })],
      [finishGroup(2), finishRollout],
    ],
    [
      'finished: the last group errs — FINISHED overrides the pause, as in hawkBit',
      rollout(),
      [group(1, 'finished', { finished: 10 }), group(2, 'running', { error: 6, finished: 4 })],
      [errorGroup(2), finishRollout],
    ],
    ['finished: nothing running or scheduled', rollout(), [group(1, 'finished'), group(2, 'error')], [finishRollout]],
    [
      'finished: PAUSE on the last group does not pause',
      rollout({ thresholds: thresholds(50, 50, 'PAUSE') }),
      [group(1, 'running', { finished: 10 })],
      [finishGroup(1), finishRollout],
    ],
    ['not finished while a group runs', rollout(), [group(1, 'finished'), group(2, 'running', { finished: 9, running: 1 })], []],
    [
      'dynamic: the last group never completes',
      rollout({ dynamic: true }),
      [group(1, 'finished', { finished: 10 }), group(2, 'running', { finished: 100 }, { dynamicTargetCount: 100 })],
      [],
    ],
    [
      'dynamic: a group that is no longer the last completes and starts the new one',
      rollout({ dynamic: true }),
      [group(1, 'running', { finished: 100 }, { dynamicTargetCount: 100 }), group(2, 'scheduled', { scheduled: 3 }, { dynamicTargetCount: 100 })],
      [finishGroup(1), startGroup(2), release(2, 3)],
    ],
    [
      'dynamic: a filling group is measured against its target count',
      rollout({ dynamic: true }),
      [group(1, 'running', { finished: 40, running: 10 }, { dynamicTargetCount: 100 }), group(2, 'scheduled', {}, { dynamicTargetCount: 100 })],
      [],
    ],
  ];

  it.each(cases)('%s', (_name, r, groups, expected) => {
    expect(decide(r, groups, NOW)).toEqual(expected);
  });

  it('nextScheduledGroup picks the first scheduled group in order', () => {
    expect(nextScheduledGroup([group(3, 'scheduled'), group(1, 'finished'), group(2, 'scheduled')])?.id).toBe(2);
    expect(nextScheduledGroup([group(1, 'running')])).toBeUndefined();
  });
});

describe('Osprey rate limit (AWS IoT Jobs rollout rate)', () => {
  const growth = { baseRatePerMinute: 10, incrementFactor: 2, whenSucceededCount: 100 };
  it.each([
    ['constant', { maxPerMinute: 50 }, 12_345, 50],
    ['exponential, nothing succeeded yet', { maxPerMinute: 1000, growth }, 0, 10],
    ['exponential, one short of the first step', { maxPerMinute: 1000, growth }, 99, 10],
    ['exponential, first step', { maxPerMinute: 1000, growth }, 100, 20],
    ['exponential, two and a half steps', { maxPerMinute: 1000, growth }, 250, 40],
    ['exponential, capped by maxPerMinute', { maxPerMinute: 1000, growth }, 1000, 1000],
    ['factor 1.1 once: 110', { maxPerMinute: 1000, growth: { baseRatePerMinute: 100, incrementFactor: 1.1, whenSucceededCount: 1 } }, 1, 110],
    ['factor 1.1 twice: 121', { maxPerMinute: 1000, growth: { baseRatePerMinute: 100, incrementFactor: 1.1, whenSucceededCount: 1 } }, 2, 121],
    [
      'factor 1.4 twice lands on 49, not 48 (25 × 1.4² = 48.999… in floating point)',
      { maxPerMinute: 1000, growth: { baseRatePerMinute: 25, incrementFactor: 1.4, whenSucceededCount: 1 } },
      2,
      49,
    ],
    ['fractions are floored', { maxPerMinute: 1000, growth: { baseRatePerMinute: 3, incrementFactor: 1.5, whenSucceededCount: 5 } }, 5, 4],
  ])('ratePerMinute: %s', (_name, limit, succeeded, expected) => {
    expect(ratePerMinute(limit, succeeded)).toBe(expected);
  });

  it.each([
    ['releases the rest of the minute’s budget', 500, 30, [release(1, 70)]],
    ['releases nothing once the budget is spent', 500, 100, []],
    ['releases nothing when over budget', 500, 150, []],
    ['releases no more than is scheduled', 20, 0, [release(1, 20)]],
  ] as [string, number, number, Transition[]][])('constant 100/min: %s', (_name, scheduled, releasedInLastMinute, expected) => {
    const g = group(1, 'running', { scheduled, running: 100 }, { releasedInLastMinute });
    expect(decide(rollout({ rateLimit: { maxPerMinute: 100 } }), [g], NOW)).toEqual(expected);
  });

  it('grows the rate with the group’s successes (200 succeeded → 40/min)', () => {
    const g = group(1, 'running', { scheduled: 500, finished: 200, running: 300 }, { releasedInLastMinute: 15 });
    expect(decide(rollout({ thresholds: thresholds(100, 50), rateLimit: { maxPerMinute: 1000, growth } }), [g], NOW)).toEqual([release(1, 25)]);
  });

  it('releases a newly started group at the full rate, and keeps releasing the still-running one', () => {
    const groups = [group(1, 'running', { scheduled: 5, finished: 60, running: 35 }, { releasedInLastMinute: 8 }), group(2, 'scheduled', { scheduled: 100 })];
    expect(decide(rollout({ rateLimit: { maxPerMinute: 10 } }), groups, NOW)).toEqual([startGroup(2), release(1, 2), release(2, 10)]);
  });

  it('releases nothing for a group that errs in this tick', () => {
    const groups = [group(1, 'running', { scheduled: 40, error: 60 }), group(2, 'scheduled', { scheduled: 10 })];
    expect(decide(rollout({ rateLimit: { maxPerMinute: 10 } }), groups, NOW)).toEqual([errorGroup(1), pausedBy('errorAction', 1)]);
  });
});

describe('Osprey abort criteria (AWS IoT Jobs abortConfig, Azure DU rollback)', () => {
  const failed20 = { failureType: 'failed', minExecutedCount: 50, thresholdPercentage: 20 } as const;
  const abort = (reason: string, criterion: object, rollbackDistributionSetId?: number): Transition =>
    ({ kind: 'abortRollout', reason, criterion, ...(rollbackDistributionSetId === undefined ? {} : { rollbackDistributionSetId }) }) as Transition;

  // No error condition, so only the abort criteria can stop these rollouts.
  const base = { thresholds: thresholds(100, null), abortCriteria: [failed20], rollbackDistributionSetId: 7 };
  it.each([
    ['minExecutedCount not reached (49 executed, 49 % failed)', [group(1, 'running', { error: 24, finished: 25, running: 51 })], []],
    ['reached, but below the threshold (9 of 50)', [group(1, 'running', { error: 9, finished: 41, running: 50 })], []],
    [
      'reached at exactly the threshold (10 of 50) → abort with rollback',
      [group(1, 'running', { error: 10, finished: 40, running: 50 })],
      [abort('10 of 50 executed actions failed (threshold 20% after 50)', failed20, 7)],
    ],
    [
      'counted over the whole rollout',
      [group(1, 'finished', { error: 5, finished: 25 }), group(2, 'running', { error: 5, finished: 15, running: 50 })],
      [abort('10 of 50 executed actions failed (threshold 20% after 50)', failed20, 7)],
    ],
    ['failures still due a retry do not count', [group(1, 'running', { error: 10, finished: 40, running: 50 }, { failedByRetries: [3] })], [retry(1, 3)]],
  ] as [string, GroupSnapshot[], Transition[]][])('%s', (_name, groups, expected) => {
    expect(decide(rollout({ ...base, maxRetries: 1 }), groups, NOW)).toEqual(expected);
  });

  it.each([
    ['timedOut', { error: 10, timedOut: 4, finished: 10 }, '4 of 20 executed actions timedOut (threshold 20% after 1)'],
    ['failed (timeouts excluded)', { error: 10, timedOut: 7, finished: 10 }, null],
    ['canceled', { canceled: 5, finished: 15 }, '5 of 20 executed actions canceled (threshold 20% after 1)'],
  ] as [string, Partial<ActionCounts>, string | null][])('failure type %s', (name, c, reason) => {
    const criterion = { failureType: name.split(' ')[0] as 'failed', minExecutedCount: 1, thresholdPercentage: 20 };
    const result = decide(rollout({ thresholds: thresholds(100, null), abortCriteria: [criterion] }), [group(1, 'running', { ...c, running: 5 })], NOW);
    if (reason === null) expect(result).toEqual([]);
    else expect(result).toEqual([abort(reason, criterion)]);
  });

  it('is not evaluated while paused', () => {
    expect(decide(rollout({ ...base, status: 'paused' }), [group(1, 'running', { error: 50 })], NOW)).toEqual([]);
  });
});

describe('Osprey retries', () => {
  // Success needs 100 % so that only retries and errors show; group 2 is scheduled behind group 1.
  it.each([
    ['retries failures with fewer than maxRetries retries', 2, [2, 0, 1], { error: 3, finished: 7 }, [retry(1, 2)]],
    ['retryable failures are not errors yet (6/10 would err)', 1, [6], { error: 6, running: 4 }, [retry(1, 6)]],
    ['exhausted retries are errors', 2, [0, 0, 6], { error: 6, running: 4 }, [errorGroup(1), pausedBy('errorAction', 1)]],
    ['a retryable failure keeps the group open', 3, [0, 1], { error: 1, finished: 9 }, [retry(1, 1)]],
    ['maxRetries 0 retries nothing and the group completes', 0, [1], { error: 1, finished: 9 }, [finishGroup(1), startGroup(2), release(2, 10)]],
  ] as [string, number, number[], Partial<ActionCounts>, Transition[]][])('%s', (_name, maxRetries, failedByRetries, c, expected) => {
    const groups = [group(1, 'running', c, { failedByRetries }), group(2, 'scheduled', { scheduled: 10 })];
    expect(decide(rollout({ maxRetries, thresholds: thresholds(100, 50) }), groups, NOW)).toEqual(expected);
  });

  it('retries nothing in a tick that pauses the rollout', () => {
    const groups = [group(1, 'running', { error: 6, running: 4 }), group(2, 'running', { error: 1, running: 9 }, { failedByRetries: [1] })];
    expect(decide(rollout({ maxRetries: 1 }), groups, NOW)).toEqual([errorGroup(1), pausedBy('errorAction', 1)]);
  });
});
