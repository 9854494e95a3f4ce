import { OspreyError } from '@osprey/core';

/** Bad command-line input: the user must change the command. Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const EXIT_OK = 0;
/** A verification or decryption failed: the data is not trustworthy. */
export const EXIT_REFUSED = 1;
/** The command, a file or a key is wrong: fix the input. */
export const EXIT_USAGE = 2;

const INPUT_CODES = new Set([
  'KEY_INVALID',
  'KEY_WRONG_PASSPHRASE',
  'KEY_UNSUPPORTED',
  'AGE_INVALID_RECIPIENT',
  'AGE_INVALID_IDENTITY',
  'RELEASE_METADATA_INVALID',
  'PKCS11_OBJECT_NOT_FOUND',
  'AUDIT_ENTRY_INVALID',
]);

/** One line for a person, and the exit code. */
export function describeError(error: unknown): { line: string; exitCode: number } {
  if (error instanceof UsageError) return { line: error.message, exitCode: EXIT_USAGE };
  if (error instanceof OspreyError) {
    return { line: `${error.message} [${error.code}]`, exitCode: INPUT_CODES.has(error.code) ? EXIT_USAGE : EXIT_REFUSED };
  }
  // `rollout watch` saw the rollout end stopped or in error: the pipeline must not go on.
  if (error instanceof Error && error.name === 'RolloutFailed') return { line: error.message, exitCode: EXIT_REFUSED };
  if (error instanceof Error && error.name === 'RemoteError') {
    const status = (error as Error & { status: number }).status;
    // A 4xx means the request was wrong (fix it); anything else means the server refused or failed.
    return { line: error.message, exitCode: status >= 400 && status < 500 ? EXIT_USAGE : EXIT_REFUSED };
  }
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return { line: `no such file: ${e.path}`, exitCode: EXIT_USAGE };
  if (e?.code === 'EACCES') return { line: `permission denied: ${e.path}`, exitCode: EXIT_USAGE };
  if (e?.code === 'EEXIST') return { line: `already exists: ${e.path}`, exitCode: EXIT_USAGE };
  // tuf-js errors: the repository failed verification.
  if (e instanceof Error && /Error$/.test(e.name) && e.name !== 'Error' && e.name !== 'TypeError') {
    return { line: `verification failed: ${e.message} [${e.name}]`, exitCode: EXIT_REFUSED };
  }
  return { line: `unexpected error: ${(e as Error)?.message ?? String(e)}`, exitCode: EXIT_REFUSED };
}
