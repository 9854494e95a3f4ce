import { describe, expect, it } from 'vitest';
import { CONTROLS, controlState, groupChartData, progressOf, statusLabel, type Control, type RolloutGroup, type RolloutStatus } from './model.js';

const ALL = ['HANDLE_ROLLOUT', 'APPROVE_ROLLOUT', 'CREATE_ROLLOUT', 'UPDATE_ROLLOUT'];
const holding =
  (...held: string[]) =>
  (...needed: string[]) =>
    needed.every((p) => held.includes(p));
const group = (status: RolloutGroup['status'], extra: Partial<RolloutGroup> = {}): RolloutGroup => ({
  id: 1,
  name: 'g1',
  status,
  totalTargets: 0,
  totalTargetsPerStatus: { running: 0, scheduled: 0, notstarted: 0, cancelled: 0, finished: 0, error: 0 },
  ...extra,
});

describe('rollout controls', () => {
  // Which controls each state offers, with every permission held and a scheduled group left
  // (the server's command table, protocol/src/rollout.ts).
  const ENABLED: Record<RolloutStatus, Control[]> = {
    creating: ['stop'],
    waiting_for_approval: ['approve', 'deny', 'stop'],
    approval_denied: ['stop'],
    ready: ['start', 'stop'],
    starting: ['stop'],
    running: ['pause', 'stop', 'triggerNextGroup'],
    paused: ['resume', 'stop'],
    stopping: [],
    stopped: [],
    finished: ['retry'],
    deleting: [],
    deleted: [],
  };
  it.each(Object.entries(ENABLED))('in state %s offers %j', (status, enabled) => {
    const offered = CONTROLS.filter((c) => controlState(c, { status: status as RolloutStatus }, [group('scheduled')], holding(...ALL)).enabled);
    expect(offered).toEqual(enabled);
  });

  it('says why a control is off: the state, no group left, or the missing permission', () => {
    expect(controlState('start', { status: 'running' }, [], holding(...ALL))).toEqual({ enabled: false, reason: 'Not possible while the rollout is running.' });
    expect(controlState('triggerNextGroup', { status: 'running' }, [group('running'), group('finished')], holding(...ALL))).toEqual({
      enabled: false,
      reason: 'No group is left to trigger.',
    });
    expect(controlState('approve', { status: 'waiting_for_approval' }, [], holding('HANDLE_ROLLOUT'))).toEqual({
      enabled: false,
      reason: 'Needs the permission APPROVE_ROLLOUT.',
    });
    expect(controlState('retry', { status: 'finished' }, [], holding('HANDLE_ROLLOUT'))).toEqual({
      enabled: false,
      reason: 'Needs the permission CREATE_ROLLOUT.',
    });
    expect(controlState('triggerNextGroup', { status: 'running' }, [group('scheduled')], holding('HANDLE_ROLLOUT'))).toMatchObject({
      reason: 'Needs the permission UPDATE_ROLLOUT.',
    });
    expect(controlState('pause', { status: 'running' }, [], holding('HANDLE_ROLLOUT'))).toEqual({ enabled: true });
  });

  it('names every status in words', () => {
    expect(statusLabel('waiting_for_approval').label).toBe('waiting for approval');
    expect(statusLabel('approval_denied')).toEqual({ label: 'approval denied', color: 'red' });
  });
});

describe('group chart data', () => {
  it('gives one row per group with its per-status counts, unfilled targets as not started', () => {
    const rows = groupChartData([
      group('running', {
        name: 'canary',
        totalTargets: 10,
        totalTargetsPerStatus: { running: 3, scheduled: 2, notstarted: 0, cancelled: 1, finished: 3, error: 1 },
      }),
      group('scheduled', {
        id: 2,
        name: 'rest',
        totalTargets: 90,
        totalTargetsPerStatus: { running: 0, scheduled: 40, notstarted: 0, cancelled: 0, finished: 0, error: 0 },
      }),
    ]);
    expect(rows).toEqual([
      { group: 'canary', total: 10, finished: 3, running: 3, scheduled: 2, error: 1, cancelled: 1, notstarted: 0 },
      // 90 in the group, 40 with actions so far: the other 50 have not started.
      { group: 'rest', total: 90, finished: 0, running: 0, scheduled: 40, error: 0, cancelled: 0, notstarted: 50 },
    ]);
    expect(groupChartData([])).toEqual([]);
  });

  it('never draws a bar shorter than its counts (a dynamic group that grew)', () => {
    const [row] = groupChartData([
      group('running', { totalTargets: 2, totalTargetsPerStatus: { running: 3, scheduled: 0, notstarted: 0, cancelled: 0, finished: 1, error: 0 } }),
    ]);
    expect(row).toMatchObject({ total: 4, notstarted: 0 });
  });

  it('sums progress from the finished and failed counts, with a sentence for screen readers', () => {
    const counts = { running: 5, scheduled: 10, notstarted: 0, cancelled: 0, finished: 30, error: 5 };
    expect(progressOf({ totalTargets: 50, totalTargetsPerStatus: counts })).toEqual({
      finished: 30,
      error: 5,
      total: 50,
      finishedPercent: 60,
      errorPercent: 10,
      text: '30 of 50 finished, 5 failed',
    });
    expect(progressOf({ totalTargets: 0, totalTargetsPerStatus: { ...counts, finished: 0, error: 0 } })).toMatchObject({
      finishedPercent: 0,
      text: 'no targets',
    });
  });
});
