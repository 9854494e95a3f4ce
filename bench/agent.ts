/**
 * `npm run bench -- agent [--size-mib N] [--rounds N] [--skip-rss] [--rss-sizes-gib 1,4] [--check]`
 *
 * Two questions about the device agent's install path for one artifact, streamed from a server
 * through the payload check and decryption into an A/B slot:
 *
 * 1. Throughput. The agent's own pipeline (agent-data.ts agentPipeline: streamInstall from a local
 *    node:http server into a FileSlot: payload SHA-256 against the signed target, age decryption,
 *    final SHA-256, slot writes with their fsyncs, head last) against the bare node:crypto
 *    ChaCha20-Poly1305 + SHA-256 loop of the crypto benchmark over the same payload file. Each run
 *    is a fresh child process (the agent's with the node flags of its systemd unit), timed inside
 *    the child once its modules are loaded; rounds alternate. Only the ratio is meaningful (goal
 *    ≥ 0.7): it is the price of everything the agent does around the cipher + hash cost (receiving
 *    over TCP, the second hash, the slot writes).
 * 2. Peak RSS of a child process running the whole pipeline for 1 GiB and 4 GiB images: it must
 *    not grow with the image size (goal: within 10 % of each other, each under 100 MB).
 *
 * The server runs in a child process of its own (plain node), so its CPU time and memory are not
 * counted for the agent (on a 2-core machine it still competes for the cores).
 *
 * Prints a table for people and a last line `result: {json}` for CI. `--check` makes the process
 * exit 1 when a goal is missed (errors, such as a hash mismatch, always exit non-zero).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  alternatingRounds,
  kibToMB,
  MB,
  median,
  REPO_ROOT,
  round1,
  round3,
  parseOrExplain,
  parseThroughputRssOptions,
  rssFlatness,
  rssFlatnessLine,
  runJsonChild,
  scratchDir,
  freeBytes,
  liveChildren,
  throughputRatio,
  transpileChild,
  verdict,
} from './common.js';
import type { ChildRssReport, RssResultBase } from './peak-rss.js';
import type * as AgentData from './agent-data.js';

const RATIO_GOAL = 0.7;
const RSS_LIMIT_MB = 100;
const RSS_TOLERANCE_PCT = 10;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const CHILD = fileURLToPath(new URL('./agent-child.ts', import.meta.url));
const UNIT = fileURLToPath(new URL('../packages/agent/osprey-agent.service', import.meta.url));

const USAGE = 'usage: npm run bench -- agent [--size-mib N (512)] [--rounds N (3)] [--skip-rss] [--rss-sizes-gib 1,4] [--check]';

// ---------------------------------------------------------------------------------------------
// Child processes: the server, and the pipeline for peak RSS.
// ---------------------------------------------------------------------------------------------

interface ChildReport extends ChildRssReport {
  /** User + system CPU time of all the child's threads over the measured phase. */
  cpuSeconds: number;
  plaintextBytes?: number;
  sha256?: string;
}

interface RssSize {
  gib: number;
  pipelinePeakRssKiB: number;
  pipelinePeakRssMB: number;
  pipelineMBps: number;
  /** ru_maxrss of the pipeline child, inflated by this process's RSS at fork on Linux; see crypto-rss-child.ts. */
  pipelineMaxRssKiB: number;
  baselinePeakRssKiB: number;
}

interface RssResult extends RssResultBase {
  sizes: RssSize[];
  skipped: { gib: number; reason: string }[];
}

const runChild = (childJs: string, args: string[], nodeArgs: readonly string[] = []): Promise<ChildReport> =>
  runJsonChild<ChildReport>(childJs, args, 'child', nodeArgs);

/**
 * The node flags the agent runs with, from the ExecStart line of the sample systemd unit
 * (packages/agent/osprey-agent.service), so that the agent is measured as it is deployed.
 */
export function agentNodeFlags(unitText = readFileSync(UNIT, 'utf8')): string[] {
  const execStart = /^ExecStart=(\S+)((?:\s+--\S+)*)\s/m.exec(unitText);
  if (!execStart) throw new Error(`${UNIT} has no ExecStart=<node> [--flags] <script> line`);
  return execStart[2]!.trim().split(/\s+/).filter(Boolean);
}

