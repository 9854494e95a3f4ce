/**
 * Serving the operator console at `/` (http/console.ts): the page with its security headers,
 * client-side routes falling back to it, hashed assets cached for good — and the APIs' own 404s
 * untouched (JSON), so the fallback never shadows the management API or the DDI. Without a build,
 * `/` says how to make one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../src/http/console.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';
import { tempDirForFile } from '../../../testkit/temp-dir.js';

const HTML = { accept: 'text/html,application/xhtml+xml' };
const PAGE = '<!doctype html><html><head><script type="module" src="/assets/x.js"></script></head><body><div id="root"></div></body></html>';

describe('the console, built', () => {
  let server: TestServer;
  const dir = tempDirForFile('osprey-console-');
  beforeAll(async () => {
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), PAGE);
    writeFileSync(join(dir, 'assets', 'x.js'), 'console.log("osprey");\n');
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    server = await startTestServer('pglite', { consoleDir: dir });
  });
  afterAll(() => server?.stop());

  const get = (url: string, headers: Record<string, string> = {}) => server.app.inject({ method: 'GET', url, headers });

  it('serves the page at / with a strict CSP, nosniff, no referrer and no-cache', async () => {
    const res = await get('/', HTML);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toBe(PAGE);
    expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('answers client-side routes with the page', async () => {
    for (const url of ['/devices/dev01', '/rollouts', '/index.html', '/devices/dev01?tab=actions']) {
      const res = await get(url, HTML);
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(PAGE);
      expect(res.headers['content-security-policy'], url).toBe(CONSOLE_CSP);
    }
  });

  it('serves hashed assets as immutable, and top-level files of the build', async () => {
    const js = await get('/assets/x.js');
    expect(js.statusCode).toBe(200);
    expect(js.body).toBe('console.log("osprey");\n');
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    const icon = await get('/favicon.svg');
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toMatch(/svg/);
    // A missing asset is a 404, not the page (a stale hashed name must fail visibly).
    const missing = await get('/assets/gone.js', HTML);
    expect(missing.statusCode).toBe(404);
    expect(missing.body).not.toBe(PAGE);
  });

  it('leaves the APIs’ 404s JSON, whatever the client accepts', async () => {
    for (const url of [
      '/rest/v1/nope',
      '/rest/nope',
      '/DEFAULT/controller/v1/dev01/nope',
      '/DEFAULT/controller/v1',
      '/DEFAULT/tuf/nope.json',
      '/metrics/nope',
    ]) {
      const res = await get(url, HTML);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toMatch(/^application\/json/);
      expect(res.json().errorCode, url).toBe('hawkbit.server.error.repo.entitiesNotFound');
    }
    // The DDI itself still answers (its routes are not shadowed): an unknown device is its own 401/404, in JSON.
    const ddi = await get('/DEFAULT/controller/v1/dev01', HTML);
    expect(ddi.headers['content-type']).toMatch(/^application\/json/);
    expect((await get('/healthz', HTML)).json()).toEqual({ status: 'ok' });
  });

  it('does not answer a script (no text/html in Accept) or a POST with the page', async () => {
    const json = await get('/devices/dev01', { accept: 'application/json' });
    expect(json.statusCode).toBe(404);
    expect(json.json().errorCode).toBe('hawkbit.server.error.repo.entitiesNotFound');
    const post = await server.app.inject({ method: 'POST', url: '/devices/dev01', headers: HTML });
    expect(post.statusCode).toBe(404);
    expect(post.headers['content-type']).toMatch(/^application\/json/);
  });
});

describe('the console, not built', () => {
  let server: TestServer;
  const dir = tempDirForFile('osprey-console-empty-');
  beforeAll(async () => {
    server = await startTestServer('pglite', { consoleDir: join(dir, 'missing') });
  });
  afterAll(() => server?.stop());

  it('says at / how to build it, and the APIs work as ever', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/', headers: HTML });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('not built');
    expect(res.body).toContain('npm run build');
    const page = await server.app.inject({ method: 'GET', url: '/devices/dev01', headers: HTML });
    expect(page.statusCode).toBe(404);
    expect(page.json().errorCode).toBe('hawkbit.server.error.repo.entitiesNotFound');
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
  });
});
