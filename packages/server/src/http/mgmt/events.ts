/**
 * The console's live channel, `GET /rest/v1/events` (server-sent events): after a change commits,
 * each connection of the same tenant that may read its kind hears
 *
 *   event: change
 *   data: {"changes":[{"kind":"target","id":"dev01"},…]}
 *
 * and re-reads what it shows. Per connection, events are buffered and flushed at most every
 * `flushMs`, deduplicated by (kind, id), and past `maxBuffered` distinct ones sent as the single
 * `{"kind":"*"}` ("reload everything"). A comment line every `heartbeatMs` keeps proxies from
 * closing an idle stream; each heartbeat also authenticates the request again, so a caller
 * demoted, deleted or signed out meanwhile loses the channel (or the kinds it may no longer read)
 * within one heartbeat. A caller (user or token of a tenant) holds at most
 * `maxConnectionsPerCaller` at once; more is a 429.
 *
 * The reply is hijacked (written directly); the streams are ended before the server closes, so
 * shutdown never waits on an open console.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EVENT_READ_PERMISSIONS, mayHear } from '../../domain/event-permissions.js';
import { ChangeBuffer, realTicker, type EventBus, type Ticker } from '../../domain/events.js';
import type { Principal } from '../../domain/permissions.js';
import { ServerError } from '../../errors.js';
import { binary, type TypedApp } from '../schema.js';
import { principalOf } from './auth.js';

export interface EventStreamOptions {
  bus: EventBus;
  /** Authenticates a request again (the management authenticator). */
  authenticate: (request: FastifyRequest) => Promise<Principal>;
  flushMs?: number;
  heartbeatMs?: number;
  maxBuffered?: number;
  maxConnectionsPerCaller?: number;
  ticker?: Ticker;
}

/** Route guard: at least one of the read permissions whose events the channel carries. */
function requiresAnyRead() {
  const guard = async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const principal = principalOf(request);
    if (!EVENT_READ_PERMISSIONS.some((p) => principal.permissions.has(p)))
      throw new ServerError('FORBIDDEN', `missing permission: the live channel needs one of ${EVENT_READ_PERMISSIONS.join(', ')}`);
  };
  return guard;
}

export async function registerEventRoutes(app: TypedApp, options: EventStreamOptions): Promise<void> {
  const flushMs = options.flushMs ?? 500;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxBuffered = options.maxBuffered ?? 200;
  const maxPerCaller = options.maxConnectionsPerCaller ?? 20;
  const ticker = options.ticker ?? realTicker;
  const perCaller = new Map<string, number>();
  const open = new Set<() => void>();

  // Before the server stops accepting and waits for its connections: end every stream.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get(
    '/events',
    {
      preValidation: requiresAnyRead(),
      schema: {
        summary: `Live change events (server-sent events). Requires one of ${EVENT_READ_PERMISSIONS.join(', ')}; each event only of kinds the caller may read.`,
        response: {
          200: binary('text/event-stream: `event: change` with data {"changes":[{"kind","id"}]}; `{"kind":"*"}` means reload everything', 'text/event-stream'),
        },
      },
    },
    async (request, reply) => {
      let principal = principalOf(request);
      const caller = `${principal.tenant}\u0000${principal.actor}`;
      const count = perCaller.get(caller) ?? 0;
      if (count >= maxPerCaller)
        throw new ServerError('TOO_MANY_CONNECTIONS', `at most ${maxPerCaller} live-event connections per user or token; close another console tab`, {
          retryAfterSeconds: 5,
        });
      perCaller.set(caller, count + 1);

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      });
      // The first bytes: the client's fetch resolves, and EventSource waits 5 s before reconnecting.
      res.write(': connected\nretry: 5000\n\n');

      const buffer = new ChangeBuffer(maxBuffered);
      const unsubscribe = options.bus.subscribe((event) => {
        if (mayHear(principal, event)) buffer.add(event.kind, event.id);
      });
      const flush = () => {
        // A client that reads slowly: keep coalescing (bounded) until its socket drains.
        if (res.writableNeedDrain) return;
        const changes = buffer.take();
        if (changes) res.write(`event: change\ndata: ${JSON.stringify({ changes })}\n\n`);
      };
      let checking = false;
      const heartbeat = () => {
        if (checking) return;
        checking = true;
        options
          .authenticate(request)
          .then((now) => {
            principal = now;
            if (!EVENT_READ_PERMISSIONS.some((p) => now.permissions.has(p))) return end('forbidden');
            res.write(': heartbeat\n\n');
          })
          .catch((e: unknown) => end(e instanceof ServerError && e.code === 'SESSION_EXPIRED' ? 'session-expired' : 'unauthorized'))
          .finally(() => (checking = false));
      };
      const stopFlush = ticker.every(flushMs, flush);
      const stopHeartbeat = ticker.every(heartbeatMs, heartbeat);

      let ended = false;
      function end(reason?: string): void {
        if (ended) return;
        ended = true;
        unsubscribe();
        stopFlush();
        stopHeartbeat();
        open.delete(end);
        const left = (perCaller.get(caller) ?? 1) - 1;
        if (left > 0) perCaller.set(caller, left);
        else perCaller.delete(caller);
        // Tell the console why, so it signs in again instead of reconnecting forever.
        if (reason && !res.writableEnded && !res.destroyed) res.write(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
        res.end();
      }
      open.add(end);
      res.on('close', () => end());
      return reply;
    },
  );
}
