/**
 * Who may do what on the management API (/rest/v1), over HTTP on PGlite:
 *   - the authorization matrix: every role (and a legacy-permission user, a limited API token and
 *     the system administrator) × every registered route: 403 insufficientpermission exactly when
 *     the route's permissions are not all held, and otherwise past the guard. The route table below
 *     must list every route the server registers under /rest/v1 (checked against the router);
 *   - users and API tokens: passwords, tokens shown once, revocation, expiry, no granting beyond
 *     one's own permissions, the last administrator, and audit entries that hold no secret;
 *   - tenant isolation: tenant B's credentials (users, tokens, devices) see and change nothing of
 *     tenant A's, whatever ids they guess.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '@osprey/core';
import { sha256Hex as sha256 } from '../../../testkit/hash.js';
import { readAudit } from '../src/domain/audit.js';
import { resolvePermissions, type Permission } from '../src/domain/permissions.js';
import { basicAuth as basic, restClient } from '../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';

const bearer = (token: string) => `Bearer ${token}`;
const ADMIN = basic('admin', 'admin-password');
const FORBIDDEN = 'hawkbit.server.error.insufficientpermission';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
/**
 * A route and what its guard demands: every listed permission; `SYSTEM_ADMIN` for the system
 * operation (every permission and the `admin` grant in tenant DEFAULT). The password route lets
 * a user change their own password; for anyone else's (as the matrix calls it) it needs
 * UPDATE_TENANT_CONFIGURATION. `PUBLIC`: served without credentials (the OpenAPI document).
 * An empty list: any authenticated caller.
 */
interface RouteSpec {
  method: Method;
  path: string;
  needs: Permission[] | 'SYSTEM_ADMIN' | 'PUBLIC';
  /** An open-ended stream (server-sent events): not called by the matrix, whose calls read the whole answer; events.test.ts tests its guard. */
  stream?: true;
}

/** A catalogue resource: list, read, create, update, delete under READ_/CREATE_/UPDATE_/DELETE_ of an entity. */
const crud = (path: string, entity: string): RouteSpec[] => [
  { method: 'GET', path: `/${path}`, needs: [`READ_${entity}` as Permission] },
  { method: 'POST', path: `/${path}`, needs: [`CREATE_${entity}` as Permission] },
  { method: 'GET', path: `/${path}/:id`, needs: [`READ_${entity}` as Permission] },
  { method: 'PUT', path: `/${path}/:id`, needs: [`UPDATE_${entity}` as Permission] },
  { method: 'DELETE', path: `/${path}/:id`, needs: [`DELETE_${entity}` as Permission] },
];
/** Metadata of an entity: read with READ_, every change with UPDATE_. */
const metadata = (path: string, entity: string): RouteSpec[] => [
  { method: 'GET', path, needs: [`READ_${entity}` as Permission] },
  { method: 'POST', path, needs: [`UPDATE_${entity}` as Permission] },
  { method: 'GET', path: `${path}/:key`, needs: [`READ_${entity}` as Permission] },
  { method: 'PUT', path: `${path}/:key`, needs: [`UPDATE_${entity}` as Permission] },
  { method: 'DELETE', path: `${path}/:key`, needs: [`UPDATE_${entity}` as Permission] },
];

