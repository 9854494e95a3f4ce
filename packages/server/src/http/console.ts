/**
 * The operator console (packages/web, a Vite build) served at `/`:
 *
 *   /assets/*        Vite's content-hashed files: cached for a year, immutable
 *   /, /index.html   the page: `no-cache`, so a new build is picked up at the next load
 *   /favicon.svg …   other top-level files of the build: cached for an hour
 *   any other GET that accepts text/html and is not an API path → index.html (client-side routes
 *                    such as /devices/dev01)
 *
 * The fallback is part of the not-found handler (http/errors.ts), never a catch-all route: the
 * API's and the DDI's own 404s stay JSON, and no route of theirs can be shadowed. Every console
 * response carries a strict Content-Security-Policy (the console loads nothing from elsewhere and
 * runs no inline script), nosniff and no referrer. Without a build (no index.html in
 * `consoleDir`), `/` says how to make one.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Paths that belong to an API, whose unknown paths are that API's JSON 404, never the console. */
const API_PATH = /^\/(?:rest(?:\/|$)|healthz$|readyz$|metrics(?:\/|$)|[^/]+\/(?:controller|tuf)(?:\/|$))/;
/** A top-level file of the build (favicon.svg, robots.txt): one segment, not hidden. */
const TOP_LEVEL_FILE = /^\/[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** The not-found fallback: sends the console for a page route and returns true, or returns false. */
export type ConsoleFallback = (request: FastifyRequest, reply: FastifyReply) => Promise<boolean>;

const withSecurityHeaders = (reply: FastifyReply) => {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
  return reply;
};

/** Registers the console's routes on `app` and returns its not-found fallback. */
export async function registerConsole(app: FastifyInstance, dir: string): Promise<ConsoleFallback> {
  const built = existsSync(join(dir, 'index.html'));
  if (!built) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .status(404)
        .type('text/plain; charset=utf-8')
        .send(
          `Osprey server is running, but the operator console is not built (no index.html in ${dir}).\n` +
            'Build it with `npm run build` (or set OSPREY_CONSOLE_DIR to a built console).\n' +
            'The management API is at /rest/v1 (OpenAPI: /rest/v1/openapi.json).\n',
        ),
    );
    return async () => false;
  }

  const assets = join(dir, 'assets');
  if (existsSync(assets)) {
    await app.register(fastifyStatic, {
      root: assets,
      prefix: '/assets/',
      index: false,
      // Vite names these by content hash: a changed file is a new name.
      immutable: true,
      maxAge: 365 * 24 * 3600 * 1000,
      setHeaders: (res) => {
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
      },
    });
  } else {
    // Still decorate reply.sendFile, which the page and the top-level files use.
    await app.register(fastifyStatic, { root: dir, serve: false });
  }

  const page = (reply: FastifyReply) => withSecurityHeaders(reply).header('cache-control', 'no-cache').sendFile('index.html', dir, { cacheControl: false });
  app.get('/', { schema: { hide: true } }, async (_request, reply) => page(reply));
  app.get('/index.html', { schema: { hide: true } }, async (_request, reply) => page(reply));

  return async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const path = request.url.split('?')[0]!;
    // A missing asset stays a 404: a stale hashed name must fail visibly, not load the page as a script.
    if (API_PATH.test(path) || path.startsWith('/assets/')) return false;
    if (TOP_LEVEL_FILE.test(path)) {
      const file = join(dir, path.slice(1));
      if (existsSync(file) && statSync(file).isFile()) {
        await withSecurityHeaders(reply).sendFile(path.slice(1), dir, { maxAge: 3600 * 1000, immutable: false });
        return true;
      }
    }
    // Only a browser navigating (it asks for HTML) gets the page; a script asking for JSON gets the 404.
    if (!(request.headers.accept ?? '').includes('text/html')) return false;
    await page(reply);
    return true;
  };
}
