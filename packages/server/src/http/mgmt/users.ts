/**
 * Users, API tokens and tenants over the management API (Osprey's own; hawkBit has no user API):
 *
 *   GET    /rest/v1/roles                       UPDATE_TENANT_CONFIGURATION (what each role grants)
 *   GET    /rest/v1/users                       UPDATE_TENANT_CONFIGURATION
 *   POST   /rest/v1/users                       UPDATE_TENANT_CONFIGURATION
 *   PUT    /rest/v1/users/{username}            UPDATE_TENANT_CONFIGURATION (roles)
 *   DELETE /rest/v1/users/{username}            UPDATE_TENANT_CONFIGURATION
 *   PUT    /rest/v1/users/{username}/password   the user themself, or UPDATE_TENANT_CONFIGURATION
 *   GET    /rest/v1/apitokens                   UPDATE_TENANT_CONFIGURATION
 *   POST   /rest/v1/apitokens                   UPDATE_TENANT_CONFIGURATION
 *   DELETE /rest/v1/apitokens/{id}              UPDATE_TENANT_CONFIGURATION
 *   POST   /rest/v1/tenants                     system administrator
 *
 * Why these permissions: hawkBit has no user-management permission; managing who may do what in
 * a tenant is tenant administration, so it takes UPDATE_TENANT_CONFIGURATION (role TENANT_ADMIN,
 * legacy TENANT_CONFIGURATION). Listing users and tokens takes the same permission rather than
 * READ_TENANT_CONFIGURATION, which VIEWER holds: who holds which credential is for administrators.
 * Everyone may change their own password. Creating a tenant is a system operation: every
 * permission (hawkBit's SYSTEM_ADMIN) *and* an explicit `admin`/`SYSTEM_ADMIN` grant in tenant
 * DEFAULT (the bootstrap `admin` user holds it), because TENANT_ADMIN resolves to every
 * permission too but administers only its own tenant. Finer rules (no granting beyond one's own
 * permissions, last administrator, no self-deletion, what a token may do for its owner) live in
 * domain/users.ts.
 *
 * No reply schema holds a secret: password hashes and token hashes are never read for a reply,
 * and the token itself appears only in the reply of its creation.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parsePaging } from '../../db/rsql.js';
import { PERMISSIONS, ROLES } from '../../domain/permissions.js';
import {
  MAX_DATE_MS,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  TENANT_PATTERN,
  USERNAME_PATTERN,
  USER_ADMIN_PERMISSION,
  type ApiToken,
  type User,
} from '../../domain/users.js';
import { ServerError } from '../../errors.js';
import { entityId, listQuery, noContent, pageOf, pathText, type TypedApp } from '../schema.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';

const name = z.string().regex(USERNAME_PATTERN, 'use 1–64 letters, digits or . _ @ -');
const password = z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH);
const roles = z.array(z.string().min(1).max(64)).max(64);
const millis = z.number().int().describe('milliseconds since 1970');

const bodies = {
  newUser: z.strictObject({ username: name, password, roles: roles.default([]) }),
  userUpdate: z.strictObject({ roles }),
  password: z.strictObject({ password, currentPassword: z.string().max(MAX_PASSWORD_LENGTH).optional() }),
  newToken: z.strictObject({ name, roles: roles.min(1), expiresAt: z.int().positive().max(MAX_DATE_MS).optional() }),
  newTenant: z.strictObject({
    id: z.string().regex(TENANT_PATTERN, 'use 1–64 letters, digits, _ or -'),
    adminUsername: name.default('admin'),
    adminPassword: password,
  }),
};

const userJson = z.object({
  username: z.string(),
  roles: z.array(z.string()).describe('as granted: role names and permission names'),
  permissions: z.array(z.string()).describe('what the roles resolve to'),
  createdAt: millis,
});
const tokenJson = z.object({
  id: z.number().int(),
  name: z.string(),
  owner: z.string().describe('who made it: user:<name>, or token:<name> for a token made with a token'),
  roles: z.array(z.string()).describe('as granted; the token may do only what its owner may do as well, at each request'),
  createdAt: millis,
  expiresAt: millis.nullable(),
  lastUsedAt: millis.nullable(),
  expired: z.boolean(),
});
const newTokenJson = tokenJson.extend({ token: z.string().describe('the token (osp_…): shown only in this reply, stored only as its SHA-256') });
const tenantJson = z.object({ id: z.string(), admin: userJson });

const usernameParams = z.object({ username: pathText('username') });
/** Users and tokens page with offset and limit; there is nothing to filter or sort by. */
const pagingQuery = listQuery.pick({ offset: true, limit: true });

