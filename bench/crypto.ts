/**
 * `npm run bench -- crypto [--size-mib N] [--rounds N] [--skip-rss] [--rss-sizes-gib 1,4] [--check]`
 *
 * Two questions about the device-side hot path, decrypting an age payload and computing the final
 * hash (SHA-256 of the plaintext):
 *
 * 1. Throughput. Osprey's PayloadDecryptStream in a stream.pipeline (file → decrypt → SHA-256)
 *    against a bare node:crypto loop doing the same cryptography on the same ciphertext file in the
 *    same process run. Only the ratio is meaningful: absolute MB/s depend on the machine, the ratio
 *    is the price of Osprey's stream plumbing over the cipher + hash cost itself (goal ≥ 0.8).
 * 2. Peak RSS while decrypting 1 GiB and 4 GiB payloads: it must not grow with the payload size
 *    (goal: within 10 % of each other, each under 100 MB).
 *
 * Prints a table for people and a last line `result: {json}` for CI. `--check` makes the process
 * exit 1 when a goal is missed (errors, such as a hash mismatch, always exit non-zero).
 */
import { randomBytes } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SEALED_CHUNK_SIZE } from '../packages/core/src/age/stream.js';
import {
  alternatingRounds,
  kibToMB,
  MB,
  round1,
  round3,
  parseOrExplain,
  parseThroughputRssOptions,
  rssFlatness,
  rssFlatnessLine,
  runJsonChild,
  scratchDir,
  timed,
  freeBytes,
  throughputRatio,
  transpileChild,
  verdict,
} from './common.js';
import type { ChildRssReport, RssResultBase } from './peak-rss.js';
import {
  BASELINE_CHUNKS_PER_READ,
  GiB,
  MiB,
  READ_HIGH_WATER_MARK,
  baselineDecryptAndHash,
  ciphertextSize,
  encryptToFile,
  ospreyDecryptAndHash,
} from './crypto-data.js';

const RATIO_GOAL = 0.8;
const RSS_LIMIT_MB = 100;
const RSS_TOLERANCE_PCT = 10;

const RSS_CHILD = fileURLToPath(new URL('./crypto-rss-child.ts', import.meta.url));

const USAGE = 'usage: npm run bench -- crypto [--size-mib N (512)] [--rounds N (3)] [--skip-rss] [--rss-sizes-gib 1,4] [--check]';

// ---------------------------------------------------------------------------------------------
// Child processes for peak RSS.
// ---------------------------------------------------------------------------------------------

interface ChildReport extends ChildRssReport {
  plaintextBytes?: number;
  plaintextSha256?: string;
  sha256?: string;
}

interface RssSize {
  gib: number;
  decryptPeakRssKiB: number;
  decryptPeakRssMB: number;
  decryptMBps: number;
  /** ru_maxrss of the decrypt child, inflated by this process's RSS at fork on Linux; see the child. */
  decryptMaxRssKiB: number;
  encryptPeakRssKiB: number;
  baselineDecryptPeakRssKiB: number;
}

interface RssResult extends RssResultBase {
  sizes: RssSize[];
}

const runChild = (childJs: string, args: string[]): Promise<ChildReport> => runJsonChild<ChildReport>(childJs, args, 'RSS child');

// ---------------------------------------------------------------------------------------------

