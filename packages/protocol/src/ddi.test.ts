import { describe, expect, it } from 'vitest';
import { cancelFeedbackEffect, ddiFeedbackSchema, deploymentFeedbackEffect, EXECUTIONS, storableText } from './ddi.js';

describe('DDI feedback', () => {
  it('maps every deploymentBase execution as hawkBit does', () => {
    const table = EXECUTIONS.map((e) => [e, deploymentFeedbackEffect(e, 'none', { downloadOnly: false })]);
    expect(Object.fromEntries(table.map(([e, f]) => [e, (f as { status: string }).status]))).toEqual({
      closed: 'FINISHED',
      proceeding: 'RUNNING',
      canceled: 'CANCELED',
      scheduled: 'RUNNING',
      rejected: 'WARNING',
      resumed: 'RUNNING',
      downloaded: 'DOWNLOADED',
      download: 'DOWNLOAD',
    });
    expect(deploymentFeedbackEffect('closed', 'failure', { downloadOnly: false })).toEqual({ status: 'ERROR', closesAction: true, resumesAction: false });
    expect(deploymentFeedbackEffect('canceled', 'none', { downloadOnly: false }).closesAction).toBe(false);
    expect(deploymentFeedbackEffect('downloaded', 'none', { downloadOnly: true }).closesAction).toBe(true);
    expect(deploymentFeedbackEffect('downloaded', 'none', { downloadOnly: false }).closesAction).toBe(false);
  });

  it('runs the cancel handshake', () => {
    expect(cancelFeedbackEffect('closed', 'success')).toEqual({ status: 'CANCELED', closesAction: true, resumesAction: false });
    expect(cancelFeedbackEffect('closed', 'failure')).toEqual({ status: 'ERROR', closesAction: false, resumesAction: true });
    expect(cancelFeedbackEffect('rejected', 'none')).toEqual({ status: 'CANCEL_REJECTED', closesAction: false, resumesAction: true });
    expect(cancelFeedbackEffect('proceeding', 'none').status).toBe('RUNNING');
  });

  it('accepts the legacy fields SWUpdate sends and rejects unknown executions', () => {
    const swupdate = { id: 7, time: '20260101T120000', status: { execution: 'closed', result: { finished: 'success' }, details: ['ok'] } };
    expect(ddiFeedbackSchema.parse(swupdate).status.execution).toBe('closed');
    expect(ddiFeedbackSchema.safeParse({ status: { execution: 'exploded', result: { finished: 'none' } } }).success).toBe(false);
  });

  it('takes details of any length (the server splits them) but only what a database can store', () => {
    const status = (extra: Record<string, unknown>) => ({ status: { execution: 'proceeding', result: { finished: 'none' }, ...extra } });
    expect(ddiFeedbackSchema.safeParse(status({ details: ['x'.repeat(5000)] })).success).toBe(true);
    expect(ddiFeedbackSchema.safeParse(status({ details: ['nul \u0000 inside'] })).success).toBe(false);
    expect(ddiFeedbackSchema.safeParse(status({ details: ['\ud800 lone high'] })).success).toBe(false);
    expect(ddiFeedbackSchema.safeParse(status({ details: ['lone low \udc00'] })).success).toBe(false);
    expect(ddiFeedbackSchema.safeParse(status({ details: ['a pair 🦅 is fine'] })).success).toBe(true);
    expect(ddiFeedbackSchema.safeParse(status({ code: 2 ** 31 - 1 })).success).toBe(true);
    expect(ddiFeedbackSchema.safeParse(status({ code: 2 ** 31 })).success).toBe(false);
    expect(ddiFeedbackSchema.safeParse(status({ code: -(2 ** 31) - 1 })).success).toBe(false);
    expect(ddiFeedbackSchema.safeParse({ ...status({}), timestamp: 8.64e15 }).success).toBe(true);
    expect(ddiFeedbackSchema.safeParse({ ...status({}), timestamp: 8.64e15 + 1 }).success).toBe(false);
  });

  it('storableText keeps its length limit and names what is wrong', () => {
    expect(storableText(3).safeParse('abcd').success).toBe(false);
    expect(storableText(3).safeParse('a\u0000').error?.issues[0]?.message).toBe('must not contain NUL characters');
  });
});
