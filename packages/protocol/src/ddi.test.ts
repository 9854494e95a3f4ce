import { describe, expect, it } from 'vitest';
import { cancelFeedbackEffect, ddiFeedbackSchema, deploymentFeedbackEffect, EXECUTIONS } from './ddi.js';

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
});