const userOut = (u: User): z.infer<typeof userJson> => ({ ...u, createdAt: u.createdAt.getTime() });
const tokenOut = (t: ApiToken): z.infer<typeof tokenJson> => ({
  ...t,
  createdAt: t.createdAt.getTime(),
  expiresAt: t.expiresAt?.getTime() ?? null,
  lastUsedAt: t.lastUsedAt?.getTime() ?? null,
});
const listed = <T, J>({ items, total }: { items: T[]; total: number }, out: (item: T) => J) => ({ content: items.map(out), total, size: items.length });

export async function registerUserRoutes(app: TypedApp, context: ManagementContext): Promise<void> {
  const { users } = context;
  const admin = requires(USER_ADMIN_PERMISSION);

  // Guards run before validation (preValidation) and carry `permissions` like requires()'s, for
  // the OpenAPI document (http/openapi.ts).
  /** Your own password, or anyone's with the user-administration permission. */
  const selfOrAdmin = Object.assign(
    async (request: FastifyRequest<{ Params: { username: string } }>, reply: FastifyReply) => {
      if (principalOf(request).actor === `user:${request.params.username}`) return;
      await admin(request, reply);
    },
    { permissions: [USER_ADMIN_PERMISSION] },
  );
  /** Every permission, and an explicit system grant in tenant DEFAULT (see the header). */
  const everything = requires(...PERMISSIONS);
  const systemAdmin = Object.assign(
    async (request: FastifyRequest, reply: FastifyReply) => {
      await everything(request, reply);
      if (!(await users.isSystemAdmin(principalOf(request))))
        throw new ServerError('FORBIDDEN', 'missing permission SYSTEM_ADMIN: creating tenants needs the role admin in tenant DEFAULT');
    },
    { permissions: ['SYSTEM_ADMIN'] },
  );

  // --- roles: fixed by the server, listed so that the console can say what a grant means -------
  app.get(
    '/roles',
    {
      preValidation: admin,
      schema: {
        response: {
          200: z.object({
            roles: z.array(z.object({ name: z.string(), permissions: z.array(z.string()) })),
            permissions: z.array(z.string()).describe('every permission, each grantable on its own'),
          }),
        },
      },
    },
    async () => ({
      roles: Object.entries(ROLES).map(([roleName, permissions]) => ({ name: roleName, permissions: [...permissions].sort() })),
      permissions: [...PERMISSIONS],
    }),
  );

  // --- users ---------------------------------------------------------------------------------
  app.get('/users', { preValidation: admin, schema: { querystring: pagingQuery, response: { 200: pageOf(userJson) } } }, async (request) =>
    listed(await users.listUsers(principalOf(request).tenant, parsePaging(request.query.offset, request.query.limit)), userOut),
  );
  app.post('/users', { preValidation: admin, schema: { body: bodies.newUser, response: { 201: userJson } } }, async (request, reply) =>
    reply.status(201).send(userOut(await users.createUser(principalOf(request), request.body))),
  );
  app.put(
    '/users/:username',
    { preValidation: admin, schema: { params: usernameParams, body: bodies.userUpdate, response: { 200: userJson } } },
    async (request) => userOut(await users.setRoles(principalOf(request), request.params.username, request.body.roles)),
  );
  app.delete('/users/:username', { preValidation: admin, schema: { params: usernameParams, response: { 204: noContent } } }, async (request, reply) => {
    await users.deleteUser(principalOf(request), request.params.username);
    return reply.status(204).send(null);
  });
  app.put(
    '/users/:username/password',
    { preValidation: selfOrAdmin, schema: { params: usernameParams, body: bodies.password, response: { 204: noContent } } },
    async (request, reply) => {
      await users.changePassword(principalOf(request), request.params.username, request.body);
      return reply.status(204).send(null);
    },
  );

  // --- API tokens ----------------------------------------------------------------------------
  app.get('/apitokens', { preValidation: admin, schema: { querystring: pagingQuery, response: { 200: pageOf(tokenJson) } } }, async (request) =>
    listed(await users.listTokens(principalOf(request).tenant, parsePaging(request.query.offset, request.query.limit)), tokenOut),
  );
  // The response holds the token: the only time it is ever shown.
  app.post('/apitokens', { preValidation: admin, schema: { body: bodies.newToken, response: { 201: newTokenJson } } }, async (request, reply) => {
    const created = await users.createToken(principalOf(request), request.body);
    return reply
      .status(201)
      .header('Cache-Control', 'no-store')
      .send({ ...tokenOut(created), token: created.token });
  });
  app.delete(
    '/apitokens/:id',
    { preValidation: admin, schema: { params: z.object({ id: entityId('API token') }), response: { 204: noContent } } },
    async (request, reply) => {
      await users.revokeToken(principalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  // --- tenants -------------------------------------------------------------------------------
  app.post('/tenants', { preValidation: systemAdmin, schema: { body: bodies.newTenant, response: { 201: tenantJson } } }, async (request, reply) => {
    const created = await users.createTenant(principalOf(request), request.body);
    return reply.status(201).send({ id: created.id, admin: userOut(created.admin) });
  });
}
