/**
 * The server's Prometheus metrics (prom-client), one registry per running server so that several
 * servers in one process (tests) keep theirs apart. Served at GET /metrics (http/metrics.ts).
 *
 * Two kinds, kept apart on purpose:
 *   - counters and histograms, moved on the hot path (a poll, a download, a blob operation): an
 *     increment in memory, never a query;
 *   - gauges read from the database (actions, rollouts and groups by status) and from the pool,
 *     computed only when Prometheus scrapes, with one grouped query cached a few seconds, so
 *     several scrapers (or a fast scrape interval) cost the database at most one query per period.
 * Labels are bounded sets (statuses, outcomes, route patterns): never a device id, a tenant or any
 * other free text, which would grow the series without bound.
 */
import { ACTION_STATUSES, EXECUTIONS, FINISHED_RESULTS, GROUP_STATUSES, ROLLOUT_STATUSES } from '@osprey/protocol';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What a device's poll came to. */
export type PollOutcome = 'ok' | 'not_modified' | 'unauthorized' | 'refused' | 'failed';
/** What an artifact download came to: all bytes sent, cut before the end, or refused. */
export type DownloadOutcome = 'complete' | 'aborted' | 'not_modified' | 'unauthorized' | 'refused' | 'failed';
export type DownloadMode = 'full' | 'range';
/** Which credential failed (a 401): DDI device and gateway tokens, client certificates, the management API's kinds. */
export const AUTH_FAILURE_KINDS = [
  'device_token',
  'gateway_token',
  'certificate',
  'basic',
  'api_token',
  'session',
  'login',
  'metrics_token',
  'missing',
  'other',
] as const;
export type AuthFailureKind = (typeof AUTH_FAILURE_KINDS)[number];

export interface ServerMetrics {
  registry: Registry;
  /** Artifacts found damaged (stored bytes missing, resized or changed), by how, when first recorded. */
  artifactsDamaged: Counter<'damage'>;
  ddiPolls: Counter<'outcome'>;
  downloads: Counter<'mode' | 'outcome'>;
  downloadBytes: Counter<'mode'>;
  feedback: Counter<'kind' | 'execution' | 'finished'>;
  feedbackErrors: Counter<'kind' | 'reason'>;
  authFailures: Counter<'kind'>;
  httpDuration: Histogram<'method' | 'route' | 'status_class'>;
  blobOperations: Histogram<'operation' | 'outcome'>;
}

/** Counts by status, as one grouped query returns them. */
export interface StatusCounts {
  actions: Record<string, number>;
  rollouts: Record<string, number>;
  groups: Record<string, number>;
}

export interface PoolStats {
  /** Connections open now (busy or idle). */
  total: number;
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
  /** The most connections the pool opens. */
  max: number;
}

