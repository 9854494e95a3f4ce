/**
 * GET /metrics in Prometheus' text format. With OSPREY_METRICS_TOKEN set, the scraper sends it as a
 * bearer token (Prometheus' `authorization` scrape setting); without one, only loopback callers
 * are answered, so a server on a network does not hand its figures to anyone who asks.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ServerError } from '../errors.js';
import type { ServerMetrics } from '../metrics.js';
import { binary, type TypedApp } from './schema.js';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;
const digest = (s: string) => createHash('sha256').update(s).digest();

function allowed(request: FastifyRequest, token: string | undefined): boolean {
  if (token === undefined) return LOOPBACK.test(request.socket.remoteAddress ?? '');
  const header = request.headers.authorization ?? '';
  const match = /^bearer\s+(.+)$/i.exec(header);
  return match !== null && timingSafeEqual(digest(match[1]!.trim()), digest(token));
}

export function registerMetrics(app: TypedApp, metrics: ServerMetrics, token: string | undefined): void {
  app.get('/metrics', { schema: { response: { 200: binary('Prometheus text exposition format', 'text/plain') } } }, async (request, reply) => {
    if (!allowed(request, token)) {
      throw token === undefined
        ? new ServerError('FORBIDDEN', 'metrics are served to loopback callers only; set OSPREY_METRICS_TOKEN to scrape from elsewhere')
        : new ServerError('UNAUTHORIZED', 'metrics need Authorization: Bearer <OSPREY_METRICS_TOKEN>');
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
