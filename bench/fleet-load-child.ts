/**
 * Load-generator child of the `fleet` benchmark (not a benchmark itself: run.ts does not list it).
 * fleet.ts transpiles it to plain JavaScript and runs it as `node fleet-load-child.js SPEC_JSON`,
 * so that the load never shares an event loop with the parent or the server under load.
 *
 *   role "poll"      `connections` keep-alive workers walk the poll schedule: poll number k is
 *                    device (k mod N) + 1, due at k·interval/N seconds (every device once per
 *                    interval, spread uniformly); a worker that is early waits, one that is late
 *                    sends at once (the lag is reported: the server could not keep up).
 *   role "download"  1 % of the fleet (dl-1 … dl-M, each with an action the rollout released) start at uniformly
 *                    random moments of the run: poll, feedback "proceeding", the artifact, feedback
 *                    "closed/success". Every 10th download is cut mid-stream and resumed with Range.
 *
 * HTTP is node's fetch (undici, keep-alive pool), only to 127.0.0.1. Both roles stop at the
 * deadline by themselves and print one JSON line: counts, errors and latency percentiles.
 */
import { POLL_ID_PREFIX, targetToken } from './ddi-common.js';

export interface LoadSpec {
  role: 'poll' | 'download';
  /** http://127.0.0.1:PORT */
  url: string;
  devices: number;
  tokenKey: string;
  intervalSeconds: number;
  durationSeconds: number;
  connections: number;
  /** The download role: the forced-action targets dl-1 … dl-clients and the artifact they fetch. */
  download?: { clients: number; moduleId: number; filename: string; size: number };
  /** Set for the baseline (bare fastify): it has no tokens to check, but gets the same requests. */
  seed: number;
}

export interface LoadResult {
  role: 'poll' | 'download';
  polls: number;
  pollMs: { p50: number | null; p99: number | null };
  feedbacks: number;
  feedbackMs: { p50: number | null; p99: number | null };
  downloadsStarted: number;
  downloadsCompleted: number;
  resumed: number;
  bytes: number;
  errors: number;
  firstErrors: string[];
  /** How late the last poll was against its schedule, in seconds (0: the schedule was kept). */
  scheduleLagSeconds: number;
  seconds: number;
}

function percentile(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]! * 100) / 100;
}

