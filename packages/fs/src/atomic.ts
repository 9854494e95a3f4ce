/**
 * Durable, atomic file replacement: write a temporary sibling, fsync it, rename it over the
 * target, fsync the directory. A reader sees either the complete old file or the complete new
 * one, whatever instant the process is killed or the power is cut; once the call returns, the new
 * file survives a power cut (the directory entry is on the medium too, not only the data).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { tempPathFor } from './temp.js';

/** The points between the steps of {@link writeFileAtomic}, in order. */
export const ATOMIC_WRITE_STEPS = ['temp-written', 'temp-synced', 'renamed', 'dir-synced'] as const;
export type AtomicWriteStep = (typeof ATOMIC_WRITE_STEPS)[number];

/**
 * Called after each step. Tests throw from it to stop the sequence exactly there, as a `kill -9`
 * would: nothing is cleaned up after a hook throws (a leftover temp file is what a crash leaves).
 */
export type AtomicWriteHook = (step: AtomicWriteStep, tempPath: string) => void;

export interface AtomicWriteOptions {
  /**
   * Permission bits of the new file (before the umask). Required: every caller says who may read
   * what it writes (0o600 for keys and device state, 0o644 for published files).
   */
  readonly mode: number;
  readonly hook?: AtomicWriteHook;
}

/** fsync a directory so that a rename (or create, or unlink) inside it survives a power cut. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync a file that was written through a stream or by another program, before it is renamed into place. */
export async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Write a temp sibling, fsync it, rename it over `path`, fsync the directory. Creates the directory if needed. */
export function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = tempPathFor(path);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(temp, 'wx', options.mode);
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

/**
 * Puts a complete temp file in place durably: fsync it, rename it over `path`, fsync the
 * directory. For files whose final name is known only once they are written (a consistent
 * snapshot name carries the file's hash); `temp` must be in `path`'s directory.
 */
export async function commitTempFile(temp: string, path: string): Promise<void> {
  await fsyncFile(temp);
  renameSync(temp, path);
  fsyncDir(dirname(path));
}

/**
 * The atomic replacement of {@link writeFileAtomic} for content that is streamed or made by
 * another program: `write(temp)` creates and fills the temp sibling (e.g. a pipeline into
 * `createWriteStream(temp, { flags: 'wx' })`), then it is committed with {@link commitTempFile}.
 * If `write` or the commit fails, the temp file is removed and `path` is left as it was.
 */
export async function writeFileAtomicFrom<T>(path: string, write: (temp: string) => Promise<T>): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  const temp = tempPathFor(path);
  try {
    const result = await write(temp);
    await commitTempFile(temp, path);
    return result;
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}
