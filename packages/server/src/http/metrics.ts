/**
 * GET /metrics in Prometheus' text format. With OSPREY_METRICS_TOKEN set, the scraper sends it as a
 * bearer token (Prometheus' `authorization` scrape setting); without one, only loopback callers
 * are answered, so a server on a network does not hand its figures to anyone who asks.
 *
 * Also the hooks that move the HTTP-level metrics, each an increment in memory when a response
 * is done (never a query): request duration by route pattern, 401s by the kind of credential,
 * and the DDI poll, download and feedback counters (route hooks the DDI plugin installs).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyReply, FastifyRequest, onResponseHookHandler, onSendHookHandler } from 'fastify';
import { ServerError } from '../errors.js';
import {
  FEEDBACK_EXECUTIONS,
  FEEDBACK_RESULTS,
  type AuthFailureKind,
  type DownloadMode,
  type DownloadOutcome,
  type PollOutcome,
  type ServerMetrics,
} from '../metrics.js';
import { binary, type TypedApp } from './schema.js';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;
const digest = (s: string) => createHash('sha256').update(s).digest();

/** Headers a reverse proxy adds: a loopback connection carrying one is a caller from elsewhere. */
const FORWARDED = ['x-forwarded-for', 'forwarded', 'x-real-ip'] as const;

function allowed(request: FastifyRequest, token: string | undefined): boolean {
  if (token === undefined) {
    // A proxy on this host connects from loopback for every caller on the network.
    return LOOPBACK.test(request.socket.remoteAddress ?? '') && FORWARDED.every((h) => request.headers[h] === undefined);
  }
  const header = request.headers.authorization ?? '';
  const match = /^bearer\s+(.+)$/i.exec(header);
  return match !== null && timingSafeEqual(digest(match[1]!.trim()), digest(token));
}

