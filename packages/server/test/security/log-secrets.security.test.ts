/**
 * Finding (issue 12, medium): when a database call failed (a NUL byte in a text field suffices),
 * the error logged carried the query's bound parameters — a target's security token, the tenant's
 * gateway key. Secrets never reach a log line, and such input is a 400, not a 500.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restClient } from '../../../../testkit/rest.js';
import { hasPostgres, startTestServer, type DbKind, type TestServer } from '../../../../testkit/server.js';

const kinds: DbKind[] = ['pglite', ...((await hasPostgres()) ? (['postgres'] as const) : [])];
const ADMIN = `Basic ${Buffer.from('admin:admin-password').toString('base64')}`;

describe.each(kinds)('secrets in the log on %s', (kind) => {
  let server: TestServer;
  let logged = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logged += String(chunk);
      done();
    },
  });
  beforeAll(async () => {
    server = await startTestServer(kind, { logLevel: 'debug' }, { listen: true, logStream: stream });
  });
  afterAll(() => server?.stop());
  const api = restClient(() => server.url, ADMIN);

  it('a failing insert with a NUL byte is a 400 and its security token is not logged', async () => {
    const token = 'TOKEN-must-not-be-logged-1';
    const created = await api('POST', '/targets', [{ controllerId: 'nul-1', name: 'a\u0000b', securityToken: token }]);
    expect(created.status).toBe(400);
    expect(created.json.errorCode).toBe('hawkbit.server.error.rest.param.invalid');
    expect((await api('GET', '/targets/nul-1')).status).toBe(404);
    expect(logged).not.toContain(token);
  });

  it('a gateway key holding a NUL byte is refused with a 400 and is not logged', async () => {
    const key = 'GATEWAY-KEY-must-not-be-logged\u0000x';
    const set = await api('PUT', '/system/configs/authentication.gatewaytoken.key', { value: key });
    expect(set.status).toBe(400);
    expect(logged).not.toContain('GATEWAY-KEY-must-not-be-logged');
    // Nothing was changed by the refused request.
    expect((await api('GET', '/system/configs')).json['authentication.gatewaytoken.key'].value).toBe('');
  });
});
