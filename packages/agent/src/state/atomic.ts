/**
 * Atomic small-file replacement for the agent's persistent records (install state, simulated
 * bootloader environment, security version): write a temporary sibling, fsync it, rename it over
 * the target, fsync the directory. A reader therefore sees either the complete old file or the
 * complete new one, whatever instant the process is killed or the power is cut (the same sequence
 * as `packages/cli/src/files.ts`, which the agent does not depend on).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The points between the steps of {@link writeFileAtomic}, in order. */
export const ATOMIC_WRITE_STEPS = ['temp-written', 'temp-synced', 'renamed', 'dir-synced'] as const;
export type AtomicWriteStep = (typeof ATOMIC_WRITE_STEPS)[number];

/**
 * Called after each step. Tests throw from it to stop the sequence exactly there, as a `kill -9`
 * would: nothing is cleaned up after a hook throws (a leftover temp file is what a crash leaves).
 */
export type AtomicWriteHook = (step: AtomicWriteStep, tempPath: string) => void;

export interface AtomicWriteOptions {
  readonly mode?: number;
  readonly hook?: AtomicWriteHook;
}

/** fsync a directory so that a rename inside it survives a power cut. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const TEMP_SUFFIX = '.tmp';

/** A temporary sibling of `path`: hidden, random, and recognisable by {@link removeStaleTemps}. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

function isTempOf(path: string, name: string): boolean {
  const prefix = `.${basename(path)}.`;
  return name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX) && /^[0-9a-f]{12}$/.test(name.slice(prefix.length, -TEMP_SUFFIX.length));
}

/** Temp files that an interrupted write of `path` left behind. */
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

/** Write temp, fsync, rename over `path`, fsync the directory. */
export function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = tempPathFor(path);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(temp, 'wx', options.mode ?? 0o600);
  try {
    let written = 0;
    while (written < bytes.byteLength) written += writeSync(fd, bytes, written, bytes.byteLength - written);
  } catch (e) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw e;
  }
  options.hook?.('temp-written', temp);
  try {
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw e;
  }
  closeSync(fd);
  options.hook?.('temp-synced', temp);
  renameSync(temp, path);
  options.hook?.('renamed', temp);
  fsyncDir(dir);
  options.hook?.('dir-synced', temp);
}
