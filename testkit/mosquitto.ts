/**
 * A Mosquitto broker of a test's own (Debian's /usr/sbin/mosquitto) on a free port, configured
 * as docs/operations.md "MQTT wake-up" says to run it: no anonymous clients, a password file
 * made with mosquitto_passwd, and an ACL where the server's user may write every device's
 * wake-up topic and each device's user (`<tenant>/<controllerId>`, @osprey/protocol
 * wakeupUsername) may only read its own, through one `pattern read <prefix>/%u/wakeup` line.
 * Devices can be added while it runs (`addDevice`: the files are rewritten and the broker
 * reloads them on SIGHUP). Always stop() it.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { DEFAULT_WAKEUP_TOPIC_PREFIX, wakeupUsername } from '@osprey/protocol';
import { freePort } from './ports.js';
import { hasTool } from './tools.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd';

/** Whether Mosquitto and mosquitto_passwd are installed (CI: absence fails, see tools.ts). */
export function hasMosquitto(): boolean {
  return hasTool('Mosquitto', () => existsSync(MOSQUITTO) && existsSync(MOSQUITTO_PASSWD), 'apt-get install mosquitto');
}

export interface BrokerLogin {
  username: string;
  password: string;
}

export interface TestBroker {
  /** mqtt://127.0.0.1:<port> */
  url: string;
  prefix: string;
  /** The server's login: may write `<prefix>/+/+/wakeup`. */
  server: BrokerLogin;
  /** A device's login (its username is `<tenant>/<controllerId>`, escaped); registered with addDevice. */
  device(tenant: string, controllerId: string): BrokerLogin;
  /** Register devices (rewrites the password file, SIGHUP: the broker reloads it and the ACL). */
  addDevice(...devices: Array<{ tenant: string; controllerId: string }>): Promise<void>;
  stop(): Promise<void>;
}

const passwordOf = (username: string) => `pw-${Buffer.from(username).toString('hex').slice(0, 40)}-secret`;

export async function startMosquitto(options: { prefix?: string } = {}): Promise<TestBroker> {
  const prefix = options.prefix ?? DEFAULT_WAKEUP_TOPIC_PREFIX;
  // Not temp-dir.ts: the benchmark uses this too, outside vitest.
  const dir = mkdtempSync(join(tmpdir(), 'osprey-mosquitto-'));
  const port = await freePort();
  const passwd = join(dir, 'passwd');
  const acl = join(dir, 'acl');
  const conf = join(dir, 'mosquitto.conf');
  const server: BrokerLogin = { username: 'osprey-server', password: 'server-broker-secret' };
  const users = new Map<string, string>([[server.username, server.password]]);

  const writeFiles = () => {
    // mosquitto_passwd -b -c makes the file with the first user (its hash, never the password); -b adds the others.
    let first = true;
    for (const [username, password] of users) {
      execFileSync(MOSQUITTO_PASSWD, first ? ['-b', '-c', passwd, username, password] : ['-b', passwd, username, password], { stdio: 'pipe' });
      first = false;
    }
    writeFileSync(
      acl,
      [
        '# Every device reads its own wake-up topic only: its username is <tenant>/<controllerId>.',
        `pattern read ${prefix}/%u/wakeup`,
        '',
        '# The server writes wake-ups for every device, and reads nothing.',
        `user ${server.username}`,
        `topic write ${prefix}/+/+/wakeup`,
        '',
      ].join('\n'),
    );
  };
  writeFiles();
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${passwd}`,
      `acl_file ${acl}`,
      'persistence false',
      // Run as the test's own user: as root, Mosquitto would switch to the `mosquitto` user, which cannot read the temp dir.
      `user ${execFileSync('id', ['-un']).toString().trim()}`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );

  const child: ChildProcess = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  try {
    await waitForPort(port, child, () => stderr);
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  return {
    url: `mqtt://127.0.0.1:${port}`,
    prefix,
    server,
    device(tenant, controllerId) {
      const username = wakeupUsername(tenant, controllerId);
      const password = users.get(username);
      if (password === undefined) throw new Error(`device ${tenant}/${controllerId} was not added to the broker`);
      return { username, password };
    },
    async addDevice(...devices) {
      for (const d of devices) {
        const username = wakeupUsername(d.tenant, d.controllerId);
        users.set(username, passwordOf(username));
      }
      writeFiles();
      child.kill('SIGHUP');
      // Reloaded once the last added login is accepted (the broker reads the files in its own loop).
      const last = devices.at(-1);
      if (!last) return;
      const username = wakeupUsername(last.tenant, last.controllerId);
      for (let attempt = 0; ; attempt++) {
        try {
          const client = await connectAsync(`mqtt://127.0.0.1:${port}`, { username, password: users.get(username)!, reconnectPeriod: 0, connectTimeout: 5000 });
          await client.endAsync(true);
          return;
        } catch (e) {
          if (attempt >= 100 || child.exitCode !== null)
            throw new Error(`mosquitto did not take the new logins: ${(e as Error).message} ${stderr}`, { cause: e });
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Until the broker accepts TCP connections (it listens after loading its config). */
async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}: ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not listen on ${port}: ${stderr()}`);
}
