/**
 * Users, API tokens and tenants over the management API (Osprey's own; hawkBit has no user API):
 *
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
 * permissions, last administrator, no self-deletion) live in domain/users.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PERMISSIONS } from '../../domain/permissions.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, TENANT_PATTERN, USERNAME_PATTERN, USER_ADMIN_PERMISSION, UserService } from '../../domain/users.js';
import { ServerError } from '../../errors.js';
import { principalOf, requires } from './auth.js';
import { page } from './mappers.js';
import type { ManagementContext } from './context.js';
import { parsePaging } from '../../db/rsql.js';

/** The largest time a JavaScript Date holds. */
const MAX_DATE_MS = 8_640_000_000_000_000;
const name = z.string().regex(USERNAME_PATTERN, 'use 1–64 letters, digits or . _ @ -');
const password = z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH);
const roles = z.array(z.string().min(1).max(64)).max(64);

const schemas = {
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

interface PagingQuery {
  offset?: string;
  limit?: string;
}

export async function registerUserRoutes(app: FastifyInstance, context: ManagementContext): Promise<void> {
  const users = new UserService(context.db);
  const admin = requires(USER_ADMIN_PERMISSION);
  const usernameOf = (request: FastifyRequest) => (request.params as { username: string }).username;
  const paging = (request: FastifyRequest) => parsePaging((request.query as PagingQuery).offset, (request.query as PagingQuery).limit);

  // Guards carry `permissions` like requires()'s, for the OpenAPI document (http/openapi.ts).
  /** Your own password, or anyone's with the user-administration permission. */
  const selfOrAdmin = Object.assign(
    async (request: FastifyRequest, reply: FastifyReply) => {
      if (principalOf(request).actor === `user:${usernameOf(request)}`) return;
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

  // --- users ---------------------------------------------------------------------------------
  app.get('/users', { preHandler: admin }, async (request) => {
    const { content, total } = await users.listUsers(principalOf(request).tenant, paging(request));
    return page(content, total);
  });
  app.post('/users', { preHandler: admin }, async (request, reply) => {
    const body = context.parseBody(schemas.newUser, request.body);
    return reply.status(201).send(await users.createUser(principalOf(request), body));
  });
  app.put('/users/:username', { preHandler: admin }, async (request) => {
    const body = context.parseBody(schemas.userUpdate, request.body);
    return users.setRoles(principalOf(request), usernameOf(request), body.roles);
  });
  app.delete('/users/:username', { preHandler: admin }, async (request, reply) => {
    await users.deleteUser(principalOf(request), usernameOf(request));
    return reply.status(204).send();
  });
  app.put('/users/:username/password', { preHandler: selfOrAdmin }, async (request, reply) => {
    const body = context.parseBody(schemas.password, request.body);
    await users.changePassword(principalOf(request), usernameOf(request), body);
    return reply.status(204).send();
  });

  // --- API tokens ----------------------------------------------------------------------------
  app.get('/apitokens', { preHandler: admin }, async (request) => {
    const { content, total } = await users.listTokens(principalOf(request).tenant, paging(request));
    return page(content, total);
  });
  // The response holds the token: the only time it is ever shown.
  app.post('/apitokens', { preHandler: admin }, async (request, reply) => {
    const body = context.parseBody(schemas.newToken, request.body);
    return reply
      .status(201)
      .header('Cache-Control', 'no-store')
      .send(await users.createToken(principalOf(request), body));
  });
  app.delete('/apitokens/:id', { preHandler: admin }, async (request, reply) => {
    await users.revokeToken(principalOf(request), context.idOf((request.params as { id: string }).id, 'API token'));
    return reply.status(204).send();
  });

  // --- tenants -------------------------------------------------------------------------------
  app.post('/tenants', { preHandler: systemAdmin }, async (request, reply) => {
    const body = context.parseBody(schemas.newTenant, request.body);
    return reply.status(201).send(await users.createTenant(principalOf(request), body));
  });
}
