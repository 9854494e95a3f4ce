/**
 * Child process of the `crypto` benchmark, for peak-RSS measurements. crypto.ts transpiles it (and
 * what it imports) to plain JavaScript and runs it with plain `node`; see transpileChild() in common.ts
 * for why not tsx. For a look by hand: `npx tsx bench/crypto-rss-child.ts MODE ...` (RSS then
 * includes tsx's loader). Not a benchmark itself: run.ts does not list it.
 *
 *   idle                              load the same modules, do nothing (the floor: node + Osprey)
 *   encrypt BYTES FILE KEYHEX         generate BYTES plaintext bytes on the fly, encrypt into FILE
 *   decrypt FILE KEYHEX               Osprey: decrypt FILE and hash the plaintext (the measured phase)
 *   baseline-decrypt FILE KEYHEX      the same with the bare node:crypto loop, for comparison
 *
 * Prints one JSON line on stdout: { mode, peakRssKiB, peakRssSource, maxRssKiB, seconds, ... }.
 * Peak RSS is a high-water mark for the whole process lifetime, which is why each phase runs in a
 * process of its own.
 */
import { peakRss } from './peak-rss.js';
import { baselineDecryptAndHash, ciphertextSize, encryptToFile, ospreyDecryptAndHash } from './crypto-data.js';

function fileKeyFrom(hex: string | undefined): Buffer {
  const key = Buffer.from(hex ?? '', 'hex');
  if (key.length !== 16) throw new Error('KEYHEX must be 32 hex digits (a 16-byte age file key)');
  return key;
}

const [mode, ...rest] = process.argv.slice(2);
const started = performance.now();
let details: Record<string, unknown>;
switch (mode) {
  case 'idle':
    details = {};
    break;
  case 'encrypt': {
    const [bytesText, file, keyHex] = rest;
    const bytes = Number(bytesText);
    if (!Number.isSafeInteger(bytes) || bytes < 0 || !file) throw new Error('usage: encrypt BYTES FILE KEYHEX');
    const { plaintextSha256 } = await encryptToFile(file, bytes, fileKeyFrom(keyHex));
    details = { plaintextBytes: bytes, ciphertextBytes: ciphertextSize(bytes), plaintextSha256 };
    break;
  }
  case 'decrypt':
  case 'baseline-decrypt': {
    const [file, keyHex] = rest;
    if (!file) throw new Error(`usage: ${mode} FILE KEYHEX`);
    const run = mode === 'decrypt' ? ospreyDecryptAndHash : baselineDecryptAndHash;
    const { sha256, bytes } = await run(file, fileKeyFrom(keyHex));
    details = { plaintextBytes: bytes, sha256 };
    break;
  }
  default:
    throw new Error(`unknown mode ${JSON.stringify(mode)}; expected idle | encrypt | decrypt | baseline-decrypt`);
}
const seconds = (performance.now() - started) / 1000;

process.stdout.write(`${JSON.stringify({ mode, ...peakRss(), maxRssKiB: process.resourceUsage().maxRSS, seconds, ...details })}\n`);
