/**
 * The commands npm links (`npx osprey`, `npx osprey-agent`, `npx osprey-server`) run the built
 * programs: each launcher in bin/ imports dist/, which does not start itself when imported.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', '..', 'node_modules', '.bin');
const run = (command: string, args: string[]) =>
  spawnSync(join(bin, command), args, { encoding: 'utf8', env: { ...process.env, OSPREY_CONFIG_DIR: '/nonexistent-osprey-config' } });

describe('npm-linked launchers', () => {
  it('osprey runs its commands, with their output and exit codes', () => {
    const help = run('osprey', ['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: osprey/);
    const noProfile = run('osprey', ['assign', '1', '--target', 'dev01']);
    expect(noProfile.status).toBe(2);
    expect(noProfile.stderr).toBe('osprey: no profile "default": run "osprey login --url URL --token TOKEN" (or --user) first\n');
  });

  it('osprey-agent and osprey-server answer --help', () => {
    expect(run('osprey-agent', ['--help']).stdout).toMatch(/^Usage: osprey-agent/);
    const server = run('osprey-server', ['--help']);
    expect(server.status).toBe(0);
    expect(server.stdout).toMatch(/^Usage: osprey-server/);
  });
});