export async function main(args: string[]): Promise<void> {
  const options = parseOrExplain(parseThroughputRssOptions, USAGE, args);
  if (!options) return;

  const { dir, release } = scratchDir('crypto-');

  try {
    const fileKey = randomBytes(16);
    const fileKeyHex = fileKey.toString('hex');

    // --- Throughput --------------------------------------------------------------------------
    const plaintextBytes = options.sizeMiB * MiB;
    const ciphertextFile = join(dir, 'throughput.age');
    console.log(`crypto: encrypting ${options.sizeMiB} MiB of generated plaintext into ${ciphertextFile} ...`);
    const { plaintextSha256 } = await encryptToFile(ciphertextFile, plaintextBytes, fileKey);
    const ciphertextBytes = statSync(ciphertextFile).size;
    if (ciphertextBytes !== ciphertextSize(plaintextBytes))
      throw new Error(`ciphertext is ${ciphertextBytes} bytes, expected ${ciphertextSize(plaintextBytes)}`);

    // The machine is shared and noisy: alternate the order each round (so neither side always runs
    // second, on a warmer or busier machine) and take medians, which ignore one-off outliers.
    type Side = 'osprey' | 'baseline';
    const runners: Record<Side, () => Promise<{ sha256: string; bytes: number }>> = {
      osprey: () => ospreyDecryptAndHash(ciphertextFile, fileKey),
      baseline: () => baselineDecryptAndHash(ciphertextFile, fileKey),
    };
    // One untimed pass of each first: the first pass in a process pays for JIT compilation, lazy
    // module and OpenSSL initialisation and page-cache warm-up, which is not what is measured.
    for (const side of ['osprey', 'baseline'] as const) await runners[side]();
    const seconds = await alternatingRounds(['osprey', 'baseline'] as const, options.rounds, plaintextBytes, async (side, round) => {
      const r = await timed(runners[side]);
      // Same final hash as the generated plaintext: both sides really did all of the work.
      if (r.sha256 !== plaintextSha256 || r.bytes !== plaintextBytes) {
        throw new Error(`${side} round ${round + 1}: got ${r.bytes} bytes / ${r.sha256}, expected ${plaintextBytes} / ${plaintextSha256}`);
      }
      return r.seconds;
    });
    rmSync(ciphertextFile, { force: true });
    // Per-round ratios as well: pairs run back to back, so they cancel slow drifts in machine load.
    const { mbps, measuredMBps: ospreyMBps, baselineMBps, ratio, pairedRatio } = throughputRatio(seconds, ['osprey', 'baseline'], plaintextBytes);
    const ratioOk = ratio >= RATIO_GOAL;

    // --- Peak RSS ----------------------------------------------------------------------------
    let rss: RssResult | null = null;
    if (!options.skipRss) {
      const childJs = await transpileChild(RSS_CHILD, join(dir, 'js'));
      // The floor: node + the Osprey modules, doing nothing. Above it is the payload path's own share.
      const idle = await runChild(childJs, ['idle']);
      const sizes: RssSize[] = [];
      for (const gib of options.rssSizesGiB) {
        const bytes = Math.round(gib * GiB);
        const need = ciphertextSize(bytes) + 64 * MiB;
        if (freeBytes(dir) < need)
          throw new Error(
            `not enough free space in ${dir} for the ${gib} GiB RSS run (need ${(need / GiB).toFixed(2)} GiB); use --rss-sizes-gib or --skip-rss`,
          );
        const file = join(dir, `rss-${gib}gib.age`);
        console.log(`crypto: peak RSS, ${gib} GiB: encrypting (child 1) ...`);
        const enc = await runChild(childJs, ['encrypt', String(bytes), file, fileKeyHex]);
        console.log(`crypto: peak RSS, ${gib} GiB: decrypting + hashing, Osprey (child 2) and bare loop (child 3) ...`);
        const dec = await runChild(childJs, ['decrypt', file, fileKeyHex]);
        // For scale: the same work without Osprey's streams; the difference is what the library adds.
        const bare = await runChild(childJs, ['baseline-decrypt', file, fileKeyHex]);
        rmSync(file, { force: true }); // don't keep 4 GiB around for the next size
        for (const [what, r] of [
          ['osprey', dec],
          ['baseline', bare],
        ] as const) {
          if (r.sha256 !== enc.plaintextSha256 || r.plaintextBytes !== bytes) {
            throw new Error(`RSS ${gib} GiB, ${what}: decrypted ${r.plaintextBytes} bytes / ${r.sha256}, expected ${bytes} / ${enc.plaintextSha256}`);
          }
        }
        sizes.push({
          gib,
          decryptPeakRssKiB: dec.peakRssKiB,
          decryptPeakRssMB: round1(kibToMB(dec.peakRssKiB)),
          decryptMBps: round1(bytes / MB / dec.seconds),
          decryptMaxRssKiB: dec.maxRssKiB,
          encryptPeakRssKiB: enc.peakRssKiB,
          baselineDecryptPeakRssKiB: bare.peakRssKiB,
        });
      }
      const flatness = rssFlatness(
        sizes.map((s) => ({ gib: s.gib, peakRssKiB: s.decryptPeakRssKiB })),
        RSS_LIMIT_MB,
        RSS_TOLERANCE_PCT,
      );
      rss = { source: idle.peakRssSource, idlePeakRssKiB: idle.peakRssKiB, sizes, ...flatness };
    }

    // --- Report ------------------------------------------------------------------------------
    const list = (xs: number[]): string => xs.map((x) => x.toFixed(1)).join(' ');
    const lines = [
      '',
      `crypto benchmark  node ${process.version}  openssl ${process.versions.openssl}  ${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
      `throughput: ${options.sizeMiB} MiB plaintext, file -> decrypt -> SHA-256, ${options.rounds} alternating rounds, median (MB = 10^6 B)`,
      `  osprey   PayloadDecryptStream pipeline  ${ospreyMBps.toFixed(1).padStart(8)} MB/s   rounds: ${list(mbps('osprey'))}`,
      `  baseline bare node:crypto loop          ${baselineMBps.toFixed(1).padStart(8)} MB/s   rounds: ${list(mbps('baseline'))}`,
      `  ratio osprey/baseline                   ${ratio.toFixed(3).padStart(8)}        (paired per-round median ${pairedRatio.toFixed(3)}; goal >= ${RATIO_GOAL})  ${verdict(ratioOk)}`,
    ];
    if (rss) {
      lines.push(`peak RSS (${rss.source}) of a plain-node child that only decrypts + hashes; idle child floor ${kibToMB(rss.idlePeakRssKiB).toFixed(1)} MB`);
      for (const s of rss.sizes) {
        lines.push(
          `  ${`${s.gib} GiB`.padEnd(8)} osprey ${s.decryptPeakRssMB.toFixed(1).padStart(7)} MB  (${s.decryptMBps.toFixed(1)} MB/s)` +
            `   bare loop ${kibToMB(s.baselineDecryptPeakRssKiB).toFixed(1)} MB   encrypt child ${kibToMB(s.encryptPeakRssKiB).toFixed(1)} MB`,
        );
      }
      lines.push(rssFlatnessLine(rss, RSS_LIMIT_MB, RSS_TOLERANCE_PCT));
    } else {
      lines.push('peak RSS: skipped (--skip-rss)');
    }
    console.log(lines.join('\n'));

    const ok = ratioOk && (rss?.ok ?? true);
    const result = {
      benchmark: 'crypto',
      node: process.version,
      openssl: process.versions.openssl,
      cpu: cpus()[0]?.model ?? null,
      cpus: cpus().length,
      throughput: {
        sizeMiB: options.sizeMiB,
        plaintextBytes,
        ciphertextBytes,
        rounds: options.rounds,
        readBytes: { osprey: READ_HIGH_WATER_MARK, baseline: SEALED_CHUNK_SIZE * BASELINE_CHUNKS_PER_READ },
        ospreyMBps: round1(ospreyMBps),
        baselineMBps: round1(baselineMBps),
        ospreyRoundsMBps: mbps('osprey').map(round1),
        baselineRoundsMBps: mbps('baseline').map(round1),
        ratio: round3(ratio),
        pairedRatio: round3(pairedRatio),
        ratioGoal: RATIO_GOAL,
        ratioOk,
        sha256: plaintextSha256,
      },
      rss: rss && {
        source: rss.source,
        idlePeakRssKiB: rss.idlePeakRssKiB,
        sizes: rss.sizes,
        diffPct: rss.diffPct,
        limitMB: RSS_LIMIT_MB,
        tolerancePct: RSS_TOLERANCE_PCT,
        ok: rss.ok,
      },
      ok,
    };
    console.log(`result: ${JSON.stringify(result)}`);
    if (options.check && !ok) process.exitCode = 1;
  } finally {
    release();
  }
}
