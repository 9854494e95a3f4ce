import { describe, expect, it } from 'vitest';
import { overdueHref, rolloutProgress, statusSlices } from './summary.js';

describe('dashboard numbers', () => {
  it('turns counts into labelled slices with shares and a link to the devices', () => {
    const slices = statusSlices({ total: 1000, byUpdateStatus: { UNKNOWN: 2, REGISTERED: 0, PENDING: 148, IN_SYNC: 800, ERROR: 50 } });
    expect(slices.map((s) => [s.name, s.value, s.percent])).toEqual([
      ['Unknown', 2, '<1'],
      ['Registered', 0, '0'],
      ['Pending', 148, '15'],
      ['In sync', 800, '80'],
      ['Error', 50, '5'],
    ]);
    expect(slices[4]).toMatchObject({ color: 'red.6', href: '/devices?q=updateStatus%3D%3Derror' });
    expect(statusSlices({ total: 0, byUpdateStatus: { UNKNOWN: 0, REGISTERED: 0, PENDING: 0, IN_SYNC: 0, ERROR: 0 } }).every((s) => s.percent === '0')).toBe(
      true,
    );
  });

  it('links the overdue count to the devices silent since the cut-off', () => {
    expect(overdueHref(Date.UTC(2031, 5, 1, 7, 54))).toBe('/devices?q=lastControllerRequestAt%3Dlt%3D2031-06-01T07%3A54%3A00.000Z');
  });

  it('counts finished and failed devices as a rollout’s progress', () => {
    const counts = { running: 3, scheduled: 2, notstarted: 0, cancelled: 0, finished: 4, error: 1 };
    expect(rolloutProgress({ totalTargets: 10, totalTargetsPerStatus: counts })).toEqual({ done: 5, percent: 50 });
    expect(rolloutProgress({ totalTargets: 0, totalTargetsPerStatus: { ...counts, finished: 0, error: 0 } })).toEqual({ done: 0, percent: 0 });
  });
});
