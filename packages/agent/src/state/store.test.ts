import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ATOMIC_WRITE_STEPS, staleTemps, tempPathFor, type AtomicWriteStep } from '@osprey/fs';
import { tempDirEachTest } from '../../../../testkit/temp-dir.js';
import { idleState, type InstallState, type ReleaseInfo } from './machine.js';
import { decodeStateFile, encodeStateFile, STATE_FILE_FORMAT, StateStore, type StateLoad } from './store.js';

const RELEASE: ReleaseInfo = { name: 'osprey-os', version: '2.0.0', securityVersion: 3, sha256: 'cd'.repeat(32), length: 4096 };
const NOW = new Date('2026-03-01T12:00:00.000Z');

let dir: string;
let path: string;
tempDirEachTest('osprey-state-', (d) => {
  dir = d;
  path = join(dir, 'state.json');
});

function trial(attempts: number): InstallState {
  return {
    phase: 'trial',
    actionId: 'act-1',
    targetSlot: 'b',
    previousSlot: 'a',
    release: RELEASE,
    attempts,
    bootId: `boot-${attempts}`,
    reason: null,
    updatedAt: NOW.toISOString(),
  };
}

function loaded(result: StateLoad): InstallState {
  if (!result.ok) throw new Error(`expected a state, got ${result.reason}: ${result.message}`);
  return result.state;
}

class Crash extends Error {}

