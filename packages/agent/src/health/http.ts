import type { HealthCheck } from './types.js';

/** A health check that probes a URL: healthy on a 2xx answer. */
export function httpHealthCheck(url: string): HealthCheck {
  return async ({ signal }) => {
    try {
      const res = await fetch(url, { signal });
      await res.arrayBuffer();
      return res.ok ? { ok: true } : { ok: false, reason: `${url} answered HTTP ${res.status}` };
    } catch (e) {
      return { ok: false, reason: `${url}: ${(e as Error).message}` };
    }
  };
}
