/**
 * Reading /metrics in tests with real tools: the text-format parser `parse-prometheus-text-format`
 * (npm) and Prometheus' own `promtool check metrics` (Debian package prometheus, installed by
 * .ci/install-system-packages; in CI its absence fails, elsewhere it is skipped with one line).
 */
import { spawnSync } from 'node:child_process';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';

export type MetricFamilies = Map<string, PrometheusFamily>;

export function parseMetrics(text: string): MetricFamilies {
  return new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
}

/**
 * The value of the first sample of a counter or gauge whose labels include `labels`, 0 when no
 * such series is exported; throws when the metric itself is absent.
 */
export function metricValue(families: MetricFamilies, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  if (!family) throw new Error(`metric ${name} is not exported`);
  // The parser folds a labelled histogram's series into one (it keeps only the buckets): read those with histogramCount.
  if (family.type === 'HISTOGRAM') throw new Error(`${name} is a histogram: use histogramCount`);
  const sample = family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  if (!sample) return 0;
  return Number(sample.value ?? sample.count);
}

/**
 * A histogram's observation count for one label set, from its `<name>_count{…}` line (0 when
 * absent). The parser above checks the text's syntax but cannot tell labelled histogram series
 * apart, so this reads the one line it needs; label values here never hold quotes or escapes.
 */
export function histogramCount(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    const match = /^(\w+)_count\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return 0;
}

/** `promtool check metrics` on the text: its complaints ('' when none), or undefined without promtool (outside CI). */
export function promtoolCheck(text: string): { status: number | null; output: string } | undefined {
  const found = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
  if (!found) {
    if (process.env.CI) throw new Error('promtool is missing: .ci/install-system-packages installs the Debian package prometheus');
    console.warn('promtool not found (apt-get install prometheus): skipping its check; the text-format parser still runs');
    return undefined;
  }
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: check.status, output: `${check.stdout}${check.stderr}`.trim() };
}
