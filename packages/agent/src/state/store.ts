/**
 * Persistence of the install state: one JSON file, replaced atomically on every transition (temp,
 * fsync, rename, fsync directory) and carrying a SHA-256 of the state it holds. A file that is
 * unreadable, not JSON, of another format, fails its checksum or its schema is reported as a typed
 * {@link StateCorrupted}, never thrown and never guessed at: the agent then falls back to the
 * last committed slot (`recoverFromCorruptState`).
 *
 * The checksum detects corruption (torn sectors, bit rot, a truncating editor), not tampering: it
 * has no key. The store assumes a single writer (the agent process).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDir, removeStaleTemps, writeFileAtomic, type AtomicWriteHook } from '@osprey/fs';
import { localStorageFailure } from '../errors.js';
import { idleState, installStateSchema, nextPhase, type InstallEvent, type InstallState, type TransitionResult } from './machine.js';

export const STATE_FILE_FORMAT = 'osprey-agent-state/1';

export const STATE_CORRUPTION_REASONS = ['unreadable', 'json', 'format', 'checksum', 'schema'] as const;
export type StateCorruptionReason = (typeof STATE_CORRUPTION_REASONS)[number];

export interface StateCorrupted {
  readonly ok: false;
  readonly kind: 'StateCorrupted';
  readonly reason: StateCorruptionReason;
  readonly path: string;
  readonly message: string;
}

export type StateLoad =
  | {
      readonly ok: true;
      readonly state: InstallState;
      /** No state file existed (first start): `state` is idle and nothing has been written. */
      readonly fresh: boolean;
    }
  | StateCorrupted;

/** `apply`'s answer: the transition result, or why the stored state could not be read. */
export type StateApplyResult = TransitionResult | StateCorrupted;

export function isStateCorrupted(value: unknown): value is StateCorrupted {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'StateCorrupted';
}

/** SHA-256 (hex) of the canonical serialization of a state: `JSON.stringify` in schema key order. */
export function stateChecksum(state: InstallState): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(state)))
    .digest('hex');
}

/** The state with its keys in schema order, whatever order the caller built it in. */
function canonical(state: InstallState): InstallState {
  return {
    phase: state.phase,
    actionId: state.actionId,
    targetSlot: state.targetSlot,
    previousSlot: state.previousSlot,
    release:
      state.release === null
        ? null
        : {
            name: state.release.name,
            version: state.release.version,
            securityVersion: state.release.securityVersion,
            sha256: state.release.sha256,
            length: state.release.length,
          },
    attempts: state.attempts,
    bootId: state.bootId,
    reason: state.reason,
    updatedAt: state.updatedAt,
  };
}

/** The bytes of a state file. */
export function encodeStateFile(state: InstallState): string {
  const body = canonical(state);
  return `${JSON.stringify({ format: STATE_FILE_FORMAT, sha256: stateChecksum(body), state: body }, null, 2)}\n`;
}

/** Parses the bytes of a state file; never throws. */
export function decodeStateFile(text: string, path = '(memory)'): StateLoad {
  const corrupted = (reason: StateCorruptionReason, message: string): StateCorrupted => ({ ok: false, kind: 'StateCorrupted', reason, path, message });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return corrupted('json', `state file is not JSON (half-written or damaged): ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return corrupted('format', 'state file is not a JSON object');
  const file = parsed as { format?: unknown; sha256?: unknown; state?: unknown };
  if (file.format !== STATE_FILE_FORMAT) return corrupted('format', `state file format is ${JSON.stringify(file.format)}, expected ${STATE_FILE_FORMAT}`);
  if (typeof file.sha256 !== 'string' || typeof file.state !== 'object' || file.state === null) {
    return corrupted('format', 'state file lacks its sha256 or state field');
  }
  // Hash the state as stored (key order preserved by JSON.parse), before trusting any of it.
  const actual = createHash('sha256').update(JSON.stringify(file.state)).digest('hex');
  if (actual !== file.sha256) return corrupted('checksum', 'state file checksum does not match its content');
  const state = installStateSchema.safeParse(file.state);
  if (!state.success)
    return corrupted('schema', `state file content is invalid: ${state.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { ok: true, state: state.data, fresh: false };
}

export interface StateStoreOptions {
  /** Clock for `updatedAt`; defaults to the system clock. */
  readonly now?: () => Date;
  /** Fault injection for tests: see {@link AtomicWriteHook}. */
  readonly writeHook?: AtomicWriteHook;
}

export class StateStore {
  readonly path: string;
  readonly #now: () => Date;
  readonly #hook: AtomicWriteHook | undefined;

  constructor(path: string, options: StateStoreOptions = {}) {
    this.path = path;
    this.#now = options.now ?? (() => new Date());
    this.#hook = options.writeHook;
  }

  /** The persisted state; idle (`fresh`) if no file exists; {@link StateCorrupted} if it cannot be trusted. */
  load(): StateLoad {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, state: idleState(this.#now().toISOString()), fresh: true };
      return { ok: false, kind: 'StateCorrupted', reason: 'unreadable', path: this.path, message: `state file cannot be read: ${(e as Error).message}` };
    }
    return decodeStateFile(text, this.path);
  }

  /** Persists `state` atomically, then removes temp files that earlier interrupted writes left. */
  save(state: InstallState): void {
    const parsed = installStateSchema.parse(state);
    try {
      writeFileAtomic(this.path, encodeStateFile(parsed), { mode: 0o600, ...(this.#hook ? { hook: this.#hook } : {}) });
    } catch (e) {
      // A full or failing disk: the old state stays (the write is atomic) and the step is retried.
      throw localStorageFailure(e, 'its install state') ?? e;
    }
    removeStaleTemps(this.path);
  }

  /**
   * Loads the state, applies `event` and persists the result if it changed. Returns the
   * transition result (refusals are not persisted), or {@link StateCorrupted} without writing.
   */
  apply(event: InstallEvent): StateApplyResult {
    const loaded = this.load();
    if (!loaded.ok) return loaded;
    const result = nextPhase(loaded.state, event, this.#now().toISOString());
    if (result.ok && result.changed) this.save(result.state);
    return result;
  }

  /**
   * Moves an untrusted state file aside (`<path>.corrupt-<time>`) for diagnosis and returns where
   * it went, or null if there was none. Durable (directory fsynced).
   */
  quarantine(): string | null {
    if (!existsSync(this.path)) return null;
    const to = `${this.path}.corrupt-${this.#now().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(this.path, to);
    fsyncDir(dirname(this.path));
    return to;
  }

  /** Persists and returns the idle state. */
  reset(): InstallState {
    const state = idleState(this.#now().toISOString());
    this.save(state);
    return state;
  }
}
