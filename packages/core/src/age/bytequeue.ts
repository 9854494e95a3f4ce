/** A FIFO of byte chunks that hands out exact-size slices without re-copying everything it holds. */
export class ByteQueue {
  private parts: Buffer[] = [];
  private head = 0; // offset into parts[0]
  length = 0;

  push(data: Uint8Array): void {
    if (data.byteLength === 0) return;
    this.parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.length += data.byteLength;
  }

  /** Remove and return exactly `n` bytes (n ≤ length). Zero-copy when one part holds them all. */
  take(n: number): Buffer {
    if (n > this.length) throw new RangeError(`ByteQueue.take(${n}) with ${this.length} bytes queued`);
    const first = this.parts[0];
    if (first && first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.parts.shift();
        this.head = 0;
      }
      this.length -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const part = this.parts[0]!;
      const count = Math.min(n - filled, part.length - this.head);
      part.copy(out, filled, this.head, this.head + count);
      filled += count;
      this.head += count;
      if (this.head === part.length) {
        this.parts.shift();
        this.head = 0;
      }
    }
    this.length -= n;
    return out;
  }

  takeAll(): Buffer {
    return this.take(this.length);
  }
}
