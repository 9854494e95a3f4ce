/**
 * Verification through tuf-js, the TUF client nobody on this team wrote: the same code path a
 * device uses. Repositories are read over HTTP(S) or straight from a directory.
 */
import { copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OspreyError, releaseCustomOf, type ReleaseCustom } from '@osprey/core';
import type { TargetFile } from '@tufjs/models';
import { BaseFetcher, Updater } from 'tuf-js';
import { UsageError } from './errors.js';

// tuf-js ends the root walk only on its own DownloadHTTPError with 404 (client workflow 5.3.3);
// the class is not re-exported from its index, so it is taken from the pinned version's module.
const require = createRequire(import.meta.url);
const { DownloadHTTPError } = require('tuf-js/dist/error') as { DownloadHTTPError: new (message: string, statusCode: number) => Error };

/** Serves `file:` URLs from disk, answering 404 for a missing file as an HTTP server would. */
class FileFetcher extends BaseFetcher {
  override async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const path = fileURLToPath(url);
    if (!existsSync(path)) throw new DownloadHTTPError(`${path} not found`, 404);
    return Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array<ArrayBuffer>>;
  }
}

export interface VerifiedTarget {
  target: TargetFile;
  custom: ReleaseCustom;
  /** The downloaded, length- and hash-checked bytes (a temporary file unless `outFile` was given). */
  file: string;
  cleanup(): void;
}

/**
 * Refresh metadata from `source` (a repository directory or an http(s) base URL), starting from a
 * trusted root, then download `targetPath` and check its signed length and hash.
 */
export async function fetchVerifiedTarget(options: { source: string; trustedRoot: string; targetPath: string; now?: Date }): Promise<VerifiedTarget> {
  const work = mkdtempSync(join(tmpdir(), 'osprey-verify-'));
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  try {
    const metadataDir = join(work, 'metadata');
    const targetDir = join(work, 'targets');
    mkdirSync(metadataDir);
    mkdirSync(targetDir);
    try {
      JSON.parse(readFileSync(options.trustedRoot, 'utf8'));
    } catch (cause) {
      throw new UsageError(`trusted root ${options.trustedRoot} is not readable JSON: ${(cause as Error).message}`);
    }
    copyFileSync(options.trustedRoot, join(metadataDir, 'root.json'));
    const isUrl = /^https?:\/\//.test(options.source);
    const base = isUrl ? options.source.replace(/\/$/, '') : pathToFileURL(join(options.source, 'public')).href;
    const updater = new Updater({
      metadataDir,
      targetDir,
      metadataBaseUrl: `${base}/metadata`,
      targetBaseUrl: `${base}/targets`,
      ...(isUrl ? {} : { fetcher: new FileFetcher() }),
    });
    await updater.refresh();
    const target = await updater.getTargetInfo(options.targetPath);
    if (!target) throw new OspreyError('TUF_TARGET_UNKNOWN', `target ${options.targetPath} is not in the signed targets metadata`);
    const custom = releaseCustomOf(target);
    const file = await updater.downloadTarget(target, join(targetDir, 'payload'));
    return { target, custom, file, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}
