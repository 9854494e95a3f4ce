/**
 * Who am I and the tenant's configuration (hawkBit `/rest/v1/userinfo`, `/rest/v1/system/configs`).
 * The model for a route module: schemas for params, body and replies; the handler only maps the
 * request to one service call and the result to the reply. Guards run as `preValidation`, so a
 * caller without the permission gets 403 before anything of the request is looked at.
 */
import { z } from 'zod';
import { tenantConfigSchema } from '../../domain/tenant-config.js';
import { pathText, type TypedApp } from '../schema.js';
import { principalOf, requires } from './auth.js';
import type { ManagementContext } from './context.js';

const configEntry = z.object({ value: z.unknown().describe('the effective value; "(secret)" for a secret the caller may not read'), global: z.boolean() });
const configKey = z.enum(Object.keys(tenantConfigSchema.shape) as [string, ...string[]]);

export async function registerSystemRoutes(app: TypedApp, context: ManagementContext): Promise<void> {
  app.get(
    '/userinfo',
    { schema: { response: { 200: z.object({ tenant: z.string(), username: z.string(), permissions: z.array(z.string()) }) } } },
    async (request) => {
      const p = principalOf(request);
      return { tenant: p.tenant, username: p.actor.replace(/^(user|token):/, ''), permissions: [...p.permissions].sort() };
    },
  );

  app.get(
    '/system/configs',
    { preValidation: requires('READ_TENANT_CONFIGURATION'), schema: { response: { 200: z.record(configKey, configEntry) } } },
    async (request) => {
      const p = principalOf(request);
      // The gateway key acts as any device of the tenant: its value only with READ_GATEWAY_SECURITY_TOKEN.
      return context.configs.effective(p.tenant, { mayReadSecrets: p.permissions.has('READ_GATEWAY_SECURITY_TOKEN') });
    },
  );

  app.put(
    '/system/configs/:key',
    {
      preValidation: requires('UPDATE_TENANT_CONFIGURATION'),
      // The key is checked by the service, whose message lists the known keys.
      schema: {
        params: z.object({ key: pathText('configuration key', 128) }),
        body: z.strictObject({ value: z.unknown() }),
        response: { 200: z.object({ value: z.unknown() }) },
      },
    },
    async (request) => ({ value: await context.configs.set(principalOf(request), request.params.key, request.body.value) }),
  );
}
