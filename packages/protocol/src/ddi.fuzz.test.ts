/**
 * Fuzzing the DDI feedback body, which every device (and anyone holding a device token) sends:
 * for any JSON value ddiFeedbackSchema either accepts a body of exactly the documented shape,
 * whose effect on the action is defined for every (execution, finished) pair, or refuses it with
 * issues that point at the offending field. It never throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../testkit/fuzz.js';
import { ACTION_STATUSES, cancelFeedbackEffect, ddiFeedbackSchema, deploymentFeedbackEffect, EXECUTIONS, FINISHED_RESULTS, type DdiFeedback } from './ddi.js';

const isCount = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;

/** What every accepted body satisfies, and what the server does with it. */
function expectAccepted(body: DdiFeedback): void {
  expect(Object.keys(body).every((k) => k === 'timestamp' || k === 'status')).toBe(true);
  if (body.timestamp !== undefined) expect(isCount(body.timestamp)).toBe(true);
  const { status } = body;
  expect(Object.keys(status).every((k) => ['execution', 'result', 'code', 'details'].includes(k))).toBe(true);
  expect(EXECUTIONS).toContain(status.execution);
  expect(FINISHED_RESULTS).toContain(status.result.finished);
  expect(Object.keys(status.result).every((k) => k === 'finished' || k === 'progress')).toBe(true);
  if (status.result.progress !== undefined) {
    expect(Object.keys(status.result.progress).sort()).toEqual(['cnt', 'of']);
    expect(isCount(status.result.progress.cnt) && isCount(status.result.progress.of)).toBe(true);
  }
  if (status.code !== undefined) expect(Number.isSafeInteger(status.code)).toBe(true);
  if (status.details !== undefined) for (const d of status.details) expect(typeof d).toBe('string');
  // Unknown fields are dropped, so what is stored reads back the same (compared as JSON: -0 is 0).
  const json = JSON.stringify(body);
  expect(JSON.stringify(ddiFeedbackSchema.parse(JSON.parse(json)))).toBe(json);
  // The effect of a feedback message is defined for every accepted pair.
  for (const downloadOnly of [false, true]) {
    const effect = deploymentFeedbackEffect(status.execution, status.result.finished, { downloadOnly });
    expect(ACTION_STATUSES).toContain(effect.status);
    expect(effect.closesAction).toBe(status.execution === 'closed' || (status.execution === 'downloaded' && downloadOnly));
    expect(effect.resumesAction).toBe(false);
  }
  const cancel = cancelFeedbackEffect(status.execution, status.result.finished);
  expect(ACTION_STATUSES).toContain(cancel.status);
  expect(cancel.closesAction).toBe(status.execution === 'closed' && status.result.finished !== 'failure');
  expect(cancel.closesAction && cancel.resumesAction).toBe(false);
}

const VALID = {
  id: 7,
  time: '20260101T120000',
  timestamp: 1767225600000,
  status: { execution: 'proceeding', result: { finished: 'none', progress: { cnt: 2, of: 5 } }, code: 0, details: ['Installing', 'step 2'] },
};

const PATHS = [
  ['timestamp'],
  ['status'],
  ['status', 'execution'],
  ['status', 'result'],
  ['status', 'result', 'finished'],
  ['status', 'result', 'progress'],
  ['status', 'result', 'progress', 'cnt'],
  ['status', 'result', 'progress', 'of'],
  ['status', 'code'],
  ['status', 'details'],
  ['status', 'details', '0'],
];
const nearValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-1, 0, 1.5, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 8.64e15, 1e308, -0),
  fc.constantFrom(...EXECUTIONS, ...FINISHED_RESULTS, 'CLOSED', 'exploded', '', 'a'.repeat(513), 'x\u0000y', '\ud800'),
  fc.array(fc.string({ maxLength: 600 }), { maxLength: 3 }),
  fc.constant(undefined),
);
/** A valid body with one value replaced or removed. */
const oneChange = fc.tuple(fc.constantFrom(...PATHS), nearValue).map(([path, value]) => {
  const body = structuredClone(VALID) as Record<string, any>;
  let parent = body;
  for (const p of path.slice(0, -1)) parent = parent[p];
  if (value === undefined) delete parent[path[path.length - 1]!];
  else parent[path[path.length - 1]!] = value;
  return { body, path };
});

describe('fuzz: DDI feedback body', () => {
  it('fuzz: any JSON value is a feedback of the documented shape, or refused with issues', () => {
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          timestamp: nearValue,
          status: fc.record(
            {
              execution: fc.oneof(fc.constantFrom(...EXECUTIONS), nearValue),
              result: fc.record({ finished: fc.oneof(fc.constantFrom(...FINISHED_RESULTS), nearValue), progress: nearValue }, { requiredKeys: ['finished'] }),
              code: nearValue,
              details: nearValue,
            },
            { requiredKeys: ['execution', 'result'] },
          ),
          id: fc.jsonValue({ maxDepth: 0 }),
        },
        { requiredKeys: ['status'] },
      ),
    );
    fc.assert(
      fc.property(body, (value) => {
        const result = ddiFeedbackSchema.safeParse(value);
        if (result.success) expectAccepted(result.data);
        else expect(result.error.issues.length).toBeGreaterThan(0);
      }),
      fuzzParams(2000),
    );
  });

  it('fuzz: one change to a valid body is accepted with the documented shape, or refused at that field', () => {
    fc.assert(
      fc.property(oneChange, ({ body, path }) => {
        const result = ddiFeedbackSchema.safeParse(body);
        if (result.success) {
          expectAccepted(result.data);
          return;
        }
        // Every issue lies on the changed path: above it (the containing object) or below it.
        for (const issue of result.error.issues) {
          const at = issue.path.map(String);
          const n = Math.min(at.length, path.length);
          expect(at.slice(0, n)).toEqual(path.slice(0, n));
        }
      }),
      fuzzParams(2000),
    );
  });
});
