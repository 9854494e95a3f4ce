/**
 * An artifact as one device is given it: hashes and size of the bytes served, whether a detached
 * signature is offered, its TUF target, and for an encrypted artifact this device's own age header
 * (the file key unwrapped from the tenant's escrow header and wrapped to the device's key).
 * Plain values: links and encodings are the HTTP layer's (http/ddi-dto.ts).
 */
import { P256TagRecipient, X25519Recipient, wrapHeader, type Recipient } from '@osprey/core';
import type { ArtifactRow } from '../../db/stores/deployment-content.js';
import type { KeyService } from '../../keys/keyservice.js';

export interface ArtifactView {
  /** The artifact's row id (integrity checks before a direct-download link is made). */
  id: number;
  filename: string;
  hashes: { sha1: string; md5: string; sha256: string };
  size: number;
  /** Osprey: a detached signature is served as `<file>.sig` (not when an artifact has that very name). */
  signature: boolean;
  /** Osprey: the TUF target that signs this artifact. */
  tufTarget?: string;
  /** Osprey: the artifact is age-encrypted; `header` is this device's header, when the device has a key. */
  encryption?: { format: 'age-v1'; header?: Buffer };
}

/** A stored recipient (`age1…` X25519 or `age1tag1…` P-256); undefined when none or unreadable. */
export function parseRecipient(text: string | null): Recipient | undefined {
  if (!text) return undefined;
  try {
    return text.startsWith('age1tag1') ? new P256TagRecipient(text) : new X25519Recipient(text);
  } catch {
    return undefined;
  }
}

/** The views of one module's artifacts for a device with `recipient`. */
export async function artifactViews(
  keys: KeyService,
  tenant: string,
  artifacts: readonly ArtifactRow[],
  recipient: Recipient | undefined,
): Promise<ArtifactView[]> {
  const names = new Set(artifacts.map((a) => a.filename));
  const out: ArtifactView[] = [];
  for (const a of artifacts) {
    const view: ArtifactView = {
      id: a.id,
      filename: a.filename,
      hashes: { sha1: a.sha1, md5: a.md5, sha256: a.sha256 },
      size: Number(a.size),
      signature: a.signature !== null && !names.has(`${a.filename}.sig`),
    };
    if (a.tuf_target) view.tufTarget = a.tuf_target;
    if (a.escrow_header) {
      view.encryption = { format: 'age-v1' };
      if (recipient) view.encryption.header = await wrapHeader(await keys.unwrapFileKey(tenant, a.escrow_header), [recipient]);
    }
    out.push(view);
  }
  return out;
}