/** What the scrape-time gauges read: the database's counts (cached), the pool's figures (in memory). */
export interface ScrapeSources {
  statusCounts: () => Promise<StatusCounts>;
  pool: () => PoolStats;
  /** How long one read of `statusCounts` is reused, in ms (0: every scrape queries). */
  cacheMs: number;
  /** Milliseconds, monotonic (injected in tests). */
  now?: () => number;
  /** A failed read: the gauges keep their last values, the error counter moves, the operator gets a line. */
  onError?: (error: unknown) => void;
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const BLOB_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(): ServerMetrics {
  const registry = new Registry();
  // Includes osprey_nodejs_eventloop_lag_seconds (and its percentiles), heap and GC figures.
  collectDefaultMetrics({ register: registry, prefix: 'osprey_' });
  const registers = [registry];
  const artifactsDamaged = new Counter({
    name: 'osprey_artifacts_damaged_total',
    help: 'Artifacts whose stored bytes were found missing, of another length or changed (each counted once, when recorded).',
    labelNames: ['damage'] as const,
    registers,
  });
  const ddiPolls = new Counter({
    name: 'osprey_ddi_polls_total',
    help: 'DDI root polls by devices, by outcome (ok, not_modified: 304 on the ETag, unauthorized, refused: other 4xx, failed: 5xx).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const downloads = new Counter({
    name: 'osprey_ddi_downloads_total',
    help: 'Artifact downloads (GET) by devices, by mode (full or range) and outcome (complete, aborted: cut before the end, not_modified, unauthorized, refused, failed).',
    labelNames: ['mode', 'outcome'] as const,
    registers,
  });
  const downloadBytes = new Counter({
    name: 'osprey_ddi_download_sent_bytes_total',
    help: 'Artifact bytes sent to devices by the server (bodies only), by mode.',
    labelNames: ['mode'] as const,
    registers,
  });
  const feedback = new Counter({
    name: 'osprey_ddi_feedback_total',
    help: 'DDI feedback accepted (deployment or cancel), by the execution and finished result the device reported.',
    labelNames: ['kind', 'execution', 'finished'] as const,
    registers,
  });
  const feedbackErrors = new Counter({
    name: 'osprey_ddi_feedback_errors_total',
    help: 'DDI feedback not applied, by kind and reason (invalid: a body the schema refuses; refused: unknown or closed action, quota).',
    labelNames: ['kind', 'reason'] as const,
    registers,
  });
  const authFailures = new Counter({
    name: 'osprey_authentication_failures_total',
    help: 'Requests refused with 401, by the kind of credential that failed (device_token, gateway_token, certificate, basic, api_token, session, login, metrics_token, missing).',
    labelNames: ['kind'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'osprey_http_request_duration_seconds',
    help: 'HTTP request duration until the response is sent, by method, route pattern and status class.',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const blobOperations = new Histogram({
    name: 'osprey_blob_operation_duration_seconds',
    help: 'Blob store operation latency by operation and outcome (get, get_verified: until the first byte; others: until done).',
    labelNames: ['operation', 'outcome'] as const,
    buckets: BLOB_BUCKETS,
    registers,
  });
  // Present from the start (at 0), so an alert on increase() sees the first event.
  for (const damage of ['missing', 'size', 'hash']) artifactsDamaged.inc({ damage }, 0);
  for (const outcome of ['ok', 'not_modified', 'unauthorized', 'refused', 'failed'] satisfies PollOutcome[]) ddiPolls.inc({ outcome }, 0);
  for (const mode of ['full', 'range'] satisfies DownloadMode[]) {
    downloadBytes.inc({ mode }, 0);
    for (const outcome of ['complete', 'aborted'] satisfies DownloadOutcome[]) downloads.inc({ mode, outcome }, 0);
  }
  for (const kind of ['deployment', 'cancel']) for (const reason of ['invalid', 'refused']) feedbackErrors.inc({ kind, reason }, 0);
  for (const kind of AUTH_FAILURE_KINDS) authFailures.inc({ kind }, 0);
  return { registry, artifactsDamaged, ddiPolls, downloads, downloadBytes, feedback, feedbackErrors, authFailures, httpDuration, blobOperations };
}

/** The label values feedback may carry: the protocol's enums, so a label never holds device text. */
export const FEEDBACK_EXECUTIONS: readonly string[] = EXECUTIONS;
export const FEEDBACK_RESULTS: readonly string[] = FINISHED_RESULTS;

/**
 * The gauges read at scrape time: actions, rollouts and rollout groups by status (one cached
 * database read for the three), and the database pool.
 */
export function watchScrapeSources(metrics: ServerMetrics, sources: ScrapeSources): void {
  const registers = [metrics.registry];
  const now = sources.now ?? (() => performance.now());
  const errors = new Counter({
    name: 'osprey_metrics_database_read_errors_total',
    help: 'Scrapes whose read of the status counts from the database failed (the gauges then show the last values read).',
    registers,
  });
  errors.inc(0);
  let cached: { at: number; counts: Promise<StatusCounts> } | undefined;
  let last: StatusCounts = { actions: {}, rollouts: {}, groups: {} };
  // The three gauges' collect() run in the same scrape: they share one read.
  const counts = async (): Promise<StatusCounts> => {
    const at = now();
    if (!cached || at - cached.at >= sources.cacheMs) {
      cached = {
        at,
        counts: sources.statusCounts().then(
          (c) => (last = c),
          (error: unknown) => {
            errors.inc();
            sources.onError?.(error);
            cached = undefined; // the next scrape tries again
            return last;
          },
        ),
      };
    }
    return cached.counts;
  };
  const byStatus = (name: string, help: string, statuses: readonly string[], pick: (c: StatusCounts) => Record<string, number>) =>
    new Gauge({
      name,
      help,
      labelNames: ['status'] as const,
      registers,
      async collect() {
        const values = pick(await counts());
        // Every known status is exported (0 when none), so a series does not vanish and reappear.
        for (const status of new Set([...statuses, ...Object.keys(values)])) this.set({ status }, values[status] ?? 0);
      },
    });
  byStatus(
    'osprey_actions',
    'Actions by status, all tenants (read from the database at scrape time, cached a few seconds).',
    ACTION_STATUSES.map((s) => s.toLowerCase()),
    (c) => c.actions,
  );
  byStatus('osprey_rollouts', 'Rollouts by status, all tenants (read at scrape time, cached).', ROLLOUT_STATUSES, (c) => c.rollouts);
  byStatus('osprey_rollout_groups', 'Rollout groups by status, all tenants (read at scrape time, cached).', GROUP_STATUSES, (c) => c.groups);
  const pool = (name: string, help: string, pick: (p: PoolStats) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(pick(sources.pool()));
      },
    });
  pool('osprey_database_pool_connections', 'Database connections open now, busy or idle (PGlite: its one connection).', (p) => p.total);
  pool('osprey_database_pool_idle_connections', 'Database connections open and idle.', (p) => p.idle);
  pool('osprey_database_pool_waiting_queries', 'Queries (or transactions) waiting for a database connection.', (p) => p.waiting);
  pool('osprey_database_pool_max_connections', 'The most connections the pool opens.', (p) => p.max);
}
