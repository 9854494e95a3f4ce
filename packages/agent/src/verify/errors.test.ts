import { describe, expect, it } from 'vitest';
import { OspreyError } from '@osprey/core';
import { AGENT_ERROR_CODES, AgentError, failureCode, failureDetails, failureOf, isAgentError } from './errors.js';

describe('agent failures', () => {
  it('keeps product codes, adds agent codes, and says what is worth retrying', () => {
    expect(failureOf(new OspreyError('RELEASE_DOWNGRADE'))).toMatchObject({ code: 'RELEASE_DOWNGRADE', retryable: false });
    expect(failureOf(new AgentError('AGENT_DOWNLOAD_STALLED'))).toMatchObject({
      code: 'AGENT_DOWNLOAD_STALLED',
      retryable: true,
      message: AGENT_ERROR_CODES.AGENT_DOWNLOAD_STALLED,
    });
    expect(failureOf(new AgentError('AGENT_DDI_HTTP', 'x', { details: { status: 503 } })).retryable).toBe(true);
    expect(failureOf(new AgentError('AGENT_DDI_HTTP', 'x', { details: { status: 404 } })).retryable).toBe(false);
    expect(failureOf(new AgentError('AGENT_DOWNLOAD_TOO_LARGE')).retryable).toBe(false);
    expect(failureCode(new Error('boom'))).toBe('AGENT_INTERNAL');
    expect(failureCode('string')).toBe('AGENT_INTERNAL');
    expect(isAgentError(new AgentError('AGENT_KEY_MISSING'), 'AGENT_KEY_MISSING')).toBe(true);
    expect(isAgentError(new OspreyError('KEY_INVALID'))).toBe(false);
  });

  it('reports `CODE: message` first, then causes, each within the DDI limit', () => {
    const e = new AgentError('AGENT_DOWNLOAD_INCOMPLETE', 'broke off 6 times', { cause: new Error('socket hang up'.repeat(100)) });
    const details = failureDetails(e);
    expect(details[0]).toBe('AGENT_DOWNLOAD_INCOMPLETE: broke off 6 times');
    expect(details[1]).toMatch(/^caused by: socket hang up/);
    expect(details.every((d) => d.length <= 512)).toBe(true);
  });
});
