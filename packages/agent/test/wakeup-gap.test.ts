/**
 * A stream of wake-ups (anyone who may publish to the device's topic: a broker open to anonymous
 * publishers, an ACL like `readwrite osprey/#`) must not make the device poll ten times a second.
 * The real `Agent.run` against a real server, with the wake-up source and the wake-up timers the
 * test's own: ten wake-ups a second for 23 s of the test's clock bring forward one poll per gap
 * (`minPollMs` here, above the 5 s default), and the last of them is still answered.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualTimers, ManualWakeupSource } from '../../../testkit/manual-timers.js';
import type { AgentLogger } from '@osprey/agent';
import { restClient, TEST_ADMIN as ADMIN } from '../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';
import { tempDirForFile } from '../../../testkit/temp-dir.js';
import { openDevice, provisionDevice } from './device-kit.js';

/** Until `check` holds (re-checked every 20 ms; the test's timeout bounds it). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

describe('the agent under a stream of wake-ups', () => {
  let server: TestServer;
  const api = restClient(() => server.url, ADMIN);
  const work = tempDirForFile('osprey-agent-wakeup-gap-');

  beforeAll(async () => {
    server = await startTestServer('pglite', {}, { listen: true });
    // An hour between polls: every other poll during the test is one a wake-up brought forward.
    expect((await api('PUT', '/system/configs/pollingTime', { value: '01:00:00' })).status).toBe(200);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('polls once per gap (minPollMs, 8 s here), not ten times a second, and answers the last wake-up', async () => {
    const id = 'gap-1';
    const rootJson = Buffer.from((await api('GET', '/tuf/root')).text);
    const { files, token } = await provisionDevice(api, join(work, id), id, { rootJson, factoryImage: randomBytes(4096), securityVersion: 1 });
    const lines: string[] = [];
    const keep = (message: string) => void lines.push(message);
    const logger: AgentLogger = { info: keep, warn: keep, error: keep };
    const count = (line: string) => lines.filter((l) => l === line).length;
    const timers = new ManualTimers();
    const source = new ManualWakeupSource();
    const dev = openDevice(files, { server: server.url, id, token }, { wakeups: source, wakeupTimers: timers, minPollMs: 8000, logger });
    const abort = new AbortController();
    const running = dev.agent.run(abort.signal);
    try {
      await until(() => count('polled') === 1);
      /** Moves the test's clock; a wake-up that ends the wait is awaited until its poll is done. */
      const advance = async (ms: number) => {
        const woken = count('woken by the server: polling now');
        timers.advance(ms);
        for (let i = 0; i < 10; i++) await Promise.resolve();
        if (count('woken by the server: polling now') > woken) await until(() => count('polled') === count('woken by the server: polling now') + 1);
      };
      // Ten a second from 0 to 23 s after the first poll: gaps end at 8 s and 16 s (polls there),
      // and the wake-ups after 16 s are served when the third gap ends, at 24 s.
      for (let t = 0; t < 23_000; t += 100) {
        source.emit();
        await advance(100);
      }
      for (let t = 23_000; t < 30_000; t += 100) await advance(100);
      expect(count('woken by the server: polling now')).toBe(3);
      expect(count('polled')).toBe(4);
      expect(lines.filter((l) => l.startsWith('step failed'))).toEqual([]);
    } finally {
      abort.abort();
      await running;
    }
  });
});