describe('StateStore: persistence', () => {
  it('a missing file is a fresh idle state, and nothing is written until a change', () => {
    const store = new StateStore(path, { now: () => NOW });
    expect(store.load()).toEqual({ ok: true, state: idleState(NOW.toISOString()), fresh: true });
    const noop = store.apply({ type: 'reported' });
    expect(noop).toMatchObject({ ok: true, changed: false });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('round-trips every transition, stamped with the store clock', () => {
    let now = NOW;
    const store = new StateStore(path, { now: () => now });
    expect(store.apply({ type: 'start', actionId: 'act-1', release: RELEASE, targetSlot: 'b', previousSlot: 'a' })).toMatchObject({ ok: true, changed: true });
    now = new Date('2026-03-01T12:00:03.000Z');
    expect(store.apply({ type: 'download_complete' })).toMatchObject({ ok: true, changed: true });
    const state = loaded(store.load());
    expect(state).toMatchObject({ phase: 'downloaded', actionId: 'act-1', release: RELEASE });
    expect(state.updatedAt).toBe('2026-03-01T12:00:03.000Z');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // The file names its format and carries the SHA-256 of the state it holds.
    const file = JSON.parse(readFileSync(path, 'utf8')) as { format: string; sha256: string; state: unknown };
    expect(file.format).toBe(STATE_FILE_FORMAT);
    expect(file.sha256).toBe(createHash('sha256').update(JSON.stringify(file.state)).digest('hex'));
  });

  it('refusals and no-ops are not written', () => {
    const store = new StateStore(path, { now: () => NOW });
    store.save(trial(1));
    const before = readFileSync(path);
    const mtime = statSync(path).mtimeMs;
    expect(store.apply({ type: 'download_complete' })).toMatchObject({ ok: false, refusal: { code: 'illegal_transition' } });
    expect(store.apply({ type: 'reboot_observed', bootedSlot: 'b', bootId: 'boot-1' })).toMatchObject({ ok: true, changed: false });
    expect(readFileSync(path)).toEqual(before);
    expect(statSync(path).mtimeMs).toBe(mtime);
  });

  it('applying the same event twice writes once', () => {
    const store = new StateStore(path, { now: () => NOW });
    store.save(trial(1));
    expect(store.apply({ type: 'health_ok' })).toMatchObject({ ok: true, changed: true });
    const after = readFileSync(path);
    expect(store.apply({ type: 'health_ok' })).toMatchObject({ ok: true, changed: false });
    expect(readFileSync(path)).toEqual(after);
    expect(loaded(store.load()).phase).toBe('committed');
  });

  it('refuses to save a state that breaks the schema', () => {
    const store = new StateStore(path);
    expect(() => store.save({ ...trial(1), phase: 'bogus' as never })).toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('StateStore: corrupted files are detected, never trusted', () => {
  const write = (text: string | Buffer) => writeFileSync(path, text);
  const load = () => new StateStore(path).load();

  it('a half-written file (every proper prefix) is StateCorrupted', () => {
    const full = encodeStateFile(trial(2));
    const complete = full.trimEnd().length;
    for (let n = 0; n < complete; n++) {
      write(full.slice(0, n));
      const r = load();
      expect({ n, ok: r.ok }).toEqual({ n, ok: false });
      expect(!r.ok && r.kind).toBe('StateCorrupted');
    }
    write(full);
    expect(loaded(load())).toEqual(trial(2));
  });

  it('a flipped bit anywhere in the state fails the checksum (or JSON/schema)', () => {
    const full = Buffer.from(encodeStateFile(trial(2)));
    const start = full.indexOf('"state"');
    const reasons = new Set<string>();
    for (let i = start; i < full.length - 2; i += 7) {
      const copy = Buffer.from(full);
      copy[i] = (copy[i] ?? 0) ^ 0x04;
      write(copy);
      const r = load();
      expect(r.ok).toBe(false);
      if (!r.ok) reasons.add(r.reason);
    }
    expect(reasons).toContain('checksum');
  });

  it('reports why: json, format, checksum, schema, unreadable', () => {
    write('');
    expect(load()).toMatchObject({ ok: false, kind: 'StateCorrupted', reason: 'json', path });
    write('[1,2]');
    expect(load()).toMatchObject({ reason: 'format' });
    write(JSON.stringify({ format: 'osprey-agent-state/0', sha256: '', state: {} }));
    expect(load()).toMatchObject({ reason: 'format' });
    write(JSON.stringify({ format: STATE_FILE_FORMAT, state: trial(1) }));
    expect(load()).toMatchObject({ reason: 'format' });
    const edited = JSON.parse(encodeStateFile(trial(1))) as { state: { attempts: number } };
    edited.state.attempts = 5;
    write(JSON.stringify(edited));
    expect(load()).toMatchObject({ reason: 'checksum' });
    // A consistent checksum over content this version cannot have written.
    const alien = { ...trial(1), phase: 'exploded' };
    write(JSON.stringify({ format: STATE_FILE_FORMAT, sha256: createHash('sha256').update(JSON.stringify(alien)).digest('hex'), state: alien }));
    expect(load()).toMatchObject({ reason: 'schema' });
    rmSync(path);
    mkdirSync(path);
    expect(load()).toMatchObject({ reason: 'unreadable' });
  });

  it('apply on a corrupted file returns StateCorrupted and writes nothing', () => {
    write('{"format":');
    const store = new StateStore(path);
    expect(store.apply({ type: 'health_ok' })).toMatchObject({ ok: false, kind: 'StateCorrupted', reason: 'json' });
    expect(readFileSync(path, 'utf8')).toBe('{"format":');
  });

  it('quarantine moves the file aside; reset writes idle', () => {
    write('garbage');
    const store = new StateStore(path, { now: () => NOW });
    const to = store.quarantine();
    expect(to).toBe(`${path}.corrupt-2026-03-01T12-00-00-000Z`);
    expect(readFileSync(to ?? '', 'utf8')).toBe('garbage');
    expect(store.quarantine()).toBeNull();
    expect(store.reset()).toEqual(idleState(NOW.toISOString()));
    expect(decodeStateFile(readFileSync(path, 'utf8'))).toEqual({ ok: true, state: idleState(NOW.toISOString()), fresh: false });
  });
});

describe('StateStore: atomic replacement', () => {
  /** Crash (as kill -9 would: nothing cleaned up) right after `step` of the write of `next`. */
  function crashAfter(step: AtomicWriteStep, previous: InstallState, next: InstallState): StateLoad {
    new StateStore(path).save(previous);
    const crashing = new StateStore(path, {
      writeHook: (s) => {
        if (s === step) throw new Crash(step);
      },
    });
    expect(() => crashing.save(next)).toThrow(Crash);
    return new StateStore(path).load();
  }

  for (const step of ATOMIC_WRITE_STEPS) {
    const visible = step === 'temp-written' || step === 'temp-synced' ? 'old' : 'new';
    it(`a crash after ${step} leaves the ${visible} complete state`, () => {
      const state = loaded(crashAfter(step, trial(1), trial(2)));
      expect(state).toEqual(visible === 'old' ? trial(1) : trial(2));
      // Before the rename, the complete new state sits in a temp file that nothing reads.
      expect(staleTemps(path).length).toBe(visible === 'old' ? 1 : 0);
    });
  }

  it('partial temp files left by killed writers are ignored, then cleaned by the next save', () => {
    const store = new StateStore(path);
    store.save(trial(1));
    const full = encodeStateFile(trial(2));
    for (const n of [0, 1, 17, Math.floor(full.length / 2), full.length - 1]) writeFileSync(tempPathFor(path), full.slice(0, n));
    expect(staleTemps(path)).toHaveLength(5);
    expect(loaded(store.load())).toEqual(trial(1));
    store.save(trial(3));
    expect(staleTemps(path)).toEqual([]);
    expect(readdirSync(dir)).toEqual(['state.json']);
    expect(loaded(store.load())).toEqual(trial(3));
  });

  it('a failed write (no space, I/O error) leaves the old state and no temp file', () => {
    const store = new StateStore(path);
    store.save(trial(1));
    // Creating the temp file fails: a read-only directory, or (root ignores modes) a file where the directory should be.
    if (process.getuid?.() === 0) {
      const failing = new StateStore(join(dir, 'missing-dir-is-a-file', 'state.json'));
      writeFileSync(join(dir, 'missing-dir-is-a-file'), 'x');
      expect(() => failing.save(trial(2))).toThrow();
    } else {
      chmodSync(dir, 0o500);
      try {
        expect(() => store.save(trial(2))).toThrow();
      } finally {
        chmodSync(dir, 0o700);
      }
    }
    expect(loaded(store.load())).toEqual(trial(1));
    expect(staleTemps(path)).toEqual([]);
  });

  it('kill -9 at random moments of a writing process: the file always holds a complete state, old or new', async () => {
    const storeModule = fileURLToPath(new URL('./store.ts', import.meta.url));
    const child = `
      import { StateStore } from ${JSON.stringify(storeModule)};
      const base = ${JSON.stringify(trial(0))};
      const store = new StateStore(${JSON.stringify(path)});
      for (let i = 1; ; i++) {
        store.save({ ...base, attempts: i, bootId: 'boot-' + i });
        process.stdout.write(i + '\\n');
      }
    `;
    new StateStore(path).save(trial(0));
    for (let round = 0; round < 6; round++) {
      const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { stdio: ['ignore', 'pipe', 'pipe'] });
      let acknowledged = 0;
      let stderr = '';
      proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      await new Promise<void>((resolve, reject) => {
        let killed = false;
        proc.stdout.on('data', (d: Buffer) => {
          const lines = d.toString().trim().split('\n');
          acknowledged = Math.max(acknowledged, Number(lines[lines.length - 1]));
          if (!killed) {
            killed = true;
            // Somewhere inside the stream of writes.
            setTimeout(() => proc.kill('SIGKILL'), 5 + Math.floor(Math.random() * 40));
          }
        });
        // 'close', not 'exit': every line the writer printed has been read by then.
        proc.on('close', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited by itself: ${stderr}`))));
      });
      const state = loaded(new StateStore(path).load());
      // Every acknowledged write is durable, and at most the one in flight follows it.
      expect(state.attempts).toBeGreaterThanOrEqual(acknowledged);
      expect(state.attempts).toBeLessThanOrEqual(acknowledged + 1);
      expect(state).toEqual({ ...trial(0), attempts: state.attempts, bootId: `boot-${state.attempts}` });
    }
  });
});
