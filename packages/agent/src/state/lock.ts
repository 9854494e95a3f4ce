/**
 * One agent process per state directory: `osprey-agent run` (the service) and `osprey-agent
 * install` both drive the install state machine, and two of them at once would interleave their
 * transitions. The lock is a file `<stateDir>/agent.lock` created exclusively (O_EXCL) holding the
 * owner's pid; a lock whose process is gone (a SIGKILL, a power cut) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AgentLockedError } from '../errors.js';

export { AgentLockedError };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Takes the lock of `stateDir`; returns its release. Throws {@link AgentLockedError} if a live process holds it. */
export function acquireAgentLock(stateDir: string): () => void {
  const path = join(stateDir, 'agent.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new AgentLockedError(pid, path);
      rmSync(path, { force: true }); // stale: its owner is gone
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return () => {
      try {
        if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
      } catch {
        // already gone
      }
    };
  }
  throw new AgentLockedError(0, path);
}
