import { describe, expect, it } from 'vitest';
import { topicLevel, wakeupPayload, wakeupTopic, wakeupUsername } from './wakeup.js';

describe('the wake-up topic scheme', () => {
  it('puts tenant and controller id into their own levels', () => {
    expect(wakeupTopic('DEFAULT', 'dev01')).toBe('osprey/DEFAULT/dev01/wakeup');
    expect(wakeupTopic('acme', 'dev01', 'fleet/eu')).toBe('fleet/eu/acme/dev01/wakeup');
    expect(wakeupUsername('DEFAULT', 'dev01')).toBe('DEFAULT/dev01');
  });

  it('escapes what MQTT or Mosquitto would read as structure, one-to-one', () => {
    expect(topicLevel('gw+1')).toBe('gw%2B1');
    expect(topicLevel('a#b/c:d%e')).toBe('a%23b%2Fc%3Ad%25e');
    expect(topicLevel('$SYS')).toBe('%24SYS');
    // `%` itself is escaped, so an id that looks escaped stays apart from the one it resembles.
    expect(topicLevel('gw%2B1')).not.toBe(topicLevel('gw+1'));
    for (const id of ['dev.01', 'x@y', 'a-b_c', 'gw+1:eth0']) expect(topicLevel(id)).not.toMatch(/[+#/:]/);
    expect(() => topicLevel('')).toThrow(RangeError);
    expect(() => topicLevel('a\u0000b')).toThrow(RangeError);
  });

  it('carries nothing but the reason and an action id', () => {
    expect(JSON.parse(wakeupPayload({ reason: 'action', actionId: 7 }))).toEqual({ reason: 'action', actionId: 7 });
    expect(JSON.parse(wakeupPayload({ reason: 'cancel' }))).toEqual({ reason: 'cancel' });
  });
});
