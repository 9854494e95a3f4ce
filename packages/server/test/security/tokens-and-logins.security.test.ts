/**
 * Issue 12's findings in users and login, over HTTP on PGlite; each test failed before its fix.
 *
 *   - High: a demoted user kept full power through its API tokens. Now a token carries its roles
 *     intersected with its owner's at each request; it cannot change its owner's roles or
 *     password, nor mint a token beyond its owner; demotion, deletion and password changes of the
 *     owner take effect on its tokens (and the tokens made with them) at once.
 *   - Medium: password guessing was not throttled. Now failed logins are limited per account and
 *     per address (429, Retry-After, errorCode osprey.server.error.login.throttled), with an
 *     injected clock here (no sleeping).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../../src/domain/audit.js';
import { resolvePermissions } from '../../src/domain/permissions.js';
import { restClient } from '../../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../../testkit/server.js';

const basic = (login: string, password: string) => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;
const bearer = (token: string) => `Bearer ${token}`;
const ADMIN = basic('admin', 'admin-password');
const FORBIDDEN = 'hawkbit.server.error.insufficientpermission';
const THROTTLED = 'osprey.server.error.login.throttled';

describe('users and login security (issue 12)', () => {
  let server: TestServer;
  let now = Date.parse('2030-01-01T00:00:00Z');
  const clock = () => new Date(now);
  beforeAll(async () => {
    server = await startTestServer(
      'pglite',
      {},
      {
        listen: true,
        clock,
        loginThrottle: { account: { failures: 3, windowMs: 60_000 }, address: { failures: 5, windowMs: 60_000 }, trustMs: 3_600_000, maxEntries: 1000 },
      },
    );
  });
  afterAll(() => server?.stop());

  const rest = restClient(() => server.url, '');
  const call = (authorization: string, method: string, path: string, body?: unknown) => rest(method, path, body, { authorization });
  const createUser = async (username: string, roles: string[], authorization = ADMIN) => {
    const password = `pw-${username}-0123456789`;
    const res = await call(authorization, 'POST', '/users', { username, password, roles });
    expect(res.status, res.text).toBe(201);
    return { username, password, auth: basic(username, password) };
  };
  const createToken = async (name: string, roles: string[], authorization: string) => {
    const res = await call(authorization, 'POST', '/apitokens', { name, roles });
    expect(res.status, res.text).toBe(201);
    return { id: res.json.id as number, auth: bearer(res.json.token) };
  };
  const newUserBody = (username: string, roles: string[]) => ({ username, password: `pw-${username}-0123456789`, roles });

  describe('a token never carries more than its owner has now', () => {
    it('loses what its owner loses, at once, and regains nothing its owner does not hold', async () => {
      const tina = await createUser('tina', ['TENANT_ADMIN']);
      const token = await createToken('tina-ci', ['TENANT_ADMIN'], tina.auth);
      expect((await call(token.auth, 'POST', '/users', newUserBody('made-by-tina', ['VIEWER']))).status).toBe(201);
      // An administrator demotes tina to VIEWER: her token is a VIEWER's token from the next request on.
      expect((await call(ADMIN, 'PUT', '/users/tina', { roles: ['VIEWER'] })).status).toBe(200);
      const info = await call(token.auth, 'GET', '/userinfo');
      expect(info.json.permissions).toEqual([...resolvePermissions(['VIEWER'])].filter((p) => resolvePermissions(['TENANT_ADMIN']).has(p)).sort());
      expect((await call(token.auth, 'GET', '/targets')).status).toBe(200);
      const refused = await call(token.auth, 'POST', '/users', newUserBody('made-by-demoted-tina', ['VIEWER']));
      expect(refused.status).toBe(403);
      expect(refused.json.errorCode).toBe(FORBIDDEN);
      // It cannot give its owner the old role back, nor mint a broader token, nor act on others.
      expect((await call(token.auth, 'PUT', '/users/tina', { roles: ['TENANT_ADMIN'] })).status).toBe(403);
      expect((await call(token.auth, 'POST', '/apitokens', { name: 'tina-again', roles: ['TENANT_ADMIN'] })).status).toBe(403);
      expect((await call(token.auth, 'DELETE', '/users/made-by-tina')).status).toBe(403);
      const listed = await call(ADMIN, 'GET', '/users?limit=500');
      expect(listed.json.content.find((u: { username: string }) => u.username === 'tina')).toMatchObject({ roles: ['VIEWER'] });
      // Promoted again, the token may do what both allow again: nothing is cached across a change.
      expect((await call(ADMIN, 'PUT', '/users/tina', { roles: ['TENANT_ADMIN'] })).status).toBe(200);
      expect((await call(token.auth, 'POST', '/users', newUserBody('made-by-tina-again', ['VIEWER']))).status).toBe(201);
    });

    it('may not change the roles or the password of the user it acts for', async () => {
      const otto = await createUser('otto', ['TENANT_ADMIN']);
      await createUser('otto-peer', ['TENANT_ADMIN']); // so otto is not the last administrator
      const token = await createToken('otto-ci', ['TENANT_ADMIN'], otto.auth);
      for (const roles of [['VIEWER'], ['TENANT_ADMIN'], ['TENANT_ADMIN', 'READ_AUDIT']]) {
        const res = await call(token.auth, 'PUT', '/users/otto', { roles });
        expect(res.status, JSON.stringify(roles)).toBe(403);
        expect(res.json.message).toMatch(/acts for \(otto\)/);
      }
      const reset = await call(token.auth, 'PUT', '/users/otto/password', { password: 'set-by-my-token-123' });
      expect(reset.status).toBe(403);
      expect((await call(basic('otto', 'set-by-my-token-123'), 'GET', '/userinfo')).status).toBe(401);
      expect((await call(otto.auth, 'GET', '/userinfo')).status).toBe(200);
      // It still administers other users, within what otto holds.
      expect((await call(token.auth, 'PUT', '/users/otto-peer', { roles: ['VIEWER'] })).status).toBe(200);
    });

    it('never mints a token with more than its owner has now', async () => {
      const roles = ['TENANT_CONFIGURATION', 'READ_TARGET', 'CREATE_TARGET'];
      const tom = await createUser('tom', roles);
      const token = await createToken('tom-ci', roles, tom.auth);
      expect((await call(ADMIN, 'PUT', '/users/tom', { roles: ['TENANT_CONFIGURATION', 'READ_TARGET'] })).status).toBe(200);
      const minted = await call(token.auth, 'POST', '/apitokens', { name: 'tom-child', roles: ['CREATE_TARGET'] });
      expect(minted.status).toBe(403);
      expect(minted.json.message).toMatch(/CREATE_TARGET/);
      expect((await call(token.auth, 'POST', '/users', newUserBody('tom-made', ['CREATE_TARGET']))).status).toBe(403);
      expect((await call(token.auth, 'POST', '/targets', [{ controllerId: 'tom-1' }])).status).toBe(403);
      // What the owner still has, it may pass on; that child is bounded by the whole chain.
      const child = await createToken('tom-child', ['READ_TARGET', 'TENANT_CONFIGURATION'], token.auth);
      expect((await call(child.auth, 'GET', '/targets')).status).toBe(200);
      expect((await call(ADMIN, 'PUT', '/users/tom', { roles: ['TENANT_CONFIGURATION'] })).status).toBe(200);
      expect((await call(child.auth, 'GET', '/targets')).status).toBe(403);
    });

    it('stops working with its owner: deletion, password changes and revocation reach tokens made with tokens too', async () => {
      const uma = await createUser('uma', ['TENANT_ADMIN']);
      const first = await createToken('uma-1', ['TENANT_ADMIN'], uma.auth);
      const second = await createToken('uma-2', ['VIEWER'], first.auth);
      expect((await call(second.auth, 'GET', '/targets')).status).toBe(200);
      expect((await call(ADMIN, 'DELETE', '/users/uma')).status).toBe(204);
      expect((await call(first.auth, 'GET', '/targets')).status).toBe(401);
      expect((await call(second.auth, 'GET', '/targets')).status).toBe(401);
      // A new user of the same name does not bring them back.
      const uma2 = await createUser('uma', ['TENANT_ADMIN']);
      expect((await call(second.auth, 'GET', '/targets')).status).toBe(401);
      const deleted = (await readAudit(server.database.db, 'DEFAULT')).findLast((e) => e.action === 'user.delete' && e.subject.id === 'uma')!;
      expect(deleted.before).toMatchObject({
        tokensRevoked: [
          { id: first.id, name: 'uma-1' },
          { id: second.id, name: 'uma-2' },
        ],
      });

      // A password change (by an administrator, or by the user) revokes the user's tokens.
      const byAdmin = await createToken('uma-3', ['VIEWER'], uma2.auth);
      expect((await call(ADMIN, 'PUT', '/users/uma/password', { password: 'uma-reset-by-admin-1' })).status).toBe(204);
      expect((await call(byAdmin.auth, 'GET', '/targets')).status).toBe(401);
      const umaNow = basic('uma', 'uma-reset-by-admin-1');
      const bySelf = await createToken('uma-4', ['VIEWER'], umaNow);
      expect((await call(umaNow, 'PUT', '/users/uma/password', { password: 'uma-changed-by-uma-1', currentPassword: 'uma-reset-by-admin-1' })).status).toBe(
        204,
      );
      expect((await call(bySelf.auth, 'GET', '/targets')).status).toBe(401);
      const changed = (await readAudit(server.database.db, 'DEFAULT')).findLast((e) => e.action === 'user.password' && e.subject.id === 'uma')!;
      expect(changed.after).toMatchObject({ by: 'self', tokensRevoked: [{ name: 'uma-4' }] });

      // Revoking a token revokes the tokens made with it.
      const umaLast = basic('uma', 'uma-changed-by-uma-1');
      const parent = await createToken('uma-5', ['TENANT_ADMIN'], umaLast);
      const child = await createToken('uma-6', ['VIEWER'], parent.auth);
      expect((await call(ADMIN, 'DELETE', `/apitokens/${parent.id}`)).status).toBe(204);
      expect((await call(child.auth, 'GET', '/targets')).status).toBe(401);
      expect((await call(ADMIN, 'GET', '/apitokens?limit=500')).json.content.map((t: { name: string }) => t.name)).not.toContain('uma-6');
    });

    it('reads an owner written without its prefix (seeds, rows made by hand) as a user name', async () => {
      await createUser('seeded', ['READ_TARGET']);
      const token = `osp_${'s'.repeat(43)}`;
      await server.database.db
        .insertInto('api_tokens')
        .values({
          tenant: 'DEFAULT',
          name: 'seeded-ci',
          owner: 'seeded',
          token_hash: createHash('sha256').update(token).digest('hex'),
          roles: JSON.stringify(['TENANT_ADMIN']),
        })
        .execute();
      expect((await call(bearer(token), 'GET', '/userinfo')).json.permissions).toEqual(['READ_TARGET']);
      expect((await call(bearer(token), 'PUT', '/users/seeded', { roles: ['TENANT_ADMIN'] })).status).toBe(403);
      expect((await call(ADMIN, 'DELETE', '/users/seeded')).status).toBe(204);
      expect((await call(bearer(token), 'GET', '/userinfo')).status).toBe(401);
      expect((await server.database.db.selectFrom('api_tokens').select('name').where('name', '=', 'seeded-ci').execute()).length).toBe(0);
    });

    it('is a system administrator only while its owner is one', async () => {
      const root2 = await createUser('root2', ['admin']);
      const token = await createToken('root2-ci', ['admin'], root2.auth);
      expect((await call(token.auth, 'POST', '/tenants', { id: 'ROOT2_A', adminPassword: 'long-enough-password' })).status).toBe(201);
      // Demoted to TENANT_ADMIN (every permission, but no system grant): the token creates no tenant.
      expect((await call(ADMIN, 'PUT', '/users/root2', { roles: ['TENANT_ADMIN'] })).status).toBe(200);
      const refused = await call(token.auth, 'POST', '/tenants', { id: 'ROOT2_B', adminPassword: 'long-enough-password' });
      expect(refused.status).toBe(403);
      expect(refused.json.errorCode).toBe(FORBIDDEN);
      expect((await call(token.auth, 'POST', '/users', newUserBody('root2-made', ['admin']))).status).toBe(403);
    });
  });

  describe('password guessing is throttled (3 failures per account, 5 per address, per minute here)', () => {
    const login = (authorization: string, address: string) =>
      server.app.inject({ method: 'GET', url: '/rest/v1/userinfo', headers: { authorization }, remoteAddress: address });
    let victim: { auth: string; password: string };
    let bystander: { auth: string };
    beforeAll(async () => {
      victim = await createUser('victim', ['VIEWER']);
      bystander = await createUser('bystander', ['VIEWER']);
    });

    it('refuses an account after its failures, from any address, with 429 and Retry-After, until the window passes', async () => {
      for (const address of ['10.0.1.1', '10.0.1.2', '10.0.1.3']) expect((await login(basic('victim', 'a-wrong-guess-123'), address)).statusCode).toBe(401);
      // Even the right password is not checked now (no hash is spent), from anywhere.
      const refused = await login(victim.auth, '10.0.1.9');
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe('60');
      expect(refused.json()).toMatchObject({ errorCode: THROTTLED, message: expect.stringMatching(/too many failed logins/) });
      // Other accounts from other addresses are not affected.
      expect((await login(bystander.auth, '10.0.1.9')).statusCode).toBe(200);
      now += 30_000;
      expect((await login(victim.auth, '10.0.1.9')).headers['retry-after']).toBe('30');
      now += 30_001;
      expect((await login(victim.auth, '10.0.1.9')).statusCode).toBe(200);
      // A success does not forgive earlier failures (an attacker could interleave guesses with
      // the owner's logins), but the address it came from is now known to this account.
      for (let i = 0; i < 3; i++) expect((await login(basic('victim', 'another-wrong-guess'), '10.0.1.5')).statusCode).toBe(401);
      expect((await login(victim.auth, '10.0.1.5')).statusCode).toBe(429);
      expect((await login(victim.auth, '10.0.1.9')).statusCode).toBe(200);
    });

    it('does not lock the owner out of an address it logged in from while someone fails on its account', async () => {
      const worker = await createUser('worker', ['VIEWER']);
      expect((await login(worker.auth, '10.0.2.1')).statusCode).toBe(200);
      for (const address of ['10.0.2.7', '10.0.2.8', '10.0.2.9']) expect((await login(basic('worker', 'a-wrong-guess-123'), address)).statusCode).toBe(401);
      expect((await login(basic('worker', 'a-wrong-guess-123'), '10.0.2.7')).statusCode).toBe(429);
      expect((await login(worker.auth, '10.0.2.50')).statusCode).toBe(429);
      expect((await login(worker.auth, '10.0.2.1')).statusCode).toBe(200);
      // And a remembered credential is refused like any other while the account is throttled:
      // otherwise a throttled guesser would get 200 for the right guess without any limit.
      expect((await login(worker.auth, '10.0.2.7')).statusCode).toBe(429);
    });

    it('refuses an address after its failures on any accounts, but not the same accounts from elsewhere', async () => {
      for (let i = 0; i < 5; i++) expect((await login(basic(`sprayed-${i}`, 'a-wrong-guess-123'), '10.0.3.1')).statusCode).toBe(401);
      // Even for a credential verified a moment ago (bystander logged in above): the address is throttled.
      expect((await login(bystander.auth, '10.0.3.1')).statusCode).toBe(429);
      expect((await login(bystander.auth, '10.0.3.2')).statusCode).toBe(200);
      expect((await login(basic('sprayed-0', 'a-wrong-guess-123'), '10.0.3.2')).statusCode).toBe(401);
      // IPv6 counts per /64: a host rotating through its own prefix is one address.
      for (let i = 1; i <= 5; i++) expect((await login(basic(`v6-sprayed-${i}`, 'a-wrong-guess-123'), `2001:db8:0:7::${i}`)).statusCode).toBe(401);
      expect((await login(bystander.auth, '2001:db8:0:7::ffff')).statusCode).toBe(429);
      expect((await login(bystander.auth, '2001:db8:0:8::1')).statusCode).toBe(200);
    });

    it('counts a burst of parallel guesses before any of them is checked', async () => {
      now += 60_001; // a fresh window for the victim
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => login(basic('victim', `parallel-guess-${i}-xx`), `10.0.4.${i + 1}`)));
      const statuses = answers.map((a) => a.statusCode).sort();
      expect(statuses.filter((s) => s === 401)).toHaveLength(3);
      expect(statuses.filter((s) => s === 429)).toHaveLength(9);
      now += 60_001;
    });
  });
});