const ROUTES: RouteSpec[] = [
  { method: 'GET', path: '/openapi.json', needs: 'PUBLIC' },
  { method: 'GET', path: '/userinfo', needs: [] },
  // console sessions (sessions.ts): sign-in takes its credential in the body
  { method: 'POST', path: '/sessions', needs: 'PUBLIC' },
  { method: 'GET', path: '/sessions/current', needs: [] },
  { method: 'DELETE', path: '/sessions/current', needs: [] },
  // the live channel (events.ts): any one of the read permissions
  { method: 'GET', path: '/events', needs: [], stream: true },
  // targets (plugin.ts)
  { method: 'GET', path: '/targets', needs: ['READ_TARGET'] },
  { method: 'GET', path: '/targetsummary', needs: ['READ_TARGET'] },
  { method: 'POST', path: '/targets', needs: ['CREATE_TARGET'] },
  { method: 'GET', path: '/targets/:controllerId', needs: ['READ_TARGET'] },
  { method: 'PUT', path: '/targets/:controllerId', needs: ['UPDATE_TARGET'] },
  { method: 'DELETE', path: '/targets/:controllerId', needs: ['DELETE_TARGET'] },
  { method: 'GET', path: '/targets/:controllerId/ageheader', needs: ['READ_TARGET', 'READ_SOFTWARE_MODULE_ARTIFACT'] },
  { method: 'GET', path: '/targets/:controllerId/attributes', needs: ['READ_TARGET'] },
  { method: 'GET', path: '/targets/:controllerId/assignedDS', needs: ['READ_TARGET', 'READ_DISTRIBUTION_SET'] },
  { method: 'POST', path: '/targets/:controllerId/assignedDS', needs: ['READ_DISTRIBUTION_SET', 'UPDATE_TARGET'] },
  { method: 'GET', path: '/targets/:controllerId/installedDS', needs: ['READ_TARGET', 'READ_DISTRIBUTION_SET'] },
  { method: 'GET', path: '/targets/:controllerId/actions', needs: ['READ_TARGET'] },
  { method: 'GET', path: '/targets/:controllerId/actions/:actionId', needs: ['READ_TARGET'] },
  { method: 'PUT', path: '/targets/:controllerId/actions/:actionId', needs: ['UPDATE_TARGET'] },
  { method: 'DELETE', path: '/targets/:controllerId/actions/:actionId', needs: ['UPDATE_TARGET'] },
  { method: 'GET', path: '/targets/:controllerId/actions/:actionId/status', needs: ['READ_TARGET'] },
  // auto-assignment (auto-assign.ts)
  { method: 'GET', path: '/targetfilters/:id/autoAssignDS', needs: ['READ_TARGET', 'READ_DISTRIBUTION_SET'] },
  { method: 'POST', path: '/targetfilters/:id/autoAssignDS', needs: ['UPDATE_TARGET', 'READ_DISTRIBUTION_SET'] },
  { method: 'DELETE', path: '/targetfilters/:id/autoAssignDS', needs: ['UPDATE_TARGET'] },
  { method: 'POST', path: '/targetfilters/:id/autoAssignDS/pause', needs: ['UPDATE_TARGET'] },
  { method: 'POST', path: '/targetfilters/:id/autoAssignDS/resume', needs: ['UPDATE_TARGET'] },
  // rollouts (rollouts.ts)
  { method: 'POST', path: '/rollouts', needs: ['CREATE_ROLLOUT', 'READ_TARGET', 'READ_DISTRIBUTION_SET'] },
  { method: 'GET', path: '/rollouts', needs: ['READ_ROLLOUT'] },
  { method: 'GET', path: '/rollouts/:id', needs: ['READ_ROLLOUT'] },
  { method: 'DELETE', path: '/rollouts/:id', needs: ['DELETE_ROLLOUT'] },
  ...(['start', 'pause', 'resume', 'stop'] as const).map((c): RouteSpec => ({ method: 'POST', path: `/rollouts/:id/${c}`, needs: ['HANDLE_ROLLOUT'] })),
  ...(['approve', 'deny'] as const).map((c): RouteSpec => ({ method: 'POST', path: `/rollouts/:id/${c}`, needs: ['APPROVE_ROLLOUT'] })),
  { method: 'POST', path: '/rollouts/:id/triggerNextGroup', needs: ['UPDATE_ROLLOUT'] },
  { method: 'POST', path: '/rollouts/:id/retry', needs: ['CREATE_ROLLOUT', 'HANDLE_ROLLOUT'] },
  { method: 'GET', path: '/rollouts/:id/deploygroups', needs: ['READ_ROLLOUT'] },
  { method: 'GET', path: '/rollouts/:id/deploygroups/:groupId/targets', needs: ['READ_ROLLOUT', 'READ_TARGET'] },
  // actions (actions.ts)
  { method: 'GET', path: '/actions', needs: ['READ_TARGET'] },
  { method: 'GET', path: '/actions/:id', needs: ['READ_TARGET'] },
  { method: 'DELETE', path: '/actions/:id', needs: ['UPDATE_TARGET'] },
  // software modules and artifacts (plugin.ts, signatures.ts)
  { method: 'GET', path: '/softwaremodules', needs: ['READ_SOFTWARE_MODULE'] },
  { method: 'POST', path: '/softwaremodules', needs: ['CREATE_SOFTWARE_MODULE'] },
  { method: 'GET', path: '/softwaremodules/:id', needs: ['READ_SOFTWARE_MODULE'] },
  { method: 'DELETE', path: '/softwaremodules/:id', needs: ['DELETE_SOFTWARE_MODULE'] },
  { method: 'GET', path: '/softwaremodules/:id/artifacts', needs: ['READ_SOFTWARE_MODULE'] },
  { method: 'POST', path: '/softwaremodules/:id/artifacts', needs: ['CREATE_SOFTWARE_MODULE'] },
  { method: 'GET', path: '/softwaremodules/:id/artifacts/:artifactId', needs: ['READ_SOFTWARE_MODULE'] },
  { method: 'DELETE', path: '/softwaremodules/:id/artifacts/:artifactId', needs: ['DELETE_SOFTWARE_MODULE'] },
  { method: 'GET', path: '/softwaremodules/:id/artifacts/:artifactId/download', needs: ['READ_SOFTWARE_MODULE_ARTIFACT'] },
  { method: 'GET', path: '/softwaremodules/:id/artifacts/:artifactId/signature', needs: ['READ_SOFTWARE_MODULE_ARTIFACT'] },
  { method: 'GET', path: '/system/signingkey', needs: ['READ_SOFTWARE_MODULE'] },
  // distribution sets (plugin.ts)
  { method: 'GET', path: '/distributionsets', needs: ['READ_DISTRIBUTION_SET'] },
  { method: 'POST', path: '/distributionsets', needs: ['CREATE_DISTRIBUTION_SET'] },
  { method: 'GET', path: '/distributionsets/:id', needs: ['READ_DISTRIBUTION_SET'] },
  { method: 'DELETE', path: '/distributionsets/:id', needs: ['DELETE_DISTRIBUTION_SET'] },
  { method: 'POST', path: '/distributionsets/:id/assignedTargets', needs: ['READ_DISTRIBUTION_SET', 'UPDATE_TARGET'] },
  // releases and the tenant's TUF repository (release.ts); with the default configuration
  // (release.approval.enabled off) releasing needs APPROVE_RELEASE
  { method: 'GET', path: '/distributionsets/:id/release', needs: ['READ_DISTRIBUTION_SET'] },
  { method: 'POST', path: '/distributionsets/:id/release', needs: ['APPROVE_RELEASE'] },
  { method: 'POST', path: '/distributionsets/:id/release/approve', needs: ['APPROVE_RELEASE'] },
  { method: 'GET', path: '/tuf/root', needs: [] },
  { method: 'PUT', path: '/tuf/root', needs: ['UPDATE_TENANT_CONFIGURATION'] },
  { method: 'POST', path: '/tuf/root/import', needs: ['UPDATE_TENANT_CONFIGURATION'] },
  { method: 'GET', path: '/tuf/keys', needs: ['READ_TENANT_CONFIGURATION'] },
  { method: 'POST', path: '/tuf/keys/:role', needs: ['UPDATE_TENANT_CONFIGURATION'] },
  { method: 'GET', path: '/tuf/targets/pending', needs: ['READ_DISTRIBUTION_SET'] },
  { method: 'PUT', path: '/tuf/targets', needs: ['APPROVE_RELEASE'] },
  { method: 'DELETE', path: '/tuf/targets/pending', needs: ['APPROVE_RELEASE'] },
  // tenant configuration and audit (plugin.ts, audit.ts)
  { method: 'GET', path: '/system/configs', needs: ['READ_TENANT_CONFIGURATION'] },
  { method: 'PUT', path: '/system/configs/:key', needs: ['UPDATE_TENANT_CONFIGURATION'] },
  { method: 'GET', path: '/audit', needs: ['READ_AUDIT'] },
  { method: 'GET', path: '/audit/verification', needs: ['READ_AUDIT'] },
  // the catalogue (catalogue.ts): tags, filters, types, metadata
  ...crud('targettags', 'TARGET'),
  { method: 'GET', path: '/targettags/:id/assigned', needs: ['READ_TARGET'] },
  { method: 'POST', path: '/targettags/:id/assigned', needs: ['UPDATE_TARGET'] },
  { method: 'DELETE', path: '/targettags/:id/assigned/:controllerId', needs: ['UPDATE_TARGET'] },
  ...crud('distributionsettags', 'DISTRIBUTION_SET'),
  ...crud('targetfilters', 'TARGET'),
  ...crud('softwaremoduletypes', 'SOFTWARE_MODULE_TYPE'),
  ...crud('distributionsettypes', 'DISTRIBUTION_SET_TYPE'),
  ...crud('targettypes', 'TARGET_TYPE'),
  { method: 'GET', path: '/targettypes/:id/compatibledistributionsettypes', needs: ['READ_TARGET_TYPE'] },
  { method: 'POST', path: '/targettypes/:id/compatibledistributionsettypes', needs: ['UPDATE_TARGET_TYPE', 'READ_DISTRIBUTION_SET_TYPE'] },
  ...metadata('/targets/:controllerId/metadata', 'TARGET'),
  ...metadata('/softwaremodules/:id/metadata', 'SOFTWARE_MODULE'),
  ...metadata('/distributionsets/:id/metadata', 'DISTRIBUTION_SET'),
  // users, API tokens, tenants (users.ts)
  { method: 'GET', path: '/roles', needs: ['UPDATE_TENANT_CONFIGURATION'] },
  { method: 'GET', path: '/users', needs: ['UPDATE_TENANT_CONFIGURATION'] },
  { method: 'POST', path: '/users', needs: ['UPDATE_TENANT_CONFIGURATION'] },
  { method: 'PUT', path: '/users/:username', needs: ['UPDATE_TENANT_CONFIGURATION'] },
  { method: 'DELETE', path: '/users/:username', needs: ['UPDATE_TENANT_CONFIGURATION'] },
  { method: 'PUT', path: '/users/:username/password', needs: ['UPDATE_TENANT_CONFIGURATION'] },
  { method: 'GET', path: '/apitokens', needs: ['UPDATE_TENANT_CONFIGURATION'] },
  { method: 'POST', path: '/apitokens', needs: ['UPDATE_TENANT_CONFIGURATION'] },
  { method: 'DELETE', path: '/apitokens/:id', needs: ['UPDATE_TENANT_CONFIGURATION'] },
  { method: 'POST', path: '/tenants', needs: 'SYSTEM_ADMIN' },
];

