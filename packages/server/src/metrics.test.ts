import { describe, expect, it } from 'vitest';
import { createMetrics, watchScrapeSources, type StatusCounts } from './metrics.js';

/** One sample's value from the registry's own JSON (the text format is checked in test/observability.test.ts). */
async function sample(metrics: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const all = await metrics.registry.getMetricsAsJSON();
  const metric = all.find((m) => m.name === name);
  return metric?.values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))?.value;
}

describe('scrape-time gauges', () => {
  it('read the database once per cache period however often Prometheus scrapes, and keep the last values when a read fails', async () => {
    const metrics = createMetrics();
    let now = 0;
    let reads = 0;
    let next: () => Promise<StatusCounts> = async () => ({ actions: { running: 3, finished: 1 }, rollouts: { running: 1 }, groups: { scheduled: 2 } });
    const errors: unknown[] = [];
    watchScrapeSources(metrics, {
      statusCounts: () => (reads++, next()),
      pool: () => ({ total: 4, idle: 3, waiting: 0, max: 10 }),
      cacheMs: 5000,
      now: () => now,
      onError: (e) => errors.push(e),
    });
    // Three gauges, one read; every known status is present.
    expect(await sample(metrics, 'osprey_actions', { status: 'running' })).toBe(3);
    expect(await sample(metrics, 'osprey_actions', { status: 'error' })).toBe(0);
    expect(await sample(metrics, 'osprey_rollouts', { status: 'running' })).toBe(1);
    expect(await sample(metrics, 'osprey_rollout_groups', { status: 'scheduled' })).toBe(2);
    expect(await sample(metrics, 'osprey_database_pool_connections')).toBe(4);
    expect(await sample(metrics, 'osprey_database_pool_idle_connections')).toBe(3);
    expect(reads).toBe(1);
    now = 4999;
    await metrics.registry.metrics();
    await metrics.registry.metrics();
    expect(reads).toBe(1);
    // After the period: read again; a failure keeps the last figures and is counted.
    now = 5000;
    next = () => Promise.reject(new Error('database away'));
    expect(await sample(metrics, 'osprey_actions', { status: 'running' })).toBe(3);
    expect(reads).toBe(2);
    // Read the counter alone (a whole scrape would try the database again).
    expect((await metrics.registry.getSingleMetric('osprey_metrics_database_read_errors_total')!.get()).values[0]!.value).toBe(1);
    expect(errors).toEqual([new Error('database away')]);
    // A failed read is not cached: the next scrape tries again.
    next = async () => ({ actions: { running: 0, finished: 4 }, rollouts: { finished: 1 }, groups: { finished: 2 } });
    expect(await sample(metrics, 'osprey_actions', { status: 'finished' })).toBe(4);
    expect(reads).toBe(3);
  });

  it('start every counter an alert watches at 0', async () => {
    const metrics = createMetrics();
    expect(await sample(metrics, 'osprey_ddi_polls_total', { outcome: 'ok' })).toBe(0);
    expect(await sample(metrics, 'osprey_ddi_downloads_total', { mode: 'full', outcome: 'aborted' })).toBe(0);
    expect(await sample(metrics, 'osprey_authentication_failures_total', { kind: 'device_token' })).toBe(0);
    expect(await sample(metrics, 'osprey_ddi_feedback_errors_total', { kind: 'deployment', reason: 'invalid' })).toBe(0);
  });
});
