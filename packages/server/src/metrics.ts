/**
 * The server's Prometheus metrics (prom-client), one registry per running server so that several
 * servers in one process (tests) keep theirs apart. Served at GET /metrics (http/app.ts).
 */
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServerMetrics {
  registry: Registry;
  /** Artifacts found damaged (stored bytes missing, resized or changed), by how, when first recorded. */
  artifactsDamaged: Counter<'damage'>;
}

export function createMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'osprey_' });
  const artifactsDamaged = new Counter({
    name: 'osprey_artifacts_damaged_total',
    help: 'Artifacts whose stored bytes were found missing, of another length or changed (each counted once, when recorded).',
    labelNames: ['damage'] as const,
    registers: [registry],
  });
  // Present from the start (at 0), so an alert on increase() sees the first damage.
  for (const damage of ['missing', 'size', 'hash']) artifactsDamaged.inc({ damage }, 0);
  return { registry, artifactsDamaged };
}
