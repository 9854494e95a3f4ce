import { describe, expect, it } from 'vitest';
import { DeviceCache, type DeviceEntry } from './device-cache.js';
import { parseTenantConfig } from './tenant-config.js';

const entry = (id: number, controllerId = `d${id}`): DeviceEntry => ({
  config: parseTenantConfig({}),
  target: { id, tenant: 'T', controllerId, securityToken: 'x', requestAttributes: false, publicKey: null, autoConfirm: null },
});

function ready(max = 10): DeviceCache {
  const cache = new DeviceCache(max);
  cache.handlers.onResumed();
  return cache;
}

describe('DeviceCache', () => {
  it('is off until its listener is up, and after the listener is lost', () => {
    const cache = new DeviceCache(10);
    cache.store(cache.mark(), 'T', entry(1));
    expect(cache.get('T', 'd1')).toBeUndefined();
    cache.handlers.onResumed();
    cache.store(cache.mark(), 'T', entry(1));
    expect(cache.get('T', 'd1')?.target.id).toBe(1);
    cache.handlers.onLost();
    expect(cache.get('T', 'd1')).toBeUndefined();
    cache.store(cache.mark(), 'T', entry(1));
    expect(cache.size).toBe(0);
  });

  it('drops entries on target and tenant announcements', () => {
    const cache = ready();
    cache.store(cache.mark(), 'T', entry(1));
    cache.store(cache.mark(), 'T', entry(2));
    cache.store(cache.mark(), 'U', entry(3));
    cache.handlers.onMessage('target:1');
    expect(cache.get('T', 'd1')).toBeUndefined();
    expect(cache.get('T', 'd2')).toBeDefined();
    cache.handlers.onMessage('tenant:T');
    expect(cache.get('T', 'd2')).toBeUndefined();
    expect(cache.get('U', 'd3')).toBeDefined();
    cache.handlers.onMessage('something-new');
    expect(cache.size).toBe(0);
  });

  it('never stores a read that raced a change', () => {
    const cache = ready();
    const mark = cache.mark(); // a read starts
    cache.handlers.onMessage('target:99'); // any change arrives meanwhile
    cache.store(mark, 'T', entry(1)); // the read completes: possibly stale, so not kept
    expect(cache.get('T', 'd1')).toBeUndefined();
    const markPoll = cache.mark();
    cache.store(markPoll, 'T', entry(1));
    cache.invalidateTarget(5);
    cache.storePoll(markPoll, 'T', 'd1', { active: undefined, installed: 7 });
    expect(cache.get('T', 'd1')?.poll).toBeUndefined();
  });

  it('evicts the least recently stored entries beyond its size', () => {
    const cache = ready(2);
    for (const id of [1, 2, 3]) cache.store(cache.mark(), 'T', entry(id));
    expect(cache.size).toBe(2);
    expect(cache.get('T', 'd1')).toBeUndefined();
    cache.handlers.onMessage('target:1'); // evicted ids do not confuse invalidation
    expect(cache.get('T', 'd3')).toBeDefined();
  });

  it('settle() waits for its own marker, after earlier announcements', async () => {
    const cache = ready();
    cache.store(cache.mark(), 'T', entry(1));
    const delivered: string[] = [];
    await cache.settle(async (payload) => {
      // the database delivers in commit order: an earlier change, then the marker
      setTimeout(() => {
        for (const p of ['target:1', payload]) {
          delivered.push(p);
          cache.handlers.onMessage(p);
        }
      }, 10);
    });
    expect(delivered[0]).toBe('target:1');
    expect(cache.get('T', 'd1')).toBeUndefined();
  });
});
