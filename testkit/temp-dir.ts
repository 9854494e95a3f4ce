/**
 * Temporary directories for tests, removed when the tests that use them are done (also when
 * they fail), so test runs leave nothing in the system's temp directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach } from 'vitest';

/** A new directory `<tmp>/<prefix>XXXXXX`; the caller removes it. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeTempDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** One directory for the whole test file (or `describe` block), removed after its last test. */
export function tempDirForFile(prefix: string): string {
  const dir = makeTempDir(prefix);
  afterAll(() => removeTempDir(dir));
  return dir;
}

/**
 * A fresh directory for each test, handed to `use` before the test (and before the `beforeEach`
 * hooks registered after this call), removed after it: `let dir: string; tempDirEachTest('x-', (d) => (dir = d));`.
 */
export function tempDirEachTest(prefix: string, use: (dir: string) => void): void {
  let dir: string | undefined;
  beforeEach(() => {
    dir = makeTempDir(prefix);
    use(dir);
  });
  afterEach(() => {
    removeTempDir(dir);
    dir = undefined;
  });
}
