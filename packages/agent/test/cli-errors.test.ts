/**
 * The built `osprey-agent` on a user's mistake: one line saying what to fix, never labelled
 * internal, exit code 1 (issue 13).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', 'bin', 'osprey-agent.js');
const dir = mkdtempSync(join(tmpdir(), 'osprey-agent-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function agent(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await promisify(execFile)(process.execPath, [bin, ...args]);
    return { code: 0, stderr: '' };
  } catch (e) {
    const failed = e as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

describe('osprey-agent on a user mistake', () => {
  it('a missing config file: one line naming the file, not AGENT_INTERNAL', async () => {
    const missing = join(dir, 'nope.json');
    const { code, stderr } = await agent('status', '--config', missing);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([`osprey-agent: cannot read the config ${missing}: no such file (see packages/agent/README.md for its fields)`]);
  });

  it('an invalid config: every wrong field on one line', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ server: 1 }));
    const { code, stderr } = await agent('status', '--config', file);
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^osprey-agent: invalid config .*bad\.json: server: .*; controllerId: .*; slots: /);
    expect(lines[0]).not.toContain('AGENT_INTERNAL');
  });

  it('JSON that does not parse is the same kind of mistake', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "server": ');
    const { stderr } = await agent('status', '--config', file);
    expect(stderr).toMatch(/^osprey-agent: cannot read the config .*broken\.json: /);
    expect(stderr).not.toContain('AGENT_INTERNAL');
  });
});
