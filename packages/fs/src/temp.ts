/**
 * Temporary siblings: a file is written under a hidden random name in its own directory (so the
 * final rename(2) stays on one file system and is atomic), and what an interrupted write left
 * behind can be recognised by name and removed without touching anything else.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const TEMP_SUFFIX = '.tmp';

/** A temporary sibling of `path`: `.<name>.<12 hex>.tmp`, hidden, random, recognisable by {@link staleTemps}. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

function isTempOf(path: string, name: string): boolean {
  const prefix = `.${basename(path)}.`;
  return name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX) && /^[0-9a-f]{12}$/.test(name.slice(prefix.length, -TEMP_SUFFIX.length));
}

/** Temp files that interrupted writes of `path` left behind (none if the directory is missing). */
export function staleTemps(path: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return [];
  }
  return names.filter((n) => isTempOf(path, n)).map((n) => join(dirname(path), n));
}

/** Removes what interrupted writes of `path` left behind. Never touches `path` itself. */
export function removeStaleTemps(path: string): void {
  for (const temp of staleTemps(path)) rmSync(temp, { force: true });
}
