/**
 * DirectorySlot with archives made by GNU tar (an independent writer) and by hand with tar-stream
 * (malicious ones): the tree arrives whole and atomically; a wrong image leaves the slot's old
 * content; traversal, links and special files are refused; a failing source keeps its own error.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { hasCommand } from '../../../../testkit/tools.js';
import { tempDirForFile } from '../../../../testkit/temp-dir.js';
import { sha256Hex as sha256 } from '../../../../testkit/hash.js';
import { DirectorySlot, IMAGE_RECORD } from './directory-slot.js';
import { isSlotError } from './types.js';

const dir = tempDirForFile('osprey-dir-slot-');

async function* pieces(bytes: Buffer, size = 10_000): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}
async function handMade(entries: Array<{ name: string; type?: 'file' | 'symlink' | 'directory'; linkname?: string; body?: string }>): Promise<Buffer> {
  const p = pack();
  for (const e of entries) p.entry({ name: e.name, type: e.type ?? 'file', ...(e.linkname ? { linkname: e.linkname } : {}) }, e.body ?? '');
  p.finalize();
  const out: Buffer[] = [];
  for await (const c of p) out.push(c as Buffer);
  return Buffer.concat(out);
}
const digestOf = (b: Buffer) => ({ length: b.length, sha256: sha256(b) });

describe('DirectorySlot: archive releases into a directory', () => {
  let n = 0;
  const slot = () => new DirectorySlot('b', join(dir, `app-${++n}`, 'b'));

  it.runIf(hasCommand('tar'))('installs a tree made by GNU tar, modes kept; verify() knows the image', async () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'bin'), { recursive: true });
    mkdirSync(join(src, 'share', 'empty'), { recursive: true });
    const big = randomBytes(300_000);
    writeFileSync(join(src, 'bin', 'app'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    writeFileSync(join(src, 'share', 'data.bin'), big);
    const archive = execFileSync('tar', ['-C', src, '-cf', '-', '.']);
    const s = slot();
    expect(await s.write(pieces(archive), digestOf(archive))).toEqual(digestOf(archive));
    expect(readFileSync(join(s.path, 'share', 'data.bin')).equals(big)).toBe(true);
    expect(statSync(join(s.path, 'bin', 'app')).mode & 0o777).toBe(0o755);
    expect(existsSync(join(s.path, 'share', 'empty'))).toBe(true);
    await s.verify(digestOf(archive));
    await expect(s.verify({ length: 1, sha256: 'a'.repeat(64) })).rejects.toThrow(/holds image/);
    expect(existsSync(`${s.path}.incoming`)).toBe(false);
  });

  it('a stream that is not the signed image: refused, staging removed, the slot keeps what it had', async () => {
    const s = slot();
    const first = await handMade([{ name: 'version', body: '1' }]);
    await s.write(pieces(first), digestOf(first));
    const second = await handMade([{ name: 'version', body: '2' }]);
    const error = await s.write(pieces(second), { length: second.length, sha256: 'f'.repeat(64) }).catch((e: unknown) => e);
    expect(isSlotError(error, 'SOURCE_MISMATCH')).toBe(true);
    expect(readFileSync(join(s.path, 'version'), 'utf8')).toBe('1');
    expect(existsSync(`${s.path}.incoming`)).toBe(false);
  });

  it.each([
    ['a parent-directory name', [{ name: '../escape', body: 'x' }], /not a plain relative path/],
    ['an absolute name', [{ name: '/etc/passwd', body: 'x' }], /not a plain relative path/],
    ['a symbolic link', [{ name: 'link', type: 'symlink' as const, linkname: '/etc/shadow' }], /is a symlink/],
    ['its own image record', [{ name: IMAGE_RECORD, body: '{}' }], /not a plain relative path/],
  ])('refuses %s; nothing is left outside or inside', async (_what, entries, message) => {
    const archive = await handMade(entries);
    const s = slot();
    const error = await s.write(pieces(archive), digestOf(archive)).catch((e: unknown) => e as Error);
    expect(isSlotError(error, 'ARCHIVE_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect(existsSync(join(s.path, '..', 'escape'))).toBe(false);
    expect(existsSync(s.path)).toBe(false);
  });

  it("a failing source keeps its own error (not 'damaged archive')", async () => {
    const archive = await handMade([{ name: 'a', body: 'x'.repeat(5000) }]);
    async function* failing(): AsyncGenerator<Buffer> {
      yield archive.subarray(0, 1000);
      throw Object.assign(new Error('payload chunk 3 failed authentication'), { code: 'AGE_CHUNK_AUTH_FAILED' });
    }
    const error = await slot()
      .write(failing(), digestOf(archive))
      .then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      );
    expect(error?.code).toBe('AGE_CHUNK_AUTH_FAILED');
  });
});
