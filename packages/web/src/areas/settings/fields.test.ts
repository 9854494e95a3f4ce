import { describe, expect, it } from 'vitest';
import { draftOf, fieldOf, valueOf } from './fields.js';

describe('tenant configuration fields', () => {
  it.each([
    ['pollingTime', '00:05:00', 'duration', 'Polling time'],
    ['rollout.approval.enabled', false, 'boolean', 'Four-eyes approval of rollouts'],
    ['authentication.gatewaytoken.key', '(secret)', 'secret', 'Gateway token'],
    ['authentication.gatewaytoken.key', '', 'secret', 'Gateway token'],
    ['maintenanceWindowPollCount', 3, 'integer', 'Polls per maintenance window'],
    ['authentication.mtls.trustedCAs', '', 'multiline', 'Trusted CAs (PEM)'],
    // Keys the console does not know yet get an input from their value.
    ['some.new.timeout', '01:00:00', 'duration', 'some.new.timeout'],
    ['some.new.flag', true, 'boolean', 'some.new.flag'],
    ['some.other.key', 'abc', 'secret', 'some.other.key'],
    ['some.name', 'abc', 'text', 'some.name'],
  ])('%s = %j is a %s input labelled %s', (key, value, kind, label) => {
    expect(fieldOf(key, value)).toMatchObject({ kind, label });
  });

  it('never puts a secret into an input, and sends only a new one', () => {
    expect(draftOf('secret', 'the-real-key')).toBe('');
    expect(valueOf('secret', '')).toEqual({ error: 'Type the new value.' });
    expect(valueOf('secret', 'new-key')).toEqual({ value: 'new-key' });
  });

  it('turns what was typed into the value the server takes, or says what is wrong', () => {
    expect(valueOf('duration', ' 00:10:00 ')).toEqual({ value: '00:10:00' });
    expect(valueOf('duration', '10 minutes')).toEqual({ error: 'Enter a duration as HH:MM:SS, e.g. 00:05:00.' });
    expect(valueOf('integer', '4')).toEqual({ value: 4 });
    expect(valueOf('integer', '4.5')).toEqual({ error: 'Enter a whole number.' });
    expect(valueOf('integer', '')).toEqual({ error: 'Enter a whole number.' });
    expect(valueOf('boolean', true)).toEqual({ value: true });
    expect(draftOf('boolean', true)).toBe(true);
    expect(draftOf('integer', 3)).toBe('3');
  });
});