export function registerMetrics(app: TypedApp, metrics: ServerMetrics, token: string | undefined): void {
  app.get('/metrics', { schema: { response: { 200: binary('Prometheus text exposition format', 'text/plain') } } }, async (request, reply) => {
    if (!allowed(request, token)) {
      throw token === undefined
        ? new ServerError('FORBIDDEN', 'metrics are served to loopback callers only (not through a proxy); set OSPREY_METRICS_TOKEN to scrape from elsewhere')
        : new ServerError('UNAUTHORIZED', 'metrics need Authorization: Bearer <OSPREY_METRICS_TOKEN>');
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const DDI_ROUTE = /^\/:tenant\/controller\//;

/** Which credential a 401 refused, from the route and the Authorization scheme (never its value). */
export function authFailureKind(request: FastifyRequest): AuthFailureKind {
  const route = request.routeOptions.url ?? '';
  const header = request.headers.authorization ?? '';
  const space = header.trim().indexOf(' ');
  const scheme = (space < 0 ? header.trim() : header.trim().slice(0, space)).toLowerCase();
  if (DDI_ROUTE.test(route)) {
    if (scheme === 'targettoken') return 'device_token';
    if (scheme === 'gatewaytoken') return 'gateway_token';
    const socket = request.raw.socket as Partial<TLSSocket>;
    const certificate = typeof socket.getPeerCertificate === 'function' && Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
    if (certificate || request.headers['x-controller-id'] !== undefined) return 'certificate';
    return header === '' ? 'missing' : 'other';
  }
  if (route === '/metrics') return 'metrics_token';
  if (route === '/rest/v1/sessions' && request.method === 'POST') return 'login';
  if (route.startsWith('/rest/v1')) {
    if (scheme === 'basic') return 'basic';
    if (scheme === 'bearer') return /^bearer\s+oss_/i.test(header.trim()) ? 'session' : 'api_token';
    return header === '' ? 'missing' : 'other';
  }
  return 'other';
}

/** Request duration by route pattern (never the raw URL) and 401s by kind, for every request. */
export function instrumentRequests(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    metrics.httpDuration.observe(
      {
        method: METHODS.has(request.method) ? request.method : 'other',
        // The pattern (`/:tenant/controller/v1/:controllerId/`), so devices do not each make a series.
        route: request.routeOptions.url ?? 'unmatched',
        status_class: `${Math.floor(status / 100)}xx`,
      },
      reply.elapsedTime / 1000,
    );
    if (status === 401) metrics.authFailures.inc({ kind: authFailureKind(request) });
    done();
  });
}

const outcomeOf = (status: number): 'unauthorized' | 'refused' | 'failed' => (status === 401 ? 'unauthorized' : status < 500 ? 'refused' : 'failed');

/** The DDI root poll's counter, by outcome. */
export function pollHook(metrics: ServerMetrics): onResponseHookHandler {
  return (_request, reply, done) => {
    const status = reply.statusCode;
    const outcome: PollOutcome = status === 200 ? 'ok' : status === 304 ? 'not_modified' : outcomeOf(status);
    metrics.ddiPolls.inc({ outcome });
    done();
  };
}

/** Accepted feedback, by what the device reported (the schema's enums: a label never holds device text). */
export function countFeedback(metrics: ServerMetrics, kind: 'deployment' | 'cancel', status: { execution: string; result: { finished: string } }): void {
  metrics.feedback.inc({
    kind,
    execution: FEEDBACK_EXECUTIONS.includes(status.execution) ? status.execution : 'other',
    finished: FEEDBACK_RESULTS.includes(status.result.finished) ? status.result.finished : 'other',
  });
}

/** Feedback not applied, by why: the body the schema refused (400), or no such open action, or a quota (404, 410, 429). */
export function feedbackErrorHook(metrics: ServerMetrics, kind: 'deployment' | 'cancel'): onResponseHookHandler {
  return (_request, reply, done) => {
    const status = reply.statusCode;
    if (status >= 400 && status < 500 && status !== 401) metrics.feedbackErrors.inc({ kind, reason: status === 400 ? 'invalid' : 'refused' });
    done();
  };
}

const isReadable = (payload: unknown): payload is Readable => typeof (payload as Readable | null)?.pipe === 'function';
const modeOf = (reply: FastifyReply): DownloadMode => (reply.statusCode === 206 || reply.statusCode === 416 ? 'range' : 'full');

/**
 * The download route's hook. `onSend` sees every answer of the route, a body as well as an error,
 * and the outcome is read when the response closes: `onResponse` would not run for a download the
 * client cut (the response is destroyed, never finished), and those are the ones worth seeing. A
 * streamed body passes through a meter that adds its byte count when it closes, complete or cut.
 * HEAD requests move nothing.
 */
export function downloadHook(metrics: ServerMetrics): onSendHookHandler {
  // An answer can pass onSend twice (a body whose stream fails before its first byte is replaced
  // by the error's answer): the download is counted once, by what was finally sent.
  const counted = new WeakSet<FastifyReply>();
  const failed = new WeakSet<FastifyReply>();
  return (request, reply, payload, done) => {
    if (request.method !== 'GET') return done(null, payload);
    if (!counted.has(reply)) {
      counted.add(reply);
      reply.raw.once('close', () => {
        const status = reply.statusCode;
        let outcome: DownloadOutcome;
        if (status === 200 || status === 206) outcome = failed.has(reply) ? 'failed' : reply.raw.writableFinished ? 'complete' : 'aborted';
        else if (status === 304) outcome = 'not_modified';
        else outcome = outcomeOf(status);
        metrics.downloads.inc({ mode: modeOf(reply), outcome });
      });
    }
    if (reply.statusCode >= 300) return done(null, payload);
    const bytes = metrics.downloadBytes.labels({ mode: modeOf(reply) });
    if (Buffer.isBuffer(payload) || typeof payload === 'string') {
      bytes.inc(Buffer.byteLength(payload));
      return done(null, payload);
    }
    if (!isReadable(payload)) return done(null, payload);
    let sent = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, next) {
        sent += chunk.length;
        next(null, chunk);
      },
    });
    meter.once('close', () => bytes.inc(sent));
    // The source failed (a damaged blob, a store error), as opposed to a client that went away.
    meter.once('error', () => failed.add(reply));
    // pipeline: a failing source destroys the meter with its error, so the response is cut as
    // before; a client that goes away destroys the source through it.
    pipeline(payload, meter).catch(() => undefined);
    done(null, meter);
  };
}
