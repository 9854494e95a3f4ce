import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirForFile } from '../../../../testkit/temp-dir.js';
import { acquireAgentLock, AgentLockedError } from './lock.js';

describe('one agent per state directory', () => {
  const dir = tempDirForFile('osprey-lock-');

  it('is refused while a live process holds the lock, naming it; released, it can be taken again', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'agent.lock'), `${holder.pid}\n`);
      let error: unknown;
      try {
        acquireAgentLock(dir);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AgentLockedError);
      expect((error as Error).message).toContain(`pid ${holder.pid}`);
      expect(readFileSync(join(dir, 'agent.lock'), 'utf8').trim()).toBe(String(holder.pid));
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
    }
    // Its owner is gone now (as after a SIGKILL or a power cut): taken over.
    const release = acquireAgentLock(dir);
    expect(readFileSync(join(dir, 'agent.lock'), 'utf8').trim()).toBe(String(process.pid));
    release();
    expect(existsSync(join(dir, 'agent.lock'))).toBe(false);
  });
});
