/**
 * A slot that is a directory, filled from an `archive` release: the verified plaintext is a tar
 * archive (ustar, pax or GNU, as `tar -cf` writes it) of the application's files. Used with the
 * symlink bootloader for application A/B (`/opt/myapp/{a,b}`, run from `/opt/myapp/current`).
 *
 * The write is atomic for the slot: the archive is extracted into `<slot>.incoming` while it is
 * hashed; only if the whole stream is the signed image (length and SHA-256) is its digest recorded
 * in `.osprey-image` and the directory renamed into place (the old content of this inactive slot
 * removed first); otherwise the staging directory is removed. Extraction is strict: regular files
 * and directories only (no links, devices or FIFOs), relative names without `..`, at most
 * `maxEntries` entries; modes are kept without set-id bits. `verify()` compares the recorded digest.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { fsyncDir, writeFileAtomic } from '@osprey/fs';
import { checkDigest, SlotError, type Slot, type SlotDigest, type SlotId } from './types.js';

export const IMAGE_RECORD = '.osprey-image';

export interface DirectorySlotOptions {
  /** Most entries an archive may have. Default 100,000. */
  readonly maxEntries?: number;
}

export class DirectorySlot implements Slot {
  constructor(
    readonly id: SlotId,
    readonly path: string,
    private readonly options: DirectorySlotOptions = {},
  ) {}

  #refuse(message: string): SlotError {
    return new SlotError('ARCHIVE_INVALID', this.id, `slot ${this.id}: ${message}`);
  }

  /** The staging path of an entry, or a refusal for a name that could leave the directory. */
  #entryPath(root: string, name: string): string {
    const clean = normalize(name).replace(/\/+$/, '');
    if (name.includes('\0') || name.startsWith('/') || clean === '..' || clean.startsWith(`..${sep}`) || clean === '.' || clean === IMAGE_RECORD) {
      throw this.#refuse(`the archive entry ${JSON.stringify(name)} is not a plain relative path`);
    }
    return join(root, clean);
  }

  async write(source: AsyncIterable<Uint8Array>, expected: SlotDigest): Promise<SlotDigest> {
    checkDigest(this.id, expected);
    const staging = `${this.path}.incoming`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true, mode: 0o755 });
    const hash = createHash('sha256');
    let length = 0;
    const slotId = this.id;
    /** A failure of the source (decryption, download) is reported as it is, not as a damaged archive. */
    let sourceError: { error: unknown } | undefined;
    async function* hashed(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of source) {
          length += chunk.byteLength;
          if (length > expected.length)
            throw new SlotError('SOURCE_TOO_LONG', slotId, `slot ${slotId}: the image stream exceeds its signed length of ${expected.length} bytes`);
          hash.update(chunk);
          yield chunk;
        }
      } catch (error) {
        sourceError = { error };
        throw error;
      }
    }
    const input = hashed();
    try {
      const archive = extract();
      Readable.from(input)
        .on('error', (e) => archive.destroy(e))
        .pipe(archive);
      let entries = 0;
      for await (const entry of archive) {
        const { name, type, mode } = entry.header;
        if (++entries > (this.options.maxEntries ?? 100_000)) throw this.#refuse(`the archive has more than ${this.options.maxEntries ?? 100_000} entries`);
        if (type === 'directory' && normalize(name).replace(/\/+$/, '') === '.') {
          entry.resume(); // `tar -C dir -cf - .` starts with ./ itself
          continue;
        }
        const target = this.#entryPath(staging, name);
        if (type === 'directory') {
          mkdirSync(target, { recursive: true, mode: 0o755 });
          entry.resume();
          continue;
        }
        if (type !== 'file' && type !== 'contiguous-file')
          throw this.#refuse(`the archive entry ${JSON.stringify(name)} is a ${type ?? 'special entry'}; only files and directories are installed`);
        mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
        const fh = await open(target, 'wx', (mode ?? 0o644) & 0o777);
        try {
          for await (const piece of entry) await fh.write(piece as Buffer);
          await fh.sync();
        } finally {
          await fh.close();
        }
      }
      // The tar end marker may come before the end of the stream (padding): read it all for the hash.
      for await (const _ of input) void _;
      if (length !== expected.length)
        throw new SlotError('SOURCE_TRUNCATED', this.id, `slot ${this.id}: the image stream ended after ${length} of ${expected.length} bytes`);
      const sha256 = hash.digest('hex');
      if (sha256 !== expected.sha256)
        throw new SlotError('SOURCE_MISMATCH', this.id, `slot ${this.id}: the image stream has SHA-256 ${sha256}, expected ${expected.sha256}`);
      writeFileAtomic(join(staging, IMAGE_RECORD), `${JSON.stringify({ length: expected.length, sha256 })}\n`, { mode: 0o600 });
      fsyncDir(staging);
      // Swap in: the inactive slot's old content goes, the verified tree takes its name.
      rmSync(this.path, { recursive: true, force: true });
      renameSync(staging, this.path);
      fsyncDir(dirname(this.path));
      return { length: expected.length, sha256 };
    } catch (e) {
      await input.return(undefined).catch(() => undefined);
      rmSync(staging, { recursive: true, force: true });
      if (sourceError) throw sourceError.error;
      if (e instanceof SlotError) throw e;
      // tar-stream's own refusals (a damaged archive) and I/O errors.
      throw new SlotError('ARCHIVE_INVALID', this.id, `slot ${this.id}: the archive cannot be extracted: ${(e as Error).message}`, { cause: e });
    }
  }

  async verify(expected: SlotDigest): Promise<void> {
    checkDigest(this.id, expected);
    let recorded: Partial<SlotDigest>;
    try {
      recorded = JSON.parse(readFileSync(join(this.path, IMAGE_RECORD), 'utf8')) as Partial<SlotDigest>;
    } catch (e) {
      throw new SlotError('VERIFY_FAILED', this.id, `slot ${this.id} (${this.path}) holds no installed image: ${(e as Error).message}`);
    }
    if (recorded.length !== expected.length || recorded.sha256 !== expected.sha256) {
      throw new SlotError(
        'VERIFY_FAILED',
        this.id,
        `slot ${this.id} holds image ${recorded.sha256 ?? '?'} (${recorded.length ?? '?'} bytes), expected ${expected.sha256} (${expected.length} bytes)`,
      );
    }
  }
}
