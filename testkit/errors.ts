/**
 * What a promise ends with, for tests that assert on typed error codes: 'resolved', or the `code`
 * of a typed error it rejects with. Any other rejection is rethrown, so an unexpected failure still fails.
 */
export async function settledCode(promise: Promise<unknown>, isTyped: (e: unknown) => e is { code: string }): Promise<string> {
  try {
    await promise;
  } catch (e) {
    if (isTyped(e)) return e.code;
    throw e;
  }
  return 'resolved';
}
