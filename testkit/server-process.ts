/**
 * The built `osprey-server` as a child process on a data directory of the test's own, for fault
 * tests that kill it (SIGKILL: no shutdown handler runs) and start it again on the same data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', 'packages', 'server', 'dist', 'bin.js');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
}

export async function startServerProcess(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN], {
    env: {
      ...process.env,
      OSPREY_PORT: '0',
      OSPREY_HOST: '127.0.0.1',
      OSPREY_DATA_DIR: dataDir,
      OSPREY_LOG_LEVEL: 'warn',
      OSPREY_ADMIN_PASSWORD: 'admin-password',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`osprey-server did not start: ${out}`)), 60_000);
    child.stdout!.on('data', () => {
      const found = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.once('exit', (code) => reject(new Error(`osprey-server exited ${code}: ${out}`)));
  });
  return {
    url,
    child,
    output: () => out,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
