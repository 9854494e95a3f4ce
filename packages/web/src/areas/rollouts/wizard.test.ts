import { describe, expect, it } from 'vitest';
import { INITIAL_STATE, errorsOfStep, stepOf, toCreateBody, validate, type WizardState } from './wizard.js';

const NOW = new Date('2031-01-01T12:00').getTime();
const valid: WizardState = { ...INITIAL_STATE, name: 'fw 2.1', distributionSetId: '7', targetFilterQuery: 'name==gw*' };
const check = (patch: Partial<WizardState>) => validate({ ...valid, ...patch }, NOW);

describe('rollout wizard validation', () => {
  it('accepts the defaults once name, set and filter are given', () => {
    expect(validate(valid, NOW)).toEqual({});
    expect(validate(INITIAL_STATE, NOW)).toEqual({
      name: 'Enter a name.',
      distributionSetId: 'Choose the distribution set to roll out.',
      targetFilterQuery: 'Enter a target filter (e.g. name==*).',
    });
  });

  it.each<[string, Partial<WizardState>, Record<string, string>]>([
    ['a blank name', { name: '   ' }, { name: 'Enter a name.' }],
    ['a name too long', { name: 'x'.repeat(129) }, { name: 'At most 128 characters.' }],
    ['a NUL in the filter', { targetFilterQuery: 'name==a\u0000' }, { targetFilterQuery: 'Remove the NUL character.' }],
    ['no groups', { amountGroups: '' }, { amountGroups: 'Enter the number of groups.' }],
    ['too many groups', { amountGroups: 501 }, { amountGroups: 'At most 500.' }],
    ['a fractional group count', { amountGroups: 1.5 }, { amountGroups: 'Enter a whole number.' }],
    ['a threshold over 100', { successThreshold: 101, errorThreshold: -1 }, { successThreshold: 'At most 100.', errorThreshold: 'At least 0.' }],
    ['a weight over 1000', { weight: 1001 }, { weight: 'At most 1,000.' }],
    ['timeforced without a time', { type: 'timeforced' }, { forcetime: 'Choose when the update becomes forced.' }],
    ['timeforced in the past', { type: 'timeforced', forcetime: '2030-12-31T23:00' }, { forcetime: 'Choose a time in the future.' }],
    ['a start time in the past', { startMode: 'at', startAt: '2031-01-01T11:59' }, { startAt: 'Choose a time in the future.' }],
    ['a start time that is no time', { startMode: 'at', startAt: 'tomorrow' }, { startAt: 'Enter a date and time.' }],
    ['more than 11 retries', { maxRetries: 11 }, { maxRetries: 'At most 10.' }],
    ['a rate of 0', { rateLimit: true, maxPerMinute: 0 }, { maxPerMinute: 'At least 1.' }],
    [
      'growth above the maximum',
      { rateLimit: true, growth: true, maxPerMinute: 10, baseRatePerMinute: 20, incrementFactor: 6 },
      { baseRatePerMinute: 'The starting rate cannot exceed the most devices per minute.', incrementFactor: 'Between 1 and 5.' },
    ],
    [
      'a rollback set without abort criteria',
      { rollbackDistributionSetId: '8' },
      { rollbackDistributionSetId: 'A rollback set is deployed when an abort criterion is met: add one, or clear the rollback set.' },
    ],
    [
      'an abort criterion without numbers',
      { abortCriteria: [{ failureType: 'failed', minExecutedCount: '', thresholdPercentage: 120 }] },
      { 'abortCriteria.0.minExecutedCount': 'Enter a count.', 'abortCriteria.0.thresholdPercentage': 'Between 0 and 100.' },
    ],
    ['a maintenance window without a schedule', { maintenance: true, maintenanceSchedule: '' }, { maintenanceSchedule: 'Enter a schedule.' }],
    [
      'a maintenance window of wrong shape',
      { maintenance: true, maintenanceSchedule: 'daily', maintenanceDuration: '2h' },
      {
        maintenanceSchedule: 'A cron schedule of 5 to 7 fields, e.g. "0 0 2 ? * *" (02:00 every day).',
        maintenanceDuration: 'Enter the duration as HH:MM:SS, e.g. 02:00:00.',
      },
    ],
    [
      'explicit groups with a duplicate name and a bad percentage',
      {
        groupMode: 'explicit',
        groups: [
          { name: 'a', targetFilterQuery: '', targetPercentage: 50 },
          { name: 'a', targetFilterQuery: '', targetPercentage: 101 },
        ],
      },
      { 'groups.1.name': 'Another group has this name.', 'groups.1.targetPercentage': 'Between 0 and 100.' },
    ],
    ['no explicit group', { groupMode: 'explicit', groups: [] }, { groups: 'Add at least one group.' }],
  ])('refuses %s, next to the field', (_what, patch, errors) => {
    expect(check(patch)).toEqual(errors);
  });

  it('stops each step only for the fields it shows', () => {
    const errors = validate({ ...INITIAL_STATE, successThreshold: 200, maxRetries: 20 }, NOW);
    expect(Object.keys(errorsOfStep(errors, 0))).toEqual(['name', 'distributionSetId']);
    expect(Object.keys(errorsOfStep(errors, 1))).toEqual(['targetFilterQuery']);
    expect(Object.keys(errorsOfStep(errors, 2))).toEqual(['successThreshold']);
    expect(Object.keys(errorsOfStep(errors, 3))).toEqual(['maxRetries']);
    expect(stepOf('groups.3.name')).toBe(2);
    expect(stepOf('abortCriteria.0.minExecutedCount')).toBe(3);
  });
});

