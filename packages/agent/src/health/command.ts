import { spawn } from 'node:child_process';
import type { HealthCheck } from './types.js';

/** Keeps the reason short enough for a DDI feedback detail. */
const STDERR_LIMIT = 400;

/**
 * A health check that runs a command: healthy when it exits 0 within the agent's timeout. The
 * command learns what is on trial from OSPREY_RELEASE, OSPREY_VERSION and OSPREY_SLOT; a failure's
 * reason carries the start of its stderr.
 */
export function commandHealthCheck(command: string, args: readonly string[] = []): HealthCheck {
  return ({ release, slot, signal }) =>
    new Promise((resolve) => {
      const child = spawn(command, [...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
        signal,
        env: { ...process.env, OSPREY_RELEASE: release.name, OSPREY_VERSION: release.version, OSPREY_SLOT: slot },
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        if (stderr.length < STDERR_LIMIT) stderr += d.toString('utf8');
      });
      child.on('error', (e) => resolve({ ok: false, reason: `${command}: ${e.message}` }));
      child.on('close', (code, sig) => {
        if (code === 0) resolve({ ok: true });
        else resolve({ ok: false, reason: `${command} exited with ${code ?? sig}${stderr ? `: ${stderr.trim()}` : ''}` });
      });
    });
}
