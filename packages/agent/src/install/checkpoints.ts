/**
 * The checkpoints of one action's stream into one slot (install/streaming.ts StreamCheckpoint),
 * kept in `stream.json` (state/side-files.ts). A checkpoint is continued only by the same action,
 * into the same slot, of the same signed payload; anything else starts from zero.
 */
import type { SlotId } from '../slots/types.js';
import { streamRecord, type StreamRecord } from '../state/side-files.js';
import type { SignedRelease } from '../verify/tuf.js';
import type { StreamCheckpoint } from './streaming.js';

/** Default checkpoint interval: a power cut costs at most this much of the download again. */
export const DEFAULT_CHECKPOINT_EVERY_BYTES = 16 << 20;

export interface ActionCheckpoints {
  /** Plaintext bytes between checkpoints; 0: none are made. */
  readonly every: number;
  /** Where to continue, if a checkpoint of this action, slot and payload exists. */
  load(release: SignedRelease): StreamCheckpoint | undefined;
  save(release: SignedRelease, checkpoint: StreamCheckpoint): void;
  discard(): void;
}

export interface ActionCheckpointsOptions {
  readonly workDir: string;
  readonly actionId: number;
  readonly slot: SlotId;
  readonly every: number;
  /** Reads `stream.json` (the agent's: a corrupt record counts as absent). */
  readonly read: () => StreamRecord | undefined;
  /** Called after each checkpoint is durable. */
  readonly saved: () => void;
}

export function actionCheckpoints(o: ActionCheckpointsOptions): ActionCheckpoints {
  return {
    every: o.every,
    load: (release) => {
      const record = o.read();
      if (!record || record.actionId !== o.actionId || record.slot !== o.slot || record.payloadSha256 !== release.sha256) return undefined;
      return { offset: record.offset, nonce: record.nonce, head: record.head };
    },
    save: (release, checkpoint) => {
      streamRecord.write(o.workDir, { actionId: o.actionId, slot: o.slot, payloadSha256: release.sha256, ...checkpoint });
      o.saved();
    },
    discard: () => streamRecord.clear(o.workDir),
  };
}
