/** The health checks a trial boot is judged by: a command, a URL, and the agent's timeout around either. */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listenOnLoopback } from '../../../../testkit/http.js';
import type { ReleaseInfo } from '../state/machine.js';
import { commandHealthCheck } from './command.js';
import { httpHealthCheck } from './http.js';
import { runHealthCheck } from './run.js';
import type { HealthCheck } from './types.js';

const RELEASE: ReleaseInfo = { name: 'gw-os', version: '2.0.0', securityVersion: 3, sha256: 'ab'.repeat(32), length: 1000 };
const context = { release: RELEASE, slot: 'b' as const };
const ask = (check: HealthCheck) => check({ ...context, signal: new AbortController().signal });

describe('commandHealthCheck', () => {
  it('is healthy when the command exits 0, and tells it what is on trial', async () => {
    expect(await ask(commandHealthCheck('sh', ['-c', 'test "$OSPREY_RELEASE $OSPREY_VERSION $OSPREY_SLOT" = "gw-os 2.0.0 b"']))).toEqual({ ok: true });
  });

  it('is unhealthy with the exit code and stderr otherwise, or when the command cannot start', async () => {
    expect(await ask(commandHealthCheck('sh', ['-c', 'echo "service down" >&2; exit 3']))).toEqual({ ok: false, reason: 'sh exited with 3: service down' });
    const missing = await ask(commandHealthCheck('/nonexistent/health-check'));
    expect(missing).toMatchObject({ ok: false, reason: expect.stringMatching(/^\/nonexistent\/health-check: .*ENOENT/) });
  });
});

describe('httpHealthCheck', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url === '/healthy' ? 204 : 503;
      res.end();
    });
    origin = await listenOnLoopback(server);
  });
  afterAll(() => closeServer(server));

  it('is healthy on a 2xx answer, unhealthy on any other or none', async () => {
    expect(await ask(httpHealthCheck(`${origin}/healthy`))).toEqual({ ok: true });
    expect(await ask(httpHealthCheck(`${origin}/sick`))).toEqual({ ok: false, reason: `${origin}/sick answered HTTP 503` });
    // Port 9 (discard) on the loopback: nothing listens, the connection is refused.
    expect(await ask(httpHealthCheck('http://127.0.0.1:9/'))).toMatchObject({ ok: false, reason: expect.stringMatching(/^http:\/\/127\.0\.0\.1:9\/: /) });
  });
});

describe('runHealthCheck', () => {
  it('passes the answer on, marking failures as not timed out', async () => {
    expect(await runHealthCheck(async () => ({ ok: true }), context, 1000)).toEqual({ ok: true });
    expect(await runHealthCheck(async () => ({ ok: false, reason: 'no' }), context, 1000)).toEqual({ ok: false, reason: 'no', timeout: false });
  });

  it('a check that throws has failed, with its message', async () => {
    expect(
      await runHealthCheck(
        async () => {
          throw new Error('probe crashed');
        },
        context,
        1000,
      ),
    ).toEqual({ ok: false, reason: 'probe crashed', timeout: false });
  });

  it('a check that does not answer in time is aborted and counts as a timeout', async () => {
    let signal: AbortSignal | undefined;
    const hanging: HealthCheck = (c) => {
      signal = c.signal;
      return new Promise(() => {});
    };
    expect(await runHealthCheck(hanging, context, 50)).toEqual({ ok: false, reason: 'no answer within 50 ms', timeout: true });
    expect(signal?.aborted).toBe(true);
  });

  it('a late answer given on abort does not count: a command killed at the timeout is a timeout, not a failure', async () => {
    expect(await runHealthCheck(commandHealthCheck('sleep', ['30']), context, 100)).toEqual({ ok: false, reason: 'no answer within 100 ms', timeout: true });
    const healthyWhenAborted: HealthCheck = ({ signal }) => new Promise((resolve) => signal.addEventListener('abort', () => resolve({ ok: true })));
    expect(await runHealthCheck(healthyWhenAborted, context, 50)).toMatchObject({ ok: false, timeout: true });
  });
});
