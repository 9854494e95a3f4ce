/**
 * The generated first admin password, kept in `<dataDir>/initial-admin-password` so a newcomer (or a
 * script such as the README's) can read it after the banner scrolled away. Owner-only, and never
 * overwritten: the file always holds the password the first start chose.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const INITIAL_ADMIN_PASSWORD_FILE = 'initial-admin-password';

/** Writes the password once and returns the file's path; an existing file is left as it is. */
export function keepInitialAdminPassword(dataDir: string, password: string): string {
  const path = join(dataDir, INITIAL_ADMIN_PASSWORD_FILE);
  mkdirSync(dataDir, { recursive: true });
  try {
    // 'wx' fails on an existing file instead of replacing it; mode applies when it is created.
    writeFileSync(path, password + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return path;
}
