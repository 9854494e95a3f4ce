/**
 * Test data for the delta tests (packages/core/src/delta): deterministic "images" with
 * compressible text, random bytes and zero runs, and a release B made from A by the edits a real
 * update makes (changed bytes, inserted and deleted ranges, moved blocks, a new file at the end).
 */

/** xorshift32: reproducible bytes without node:crypto. */
export function prng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

export function randomBytes(n: number, seed: number): Uint8Array {
  const next = prng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 4) {
    const v = next();
    for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (v >>> (8 * k)) & 0xff;
  }
  return out;
}

const WORDS = [
  'update',
  'device',
  'slot',
  'kernel',
  'config',
  'osprey',
  'release',
  'rootfs',
  'partition',
  'boot',
  'the',
  'of',
  'and',
  'a',
  '\n',
  '/usr/lib/',
  '0x0000',
];

/** Text-like bytes: words from a small vocabulary, so they compress and repeat. */
export function textBytes(n: number, seed: number): Uint8Array {
  const next = prng(seed);
  const out = new Uint8Array(n);
  let at = 0;
  while (at < n) {
    const w = WORDS[next() % WORDS.length]! + ' ';
    for (let i = 0; i < w.length && at < n; i++) out[at++] = w.charCodeAt(i);
  }
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const KiB = 1024;

/** Release A (about 3 MiB) and release B derived from it. */
export function images(): { a: Uint8Array; b: Uint8Array } {
  const a = concat(textBytes(1024 * KiB, 1), randomBytes(1024 * KiB, 2), new Uint8Array(512 * KiB), randomBytes(512 * KiB, 3));
  const edited = a.slice();
  // Scattered small edits (a version string, a config value).
  const next = prng(4);
  for (let i = 0; i < 40; i++) edited[next() % edited.length] = next() & 0xff;
  const b = concat(
    edited.subarray(0, 300 * KiB),
    randomBytes(50 * KiB, 5), // inserted
    edited.subarray(300 * KiB, 1100 * KiB),
    // 100 KiB deleted here
    edited.subarray(1200 * KiB, 2048 * KiB),
    edited.subarray(2560 * KiB, 2816 * KiB), // moved forward
    edited.subarray(2048 * KiB, 2560 * KiB), // the zero run, moved back
    edited.subarray(2816 * KiB),
    textBytes(200 * KiB, 6), // a new file
  );
  return { a, b };
}
