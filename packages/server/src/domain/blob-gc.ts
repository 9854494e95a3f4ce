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

/** Whether this blob may go: no row refers to it and it was last written before the grace period. */
async function removable(db: Db, sha256: string, modifiedAt: Date, now: Date, graceMs: number): Promise<boolean> {
  if (modifiedAt.getTime() > now.getTime() - graceMs) return false;
  return !(await new SoftwareModuleStore(db).blobInUse(sha256));
}

/**
 * After rows naming these blobs were deleted (and committed): remove each blob no row refers to
 * any more. Returns the blobs removed; a fresh one stays for the next `gc`.
 */
export async function releaseBlobs(db: Db, blobs: BlobStore, sha256s: Iterable<string>, now: Date, graceMs = BLOB_GRACE_MS): Promise<string[]> {
  const removed: string[] = [];
  for (const sha256 of new Set(sha256s)) {
    const stat = await blobs.stat(sha256);
    if (stat && (await removable(db, sha256, stat.modifiedAt, now, graceMs))) {
      await blobs.delete(sha256);
      removed.push(sha256);
    }
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
  for await (const blob of blobs.list()) {
    report.blobs++;
    if (await removable(db, blob.sha256, blob.modifiedAt, now, graceMs)) {
      await blobs.delete(blob.sha256);
      report.removed.push(blob.sha256);
      report.bytes += blob.size;
    }
  }
  return report;
}

export function formatGcReport(report: GcReport): string {
  return `gc: ${report.blobs} blobs, ${report.removed.length} removed (${report.bytes} bytes) that no artifact refers to\n`;
}
