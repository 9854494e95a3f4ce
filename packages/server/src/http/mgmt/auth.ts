/**
 * Management API authentication: HTTP Basic for people and hawkBit tools (`user` in tenant
 * DEFAULT, or `TENANT\user`), `Authorization: Bearer osp_…` for pipelines (API tokens) and
 * `Bearer oss_…` for the operator console (sessions, domain/sessions.ts).
 * This only reads the header and the client's address; what a password or token is worth, the
 * throttling of guesses and the bound on hashing are the login service's (domain/login.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_TENANT } from '../../domain/bootstrap.js';
import type { LoginService } from '../../domain/login.js';
import type { Permission } from '../../domain/permissions.js';
import { isSessionToken, type SessionService } from '../../domain/sessions.js';
import { ServerError } from '../../errors.js';

export type { Principal } from '../../domain/permissions.js';
import type { Principal } from '../../domain/permissions.js';

export class ManagementAuthenticator {
  constructor(
    private readonly login: LoginService,
    private readonly sessions: SessionService,
  ) {}

  async authenticate(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization ?? '';
    const space = header.indexOf(' ');
    const scheme = space < 0 ? header : header.slice(0, space);
    const value = space < 0 ? '' : header.slice(space + 1).trim();
    // request.ip: the peer, or the client named by a trusted proxy (OSPREY_TRUSTED_PROXIES).
    if (/^basic$/i.test(scheme)) return this.basic(value, request.ip);
    if (/^bearer$/i.test(scheme)) return isSessionToken(value) ? this.sessions.authenticate(value) : this.login.token(value);
    throw new ServerError('UNAUTHORIZED', 'authentication required: HTTP Basic (user or TENANT\\user), a Bearer API token or a console session');
  }

  private async basic(encoded: string, address: string): Promise<Principal> {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new ServerError('UNAUTHORIZED', 'malformed Basic credentials');
    const login = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const slash = login.indexOf('\\');
    const tenant = slash < 0 ? DEFAULT_TENANT : login.slice(0, slash);
    const username = slash < 0 ? login : login.slice(slash + 1);
    return this.login.password(tenant, username, password, address);
  }
}

export function principalOf(request: FastifyRequest): Principal {
  const principal = (request as FastifyRequest & { principal?: Principal }).principal;
  if (!principal) throw new ServerError('UNAUTHORIZED', 'authentication required');
  return principal;
}

/** Route guard: every listed permission is needed (hawkBit's documented combinations, §2.4). */
export function requires(...needed: Permission[]) {
  const guard = async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const principal = principalOf(request);
    const missing = needed.filter((p) => !principal.permissions.has(p));
    if (missing.length > 0) throw new ServerError('FORBIDDEN', `missing permission ${missing.join(', ')}`);
  };
  // Read back by the OpenAPI generator (http/openapi.ts), so the document states each route's permissions.
  return Object.assign(guard, { permissions: needed });
}
