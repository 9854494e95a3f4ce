/**
 * Management API authentication: HTTP Basic for people and hawkBit tools (`user` in tenant
 * DEFAULT, or `TENANT\user`), and `Authorization: Bearer <token>` for pipelines (API tokens,
 * stored only as SHA-256). Passwords are scrypt hashes; a verified Basic credential is remembered
 * for a few minutes so each request does not pay the memory-hard KDF again.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { hashPassword, verifyPassword } from '../../domain/bootstrap.js';
import { resolvePermissions, type Permission } from '../../domain/permissions.js';
import { ServerError } from '../../errors.js';

export type { Principal } from '../../domain/permissions.js';
import type { Principal } from '../../domain/permissions.js';

const VERIFIED_TTL_MS = 5 * 60 * 1000;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export class ManagementAuthenticator {
  /** sha256(tenant, user, password, stored hash) → expiry. Changing the password invalidates it. */
  private readonly verified = new Map<string, number>();
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly db: Kysely<Database>) {}

  async authenticate(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization ?? '';
    const space = header.indexOf(' ');
    const scheme = space < 0 ? header : header.slice(0, space);
    const value = space < 0 ? '' : header.slice(space + 1).trim();
    if (/^basic$/i.test(scheme)) return this.basic(value);
    if (/^bearer$/i.test(scheme)) return this.bearer(value);
    throw new ServerError('UNAUTHORIZED', 'authentication required: HTTP Basic (user or TENANT\\user) or Bearer API token');
  }

  private async basic(encoded: string): Promise<Principal> {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new ServerError('UNAUTHORIZED', 'malformed Basic credentials');
    const login = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const slash = login.indexOf('\\');
    const tenant = slash < 0 ? 'DEFAULT' : login.slice(0, slash);
    const username = slash < 0 ? login : login.slice(slash + 1);
    const user = await this.db
      .selectFrom('users')
      .select(['password_hash', 'roles'])
      .where('tenant', '=', tenant)
      .where('username', '=', username)
      .executeTakeFirst();
    if (!user) {
      // Spend the same KDF time as for a real user, so timing does not reveal which names exist.
      this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
      await verifyPassword(password, await this.dummyHash);
      throw new ServerError('UNAUTHORIZED', 'wrong user name or password');
    }
    const key = sha256(`${tenant}\u0000${username}\u0000${password}\u0000${user.password_hash}`);
    const until = this.verified.get(key);
    if (!until || until < Date.now()) {
      if (!(await verifyPassword(password, user.password_hash))) throw new ServerError('UNAUTHORIZED', 'wrong user name or password');
      if (this.verified.size > 10_000) this.verified.clear();
      this.verified.set(key, Date.now() + VERIFIED_TTL_MS);
    }
    return { tenant, actor: `user:${username}`, permissions: resolvePermissions(user.roles) };
  }

  private async bearer(token: string): Promise<Principal> {
    if (!/^osp_[A-Za-z0-9_-]{20,200}$/.test(token)) throw new ServerError('UNAUTHORIZED', 'malformed API token');
    const hash = sha256(token);
    const row = await this.db
      .selectFrom('api_tokens')
      .select(['tenant', 'name', 'roles', 'expires_at', 'token_hash'])
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (!row || !timingSafeEqual(Buffer.from(row.token_hash), Buffer.from(hash))) throw new ServerError('UNAUTHORIZED', 'unknown API token');
    if (row.expires_at && new Date(row.expires_at) < new Date()) throw new ServerError('UNAUTHORIZED', 'the API token has expired');
    return { tenant: row.tenant, actor: `token:${row.name}`, permissions: resolvePermissions(row.roles) };
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