/** Ids that exist nowhere, so an allowed call ends in a 404 or 400 and changes nothing. */
const DUMMY_PARAMS: Record<string, string> = {
  controllerId: 'no-such-target',
  id: '999999',
  actionId: '999999',
  artifactId: '999999',
  groupId: '999999',
  key: 'no.such.key',
  username: 'no-such-user',
  role: 'no-such-role',
};

/**
 * The routes in fastify's route tree (`printRoutes({ commonPrefix: false })`): one line per node,
 * `├── ` / `└── ` after 4 characters per level, the node's path relative to its parent, and
 * `(METHOD, …)` when routes end there.
 */
function registeredRoutes(tree: string): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([A-Z]+(?:, [A-Z]+)*)\))?$/.exec(line);
    if (!m) throw new Error(`cannot read this line of the route tree: ${JSON.stringify(line)}`);
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const path = (depth > 0 ? stack[depth - 1]! : '') + m[2]!;
    stack[depth] = path;
    for (const method of m[3]?.split(', ') ?? []) routes.push({ method, path });
  }
  return routes;
}

describe('authorization and tenant isolation', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', {}, { listen: true });
  });
  afterAll(() => server?.stop());

  const rest = restClient(() => server.url, '');
  const call = (authorization: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    rest(method, path, body, { authorization, headers });
  /** Every secret this test makes: none may appear in an audit entry. */
  const secrets: string[] = ['admin-password'];
  const createUser = async (username: string, roles: string[], authorization = ADMIN) => {
    const password = `pw-${username}-0123456789`;
    secrets.push(password);
    const res = await call(authorization, 'POST', '/users', { username, password, roles });
    expect(res.status, res.text).toBe(201);
    return { username, password, auth: basic(username, password) };
  };
  const createToken = async (name: string, roles: string[], authorization = ADMIN, expiresAt?: number) => {
    const res = await call(authorization, 'POST', '/apitokens', { name, roles, ...(expiresAt ? { expiresAt } : {}) });
    expect(res.status, res.text).toBe(201);
    secrets.push(res.json.token, sha256(res.json.token));
    return { id: res.json.id as number, token: res.json.token as string, auth: bearer(res.json.token) };
  };

  describe('the route table', () => {
    it('lists every route registered under /rest/v1, and only those', () => {
      const registered = registeredRoutes(server.app.printRoutes({ commonPrefix: false }));
      expect(registered).toContainEqual({ method: 'GET', path: '/rest/v1/targets' });
      // Parameter names do not matter (and routes sharing a node print as `:a|:b`): compare shapes.
      const shape = (path: string) => path.replace(/\/:[^/]+/g, '/:param');
      const actual = [
        ...new Set(
          registered.filter((r) => r.path.startsWith('/rest/v1/') && r.method !== 'HEAD').map((r) => `${r.method} ${shape(r.path.slice('/rest/v1'.length))}`),
        ),
      ].sort();
      const table = ROUTES.map((r) => `${r.method} ${shape(r.path)}`).sort();
      expect(new Set(table).size).toBe(table.length);
      expect(actual).toEqual(table);
      // And the router agrees route by route, so a misread tree cannot hide one.
      for (const r of ROUTES) expect(server.app.hasRoute({ method: r.method, url: `/rest/v1${r.path}` }), `${r.method} ${r.path}`).toBe(true);
    });
  });

  describe('the authorization matrix', () => {
    interface Who {
      name: string;
      auth: string;
      permissions: Set<Permission>;
      system: boolean;
    }
    const principals: Who[] = [];

    beforeAll(async () => {
      for (const role of ['TARGET_ADMIN', 'REPOSITORY_ADMIN', 'ROLLOUT_ADMIN', 'TENANT_ADMIN', 'VIEWER']) {
        const user = await createUser(`role-${role.toLowerCase()}`, [role]);
        principals.push({ name: role, auth: user.auth, permissions: resolvePermissions([role]), system: false });
      }
      // A current and a legacy hawkBit permission name.
      const legacy = await createUser('legacy-reader', ['READ_TARGET', 'READ_REPOSITORY']);
      principals.push({
        name: 'legacy READ_TARGET+READ_REPOSITORY',
        auth: legacy.auth,
        permissions: resolvePermissions(['READ_TARGET', 'READ_REPOSITORY']),
        system: false,
      });
      // A pipeline's token: limited, mixing current and legacy names.
      const tokenRoles = ['READ_TARGET', 'UPDATE_TARGET', 'READ_REPOSITORY', 'DOWNLOAD_REPOSITORY_ARTIFACT'];
      const token = await createToken('matrix-pipeline', tokenRoles);
      principals.push({ name: `token ${tokenRoles.join('+')}`, auth: token.auth, permissions: resolvePermissions(tokenRoles), system: false });
      principals.push({ name: 'admin (system administrator)', auth: ADMIN, permissions: resolvePermissions(['admin']), system: true });
    });

    it('answers 403 insufficientpermission exactly when a permission is missing, for every role × every route', async () => {
      const failures: string[] = [];
      for (const who of principals) {
        let allowed = 0;
        let denied = 0;
        for (const route of ROUTES) {
          if (route.stream) continue;
          const path = route.path.replace(/:(\w+)/g, (_, name: string) => {
            const value = DUMMY_PARAMS[name];
            if (value === undefined) throw new Error(`no dummy value for path parameter ${name} of ${route.path}`);
            return value;
          });
          const expectAllowed = route.needs === 'PUBLIC' || (route.needs === 'SYSTEM_ADMIN' ? who.system : route.needs.every((p) => who.permissions.has(p)));
          const res = await call(who.auth, route.method, path, route.method === 'POST' || route.method === 'PUT' ? {} : undefined);
          const label = `${who.name}: ${route.method} ${route.path} → ${res.status} ${res.text.slice(0, 160)}`;
          if (expectAllowed) {
            allowed++;
            if (res.status === 401 || res.status === 403 || res.status >= 500) failures.push(`expected past the guard — ${label}`);
          } else {
            denied++;
            if (res.status !== 403 || res.json?.errorCode !== FORBIDDEN) failures.push(`expected 403 ${FORBIDDEN} — ${label}`);
          }
        }
        // Every principal but the system administrator is denied something, and everyone may do something.
        expect(allowed, who.name).toBeGreaterThan(0);
        if (!who.system) expect(denied, who.name).toBeGreaterThan(0);
      }
      expect(failures).toEqual([]);
    });

    it('answers 401 without credentials on every route but the public ones', async () => {
      for (const route of ROUTES.filter((r) => r.needs !== 'PUBLIC')) {
        const res = await call(
          '',
          route.method,
          route.path.replace(/:(\w+)/g, (_, name: string) => DUMMY_PARAMS[name]!),
          route.method === 'POST' || route.method === 'PUT' ? {} : undefined,
        );
        expect(res.status, `${route.method} ${route.path}`).toBe(401);
      }
    });
  });

  describe('users and API tokens', () => {
    it('refuses wrong passwords and unknown users with 401', async () => {
      expect((await call(basic('admin', 'not-the-password'), 'GET', '/userinfo')).status).toBe(401);
      expect((await call(basic('nobody-here', 'admin-password'), 'GET', '/userinfo')).status).toBe(401);
      expect((await call(basic('NO_SUCH_TENANT\\admin', 'admin-password'), 'GET', '/userinfo')).status).toBe(401);
      expect((await call('Bearer osp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'GET', '/userinfo')).status).toBe(401);
      expect((await call('Bearer not-a-token', 'GET', '/userinfo')).status).toBe(401);
    });

    it('lists the roles with what each grants, as the server resolves them', async () => {
      const res = await call(ADMIN, 'GET', '/roles');
      expect(res.status, res.text).toBe(200);
      const roles = res.json.roles as Array<{ name: string; permissions: string[] }>;
      expect(roles.map((r) => r.name)).toEqual(
        expect.arrayContaining(['TARGET_ADMIN', 'REPOSITORY_ADMIN', 'ROLLOUT_ADMIN', 'TENANT_ADMIN', 'VIEWER', 'admin']),
      );
      for (const role of roles) expect(role.permissions, role.name).toEqual([...resolvePermissions([role.name])].sort());
      expect(res.json.permissions).toContain('READ_AUDIT');
    });

    it('validates new users: name, password length, known roles, no unknown fields, no duplicates', async () => {
      const cases: Array<[unknown, number, RegExp]> = [
        [{ username: 'bad name', password: 'long-enough-password', roles: [] }, 400, /username/],
        [{ username: 'a'.repeat(65), password: 'long-enough-password', roles: [] }, 400, /username/],
        [{ username: 'TENANT\\x', password: 'long-enough-password', roles: [] }, 400, /username/],
        [{ username: 'shorty', password: 'elevenchars', roles: [] }, 400, /password/],
        [{ username: 'godly', password: 'long-enough-password', roles: ['VIEWER', 'GOD_MODE'] }, 400, /unknown role or permission "GOD_MODE"/],
        [{ username: 'extra', password: 'long-enough-password', roles: [], isAdmin: true }, 400, /unknown field isAdmin/],
        [{ username: 'admin', password: 'long-enough-password', roles: ['VIEWER'] }, 409, /already exists/],
      ];
      for (const [body, status, message] of cases) {
        const res = await call(ADMIN, 'POST', '/users', body);
        expect(res.status, JSON.stringify(body)).toBe(status);
        expect(res.json.message).toMatch(message);
      }
      const users = (await call(ADMIN, 'GET', '/users?limit=500')).json;
      expect(users.content.map((u: { username: string }) => u.username)).not.toEqual(expect.arrayContaining(['bad name', 'shorty', 'godly', 'extra']));
      expect(JSON.stringify(users)).not.toMatch(/scrypt|password/i);
    });

    it('lets a user change their own password (with the current one), and administrators reset others', async () => {
      const carol = await createUser('carol', ['VIEWER']);
      const dave = await createUser('dave', ['VIEWER']);
      expect((await call(carol.auth, 'GET', '/targets')).status).toBe(200);
      expect((await call(carol.auth, 'POST', '/targets', [{ controllerId: 'carol-1' }])).json.errorCode).toBe(FORBIDDEN);
      const next = 'carol-second-password';
      secrets.push(next);
      expect((await call(carol.auth, 'PUT', '/users/carol/password', { password: next })).status).toBe(400);
      expect((await call(carol.auth, 'PUT', '/users/carol/password', { password: next, currentPassword: 'wrong-password!' })).status).toBe(403);
      expect((await call(carol.auth, 'PUT', '/users/carol/password', { password: 'short', currentPassword: carol.password })).status).toBe(400);
      expect((await call(carol.auth, 'PUT', '/users/carol/password', { password: next, currentPassword: carol.password, colour: 'red' })).json.message).toMatch(
        /unknown field colour/,
      );
      expect((await call(carol.auth, 'PUT', '/users/carol/password', { password: next, currentPassword: carol.password })).status).toBe(204);
      expect((await call(carol.auth, 'GET', '/userinfo')).status).toBe(401);
      const carolNow = basic('carol', next);
      expect((await call(carolNow, 'GET', '/userinfo')).json.username).toBe('carol');
      // Not someone else's.
      expect((await call(carolNow, 'PUT', '/users/dave/password', { password: 'carol-was-here-123' })).json.errorCode).toBe(FORBIDDEN);
      expect((await call(dave.auth, 'GET', '/userinfo')).status).toBe(200);
      // An administrator resets it without the current one.
      const reset = 'dave-reset-by-admin-1';
      secrets.push(reset);
      expect((await call(ADMIN, 'PUT', '/users/dave/password', { password: reset })).status).toBe(204);
      expect((await call(dave.auth, 'GET', '/userinfo')).status).toBe(401);
      expect((await call(basic('dave', reset), 'GET', '/userinfo')).status).toBe(200);
      expect((await call(ADMIN, 'PUT', '/users/nobody/password', { password: reset })).status).toBe(404);
      // Roles change; the user is then deleted and cannot log in.
      const changed = await call(ADMIN, 'PUT', '/users/carol', { roles: ['TARGET_ADMIN'] });
      expect(changed.json).toMatchObject({ username: 'carol', roles: ['TARGET_ADMIN'] });
      expect((await call(carolNow, 'POST', '/targets', [{ controllerId: 'carol-1' }])).status).toBe(201);
      expect((await call(ADMIN, 'PUT', '/users/carol', { roles: ['NOPE'] })).json.message).toMatch(/"NOPE"/);
      expect((await call(ADMIN, 'DELETE', '/users/carol')).status).toBe(204);
      expect((await call(carolNow, 'GET', '/userinfo')).status).toBe(401);
      expect((await call(ADMIN, 'DELETE', '/users/carol')).status).toBe(404);
    });

    it('shows a token once; it works as Bearer with its roles only; revoked or expired it is refused', async () => {
      const res = await call(ADMIN, 'POST', '/apitokens', { name: 'ci-read', roles: ['READ_TARGET'] });
      expect(res.status).toBe(201);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const token: string = res.json.token;
      secrets.push(token, sha256(token));
      expect(token).toMatch(/^osp_[A-Za-z0-9_-]{43}$/);
      expect(res.json).toMatchObject({ name: 'ci-read', owner: 'user:admin', roles: ['READ_TARGET'], expiresAt: null, expired: false });
      const listed = await call(ADMIN, 'GET', '/apitokens');
      expect(listed.json.content.find((t: { name: string }) => t.name === 'ci-read')).toMatchObject({ id: res.json.id, roles: ['READ_TARGET'] });
      expect(listed.text).not.toContain(token);
      expect(listed.text).not.toContain(sha256(token));
      expect(listed.text).not.toMatch(/"token"/);
      expect((await call(bearer(token), 'GET', '/userinfo')).json).toMatchObject({ tenant: 'DEFAULT', username: 'ci-read', permissions: ['READ_TARGET'] });
      expect((await call(bearer(token), 'GET', '/targets')).status).toBe(200);
      expect((await call(bearer(token), 'POST', '/targets', [{ controllerId: 'ci-1' }])).json.errorCode).toBe(FORBIDDEN);
      expect((await call(bearer(token), 'GET', '/apitokens')).json.errorCode).toBe(FORBIDDEN);
      expect((await call(ADMIN, 'POST', '/apitokens', { name: 'ci-read', roles: ['READ_TARGET'] })).status).toBe(409);
      expect((await call(ADMIN, 'POST', '/apitokens', { name: 'ci-empty', roles: [] })).status).toBe(400);
      expect((await call(ADMIN, 'POST', '/apitokens', { name: 'ci-bad', roles: ['READ_EVERYTHING'] })).json.message).toMatch(/"READ_EVERYTHING"/);
      expect((await call(ADMIN, 'POST', '/apitokens', { name: 'ci-x', roles: ['VIEWER'], token: 'osp_mine' })).json.message).toMatch(/unknown field token/);
      // Revoked: refused at once.
      expect((await call(ADMIN, 'DELETE', `/apitokens/${res.json.id}`)).status).toBe(204);
      expect((await call(bearer(token), 'GET', '/targets')).status).toBe(401);
      expect((await call(ADMIN, 'DELETE', `/apitokens/${res.json.id}`)).status).toBe(404);
      expect((await call(ADMIN, 'DELETE', '/apitokens/abc')).status).toBe(400);
      // Expiry: in the past is refused; a short one works until it passes.
      expect((await call(ADMIN, 'POST', '/apitokens', { name: 'ci-old', roles: ['VIEWER'], expiresAt: Date.now() - 1000 })).json.message).toMatch(/expiresAt/);
      expect((await call(ADMIN, 'POST', '/apitokens', { name: 'ci-far', roles: ['VIEWER'], expiresAt: 9e15 })).status).toBe(400);
      expect((await call(ADMIN, 'POST', '/apitokens', { name: 'ci-frac', roles: ['VIEWER'], expiresAt: Date.now() + 0.5 })).status).toBe(400);
      const expiresAt = Date.now() + 1500;
      const short = await createToken('ci-short', ['VIEWER'], ADMIN, expiresAt);
      expect((await call(short.auth, 'GET', '/targets')).status).toBe(200);
      await new Promise((r) => setTimeout(r, expiresAt - Date.now() + 50));
      const expired = await call(short.auth, 'GET', '/targets');
      expect(expired.status).toBe(401);
      expect(expired.json.message).toMatch(/expired/);
      expect((await call(ADMIN, 'GET', '/apitokens')).json.content.find((t: { name: string }) => t.name === 'ci-short')).toMatchObject({
        expiresAt,
        expired: true,
      });
    });

    it('never grants more than the granter holds; the system grant only by a system administrator', async () => {
      // Legacy TENANT_CONFIGURATION gives user administration, but only READ_TARGET besides.
      const limited = await createUser('limited-admin', ['TENANT_CONFIGURATION', 'READ_TARGET']);
      for (const roles of [['CREATE_TARGET'], ['TARGET_ADMIN'], ['READ_TARGET', 'DELETE_TARGET'], ['admin'], ['SYSTEM_ADMIN']]) {
        const res = await call(limited.auth, 'POST', '/apitokens', { name: `too-broad-${roles.join('-').toLowerCase()}`, roles });
        expect(res.status, JSON.stringify(roles)).toBe(403);
        expect(res.json.errorCode).toBe(FORBIDDEN);
        expect(
          (await call(limited.auth, 'POST', '/users', { username: 'too-broad', password: 'long-enough-password', roles })).status,
          JSON.stringify(roles),
        ).toBe(403);
      }
      const narrow = await createToken('narrow', ['READ_TARGET'], limited.auth);
      expect((await call(narrow.auth, 'GET', '/targets')).status).toBe(200);
      expect((await call(narrow.auth, 'GET', '/softwaremodules')).status).toBe(403);
      // limited-admin cannot act on users or tokens broader than itself either.
      expect((await call(limited.auth, 'PUT', '/users/dave/password', { password: 'taken-over-password' })).status).toBe(403);
      expect((await call(limited.auth, 'DELETE', '/users/legacy-reader')).status).toBe(403);
      expect((await call(limited.auth, 'PUT', '/users/role-viewer', { roles: ['READ_TARGET'] })).status).toBe(403);
      // TENANT_ADMIN holds every permission, yet not the system grant: it cannot make or touch a system administrator.
      const tenantAdmin = await createUser('tenant-admin', ['TENANT_ADMIN']);
      for (const roles of [['admin'], ['ROLE_admin'], ['SYSTEM_ADMIN']]) {
        expect((await call(tenantAdmin.auth, 'POST', '/apitokens', { name: 'escalate', roles })).status, JSON.stringify(roles)).toBe(403);
        expect(
          (await call(tenantAdmin.auth, 'POST', '/users', { username: 'escalate', password: 'long-enough-password', roles })).status,
          JSON.stringify(roles),
        ).toBe(403);
        expect((await call(tenantAdmin.auth, 'PUT', '/users/dave', { roles })).status, JSON.stringify(roles)).toBe(403);
      }
      expect((await call(tenantAdmin.auth, 'PUT', '/users/admin/password', { password: 'taken-over-password' })).status).toBe(403);
      expect((await call(tenantAdmin.auth, 'DELETE', '/users/admin')).status).toBe(403);
      expect((await call(tenantAdmin.auth, 'PUT', '/users/admin', { roles: ['VIEWER'] })).status).toBe(403);
      expect((await call(tenantAdmin.auth, 'POST', '/tenants', { id: 'ESCALATE', adminPassword: 'long-enough-password' })).status).toBe(403);
      expect((await call(ADMIN, 'GET', '/userinfo')).status).toBe(200);
      // But it administers everyone else.
      expect((await call(tenantAdmin.auth, 'PUT', '/users/limited-admin', { roles: ['VIEWER'] })).status).toBe(200);
      expect((await call(limited.auth, 'GET', '/users')).status).toBe(403);
    });

    it('keeps one administrator: nobody deletes or demotes themself, nor the last administrator', async () => {
      expect((await call(ADMIN, 'DELETE', '/users/admin')).json.message).toMatch(/yourself/);
      expect((await call(ADMIN, 'PUT', '/users/admin', { roles: ['VIEWER'] })).json.message).toMatch(/own roles/);
      const adminPassword = 'last-tenant-admin-pw';
      secrets.push(adminPassword);
      expect((await call(ADMIN, 'POST', '/tenants', { id: 'LAST', adminPassword })).status).toBe(201);
      const lastAdmin = basic('LAST\\admin', adminPassword);
      // A token of the tenant's only administrator tries to remove that administrator.
      const ops = await createToken('ops', ['TENANT_ADMIN'], lastAdmin);
      const del = await call(ops.auth, 'DELETE', '/users/admin');
      expect(del.status).toBe(409);
      expect(del.json.message).toMatch(/last user/);
      // Nor may it change that administrator's roles at all: a token acts for its user, and a
      // token that could change its user's roles could give a demoted user the old ones back (issue 12).
      for (const roles of [['VIEWER'], ['TENANT_CONFIGURATION'], ['TENANT_ADMIN']]) {
        const res = await call(ops.auth, 'PUT', '/users/admin', { roles });
        expect(res.status, JSON.stringify(roles)).toBe(403);
        expect(res.json.message).toMatch(/acts for/);
      }
      // With a second administrator, the first may go — and the tokens they made go with them.
      const second = await createUser('second', ['TENANT_ADMIN'], lastAdmin);
      expect((await call(ops.auth, 'DELETE', '/users/admin')).status).toBe(204);
      expect((await call(lastAdmin, 'GET', '/userinfo')).status).toBe(401);
      expect((await call(ops.auth, 'GET', '/userinfo')).status).toBe(401);
      const secondAuth = basic('LAST\\second', second.password);
      expect((await call(secondAuth, 'GET', '/users')).json.content.map((u: { username: string }) => u.username)).toEqual(['second']);
      expect((await call(secondAuth, 'DELETE', '/users/second')).status).toBe(400);
      const entries = await readAudit(server.database.db, 'LAST');
      expect(entries.map((e) => e.action)).toEqual(['tenant.create', 'apitoken.create', 'user.create', 'user.delete']);
      expect(entries.at(-1)!.before).toMatchObject({ username: 'admin', tokensRevoked: [{ id: ops.id, name: 'ops' }] });
    });

    it('creates tenants only as a system administrator, validating the request', async () => {
      const cases: Array<[unknown, number, RegExp]> = [
        [{ id: 'bad/id', adminPassword: 'long-enough-password' }, 400, /id/],
        [{ id: 'OK_ID', adminPassword: 'short' }, 400, /adminPassword/],
        [{ id: 'OK_ID', adminUsername: 'bad name', adminPassword: 'long-enough-password' }, 400, /adminUsername/],
        [{ id: 'OK_ID', adminPassword: 'long-enough-password', config: {} }, 400, /unknown field config/],
        [{ id: 'default', adminPassword: 'long-enough-password' }, 409, /DEFAULT already exists/],
        [{ id: 'last', adminPassword: 'long-enough-password' }, 409, /LAST already exists/],
      ];
      for (const [body, status, message] of cases) {
        const res = await call(ADMIN, 'POST', '/tenants', body);
        expect(res.status, JSON.stringify(body)).toBe(status);
        expect(res.json.message).toMatch(message);
      }
      expect((await server.database.db.selectFrom('tenants').select('id').orderBy('id').execute()).map((t) => t.id)).toEqual(['DEFAULT', 'LAST']);
    });
  });

  describe('tenant isolation', () => {
    const B = 'TENANT_B';
    const bPassword = 'tenant-b-admin-password';
    const BADMIN = basic(`${B}\\admin`, bPassword);
    const a = { module: 0, artifact: 0, ds: 0, action: 0, token: 0, tag: 0 };
    const b = { module: 0, ds: 0, action: 0, tag: 0 };

    /** Everything tenant A (DEFAULT) has, as its administrator sees it. */
    const snapshotA = async () => {
      const paths = [
        '/targets?limit=500',
        '/targets/iso-a-1',
        '/targets/iso-shared',
        '/targets/iso-a-1/actions',
        `/targets/iso-a-1/actions/${a.action}/status`,
        '/targets/iso-a-1/assignedDS',
        '/actions?limit=500',
        '/softwaremodules?limit=500',
        `/softwaremodules/${a.module}/artifacts`,
        '/distributionsets?limit=500',
        '/users?limit=500',
        '/apitokens?limit=500',
        '/system/configs',
        '/targets/iso-a-1/metadata',
        `/softwaremodules/${a.module}/metadata`,
        `/distributionsets/${a.ds}/metadata`,
        '/targettags',
        `/targettags/${a.tag}/assigned`,
      ];
      const out: Record<string, unknown> = {};
      for (const path of paths) {
        const res = await call(ADMIN, 'GET', path);
        expect(res.status, path).toBe(200);
        out[path] = res.json;
      }
      out.audit = (await readAudit(server.database.db, 'DEFAULT')).length;
      return out;
    };
    let before: Record<string, unknown>;

    beforeAll(async () => {
      secrets.push(bPassword);
      const created = await call(ADMIN, 'POST', '/tenants', { id: B, adminPassword: bPassword });
      expect(created.status, created.text).toBe(201);
      expect(created.json).toMatchObject({ id: B, admin: { username: 'admin', roles: ['TENANT_ADMIN'] } });
      expect(created.text).not.toContain(bPassword);

      // Tenant A (DEFAULT): targets, a module with an artifact, a set, an assignment, a user, a token.
      expect(
        (
          await call(ADMIN, 'POST', '/targets', [
            { controllerId: 'iso-a-1', name: 'A one', securityToken: 'a-device-token-1' },
            { controllerId: 'iso-shared', name: 'A shared', securityToken: 'a-shared-token-1' },
          ])
        ).status,
      ).toBe(201);
      a.module = (await call(ADMIN, 'POST', '/softwaremodules', [{ name: 'iso-a-fw', version: '1', type: 'os' }])).json[0].id;
      const form = new FormData();
      form.append('file', new Blob([Buffer.from('tenant A firmware')]), 'a.bin');
      const artifact = await call(ADMIN, 'POST', `/softwaremodules/${a.module}/artifacts`, form);
      expect(artifact.status, artifact.text).toBe(201);
      a.artifact = artifact.json.id;
      a.ds = (await call(ADMIN, 'POST', '/distributionsets', [{ name: 'iso-a-ds', version: '1', modules: [{ id: a.module }] }])).json[0].id;
      a.action = (await call(ADMIN, 'POST', `/distributionsets/${a.ds}/assignedTargets`, [{ id: 'iso-a-1' }])).json.assignedActions[0].id;
      for (const path of ['/targets/iso-a-1/metadata', `/softwaremodules/${a.module}/metadata`, `/distributionsets/${a.ds}/metadata`]) {
        expect((await call(ADMIN, 'POST', path, [{ key: 'owner', value: 'tenant A' }])).status, path).toBe(201);
      }
      a.tag = (await call(ADMIN, 'POST', '/targettags', [{ name: 'iso-a-tag' }])).json[0].id;
      expect((await call(ADMIN, 'POST', `/targettags/${a.tag}/assigned`, ['iso-a-1'])).status).toBe(200);
      await createUser('iso-alice', ['VIEWER']);
      a.token = (await createToken('iso-a-token', ['VIEWER'])).id;

      // Tenant B: the same controllerId once more, its own module, set and assignment.
      expect(
        (
          await call(BADMIN, 'POST', '/targets', [
            { controllerId: 'iso-b-1', name: 'B one', securityToken: 'b-device-token-1' },
            { controllerId: 'iso-shared', name: 'B shared', securityToken: 'b-shared-token-1' },
          ])
        ).status,
      ).toBe(201);
      b.module = (await call(BADMIN, 'POST', '/softwaremodules', [{ name: 'iso-b-fw', version: '1', type: 'os' }])).json[0].id;
      b.ds = (await call(BADMIN, 'POST', '/distributionsets', [{ name: 'iso-b-ds', version: '1', modules: [{ id: b.module }] }])).json[0].id;
      b.action = (await call(BADMIN, 'POST', `/distributionsets/${b.ds}/assignedTargets`, [{ id: 'iso-b-1' }])).json.assignedActions[0].id;
      expect(b.action).toBeGreaterThan(0);
      b.tag = (await call(BADMIN, 'POST', '/targettags', [{ name: 'iso-b-tag' }])).json[0].id;
      before = await snapshotA();
    });

    it("shows tenant B none of tenant A's rows in any list", async () => {
      const ids = (res: { json: { content: Array<Record<string, unknown>> } }, key: string) => res.json.content.map((row) => row[key]);
      expect(ids(await call(BADMIN, 'GET', '/targets?limit=500'), 'controllerId').sort()).toEqual(['iso-b-1', 'iso-shared']);
      expect((await call(BADMIN, 'GET', '/targets/iso-shared')).json).toMatchObject({ name: 'B shared', securityToken: 'b-shared-token-1' });
      expect(ids(await call(BADMIN, 'GET', '/softwaremodules?limit=500'), 'id')).toEqual([b.module]);
      expect(ids(await call(BADMIN, 'GET', '/distributionsets?limit=500'), 'id')).toEqual([b.ds]);
      expect(ids(await call(BADMIN, 'GET', '/actions?limit=500'), 'id')).toEqual([b.action]);
      expect(ids(await call(BADMIN, 'GET', '/users'), 'username')).toEqual(['admin']);
      expect(ids(await call(BADMIN, 'GET', '/apitokens'), 'name')).toEqual([]);
      expect(ids(await call(BADMIN, 'GET', '/targettags'), 'id')).toEqual([b.tag]);
      const audit = await call(BADMIN, 'GET', '/audit?limit=1000');
      expect(audit.json.content.length).toBeGreaterThan(0);
      expect(audit.json.content.every((e: { tenant: string }) => e.tenant === B)).toBe(true);
      expect((await call(BADMIN, 'GET', '/userinfo')).json).toMatchObject({ tenant: B, username: 'admin' });
      // Filters and sorting do not reach across either.
      expect((await call(BADMIN, 'GET', `/targets?q=${encodeURIComponent('controllerId==iso-a-*')}`)).json.total).toBe(0);
      expect((await call(BADMIN, 'GET', `/softwaremodules?q=${encodeURIComponent(`id==${a.module}`)}`)).json.total).toBe(0);
      // And A does not see B's.
      const aTargets = (before['/targets?limit=500'] as { content: Array<{ controllerId: string; name: string }> }).content;
      expect(aTargets.map((t) => t.controllerId)).not.toContain('iso-b-1');
      expect(aTargets.find((t) => t.controllerId === 'iso-shared')!.name).toBe('A shared');
    });

    it('answers 404 to tenant B for every id of tenant A, on reads, changes, deletes and assignments', async () => {
      const attempts: Array<[Method, string, unknown?]> = [
        ['GET', '/targets/iso-a-1'],
        ['PUT', '/targets/iso-a-1', { name: 'taken over' }],
        ['DELETE', '/targets/iso-a-1'],
        ['GET', '/targets/iso-a-1/attributes'],
        ['GET', '/targets/iso-a-1/assignedDS'],
        ['GET', '/targets/iso-a-1/installedDS'],
        ['POST', '/targets/iso-a-1/assignedDS', { id: b.ds }],
        ['GET', '/targets/iso-a-1/actions'],
        ['GET', `/targets/iso-a-1/actions/${a.action}`],
        ['GET', `/targets/iso-a-1/actions/${a.action}/status`],
        ['PUT', `/targets/iso-a-1/actions/${a.action}`, { forceType: 'forced' }],
        ['DELETE', `/targets/iso-a-1/actions/${a.action}`],
        // A's action under B's own target.
        ['GET', `/targets/iso-b-1/actions/${a.action}`],
        ['GET', `/targets/iso-b-1/actions/${a.action}/status`],
        ['PUT', `/targets/iso-b-1/actions/${a.action}`, { forceType: 'forced' }],
        ['DELETE', `/targets/iso-b-1/actions/${a.action}`],
        ['GET', `/actions/${a.action}`],
        ['DELETE', `/actions/${a.action}`],
        ['DELETE', `/actions/${a.action}?force=true`],
        ['GET', `/softwaremodules/${a.module}`],
        ['DELETE', `/softwaremodules/${a.module}`],
        ['GET', `/softwaremodules/${a.module}/artifacts`],
        ['GET', `/softwaremodules/${a.module}/artifacts/${a.artifact}`],
        ['GET', `/softwaremodules/${a.module}/artifacts/${a.artifact}/download`],
        ['GET', `/softwaremodules/${a.module}/artifacts/${a.artifact}/signature`],
        ['GET', `/softwaremodules/${b.module}/artifacts/${a.artifact}`],
        ['GET', `/softwaremodules/${b.module}/artifacts/${a.artifact}/download`],
        ['GET', `/distributionsets/${a.ds}`],
        ['DELETE', `/distributionsets/${a.ds}`],
        ['POST', `/distributionsets/${a.ds}/assignedTargets`, [{ id: 'iso-b-1' }]],
        ['POST', `/distributionsets/${b.ds}/assignedTargets`, [{ id: 'iso-a-1' }]],
        ['POST', '/targets/iso-b-1/assignedDS', { id: a.ds }],
        ['POST', '/distributionsets', [{ name: 'iso-b-steal', version: '1', modules: [{ id: a.module }] }]],
        ['PUT', '/users/iso-alice', { roles: ['TENANT_ADMIN'] }],
        ['PUT', '/users/iso-alice/password', { password: 'taken-over-password' }],
        ['DELETE', '/users/iso-alice'],
        ['DELETE', `/apitokens/${a.token}`],
        // The catalogue: metadata of A's entities, A's tag, and B's tag on A's target.
        ['GET', '/targets/iso-a-1/metadata'],
        ['GET', '/targets/iso-a-1/metadata/owner'],
        ['POST', '/targets/iso-a-1/metadata', [{ key: 'planted', value: 'by B' }]],
        ['PUT', '/targets/iso-a-1/metadata/owner', { value: 'tenant B' }],
        ['DELETE', '/targets/iso-a-1/metadata/owner'],
        ['GET', `/softwaremodules/${a.module}/metadata`],
        ['PUT', `/softwaremodules/${a.module}/metadata/owner`, { value: 'tenant B' }],
        ['DELETE', `/distributionsets/${a.ds}/metadata/owner`],
        ['GET', `/targettags/${a.tag}`],
        ['PUT', `/targettags/${a.tag}`, { name: 'taken over' }],
        ['DELETE', `/targettags/${a.tag}`],
        ['GET', `/targettags/${a.tag}/assigned`],
        ['POST', `/targettags/${a.tag}/assigned`, ['iso-b-1']],
        ['DELETE', `/targettags/${a.tag}/assigned/iso-a-1`],
        ['POST', `/targettags/${b.tag}/assigned`, ['iso-a-1']],
      ];
      for (const [method, path, body] of attempts) {
        const res = await call(BADMIN, method, path, body);
        expect(res.status, `${method} ${path}: ${res.text}`).toBe(404);
      }
      const form = new FormData();
      form.append('file', new Blob([Buffer.from('planted by B')]), 'planted.bin');
      expect((await call(BADMIN, 'POST', `/softwaremodules/${a.module}/artifacts`, form)).status).toBe(404);
      // The refused set was not created in B either.
      expect((await call(BADMIN, 'GET', '/distributionsets')).json.total).toBe(1);
      // B's own changes stay in B.
      expect((await call(BADMIN, 'PUT', '/targets/iso-shared', { name: 'B renamed' })).status).toBe(200);
      expect((await call(BADMIN, 'PUT', '/system/configs/pollingTime', { value: '00:00:07' })).status).toBe(200);
      expect((await call(BADMIN, 'PUT', '/system/configs/authentication.gatewaytoken.enabled', { value: true })).status).toBe(200);
      expect((await call(BADMIN, 'PUT', '/system/configs/authentication.gatewaytoken.key', { value: 'b-gateway-key-0123' })).status).toBe(200);
      secrets.push('b-gateway-key-0123');
      // The gateway key lets anyone act as any device of B: only READ_GATEWAY_SECURITY_TOKEN shows it.
      expect((await call(BADMIN, 'GET', '/system/configs')).json['authentication.gatewaytoken.key'].value).toBe('b-gateway-key-0123');
      const bViewer = await createUser('b-viewer', ['VIEWER'], BADMIN);
      const viewerConfigs = await call(basic(`${B}\\b-viewer`, bViewer.password), 'GET', '/system/configs');
      expect(viewerConfigs.status).toBe(200);
      expect(viewerConfigs.json.pollingTime.value).toBe('00:00:07');
      expect(viewerConfigs.text).not.toContain('b-gateway-key-0123');
      // B's administrator and tokens cannot make tenants, nor log in elsewhere.
      expect((await call(BADMIN, 'POST', '/tenants', { id: 'FROM_B', adminPassword: 'long-enough-password' })).json.errorCode).toBe(FORBIDDEN);
      const bToken = await createToken('b-pipeline', ['TENANT_ADMIN'], BADMIN);
      expect((await call(bToken.auth, 'GET', '/targets')).json.content.map((t: { controllerId: string }) => t.controllerId).sort()).toEqual([
        'iso-b-1',
        'iso-shared',
      ]);
      expect((await call(bToken.auth, 'GET', `/distributionsets/${a.ds}`)).status).toBe(404);
      expect((await call(bToken.auth, 'POST', '/tenants', { id: 'FROM_B', adminPassword: 'long-enough-password' })).status).toBe(403);
      expect((await call(basic('admin', bPassword), 'GET', '/userinfo')).status).toBe(401);
      expect((await call(basic(`${B}\\admin`, 'admin-password'), 'GET', '/userinfo')).status).toBe(401);
      expect((await call(basic(`${B}\\iso-alice`, 'pw-iso-alice-0123456789'), 'GET', '/userinfo')).status).toBe(401);
    });

    it('lets no device of tenant B act as a controllerId of tenant A', async () => {
      const ddi = (tenant: string, controllerId: string, authorization: string, rest = '') =>
        fetch(`${server.url}/${tenant}/controller/v1/${controllerId}${rest}`, { headers: { authorization, accept: 'application/json' } }).then((r) => r.status);
      expect(await ddi(B, 'iso-b-1', 'TargetToken b-device-token-1')).toBe(200);
      expect(await ddi('DEFAULT', 'iso-a-1', 'TargetToken b-device-token-1')).toBe(401);
      expect(await ddi('DEFAULT', 'iso-b-1', 'TargetToken b-device-token-1')).toBe(401);
      expect(await ddi(B, 'iso-a-1', 'TargetToken b-device-token-1')).toBe(401);
      expect(await ddi(B, 'iso-a-1', 'TargetToken a-device-token-1')).toBe(401);
      expect(await ddi('DEFAULT', 'iso-shared', 'TargetToken b-shared-token-1')).toBe(401);
      expect(await ddi(B, 'iso-shared', 'TargetToken a-shared-token-1')).toBe(401);
      // B's gateway key is B's only: in A it neither authenticates nor registers a target.
      expect(await ddi(B, 'iso-gw-1', 'GatewayToken b-gateway-key-0123')).toBe(200);
      expect(await ddi('DEFAULT', 'iso-a-1', 'GatewayToken b-gateway-key-0123')).toBe(401);
      expect(await ddi('DEFAULT', 'iso-gw-2', 'GatewayToken b-gateway-key-0123')).toBe(401);
      // Nor does B's device reach A's deployment or artifact through its own URL.
      expect(await ddi(B, 'iso-b-1', 'TargetToken b-device-token-1', `/deploymentBase/${a.action}`)).toBe(404);
      expect(await ddi(B, 'iso-b-1', 'TargetToken b-device-token-1', `/softwaremodules/${a.module}/artifacts`)).toBe(404);
      expect(await ddi(B, 'iso-b-1', 'TargetToken b-device-token-1', `/softwaremodules/${a.module}/artifacts/a.bin`)).toBe(404);
    });

    it('leaves tenant A exactly as it was, and both audit logs verify', async () => {
      await server.ddi.settle();
      expect(await snapshotA()).toEqual(before);
      const aTargets = (await call(ADMIN, 'GET', '/targets?limit=500')).json.content.map((t: { controllerId: string }) => t.controllerId);
      expect(aTargets).not.toContain('iso-gw-1');
      expect(aTargets).not.toContain('iso-gw-2');
      for (const tenant of ['DEFAULT', B, 'LAST']) {
        const entries = await readAudit(server.database.db, tenant);
        expect(verifyAuditChain(entries).ok, tenant).toBe(true);
        expect(entries.every((e) => e.tenant === tenant)).toBe(true);
      }
      const bEntries = await readAudit(server.database.db, B);
      expect(bEntries[0]).toMatchObject({ action: 'tenant.create', actor: 'DEFAULT\\user:admin', after: { id: B, admin: 'admin', roles: ['TENANT_ADMIN'] } });
    });
  });

  describe('the audit log', () => {
    it('records every user, token and tenant change, and never a password, hash or token', async () => {
      const entries = [
        ...(await readAudit(server.database.db, 'DEFAULT')),
        ...(await readAudit(server.database.db, 'TENANT_B')),
        ...(await readAudit(server.database.db, 'LAST')),
      ];
      const actions = new Set(entries.map((e) => e.action));
      for (const action of ['user.create', 'user.delete', 'user.password', 'user.roles', 'apitoken.create', 'apitoken.revoke', 'tenant.create'])
        expect(actions, action).toContain(action);
      expect(entries.find((e) => e.action === 'tenant.create' && e.tenant === 'DEFAULT' && e.subject.id === 'TENANT_B')).toMatchObject({ actor: 'user:admin' });
      expect(entries.find((e) => e.action === 'user.password' && e.subject.id === 'carol')).toMatchObject({
        actor: 'user:carol',
        after: { passwordChanged: true, by: 'self' },
      });
      const json = JSON.stringify(entries);
      expect(secrets.length).toBeGreaterThan(20);
      for (const secret of secrets) expect(json.includes(secret), `a secret is in the audit log: ${secret.slice(0, 8)}…`).toBe(false);
      expect(json).not.toMatch(/scrypt\$|osp_[A-Za-z0-9_-]{20}/);
      // The stored tokens are hashes only.
      const stored = await server.database.db.selectFrom('api_tokens').select('token_hash').execute();
      for (const row of stored) expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    });
  });
});
