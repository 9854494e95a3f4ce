import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Counts and hashes the bytes that pass through, unchanged. */
export class HashingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  length = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.length += chunk.length;
    done(null, chunk);
  }

  digestHex(): string {
    return this.hash.digest('hex');
  }
}
