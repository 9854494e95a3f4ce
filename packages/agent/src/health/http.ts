import { redactUrl } from '../fetch/redact.js';
import type { HealthCheck } from './types.js';

/** A health check that probes a URL: healthy on a 2xx answer. */
export function httpHealthCheck(url: string): HealthCheck {
  // Its reason is reported as feedback: the URL without query, as for every URL the agent reports.
  const shown = redactUrl(url);
  return async ({ signal }) => {
    try {
      const res = await fetch(url, { signal });
      await res.arrayBuffer();
      return res.ok ? { ok: true } : { ok: false, reason: `${shown} answered HTTP ${res.status}` };
    } catch (e) {
      return { ok: false, reason: `${shown}: ${(e as Error).message}` };
    }
  };
}
