import { chmodSync, createWriteStream, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirEachTest } from '../../../testkit/temp-dir.js';
import { ATOMIC_WRITE_STEPS, commitTempFile, fsyncDir, fsyncFile, writeFileAtomic, writeFileAtomicFrom, type AtomicWriteStep } from './atomic.js';
import { removeStaleTemps, staleTemps, tempPathFor } from './temp.js';

class Crash extends Error {}

let dir: string;
let path: string;
tempDirEachTest('osprey-fs-', (d) => {
  dir = d;
  path = join(d, 'record.json');
});
// A test may leave the directory read-only; the removal (an earlier hook, so it runs after this one) needs it writable.
afterEach(() => chmodSync(dir, 0o700));

/** Makes the next file creation in `dir` fail: a read-only directory, or (root ignores modes) a file where the directory should be. */
function unwritable(): string {
  if (process.getuid?.() === 0) {
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    return join(dir, 'not-a-dir', 'record.json');
  }
  chmodSync(dir, 0o500);
  return path;
}

describe('writeFileAtomic', () => {
  it('writes the bytes with the mode asked for, and creates the directory', () => {
    const nested = join(dir, 'a', 'b', 'key.pem');
    writeFileAtomic(nested, 'secret\n', { mode: 0o600 });
    expect(readFileSync(nested, 'utf8')).toBe('secret\n');
    expect(statSync(nested).mode & 0o777).toBe(0o600);
    writeFileAtomic(path, Buffer.from([1, 2, 3]), { mode: 0o644 });
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    expect(statSync(path).mode & 0o077).toBe(0o044 & ~process.umask());
  });

  /** Crash (as kill -9 would: nothing cleaned up) right after `step` of the replacement of 'old' by 'new'. */
  function crashAfter(step: AtomicWriteStep): string {
    writeFileAtomic(path, 'old', { mode: 0o600 });
    const hook = (s: AtomicWriteStep) => {
      if (s === step) throw new Crash(step);
    };
    expect(() => writeFileAtomic(path, 'new', { mode: 0o600, hook })).toThrow(Crash);
    return readFileSync(path, 'utf8');
  }

  for (const step of ATOMIC_WRITE_STEPS) {
    const visible = step === 'temp-written' || step === 'temp-synced' ? 'old' : 'new';
    it(`a crash after ${step} leaves the ${visible} complete file`, () => {
      expect(crashAfter(step)).toBe(visible);
      // Before the rename, the complete new content sits in a temp file that nothing reads.
      const temps = staleTemps(path);
      expect(temps.length).toBe(visible === 'old' ? 1 : 0);
      if (visible === 'old') expect(readFileSync(temps[0]!, 'utf8')).toBe('new');
    });
  }

  it('the hook sees the steps in order, each with the temp path', () => {
    const seen: [AtomicWriteStep, string][] = [];
    writeFileAtomic(path, 'x', { mode: 0o600, hook: (step, temp) => seen.push([step, temp]) });
    expect(seen.map(([s]) => s)).toEqual([...ATOMIC_WRITE_STEPS]);
    expect(new Set(seen.map(([, t]) => t)).size).toBe(1);
    expect(seen[0]![1]).toMatch(/\/\.record\.json\.[0-9a-f]{12}\.tmp$/);
  });

  it('a failed write (no space, I/O error) leaves the old file and no temp file', () => {
    writeFileAtomic(path, 'old', { mode: 0o600 });
    const target = unwritable();
    expect(() => writeFileAtomic(target, 'new', { mode: 0o600 })).toThrow();
    chmodSync(dir, 0o700);
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(staleTemps(path)).toEqual([]);
  });
});

describe('temp siblings', () => {
  it('are hidden, random and in the same directory', () => {
    const a = tempPathFor(path);
    expect(a.startsWith(join(dir, '.record.json.'))).toBe(true);
    expect(a).not.toBe(tempPathFor(path));
  });

  it('stale ones are found and removed; nothing else is', () => {
    writeFileAtomic(path, 'current', { mode: 0o600 });
    for (let i = 0; i < 3; i++) writeFileSync(tempPathFor(path), 'partial');
    writeFileSync(tempPathFor(join(dir, 'other.json')), 'another file’s temp');
    writeFileSync(join(dir, '.record.json.not-hex.tmp'), 'not ours');
    expect(staleTemps(path)).toHaveLength(3);
    removeStaleTemps(path);
    expect(staleTemps(path)).toEqual([]);
    const left = readdirSync(dir);
    expect(left).toHaveLength(3);
    expect(left).toEqual(expect.arrayContaining(['record.json', '.record.json.not-hex.tmp', expect.stringMatching(/^\.other\.json\.[0-9a-f]{12}\.tmp$/)]));
    expect(readFileSync(path, 'utf8')).toBe('current');
  });

  it('a missing directory has none', () => {
    expect(staleTemps(join(dir, 'missing', 'record.json'))).toEqual([]);
    expect(() => removeStaleTemps(join(dir, 'missing', 'record.json'))).not.toThrow();
  });
});

describe('writeFileAtomicFrom', () => {
  it('streams into a temp sibling, then puts it in place', async () => {
    writeFileAtomic(path, 'old', { mode: 0o600 });
    const result = await writeFileAtomicFrom(path, async (temp) => {
      expect(existsSync(temp)).toBe(false);
      await pipeline(Readable.from([Buffer.from('new '), Buffer.from('content')]), createWriteStream(temp, { flags: 'wx' }));
      // Not visible before the write is complete.
      expect(readFileSync(path, 'utf8')).toBe('old');
      return 42;
    });
    expect(result).toBe(42);
    expect(readFileSync(path, 'utf8')).toBe('new content');
    expect(readdirSync(dir)).toEqual(['record.json']);
  });

  it('a failed write leaves the old file and no temp file', async () => {
    writeFileAtomic(path, 'old', { mode: 0o600 });
    await expect(
      writeFileAtomicFrom(path, async (temp) => {
        writeFileSync(temp, 'half');
        throw new Crash('source failed');
      }),
    ).rejects.toThrow(Crash);
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['record.json']);
  });

  it('a write that never created the temp file fails the commit, cleanly', async () => {
    await expect(writeFileAtomicFrom(path, async () => undefined)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('commitTempFile, fsyncFile, fsyncDir', () => {
  it('commits a finished temp file under a name chosen afterwards', async () => {
    const temp = tempPathFor(path);
    writeFileSync(temp, 'payload');
    const named = join(dir, 'abc123.payload');
    await commitTempFile(temp, named);
    expect(readFileSync(named, 'utf8')).toBe('payload');
    expect(existsSync(temp)).toBe(false);
  });

  it('fsync a file and a directory; a missing one is an error', async () => {
    writeFileSync(path, 'x');
    await fsyncFile(path);
    fsyncDir(dir);
    await expect(fsyncFile(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(() => fsyncDir(join(dir, 'missing'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
