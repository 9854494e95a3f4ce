/**
 * `osprey-server scrub`: re-hash every stored blob an artifact refers to and report the
 * artifacts whose blob is missing, of another length than recorded or of other bytes. A blob
 * shared by several artifacts (same content) is hashed once. Every tenant is checked: this is
 * an operator's command, run on the server's own data directory.
 */
import type { BlobDamage, BlobStore } from '../blob/store.js';
import type { Db } from '../db/stores/common.js';
import { recordDamage } from './artifacts.js';
import type { Changes } from './changes.js';

export interface DamagedArtifact {
  tenant: string;
  artifactId: number;
  moduleId: number;
  filename: string;
  sha256: string;
  damage: BlobDamage;
}

export interface ScrubReport {
  artifacts: number;
  blobs: number;
  damaged: DamagedArtifact[];
}

/** With `changes`, each damaged artifact not yet recorded is marked (audited as system:integrity) and no longer offered. */
export async function scrubArtifacts(db: Db, blobs: BlobStore, changes?: Changes): Promise<ScrubReport> {
  const rows = await db.selectFrom('artifacts').select(['tenant', 'id', 'module_id', 'filename', 'sha256', 'size']).orderBy('tenant').orderBy('id').execute();
  const verdicts = new Map<string, BlobDamage | undefined>();
  const damaged: DamagedArtifact[] = [];
  for (const row of rows) {
    // Keyed by size too: two rows naming one sha256 with different recorded sizes cannot both be right.
    const key = `${row.sha256}/${row.size}`;
    if (!verdicts.has(key)) verdicts.set(key, await blobs.verify(row.sha256, Number(row.size)));
    const damage = verdicts.get(key);
    if (damage && changes) await recordDamage(changes, row.tenant, row.id, damage);
    if (damage) damaged.push({ tenant: row.tenant, artifactId: row.id, moduleId: row.module_id, filename: row.filename, sha256: row.sha256, damage });
  }
  return { artifacts: rows.length, blobs: new Set(rows.map((r) => r.sha256)).size, damaged };
}

/** One line per damaged artifact, then a summary line. */
export function formatScrubReport(report: ScrubReport): string {
  const lines = report.damaged.map((d) => `damaged: tenant ${d.tenant} artifact ${d.artifactId} (module ${d.moduleId}, ${d.filename}): ${d.damage}`);
  lines.push(`scrub: ${report.artifacts} artifacts in ${report.blobs} blobs checked, ${report.damaged.length} damaged`);
  return lines.join('\n') + '\n';
}
