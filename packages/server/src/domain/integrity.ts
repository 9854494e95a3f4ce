/**
 * The integrity of stored artifacts, as downloads meet it. The blob store can tell that a blob is
 * gone or of another length (a stat, before any header is sent) and that its bytes are not the
 * recorded ones (hashed while a full download streams). Whatever finds the damage first — a
 * device's download, an operator's, the scrub command — records it once (audited as
 * `system:integrity`, after which the artifact is neither offered nor served) and reports it: the
 * composition root turns a report into an error log line naming the artifact and the
 * `osprey_artifacts_damaged_total` metric.
 */
import type { Readable } from 'node:stream';
import { BlobDamagedError, type BlobDamage, type BlobStore } from '../blob/store.js';
import { artifactDamaged, recordDamage } from './artifacts.js';
import type { Changes } from './changes.js';

/** Who was serving the artifact when its damage showed. */
export type DamageSeenBy = 'device download' | 'management download' | 'scrub';

export interface DamageFinding {
  tenant: string;
  artifactId: number;
  sha256: string;
  damage: BlobDamage;
  seenBy: DamageSeenBy;
}

/** Told once per artifact, when its damage is first recorded. */
export type DamageReporter = (finding: DamageFinding) => void;

/** What integrity needs of an artifact row. */
export interface ServableArtifact {
  id: number;
  sha256: string;
  size: number | string;
  /** Set once damage was recorded. */
  damage: string | null;
}

export class ArtifactIntegrity {
  constructor(
    private readonly changes: Changes,
    private readonly blobs: BlobStore,
    private readonly report: DamageReporter = () => undefined,
    /** Where a failure to record a finding goes (the download answered already; nothing else can). */
    private readonly onRecordFailure: (err: unknown) => void = () => undefined,
  ) {}

  /**
   * Before any header is sent: refuse (503 ARTIFACT_DAMAGED) an artifact recorded as damaged —
   * even if the file came back, until an operator replaces it — or whose blob is gone or of
   * another length, so a wrong Content-Length is never announced. A fresh finding is recorded.
   */
  async assertServable(tenant: string, artifact: ServableArtifact, seenBy: DamageSeenBy): Promise<void> {
    if (artifact.damage !== null) throw artifactDamaged(artifact.id, artifact.damage as BlobDamage);
    const damage = await this.blobs.check(artifact.sha256, Number(artifact.size));
    if (damage) {
      await this.record(tenant, artifact, damage, seenBy);
      throw artifactDamaged(artifact.id, damage);
    }
  }

  /**
   * The whole blob, hashed as it streams (BlobStore.getVerified): on a mismatch the client sees a
   * cut connection, and the damage is recorded for every later request. A range cannot be hashed;
   * the device verifies it (TUF hashes, age's AEAD).
   */
  verifiedStream(tenant: string, artifact: ServableArtifact, seenBy: DamageSeenBy): Readable {
    const body = this.blobs.getVerified(artifact.sha256, Number(artifact.size));
    body.on('error', (e) => {
      if (e instanceof BlobDamagedError) this.record(tenant, artifact, e.damage, seenBy).catch(this.onRecordFailure);
    });
    return body;
  }

  /** Record and report a finding; false when the artifact was recorded as damaged already. */
  async record(tenant: string, artifact: Pick<ServableArtifact, 'id' | 'sha256'>, damage: BlobDamage, seenBy: DamageSeenBy): Promise<boolean> {
    const fresh = await recordDamage(this.changes, tenant, artifact.id, damage);
    if (fresh) this.report({ tenant, artifactId: artifact.id, sha256: artifact.sha256, damage, seenBy });
    return fresh;
  }
}
