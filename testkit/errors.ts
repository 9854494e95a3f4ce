/**
 * What a promise or a function ends with, for tests that assert on typed error codes. Each helper
 * takes a promise, or a function that throws or returns one (`Settling`), so synchronous and
 * asynchronous code are asserted alike.
 */
export type Settling = Promise<unknown> | (() => unknown);

async function settle(settling: Settling): Promise<unknown> {
  return typeof settling === 'function' ? await settling() : await settling;
}

/**
 * `resolved` (default 'resolved') when it succeeds, or the `code` of the typed error it fails with.
 * Any other error is rethrown, so an unexpected failure still fails the test.
 */
export async function settledCode(settling: Settling, isTyped: (e: unknown) => e is { code: string }, resolved = 'resolved'): Promise<string> {
  try {
    await settle(settling);
  } catch (e) {
    if (isTyped(e)) return e.code;
    throw e;
  }
  return resolved;
}

/**
 * The same where every error has a code through `codeOf` (the agent's `failureCode`: an untyped
 * error is AGENT_INTERNAL, so nothing is rethrown).
 */
export async function settledFailureCode(settling: Settling, codeOf: (e: unknown) => string, resolved = 'resolved'): Promise<string> {
  try {
    await settle(settling);
  } catch (e) {
    return codeOf(e);
  }
  return resolved;
}

/** The error a promise rejects with (or a function throws); the test fails if there is none. */
export async function rejection(settling: Settling): Promise<unknown> {
  try {
    await settle(settling);
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** The error a synchronous function throws, or undefined when it returns. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** The code of the typed error a synchronous function throws, or undefined when it returns; any other error is rethrown. */
export function thrownCode(fn: () => unknown, isTyped: (e: unknown) => e is { code: string }): string | undefined {
  const e = thrown(fn);
  if (e === undefined || isTyped(e)) return e?.code;
  throw e;
}
