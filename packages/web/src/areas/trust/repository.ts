/**
 * The tenant's TUF repository as the console shows it: per top-level role its version, expiry,
 * threshold and keys (id, type, scheme), whether the server holds each key online, and whether
 * the current metadata carries its signature. Pure: built from the metadata and the key list.
 */
import type { TufRole } from './expiry.js';

export const ROLES: readonly TufRole[] = ['root', 'targets', 'snapshot', 'timestamp'];

export interface TufKeyJson {
  keytype?: string;
  scheme?: string;
  keyval?: { public?: string };
}

export interface Metadata {
  signed: {
    _type?: string;
    version: number;
    expires: string;
    keys?: Record<string, TufKeyJson>;
    roles?: Partial<Record<TufRole, { keyids: string[]; threshold: number }>>;
    meta?: Record<string, { version?: number }>;
  };
  signatures: Array<{ keyid: string; sig?: string }>;
}

export interface RoleKey {
  keyid: string;
  keytype: string;
  scheme: string;
  /** The server holds its private part (an online key). */
  online: boolean;
  /** The role's current metadata carries a signature by it. */
  signed: boolean;
}

export interface RoleSummary {
  role: TufRole;
  version: number | undefined;
  expires: string | undefined;
  threshold: number;
  keys: RoleKey[];
  /** Online keys the server holds for the role that the root does not list yet (staged for a rotation). */
  staged: string[];
}

export function summarize(
  metadata: Partial<Record<TufRole, Metadata>>,
  onlineKeys: ReadonlyArray<{ role: string; keyid: string; inRoot: boolean }>,
): RoleSummary[] {
  const root = metadata.root?.signed;
  return ROLES.map((role) => {
    const spec = root?.roles?.[role];
    const own = metadata[role];
    const signedBy = new Set((own?.signatures ?? []).filter((s) => s.sig !== '').map((s) => s.keyid));
    const held = onlineKeys.filter((k) => k.role === role);
    return {
      role,
      version: own?.signed.version,
      expires: own?.signed.expires,
      threshold: spec?.threshold ?? 0,
      keys: (spec?.keyids ?? []).map((keyid) => ({
        keyid,
        keytype: root?.keys?.[keyid]?.keytype ?? 'unknown',
        scheme: root?.keys?.[keyid]?.scheme ?? 'unknown',
        online: held.some((k) => k.keyid === keyid),
        signed: signedBy.has(keyid),
      })),
      staged: held.filter((k) => !k.inRoot).map((k) => k.keyid),
    };
  });
}

/** The version a timestamp or snapshot pins for a file (`snapshot.json`, `targets.json`). */
export function metaVersion(metadata: Metadata | undefined, name: string): number | undefined {
  const version = metadata?.signed.meta?.[name]?.version;
  return Number.isInteger(version) ? version : undefined;
}
