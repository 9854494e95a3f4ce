/**
 * GET /readyz: whether this instance can serve now, for a load balancer or an orchestrator. It
 * checks what every request needs, the database and the blob store, at once; 200 when both
 * answer, else 503 naming each failed check with a code and a short message. The message names
 * the kind of failure only (an errno, a timeout): the probe is public, the full error goes to
 * the log with the request id.
 */
import { z } from 'zod';
import type { TypedApp } from './schema.js';

export interface ReadinessChecks {
  /** Resolve when the database answers a query. */
  database: () => Promise<void>;
  /** Resolve when the blob store can be read and written (BlobStore.ping). */
  blobStore: () => Promise<void>;
}

/** A check that neither answers nor fails within this long has failed: a probe must not hang. */
const CHECK_TIMEOUT_MS = 5000;

const CODES = { database: 'DATABASE_UNAVAILABLE', blobStore: 'BLOB_STORE_UNAVAILABLE' } as const;
const WHAT = { database: 'the database does not answer', blobStore: 'the blob store cannot be read and written' } as const;

const failedCheck = z.object({
  check: z.enum(['database', 'blobStore']),
  code: z.enum(['DATABASE_UNAVAILABLE', 'BLOB_STORE_UNAVAILABLE']),
  message: z.string(),
});

class CheckTimeout extends Error {
  override readonly name = 'CheckTimeout';
  readonly code = 'TIMEOUT';
}

function withTimeout(run: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    timer.unref();
  });
  return Promise.race([Promise.resolve().then(run), timeout]).finally(() => clearTimeout(timer));
}

/** An errno-like code (ENOENT, EACCES, ECONNREFUSED, TIMEOUT) when the error has one. */
const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,32}$/.test(code) ? code : undefined;
};

export function registerReadiness(app: TypedApp, checks: ReadinessChecks): void {
  app.get(
    '/readyz',
    {
      schema: {
        response: {
          200: z.object({ status: z.literal('ready') }),
          503: z.object({ status: z.literal('not ready'), failed: z.array(failedCheck) }),
        },
      },
    },
    async (request, reply) => {
      const names = ['database', 'blobStore'] as const;
      const results = await Promise.allSettled(names.map((name) => withTimeout(checks[name])));
      const failed = names.flatMap((check, i) => {
        const result = results[i]!;
        if (result.status === 'fulfilled') return [];
        request.log.warn({ err: result.reason, check }, `readiness: ${WHAT[check]}`);
        const code = codeOf(result.reason);
        return [{ check, code: CODES[check], message: `${WHAT[check]}${code ? ` (${code})` : ''}` }];
      });
      if (failed.length === 0) return { status: 'ready' as const };
      return reply.status(503).send({ status: 'not ready' as const, failed });
    },
  );
}
