/**
 * Child process of the `crypto` benchmark, for peak-RSS measurements (started by crypto.ts as
 * `node --import tsx bench/crypto-rss-child.ts MODE ...`). Not a benchmark itself: run.ts does not
 * list it.
 *
 *   idle                          load the same modules, do nothing (the floor: node + tsx + Osprey)
 *   encrypt BYTES FILE KEYHEX     generate BYTES plaintext bytes on the fly, encrypt into FILE
 *   decrypt FILE KEYHEX           decrypt FILE and hash the plaintext (the measured phase)
 *
 * Prints one JSON line on stdout: { mode, maxRssKiB, seconds, ... }. maxRSS is a high-water mark
 * for the whole process lifetime, which is why each phase runs in a process of its own.
 */
import { ciphertextSize, encryptToFile, ospreyDecryptAndHash } from './crypto-data.js';

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
  case 'decrypt': {
    const [file, keyHex] = rest;
    if (!file) throw new Error('usage: decrypt FILE KEYHEX');
    const { sha256, bytes } = await ospreyDecryptAndHash(file, fileKeyFrom(keyHex));
    details = { plaintextBytes: bytes, sha256 };
    break;
  }
  default:
    throw new Error(`unknown mode ${JSON.stringify(mode)}; expected idle | encrypt | decrypt`);
}
const seconds = (performance.now() - started) / 1000;
// resourceUsage().maxRSS is in KiB on Linux (ru_maxrss).
process.stdout.write(`${JSON.stringify({ mode, maxRssKiB: process.resourceUsage().maxRSS, seconds, ...details })}\n`);