describe('rollout wizard request body', () => {
  it('sends what the create schema takes, with the default thresholds and a manual start', () => {
    expect(toCreateBody(valid, NOW)).toEqual({
      name: 'fw 2.1',
      distributionSetId: 7,
      targetFilterQuery: 'name==gw*',
      type: 'forced',
      amountGroups: 1,
      successCondition: { condition: 'THRESHOLD', expression: '50' },
      successAction: { action: 'NEXTGROUP' },
      errorCondition: { condition: 'THRESHOLD', expression: '50' },
      errorAction: { action: 'PAUSE' },
      maxRetries: 0,
    });
  });

  it('sends every option that is switched on', () => {
    const body = toCreateBody(
      {
        ...valid,
        description: ' canary first ',
        type: 'timeforced',
        forcetime: '2031-02-01T08:30',
        weight: 500,
        groupMode: 'explicit',
        groups: [
          { name: ' canary ', targetFilterQuery: 'tag==lab', targetPercentage: 10 },
          { name: 'rest', targetFilterQuery: '', targetPercentage: 100 },
        ],
        successThreshold: 80,
        successAction: 'PAUSE',
        errorThreshold: 5,
        dynamic: true,
        dynamicTargetCount: 250,
        rateLimit: true,
        maxPerMinute: 100,
        growth: true,
        baseRatePerMinute: 5,
        incrementFactor: 1.5,
        whenSucceededCount: 20,
        abortCriteria: [{ failureType: 'timedOut', minExecutedCount: 10, thresholdPercentage: 25 }],
        rollbackDistributionSetId: '3',
        maxRetries: 2,
        startMode: 'at',
        startAt: '2031-01-02T03:04',
        maintenance: true,
        maintenanceSchedule: ' 0 0 2 ? * * ',
        maintenanceDuration: '01:30:00',
        maintenanceTimezone: 'Europe/Berlin',
      },
      NOW,
    );
    expect(body).toEqual({
      name: 'fw 2.1',
      description: 'canary first',
      distributionSetId: 7,
      targetFilterQuery: 'name==gw*',
      type: 'timeforced',
      forcetime: new Date('2031-02-01T08:30').getTime(),
      weight: 500,
      groups: [
        { name: 'canary', targetFilterQuery: 'tag==lab', targetPercentage: 10 },
        { name: 'rest', targetPercentage: 100 },
      ],
      successCondition: { condition: 'THRESHOLD', expression: '80' },
      successAction: { action: 'PAUSE' },
      errorCondition: { condition: 'THRESHOLD', expression: '5' },
      errorAction: { action: 'PAUSE' },
      dynamic: true,
      dynamicGroupTemplate: { nameSuffix: '-dynamic', targetCount: 250 },
      rateLimit: { maxPerMinute: 100, growth: { baseRatePerMinute: 5, incrementFactor: 1.5, whenSucceededCount: 20 } },
      abortCriteria: [{ failureType: 'timedOut', minExecutedCount: 10, thresholdPercentage: 25 }],
      rollbackDistributionSetId: 3,
      maxRetries: 2,
      startAt: new Date('2031-01-02T03:04').getTime(),
      maintenanceWindow: { schedule: '0 0 2 ? * *', duration: '01:30:00', timezone: 'Europe/Berlin' },
    });
  });

  it('starts "now" at the injected time', () => {
    expect(toCreateBody({ ...valid, startMode: 'now' }, NOW).startAt).toBe(NOW);
  });
});