class Latencies {
  private values = new Float64Array(1 << 16);
  count = 0;
  add(ms: number): void {
    if (this.count === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.count++] = ms;
  }
  summary(): { p50: number | null; p99: number | null } {
    const sorted = this.values.slice(0, this.count).sort();
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A small deterministic PRNG (mulberry32), so that two runs with one seed start downloads alike. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const started = performance.now();
  const deadline = started + spec.durationSeconds * 1000;
  const pollMs = new Latencies();
  const feedbackMs = new Latencies();
  const firstErrors: string[] = [];
  let errors = 0;
  const fail = (what: string): void => {
    errors++;
    if (firstErrors.length < 5) firstErrors.push(what);
  };
  const result = { polls: 0, feedbacks: 0, downloadsStarted: 0, downloadsCompleted: 0, resumed: 0, bytes: 0, scheduleLagSeconds: 0 };
  const base = `${spec.url}/DEFAULT/controller/v1`;

  /** One root poll: its latency counts; the body is read (a device reads it). */
  const poll = async (controllerId: string, token: string): Promise<string | undefined> => {
    const t0 = performance.now();
    const response = await fetch(`${base}/${controllerId}`, { headers: { accept: 'application/hal+json', authorization: `TargetToken ${token}` } });
    const text = await response.text();
    pollMs.add(performance.now() - t0);
    result.polls++;
    if (response.status !== 200) {
      fail(`poll ${controllerId}: HTTP ${response.status} ${text.slice(0, 200)}`);
      return undefined;
    }
    return text;
  };

  if (spec.role === 'poll') {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const k = next++;
        const due = started + (k * spec.intervalSeconds * 1000) / spec.devices;
        const wait = due - performance.now();
        if (wait > 0) {
          if (due >= deadline) return;
          await sleep(wait);
        } else result.scheduleLagSeconds = -wait / 1000;
        const id = `${POLL_ID_PREFIX}${(k % spec.devices) + 1}`;
        try {
          await poll(id, targetToken(spec.tokenKey, id));
        } catch (e) {
          fail(`poll ${id}: ${(e as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: spec.connections }, worker));
  } else {
    const dl = spec.download!;
    const rand = random(spec.seed);
    // Each downloading device starts at a random moment of the run (sorted: the queue order).
    const starts = Array.from({ length: dl.clients }, (_, i) => ({ i: i + 1, at: started + rand() * spec.durationSeconds * 1000 })).sort((a, b) => a.at - b.at);
    let next = 0;
    const feedback = async (id: string, token: string, actionId: string, execution: 'proceeding' | 'closed'): Promise<void> => {
      const t0 = performance.now();
      const response = await fetch(`${base}/${id}/deploymentBase/${actionId}/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `TargetToken ${token}` },
        body: JSON.stringify({ status: { execution, result: { finished: execution === 'closed' ? 'success' : 'none' } } }),
      });
      await response.arrayBuffer();
      feedbackMs.add(performance.now() - t0);
      result.feedbacks++;
      if (response.status !== 200) throw new Error(`feedback ${execution}: HTTP ${response.status}`);
    };
    /** Bytes of one GET, stopping after `stopAfter` bytes (the connection cut mid-stream). */
    const fetchArtifact = async (url: string, token: string, from: number, stopAfter: number): Promise<number> => {
      const abort = new AbortController();
      const headers: Record<string, string> = { authorization: `TargetToken ${token}` };
      if (from > 0) headers.range = `bytes=${from}-`;
      const response = await fetch(url, { headers, signal: abort.signal });
      const expectedStatus = from > 0 ? 206 : 200;
      if (response.status !== expectedStatus) throw new Error(`GET artifact${from > 0 ? ' (Range)' : ''}: HTTP ${response.status}, expected ${expectedStatus}`);
      let got = 0;
      const reader = response.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        got += value.length;
        if (got >= stopAfter) {
          abort.abort();
          break;
        }
      }
      result.bytes += got;
      return got;
    };
    const worker = async (): Promise<void> => {
      while (next < starts.length) {
        const { i, at } = starts[next++]!;
        if (at >= deadline) return;
        if (at > performance.now()) await sleep(at - performance.now());
        if (performance.now() >= deadline) return;
        const id = `dl-${i}`;
        const token = targetToken(spec.tokenKey, id);
        result.downloadsStarted++;
        try {
          const body = await poll(id, token);
          if (body === undefined) continue;
          const actionId = /deploymentBase\/(\d+)/.exec(body)?.[1];
          if (!actionId) throw new Error('the poll offers no deploymentBase');
          await feedback(id, token, actionId, 'proceeding');
          const url = `${base}/${id}/softwaremodules/${dl.moduleId}/artifacts/${dl.filename}`;
          const cut = i % 10 === 0;
          let got = await fetchArtifact(url, token, 0, cut ? dl.size >> 1 : Infinity);
          if (cut) {
            result.resumed++;
            got += await fetchArtifact(url, token, got, Infinity);
          }
          if (got !== dl.size) throw new Error(`artifact: ${got} bytes, it has ${dl.size}`);
          await feedback(id, token, actionId, 'closed');
          result.downloadsCompleted++;
        } catch (e) {
          fail(`${id}: ${(e as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: spec.connections }, worker));
  }
  return {
    role: spec.role,
    ...result,
    pollMs: pollMs.summary(),
    feedbackMs: feedbackMs.summary(),
    errors,
    firstErrors,
    seconds: (performance.now() - started) / 1000,
  };
}

const specJson = process.argv[2];
if (specJson !== undefined) process.stdout.write(`${JSON.stringify(await run(JSON.parse(specJson) as LoadSpec))}\n`);
