/**
 * Console sessions (domain/sessions.ts, http/mgmt/sessions.ts) on a real server with an injected
 * clock: sign in, use the Bearer oss_ token, who am I, sign out; the login throttle applies to
 * sign-in; absolute and idle expiry answer SESSION_EXPIRED; a demotion takes effect at once; a
 * deleted user or a changed password ends the sessions; a session of one tenant sees nothing of
 * another; the audit log records sign-in and sign-out but never the token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../src/domain/audit.js';
import { basicAuth, restClient, TEST_ADMIN as ADMIN } from '../../../testkit/rest.js';
import { hasPostgres, startTestServer, type DbKind, type TestServer } from '../../../testkit/server.js';

const kinds: DbKind[] = ['pglite', ...((await hasPostgres()) ? (['postgres'] as const) : [])];
const IDLE = 600;
const MAX = 3600;
const EXPIRED = 'osprey.server.error.session.expired';

describe.each(kinds)('console sessions (%s)', (kind) => {
  let server: TestServer;
  let now = Date.UTC(2030, 0, 1);
  beforeAll(async () => {
    server = await startTestServer(
      kind,
      { sessionIdleSeconds: IDLE, sessionMaxSeconds: MAX, rolloutTickMs: 0 },
      {
        listen: true,
        clock: () => new Date(now),
        loginThrottle: { account: { failures: 3, windowMs: 60_000 }, address: { failures: 50, windowMs: 60_000 }, trustMs: 3_600_000, maxEntries: 1000 },
      },
    );
  });
  afterAll(() => server?.stop());

  const api = restClient(() => server.url, ADMIN);
  const bearer = (token: string) => `Bearer ${token}`;
  const signIn = (body: Record<string, unknown>) => api('POST', '/sessions', body, '');
  const createUser = async (username: string, roles: string[], password = `${username}-password-1`, auth = ADMIN) => {
    expect((await api('POST', '/users', { username, password, roles }, auth)).status).toBe(201);
    return password;
  };

  it('signs in, acts as the user with the token, says who it is, and signs out', async () => {
    const res = await signIn({ username: 'admin', password: 'admin-password' });
    expect(res.status).toBe(201);
    expect(res.json.token).toMatch(/^oss_[A-Za-z0-9_-]{43}$/);
    expect(res.json.expiresAt).toBe(now + MAX * 1000);
    expect(res.json.idleTimeoutSeconds).toBe(IDLE);
    expect(res.json.user).toMatchObject({ username: 'admin', tenant: 'DEFAULT', roles: ['admin'] });
    expect(res.json.user.permissions).toContain('READ_TARGET');
    const auth = bearer(res.json.token);

    expect((await api('POST', '/targets', [{ controllerId: 'sess-1' }], auth)).status).toBe(201);
    const created = (await readAudit(server.database.db, 'DEFAULT')).findLast((e) => e.action === 'target.create')!;
    expect(created.actor).toBe('user:admin');

    const me = await api('GET', '/sessions/current', undefined, auth);
    expect(me.status).toBe(200);
    expect(me.json).toEqual({ user: res.json.user, expiresAt: res.json.expiresAt, idleTimeoutSeconds: IDLE });
    // Basic callers get the same "who am I", without a session end.
    expect((await api('GET', '/sessions/current')).json).toMatchObject({ user: { username: 'admin' }, expiresAt: null });

    expect((await api('DELETE', '/sessions/current', undefined, auth)).status).toBe(204);
    const after = await api('GET', '/targets', undefined, auth);
    expect(after.status).toBe(401);
    expect(after.json.errorCode).toBe('hawkbit.server.error.unauthorized');
    // A Bearer caller is not asked for Basic (a browser would show its password dialog).
    expect(after.headers.get('www-authenticate')).toMatch(/^Bearer/);

    const log = await readAudit(server.database.db, 'DEFAULT');
    const signedIn = log.find((e) => e.action === 'session.create')!;
    const signedOut = log.find((e) => e.action === 'session.delete')!;
    expect(signedIn).toMatchObject({ actor: 'user:admin', subject: { type: 'session' } });
    expect(signedOut).toMatchObject({ actor: 'user:admin', subject: signedIn.subject });
    expect(JSON.stringify(log)).not.toContain(res.json.token);
    expect(JSON.stringify(log)).not.toContain(res.json.token.slice(4));
  });

  it('refuses a wrong password with 401, throttles guesses with 429, and a throttled sign-in creates nothing', async () => {
    const password = await createUser('thrott', ['VIEWER']);
    const before = (await readAudit(server.database.db, 'DEFAULT')).length;
    for (let i = 0; i < 3; i++) {
      const wrong = await signIn({ username: 'thrott', password: 'not-the-password' });
      expect(wrong.status).toBe(401);
      expect(wrong.json.errorCode).toBe('hawkbit.server.error.unauthorized');
      expect(wrong.json.token).toBeUndefined();
    }
    const throttled = await signIn({ username: 'thrott', password });
    expect(throttled.status).toBe(429);
    expect(throttled.json.errorCode).toBe('osprey.server.error.login.throttled');
    expect(throttled.headers.get('retry-after')).toMatch(/^\d+$/);
    // Unknown users and tenants are the same 401 (no name is revealed).
    expect((await signIn({ username: 'nobody', password: 'whatever-password' })).status).toBe(401);
    expect((await signIn({ username: 'admin', password: 'admin-password', tenant: 'NOSUCH' })).status).toBe(401);
    expect((await readAudit(server.database.db, 'DEFAULT')).length).toBe(before);
    // Bad input is a 400 naming the field.
    const bad = await signIn({ username: 'admin', password: 'admin-password', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain('extra');
    expect((await api('GET', '/targets', undefined, 'Bearer oss_short')).status).toBe(401);
  });

  it('ends a session at its absolute lifetime even while in use: SESSION_EXPIRED', async () => {
    const { json } = await signIn({ username: 'admin', password: 'admin-password' });
    const auth = bearer(json.token);
    // Used every 5 minutes (under the idle timeout) until the lifetime is over.
    const end = now + MAX * 1000;
    while (now + 300_000 < end) {
      now += 300_000;
      expect((await api('GET', '/targets', undefined, auth)).status).toBe(200);
    }
    now = end;
    const expired = await api('GET', '/targets', undefined, auth);
    expect(expired.status).toBe(401);
    expect(expired.json.errorCode).toBe(EXPIRED);
    // Every request of the expired console says so, not "unknown".
    expect((await api('GET', '/sessions/current', undefined, auth)).json.errorCode).toBe(EXPIRED);
  });

  it('ends a session after the idle timeout without requests, and requests keep it alive', async () => {
    const { json } = await signIn({ username: 'admin', password: 'admin-password' });
    const auth = bearer(json.token);
    now += (IDLE - 120) * 1000;
    expect((await api('GET', '/targets', undefined, auth)).status).toBe(200);
    now += (IDLE - 120) * 1000; // past the idle end counted from sign-in, not from the last request
    expect((await api('GET', '/targets', undefined, auth)).status).toBe(200);
    now += IDLE * 1000;
    const idle = await api('GET', '/targets', undefined, auth);
    expect(idle.status).toBe(401);
    expect(idle.json.errorCode).toBe(EXPIRED);
  });

  it('takes a demotion into account at the next request, and a deletion or password change ends the sessions', async () => {
    const password = await createUser('demo', ['TENANT_ADMIN']);
    const auth = bearer((await signIn({ username: 'demo', password })).json.token);
    expect((await api('POST', '/targets', [{ controllerId: 'demo-1' }], auth)).status).toBe(201);
    expect((await api('PUT', '/users/demo', { roles: ['VIEWER'] })).status).toBe(200);
    expect((await api('POST', '/targets', [{ controllerId: 'demo-2' }], auth)).status).toBe(403);
    expect((await api('GET', '/targets/demo-2')).status).toBe(404);
    expect((await api('GET', '/sessions/current', undefined, auth)).json.user.roles).toEqual(['VIEWER']);

    const other = bearer((await signIn({ username: 'demo', password })).json.token);
    expect((await api('PUT', '/users/demo/password', { password: 'a-new-password-1' })).status).toBe(204);
    expect((await api('GET', '/targets', undefined, auth)).status).toBe(401);
    expect((await api('GET', '/targets', undefined, other)).status).toBe(401);
    const changed = (await readAudit(server.database.db, 'DEFAULT')).findLast((e) => e.action === 'user.password')!;
    expect(changed.after).toMatchObject({ sessionsEnded: 2 });

    const fresh = bearer((await signIn({ username: 'demo', password: 'a-new-password-1' })).json.token);
    expect((await api('GET', '/targets', undefined, fresh)).status).toBe(200);
    expect((await api('DELETE', '/users/demo')).status).toBe(204);
    expect((await api('GET', '/targets', undefined, fresh)).status).toBe(401);
    // A new user of the same name does not bring the session back.
    await createUser('demo', ['TENANT_ADMIN']);
    expect((await api('GET', '/targets', undefined, fresh)).status).toBe(401);
  });

  it('keeps a session inside its tenant', async () => {
    expect((await api('POST', '/tenants', { id: 'SESS_B', adminPassword: 'tenant-b-password' })).status).toBe(201);
    const bAdmin = basicAuth('SESS_B\\admin', 'tenant-b-password');
    expect((await api('POST', '/targets', [{ controllerId: 'only-in-b' }], bAdmin)).status).toBe(201);
    expect((await api('POST', '/targets', [{ controllerId: 'only-in-a' }])).status).toBe(201);

    const b = await signIn({ username: 'admin', password: 'tenant-b-password', tenant: 'SESS_B' });
    expect(b.status).toBe(201);
    expect(b.json.user.tenant).toBe('SESS_B');
    const auth = bearer(b.json.token);
    expect((await api('GET', '/targets/only-in-b', undefined, auth)).status).toBe(200);
    expect((await api('GET', '/targets/only-in-a', undefined, auth)).status).toBe(404);
    const list = await api('GET', '/targets', undefined, auth);
    expect(list.json.content.map((t: { controllerId: string }) => t.controllerId)).toEqual(['only-in-b']);
    // B's admin password is not DEFAULT's.
    expect((await signIn({ username: 'admin', password: 'tenant-b-password' })).status).toBe(401);
    // The sign-in is in B's log, not in DEFAULT's.
    expect((await readAudit(server.database.db, 'SESS_B')).some((e) => e.action === 'session.create')).toBe(true);
  });

  it('refuses sign-out for a caller that is not a session, changing nothing', async () => {
    const before = (await readAudit(server.database.db, 'DEFAULT')).length;
    const res = await api('DELETE', '/sessions/current');
    expect(res.status).toBe(400);
    expect((await readAudit(server.database.db, 'DEFAULT')).length).toBe(before);
  });
});
