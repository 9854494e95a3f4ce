/**
 * The agent's side-state records: small JSON files next to the install state (in the agent's
 * work directory, `<stateDir>/work`) holding what the state machine's state does not:
 *
 * - `action.json` ({@link actionRecord}): the deployment being installed — download URL, TUF
 *   locations, this device's age header — or the offline bundle; written before `start` is applied;
 * - `installed.json` ({@link installedRecord}): the release last committed (for `status` and the
 *   `osprey.release` attribute);
 * - `stream.json` ({@link streamRecord}): the checkpoint of a streaming install, to continue it
 *   after a restart;
 * - `staged.json` ({@link stagedRecord}): an image streamed into the inactive slot for a
 *   download-only action, so the install that follows does not download it again.
 *
 * Each is written atomically (temp, fsync, rename, fsync dir; @osprey/fs), readable only by the
 * agent, and validated against its schema when read. None is trusted for more than a hint: every
 * one is checked against the state or the signed release it claims to belong to before it is
 * used, so a record that is missing, stale or corrupt costs a download at worst. That is also why
 * `clear` does not fsync the directory: a record that reappears after a power cut is ignored.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { releaseCustomSchema } from '@osprey/core';
import { writeFileAtomic } from '@osprey/fs';
import { z } from 'zod';
import { AgentError, isAgentError } from '../errors.js';
import type { AgentLogger } from '../log.js';
import { releaseInfoSchema } from './machine.js';

/** One side-state record: where it lives in the work directory and what it holds. */
export interface SideFile<T> {
  readonly name: string;
  path(workDir: string): string;
  /**
   * The record, or undefined if there is none. A file that cannot be read, is not JSON or does
   * not match the schema throws {@link AgentError} `RECORD_CORRUPTED` (details: `path`, `reason`).
   */
  read(workDir: string): T | undefined;
  /** Validates `value` and replaces the file atomically (mode 0600). */
  write(workDir: string, value: T): void;
  /** Removes the record (if any). */
  clear(workDir: string): void;
}

/**
 * The record as the agent uses it: a corrupt one counts as absent (each is only a hint, checked
 * against what it claims to belong to), and the log says so.
 */
export function readRecordOrAbsent<T>(record: SideFile<T>, workDir: string, log: AgentLogger): T | undefined {
  try {
    return record.read(workDir);
  } catch (e) {
    if (!isAgentError(e, 'RECORD_CORRUPTED')) throw e;
    log.warn(`ignoring a corrupt ${record.name}`, { error: e.message });
    return undefined;
  }
}

export const SIDE_FILE_CORRUPTION_REASONS = ['unreadable', 'json', 'schema'] as const;
export type SideFileCorruptionReason = (typeof SIDE_FILE_CORRUPTION_REASONS)[number];

function sideFile<S extends z.ZodType>(name: string, schema: S): SideFile<z.infer<S>> {
  const path = (workDir: string) => join(workDir, name);
  const corrupted = (file: string, reason: SideFileCorruptionReason, why: string, cause: unknown) =>
    new AgentError('RECORD_CORRUPTED', `${file}: ${why}`, { cause, details: { path: file, reason } });
  return {
    name,
    path,
    read(workDir) {
      const file = path(workDir);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw corrupted(file, 'unreadable', `cannot be read: ${(e as Error).message}`, e);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw corrupted(file, 'json', `is not JSON (half-written or damaged): ${(e as Error).message}`, e);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw corrupted(file, 'schema', `is not a valid ${name} record: ${z.prettifyError(parsed.error)}`, parsed.error);
      return parsed.data;
    },
    write(workDir, value) {
      writeFileAtomic(path(workDir), `${JSON.stringify(schema.parse(value), null, 2)}\n`, { mode: 0o600 });
    },
    clear(workDir) {
      rmSync(path(workDir), { force: true });
    },
  };
}

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const slotId = z.enum(['a', 'b']);
const byteCount = z.int().nonnegative();

/** A deployment from the server (DDI): what the install needs besides the persisted state. */
export const ddiActionSchema = z.object({
  /** Absent in records of earlier agents, which knew no other kind. */
  kind: z.literal('ddi').optional(),
  actionId: z.int(),
  targetPath: z.string().min(1),
  tufMetadataUrl: z.string().min(1),
  tufTargetsUrl: z.string().min(1),
  downloadUrl: z.string().min(1),
  /** This device's age header (base64), null for an unencrypted release. */
  header: z.string().nullable(),
  length: byteCount,
  sha256: sha256Hex,
});
export type DdiAction = z.infer<typeof ddiActionSchema>;

/**
 * An offline install (`osprey-agent install <bundle>`): the release as admitted by openBundle()
 * when the install began, and where its payload was extracted. Nothing is reported to a server.
 */
export const bundleActionSchema = z.object({
  kind: z.literal('bundle'),
  actionId: z.string().min(1),
  /** The bundle file, to extract the payload again if the extracted copy is gone. */
  bundle: z.string().min(1),
  payloadFile: z.string().min(1),
  targetPath: z.string().min(1),
  custom: releaseCustomSchema,
  header: z.string().nullable(),
  length: byteCount,
  sha256: sha256Hex,
});
export type BundleAction = z.infer<typeof bundleActionSchema>;

export const pendingActionSchema = z.union([bundleActionSchema, ddiActionSchema]);
export type PendingAction = DdiAction | BundleAction;

/** The release last committed (for `status`). */
export const installedReleaseSchema = releaseInfoSchema.extend({
  slot: slotId,
  actionId: z.string().nullable(),
  committedAt: z.string(),
});
export type InstalledRelease = z.infer<typeof installedReleaseSchema>;

/** A streaming install's checkpoint (install/streaming.ts StreamCheckpoint), and the action, slot and payload it belongs to. */
export const streamRecordSchema = z.object({
  actionId: z.int(),
  slot: slotId,
  /** The signed payload's SHA-256: a checkpoint of another payload is not continued. */
  payloadSha256: sha256Hex,
  offset: byteCount,
  nonce: z.string().nullable(),
  head: z.string(),
});
export type StreamRecord = z.infer<typeof streamRecordSchema>;

/** An image streamed into the inactive slot for a download-only action (or ahead of a maintenance window). */
export const stagedImageSchema = z.object({
  actionId: z.int(),
  slot: slotId,
  length: byteCount,
  sha256: sha256Hex,
});
export type StagedImage = z.infer<typeof stagedImageSchema>;

export const actionRecord: SideFile<PendingAction> = sideFile('action.json', pendingActionSchema);
export const installedRecord: SideFile<InstalledRelease> = sideFile('installed.json', installedReleaseSchema);
export const streamRecord: SideFile<StreamRecord> = sideFile('stream.json', streamRecordSchema);
export const stagedRecord: SideFile<StagedImage> = sideFile('staged.json', stagedImageSchema);
