/**
 * GET /metrics: Prometheus text for a scraper that shows OSPREY_METRICS_TOKEN, or, without a
 * token configured, for loopback callers only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../testkit/server.js';

describe('metrics', () => {
  let open: TestServer;
  let guarded: TestServer;
  const TOKEN = 'metrics-token-0123456789';
  beforeAll(async () => {
    open = await startTestServer('pglite', {}, { listen: false });
    guarded = await startTestServer('pglite', { metricsToken: TOKEN }, { listen: false });
  });
  afterAll(async () => {
    await open?.stop();
    await guarded?.stop();
  });

  it('answers a loopback caller when no token is set, and refuses any other address', async () => {
    const local = await open.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
    expect(local.statusCode).toBe(200);
    expect(local.headers['content-type']).toMatch(/^text\/plain/);
    expect(local.body).toContain('osprey_artifacts_damaged_total{damage="hash"} 0');
    expect(local.body).toContain('osprey_process_resident_memory_bytes');
    const remote = await open.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '192.0.2.7' });
    expect(remote.statusCode).toBe(403);
    expect(remote.json().message).toMatch(/OSPREY_METRICS_TOKEN/);
  });

  it('refuses a loopback connection that a proxy forwards for another caller', async () => {
    for (const headers of [{ 'x-forwarded-for': '203.0.113.9' }, { forwarded: 'for=203.0.113.9' }, { 'x-real-ip': '203.0.113.9' }]) {
      const proxied = await open.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1', headers });
      expect(proxied.statusCode).toBe(403);
      expect(proxied.json().message).toMatch(/not through a proxy/);
    }
  });

  it('with a token, answers only a caller that sends it, from any address', async () => {
    const none = await guarded.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
    expect(none.statusCode).toBe(401);
    const wrong = await guarded.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '192.0.2.7', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
    const right = await guarded.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '192.0.2.7', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.statusCode).toBe(200);
    expect(right.body).toContain('# TYPE osprey_artifacts_damaged_total counter');
  });
});
