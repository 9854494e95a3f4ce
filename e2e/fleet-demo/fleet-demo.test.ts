/**
 * `npm run demo:fleet -- --once --fast` in process: the embedded server, a simulated fleet, a signed
 * and encrypted release and a staged rollout; the devices made to fail push their group over its
 * error threshold, the rollout pauses, is resumed, and finishes with exactly those devices in error.
 */
import { describe, expect, it } from 'vitest';
import { runFleetDemo } from '../../scripts/fleet-demo.js';

describe('the fleet demo', () => {
  it('runs its story to the end: a group breaches its error threshold, the rollout pauses, resumes and finishes', async () => {
    const lines: string[] = [];
    const result = await runFleetDemo({ once: true, fast: true, devices: 9, say: (line) => lines.push(line) });
    const narration = lines.join('\n');
    expect(narration).toContain(`Console:  ${result.url}/`);
    expect(narration).toContain('user admin, password fleet-demo-admin-password');
    expect(result.paused, narration).toBe(true);
    expect(narration).toMatch(/group-2 breached its error threshold: the rollout is paused/);
    expect(result.status, narration).toBe('finished');
    expect(result.groupStatuses).toEqual(['finished', 'error', 'finished']);
    expect(result.failing.length).toBeGreaterThan(0);
    expect(result.totalTargetsPerStatus).toMatchObject({ finished: 9 - result.failing.length, error: result.failing.length, running: 0, scheduled: 0 });
  }, 120_000);
});
