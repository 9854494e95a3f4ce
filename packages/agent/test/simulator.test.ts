/**
 * The simulated fleet against a real server (PGlite): five devices auto-registered by the gateway
 * token register their own keys, one encrypted release is assigned to all; four end FINISHED, the
 * one given a failing health check of its own rolls back and ends in ERROR.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulatedFleet, simulatedIds } from '@osprey/agent';
import { restClient, TEST_ADMIN as ADMIN } from '../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';
import { tempDirForFile } from '../../../testkit/temp-dir.js';
import { makeRelease } from './device-kit.js';

const GATEWAY = 'gateway-key-0123456789abcdef';

describe('runSimulatedFleet against an Osprey server', () => {
  let server: TestServer;
  const work = tempDirForFile('osprey-sim-');
  const api = restClient(() => server.url, ADMIN);

  beforeAll(async () => {
    server = await startTestServer('pglite', {}, { listen: true });
    for (const [key, value] of [
      ['authentication.gatewaytoken.enabled', true],
      ['authentication.gatewaytoken.key', GATEWAY],
      ['device.publickey.selfregister.enabled', true],
    ] as const) {
      const res = await api('PUT', `/system/configs/${key}`, { value });
      expect(res.status, res.text).toBe(200);
    }
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('five devices register and install one encrypted release; the one whose health check fails rolls back and ends in ERROR', async () => {
    const fleet = { server: server.url, count: 5, idPrefix: 'sim-', gatewayToken: GATEWAY, workDir: work, pollMs: 100 };
    // First run: provision, auto-register and register the keys, then stop at once.
    const first = await runSimulatedFleet({ ...fleet, until: () => true });
    expect(first.completed).toBe(true);
    const ids = simulatedIds(5, 'sim-');
    const targets = await api('GET', `/targets?q=controllerId==sim-*&limit=50`);
    expect(targets.json.content.map((t: { controllerId: string }) => t.controllerId).sort()).toEqual(ids);

    const setId = await makeRelease(api, 'fleet-os', '2.0.0', Buffer.alloc(150_000, 9), {
      encrypted: true,
      release: { securityVersion: 1, hardware: ['board-a'] },
    });
    const assigned = await api(
      'POST',
      `/distributionsets/${setId}/assignedTargets`,
      ids.map((id) => ({ id })),
    );
    expect(assigned.json.assigned).toBe(5);
    await server.ddi.settle();

    // Second run resumes the same devices and updates them; sim-005 fails its trial boot (its own
    // health check), and every step of an install is followed by a pause (a fixed "random" 0.5: 1 ms).
    const failing = 'sim-005';
    let pauses = 0;
    const random = () => (pauses++, 0.5);
    const settled = (devices: readonly { controllerId: string; phase: string; installed: { version: string } | null; log: string[] }[]) =>
      devices.every((d) =>
        d.controllerId === failing ? d.phase === 'idle' && d.log.some((l) => l.startsWith('reported')) : d.phase === 'idle' && d.installed?.version === '2.0.0',
      );
    const result = await runSimulatedFleet({
      ...fleet,
      until: settled,
      durationMs: 60_000,
      stepDelayMs: 1,
      random,
      healthCheckOf: (id) => (id === failing ? async () => ({ ok: false, reason: 'service down' }) : undefined),
    });
    expect(result.completed, JSON.stringify(result.devices, null, 2)).toBe(true);
    // One pause after each install step (downloads, installs, reboots, reports) of each device.
    expect(pauses).toBeGreaterThanOrEqual(5 * 3);
    const bad = result.devices.find((d) => d.controllerId === failing)!;
    expect(bad.installed).toBeNull();
    expect(bad.log).toEqual(expect.arrayContaining(['health check failed: service down']));
    const badActions = await api('GET', `/targets/${failing}/actions`);
    expect(badActions.json.content.map((a: { status: string }) => a.status)).toEqual(['error']);
    for (const d of result.devices.filter((x) => x.controllerId !== failing)) {
      expect(d.installed).toMatchObject({ name: 'fleet-os', version: '2.0.0', slot: 'b' });
      expect(d.log).toEqual(expect.arrayContaining(['downloaded', 'rebooted into the new slot', 'reported committed']));
      const actions = await api('GET', `/targets/${d.controllerId}/actions`);
      expect(actions.json.content.map((a: { status: string }) => a.status)).toEqual(['finished']);
    }
  }, 90_000);
});
