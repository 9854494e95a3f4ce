import type { HealthCheck, HealthContext } from './types.js';

export type HealthVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly timeout: boolean };

/**
 * Asks `check` within `timeoutMs`: a check that does not answer in time is aborted and counts as
 * `timeout` (the state machine's `health_timeout`); one that throws counts as failed with its message.
 */
export async function runHealthCheck(check: HealthCheck, context: Omit<HealthContext, 'signal'>, timeoutMs: number): Promise<HealthVerdict> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      // Settle the timeout first: a check may answer synchronously on abort (a spawned command
      // fails with AbortError), and that late answer must not win the race.
      resolve('timeout');
      controller.abort();
    }, timeoutMs);
  });
  try {
    const result = await Promise.race([check({ ...context, signal: controller.signal }), timeout]);
    if (result === 'timeout') return { ok: false, reason: `no answer within ${timeoutMs} ms`, timeout: true };
    return result.ok ? result : { ...result, timeout: false };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e), timeout: false };
  } finally {
    clearTimeout(timer);
  }
}
