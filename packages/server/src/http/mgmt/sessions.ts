/**
 * Console sign-in and sign-out (domain/sessions.ts):
 *
 *   POST   /rest/v1/sessions           no authentication: the body's password is the credential
 *   GET    /rest/v1/sessions/current   who am I (any caller; expiresAt only for a session)
 *   DELETE /rest/v1/sessions/current   sign out (a session only)
 *
 * The token is in the sign-in reply and nowhere else.
 */
import { z } from 'zod';
import { DEFAULT_TENANT } from '../../domain/bootstrap.js';
import { MAX_PASSWORD_LENGTH, TENANT_PATTERN } from '../../domain/users.js';
import { noContent, type TypedApp } from '../schema.js';
import { principalOf } from './auth.js';
import type { ManagementContext } from './context.js';

const millis = z.number().int().describe('milliseconds since 1970');
const sessionUser = z.object({
  username: z.string(),
  tenant: z.string(),
  roles: z.array(z.string()).describe('as granted: role names and permission names'),
  permissions: z.array(z.string()).describe('what the roles resolve to now'),
});
const signIn = z.strictObject({
  // Checked by the login service like a Basic login; bounds only keep the request small.
  username: z.string().min(1).max(256),
  password: z.string().max(MAX_PASSWORD_LENGTH),
  tenant: z.string().regex(TENANT_PATTERN, 'use 1–64 letters, digits, _ or -').default(DEFAULT_TENANT),
});
const signedIn = z.object({
  token: z.string().describe('the session token (oss_…), sent as Authorization: Bearer; shown only in this reply'),
  expiresAt: millis.describe('the absolute end of the session; it ends earlier after idleTimeoutSeconds without a request'),
  idleTimeoutSeconds: z.number().int(),
  user: sessionUser,
});
const current = z.object({
  user: sessionUser,
  expiresAt: millis.nullable().describe('the absolute end of this session; null when the caller is not a console session'),
  idleTimeoutSeconds: z.number().int(),
});

export async function registerSessionRoutes(app: TypedApp, context: ManagementContext): Promise<void> {
  const { sessions } = context;
  app.post(
    '/sessions',
    { config: { public: true }, schema: { summary: 'Sign in to the console', body: signIn, response: { 201: signedIn } } },
    async (request, reply) => {
      const { username, password, tenant } = request.body;
      // request.ip: the peer, or the client a trusted proxy names; the throttle counts per address.
      const s = await sessions.create({ tenant, username, password, address: request.ip });
      return reply.status(201).send({ ...s, expiresAt: s.expiresAt.getTime() });
    },
  );

  app.get('/sessions/current', { schema: { summary: 'Who am I (the console)', response: { 200: current } } }, async (request) => {
    const principal = principalOf(request);
    return {
      user: await sessions.userOf(principal),
      expiresAt: principal.session ? principal.session.expiresAt.getTime() : null,
      idleTimeoutSeconds: sessions.policy.idleSeconds,
    };
  });

  app.delete('/sessions/current', { schema: { summary: 'Sign out', response: { 204: noContent } } }, async (request, reply) => {
    await sessions.delete(principalOf(request));
    return reply.status(204).send(null);
  });
}
