/**
 * The OpenAPI 3.1 document of the server, generated from the routes actually registered (so it
 * cannot drift from the code): every path and method, its path parameters, the permissions its
 * guard demands, and the security schemes of each audience. Served at /rest/v1/openapi.json and
 * committed as docs/openapi.json (a test keeps the two equal).
 */
import type { FastifyInstance, RouteOptions } from 'fastify';

interface CollectedRoute {
  method: string;
  url: string;
  permissions: string[];
}

/** Install before any plugin: remembers every route as it is registered. */
export function collectRoutes(app: FastifyInstance): CollectedRoute[] {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD' || !Array.isArray(route.method));
    const guards = [route.preHandler].flat().filter(Boolean) as Array<{ permissions?: string[] }>;
    const permissions = guards.flatMap((g) => g.permissions ?? []);
    for (const method of methods) routes.push({ method: method.toLowerCase(), url: route.url, permissions });
  });
  return routes;
}

const errorResponse = { description: 'hawkBit error body', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };

export function openApiDocument(routes: readonly CollectedRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of [...routes].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method))) {
    if (r.method === 'head' || r.method === 'options') continue;
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const audience = path.startsWith('/rest/v1') ? 'management' : path.includes('/controller/v1/') ? 'ddi' : path.includes('/tuf/') ? 'tuf' : 'probes';
    const parameters = [...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const security =
      audience === 'management'
        ? [{ basicAuth: [] }, { bearerAuth: [] }]
        : audience === 'ddi'
          ? [{ targetToken: [] }, { gatewayToken: [] }, { mutualTls: [] }]
          : [];
    paths[path] ??= {};
    paths[path]![r.method] = {
      tags: [audience],
      operationId: `${r.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(security.length > 0 ? { security } : {}),
      ...(r.permissions.length > 0 ? { 'x-osprey-permissions': r.permissions, description: `Requires ${r.permissions.join(' and ')}.` } : {}),
      responses: { '2XX': { description: 'success' }, '4XX': errorResponse, '5XX': errorResponse },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Osprey update server', version, description: 'hawkBit-compatible DDI and management APIs, TUF repositories, probes.' },
    paths,
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['errorCode', 'message'],
          properties: { errorCode: { type: 'string' }, message: { type: 'string' }, exceptionClass: { type: 'string' } },
        },
      },
      securitySchemes: {
        basicAuth: { type: 'http', scheme: 'basic', description: 'user, or TENANT\\user' },
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'API token (osp_…)' },
        targetToken: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'TargetToken <token>' },
        gatewayToken: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'GatewayToken <key>' },
        mutualTls: { type: 'mutualTLS' },
      },
    },
  };
}
