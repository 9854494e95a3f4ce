import { describe, expect, it } from 'vitest';
import { OspreyError } from '@osprey/core';
import {
  AGENT_ERRORS,
  AgentError,
  AgentLockedError,
  AgentStateError,
  BootloaderError,
  failureCode,
  failureDetails,
  failureOf,
  isAgentError,
  isBootloaderError,
  isSecurityVersionError,
  isSlotError,
  SecurityVersionError,
  SlotError,
} from './errors.js';

describe('agent failures', () => {
  it('keeps product codes, adds agent codes, and says what is worth retrying', () => {
    expect(failureOf(new OspreyError('RELEASE_DOWNGRADE'))).toMatchObject({ code: 'RELEASE_DOWNGRADE', retryable: false });
    expect(failureOf(new AgentError('AGENT_DOWNLOAD_STALLED'))).toMatchObject({
      code: 'AGENT_DOWNLOAD_STALLED',
      retryable: true,
      message: AGENT_ERRORS.AGENT_DOWNLOAD_STALLED.meaning,
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

  it('has one table: reported codes are AGENT_*, each code says whose move it is', () => {
    for (const [code, info] of Object.entries(AGENT_ERRORS)) {
      expect(info.reported, code).toBe(code.startsWith('AGENT_'));
      expect(['user', 'untrusted', 'environment', 'internal']).toContain(info.fault);
      expect(info.meaning.length).toBeGreaterThan(10);
      if (info.retryable) expect(info.reported, `${code} is retried, so it is reported`).toBe(true);
    }
  });

  it('reports local codes (slots, bootloaders, records, state) as AGENT_INTERNAL with their message, as before the table', () => {
    const local: AgentError[] = [
      new SlotError('VERIFY_FAILED', 'b'),
      new BootloaderError('ENV_CORRUPTED', 'uboot.env: both copies fail their CRC'),
      new SecurityVersionError('TAMPERED', 'x fails its authentication', { details: { key: 'software' } }),
      new AgentStateError('UPDATE_IN_PROGRESS', 'an update is in progress'),
      new AgentLockedError(42, '/var/lib/osprey/agent.lock'),
    ];
    for (const e of local) {
      expect(failureOf(e)).toEqual({ code: 'AGENT_INTERNAL', message: e.message, details: {}, retryable: false });
      expect(failureDetails(e)[0]).toBe(`AGENT_INTERNAL: ${e.message}`);
    }
  });

  it('one class: every area error is an AgentError with its code, name and facts', () => {
    const slot = new SlotError('SOURCE_TRUNCATED', 'b', undefined, { cause: new Error('EOF') });
    expect(slot).toBeInstanceOf(AgentError);
    expect(slot).toMatchObject({ name: 'SlotError', code: 'SOURCE_TRUNCATED', slot: 'b', message: AGENT_ERRORS.SOURCE_TRUNCATED.meaning });
    expect((slot.cause as Error).message).toBe('EOF');
    expect(isSlotError(slot, 'SOURCE_TRUNCATED') && isAgentError(slot, 'SOURCE_TRUNCATED')).toBe(true);
    expect(isBootloaderError(slot) || isSecurityVersionError(slot)).toBe(false);
    // COMMAND_FAILED is one code for a bootloader tool and an update handler; the class tells them apart.
    expect(isBootloaderError(new BootloaderError('COMMAND_FAILED', 'fw_setenv exited with 1'), 'COMMAND_FAILED')).toBe(true);
    expect(isSlotError(new BootloaderError('COMMAND_FAILED', 'fw_setenv exited with 1'))).toBe(false);
    expect(new AgentLockedError(42, '/x/agent.lock')).toMatchObject({ name: 'AgentLockedError', code: 'LOCKED', pid: 42, path: '/x/agent.lock' });
  });
});
