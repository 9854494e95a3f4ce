/**
 * Blobs are content-addressed and shared: several artifact rows (the same bytes uploaded twice,
 * perhaps by different tenants) may name one blob. So a blob is removed only once no row refers
 * to its SHA-256, and never while it is fresh: an upload writes its blob first and records its
 * row afterwards (see artifacts.ts), so a blob written within the grace period may be about to
 * gain a row. `releaseBlobs` runs after a deleting transaction has committed; `collectGarbage`
 * (`osprey-server gc`) sweeps whatever that left (a fresh blob then, a crash in between, blobs of
 * rows deleted before this existed).
 */
import type { BlobStore } from '../blob/store.js';
import type { Db } from '../db/stores/common.js';
import { SoftwareModuleStore } from '../db/stores/software-modules.js';

/** How long a written blob is safe from removal although no row refers to it (yet). */
export const BLOB_GRACE_MS = 60 * 60 * 1000;

/**
 * Remove the blob if it may go: no row refers to it and it was last written before the grace
 * period. Checked and done under the blob's lock, which an upload takes to record its row.
 */
async function removeIfUnused(store: SoftwareModuleStore, blobs: BlobStore, sha256: string, now: Date, graceMs: number): Promise<number | undefined> {
  return store.underBlobLock(sha256, async (locked) => {
    const stat = await blobs.stat(sha256);
    if (!stat || stat.modifiedAt.getTime() > now.getTime() - graceMs) return undefined;
    if (await locked.blobInUse(sha256)) return undefined;
    await blobs.delete(sha256);
    return stat.size;
  });
}

/**
 * After rows naming these blobs were deleted (and committed), or an upload was refused: remove
 * each blob no row refers to any more. Returns the blobs removed; a fresh one stays for `gc`.
 */
export async function releaseBlobs(
  store: SoftwareModuleStore,
  blobs: BlobStore,
  sha256s: Iterable<string>,
  now: Date,
  graceMs = BLOB_GRACE_MS,
): Promise<string[]> {
  const removed: string[] = [];
  for (const sha256 of new Set(sha256s)) {
    if ((await removeIfUnused(store, blobs, sha256, now, graceMs)) !== undefined) removed.push(sha256);
  }
  return removed;
}

export interface GcReport {
  /** Blobs in the store. */
  blobs: number;
  /** Removed: no row referred to them and they were older than the grace period. */
  removed: string[];
  /** Bytes freed. */
  bytes: number;
}

/** Remove every blob no artifact row refers to that was written before `now - graceMs`. */
export async function collectGarbage(db: Db, blobs: BlobStore, now: Date, graceMs = BLOB_GRACE_MS): Promise<GcReport> {
  const report: GcReport = { blobs: 0, removed: [], bytes: 0 };
  const store = new SoftwareModuleStore(db);
  for await (const blob of blobs.list()) {
    report.blobs++;
    // Cheap tests first; the decision is made again under the blob's lock.
    if (blob.modifiedAt.getTime() > now.getTime() - graceMs || (await store.blobInUse(blob.sha256))) continue;
    const size = await removeIfUnused(store, blobs, blob.sha256, now, graceMs);
    if (size !== undefined) {
      report.removed.push(blob.sha256);
      report.bytes += size;
    }
  }
  return report;
}

export function formatGcReport(report: GcReport): string {
  return `gc: ${report.blobs} blobs, ${report.removed.length} removed (${report.bytes} bytes) that no artifact refers to\n`;
}