/** Start the server child for `file`; resolves with its URL once it listens. It exits when its stdin closes. */
function startServer(childJs: string, file: string): Promise<{ url: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childJs, 'serve', file], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    liveChildren.add(child);
    let out = '';
    const stop = (): void => {
      child.stdin.end();
      child.kill('SIGTERM');
    };
    child.on('error', (e) => {
      liveChildren.delete(child);
      reject(e);
    });
    child.on('close', (code, signal) => {
      liveChildren.delete(child);
      reject(new Error(`server child ended (exit ${code ?? signal}) before it listened`));
    });
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      try {
        resolve({ url: (JSON.parse(out.slice(0, newline)) as { url: string }).url, stop });
      } catch {
        reject(new Error(`server child printed ${JSON.stringify(out)}`));
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------

export async function main(args: string[]): Promise<void> {
  const options = parseOrExplain(parseThroughputRssOptions, USAGE, args);
  if (!options) return;

  const { dir, release } = scratchDir('agent-');

  try {
    // The children run plain JavaScript transpiled from the workspace's sources (not a possibly
    // stale dist/); the agent child with the agent's node flags.
    const jsDir = join(dir, 'js');
    const childJs = await transpileChild(CHILD, jsDir);
    const data = (await import(pathToFileURL(join(jsDir, 'bench', 'agent-data.js')).href)) as typeof AgentData;
    const agentFlags = agentNodeFlags();

    // --- Throughput --------------------------------------------------------------------------
    const plaintextBytes = options.sizeMiB * MiB;
    const payloadFile = join(dir, 'throughput.age');
    console.log(`agent: encrypting ${options.sizeMiB} MiB of generated plaintext into ${payloadFile} ...`);
    const spec = await data.makeRelease(payloadFile, plaintextBytes);
    const specFile = join(dir, 'throughput.json');
    writeFileSync(specFile, JSON.stringify(spec));
    const expectedSha256 = spec.custom.plaintext.sha256;
    const server = await startServer(childJs, payloadFile);
    const workDir = join(dir, 'device');

    type Side = 'agent' | 'baseline';
    // Each run in a fresh child; its time is taken inside the child, after the modules loaded.
    const runners: Record<Side, () => Promise<ChildReport>> = {
      agent: () => runChild(childJs, ['pipeline', server.url, workDir, specFile], agentFlags),
      baseline: () => runChild(childJs, ['baseline', payloadFile, specFile]),
    };
    // One untimed pass of each first (the page cache, the slot file created).
    for (const side of ['agent', 'baseline'] as const) await runners[side]();
    // Alternate the order each round and take medians: the machine is shared and noisy.
    const cpuSeconds: Record<Side, number[]> = { agent: [], baseline: [] };
    const seconds = await alternatingRounds(['agent', 'baseline'] as const, options.rounds, plaintextBytes, async (side, round) => {
      const r = await runners[side]();
      // Same final hash as the generated plaintext: both sides really did all of the work.
      if (r.sha256 !== expectedSha256 || r.plaintextBytes !== plaintextBytes) {
        throw new Error(`${side} round ${round + 1}: got ${r.plaintextBytes} bytes / ${r.sha256}, expected ${plaintextBytes} / ${expectedSha256}`);
      }
      cpuSeconds[side].push(r.cpuSeconds);
      return r.seconds;
    });
    server.stop();
    rmSync(payloadFile, { force: true });
    rmSync(workDir, { recursive: true, force: true });
    const { mbps, measuredMBps: agentMBps, baselineMBps, ratio, pairedRatio } = throughputRatio(seconds, ['agent', 'baseline'], plaintextBytes);
    const ratioOk = ratio >= RATIO_GOAL;

    // --- Peak RSS ----------------------------------------------------------------------------
    let rss: RssResult | null = null;
    if (!options.skipRss) {
      // The floor: node + the agent's modules, doing nothing. Above it is the pipeline's own share.
      const idle = await runChild(childJs, ['idle'], agentFlags);
      const sizes: RssSize[] = [];
      const skipped: { gib: number; reason: string }[] = [];
      for (const gib of options.rssSizesGiB) {
        const bytes = Math.round(gib * GiB);
        // The served payload and the slot image exist at the same time.
        const need = 2 * (bytes + Math.ceil(bytes / 65536) * 16 + 16) + 256 * MiB;
        const free = freeBytes(dir);
        if (free < need) {
          const reason = `needs ${(need / GiB).toFixed(2)} GiB free in ${dir}, ${(free / GiB).toFixed(2)} GiB available`;
          console.log(`agent: peak RSS, ${gib} GiB: SKIPPED (${reason})`);
          skipped.push({ gib, reason });
          continue;
        }
        const file = join(dir, `rss-${gib}gib.age`);
        const specFile = join(dir, `rss-${gib}gib.json`);
        console.log(`agent: peak RSS, ${gib} GiB: encrypting the payload ...`);
        const rssSpec = await data.makeRelease(file, bytes);
        writeFileSync(specFile, JSON.stringify(rssSpec));
        const rssServer = await startServer(childJs, file);
        const rssWork = join(dir, `device-${gib}gib`);
        let pipe: ChildReport;
        let bare: ChildReport;
        try {
          console.log(`agent: peak RSS, ${gib} GiB: agent pipeline (child) and bare loop (child) ...`);
          pipe = await runChild(childJs, ['pipeline', rssServer.url, rssWork, specFile], agentFlags);
          bare = await runChild(childJs, ['baseline', file, specFile]);
        } finally {
          rssServer.stop();
          rmSync(file, { force: true }); // don't keep GiBs around for the next size
          rmSync(rssWork, { recursive: true, force: true });
        }
        for (const [what, r] of [
          ['agent', pipe],
          ['baseline', bare],
        ] as const) {
          if (r.sha256 !== rssSpec.custom.plaintext.sha256 || r.plaintextBytes !== bytes) {
            throw new Error(`RSS ${gib} GiB, ${what}: ${r.plaintextBytes} bytes / ${r.sha256}, expected ${bytes} / ${rssSpec.custom.plaintext.sha256}`);
          }
        }
        sizes.push({
          gib,
          pipelinePeakRssKiB: pipe.peakRssKiB,
          pipelinePeakRssMB: round1(kibToMB(pipe.peakRssKiB)),
          pipelineMBps: round1(bytes / MB / pipe.seconds),
          pipelineMaxRssKiB: pipe.maxRssKiB,
          baselinePeakRssKiB: bare.peakRssKiB,
        });
      }
      const flatness = rssFlatness(
        sizes.map((s) => ({ gib: s.gib, peakRssKiB: s.pipelinePeakRssKiB })),
        RSS_LIMIT_MB,
        RSS_TOLERANCE_PCT,
      );
      rss = { source: idle.peakRssSource, idlePeakRssKiB: idle.peakRssKiB, sizes, skipped, ...flatness };
    }

    // --- Report ------------------------------------------------------------------------------
    const list = (xs: number[]): string => xs.map((x) => x.toFixed(1)).join(' ');
    const lines = [
      '',
      `agent benchmark  node ${process.version}  openssl ${process.versions.openssl}  ${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
      `throughput: ${options.sizeMiB} MiB image, ${options.rounds} alternating rounds, median, MB/s of plaintext (MB = 10^6 B)`,
      `  agent    streamInstall: HTTP -> payload hash -> decrypt -> final hash -> FileSlot.write ${agentMBps.toFixed(1).padStart(8)} MB/s   rounds: ${list(mbps('agent'))}`,
      `  baseline bare node:crypto ChaCha20-Poly1305 + SHA-256 loop, same file ${baselineMBps.toFixed(1).padStart(8)} MB/s   rounds: ${list(mbps('baseline'))}`,
      `  ratio agent/baseline ${ratio.toFixed(3)}  (paired per-round median ${pairedRatio.toFixed(3)}; goal >= ${RATIO_GOAL})  ${verdict(ratioOk)}`,
      `  CPU time per run (all threads, median): agent ${median(cpuSeconds.agent).toFixed(2)} s, baseline ${median(cpuSeconds.baseline).toFixed(2)} s` +
        ` on ${cpus().length} cores; the local server's own CPU time is not counted but competes for the same cores`,
    ];
    if (rss) {
      lines.push(`peak RSS (${rss.source}) of a plain-node child running the whole pipeline; idle child floor ${kibToMB(rss.idlePeakRssKiB).toFixed(1)} MB`);
      for (const s of rss.sizes) {
        lines.push(
          `  ${`${s.gib} GiB`.padEnd(8)} agent ${s.pipelinePeakRssMB.toFixed(1).padStart(7)} MB  (${s.pipelineMBps.toFixed(1)} MB/s)` +
            `   bare loop ${kibToMB(s.baselinePeakRssKiB).toFixed(1)} MB`,
        );
      }
      for (const s of rss.skipped) lines.push(`  ${`${s.gib} GiB`.padEnd(8)} skipped: ${s.reason}`);
      lines.push(rssFlatnessLine(rss, RSS_LIMIT_MB, RSS_TOLERANCE_PCT));
    } else {
      lines.push('peak RSS: skipped (--skip-rss)');
    }
    console.log(lines.join('\n'));

    const ok = ratioOk && (rss?.ok ?? true);
    const result = {
      benchmark: 'agent',
      node: process.version,
      openssl: process.versions.openssl,
      cpu: cpus()[0]?.model ?? null,
      cpus: cpus().length,
      throughput: {
        sizeMiB: options.sizeMiB,
        plaintextBytes,
        ciphertextBytes: spec.length,
        rounds: options.rounds,
        agentMBps: round1(agentMBps),
        baselineMBps: round1(baselineMBps),
        agentRoundsMBps: mbps('agent').map(round1),
        agentCpuSeconds: round3(median(cpuSeconds.agent)),
        baselineCpuSeconds: round3(median(cpuSeconds.baseline)),
        baselineRoundsMBps: mbps('baseline').map(round1),
        ratio: round3(ratio),
        pairedRatio: round3(pairedRatio),
        ratioGoal: RATIO_GOAL,
        ratioOk,
        sha256: expectedSha256,
      },
      rss: rss && {
        source: rss.source,
        idlePeakRssKiB: rss.idlePeakRssKiB,
        sizes: rss.sizes,
        skipped: rss.skipped,
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
