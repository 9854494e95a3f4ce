/**
 * Child process of the `agent` benchmark. agent.ts transpiles it (and what it imports) to plain
 * JavaScript and runs it with plain `node`; see transpileChild() in common.ts for why not tsx.
 * Not a benchmark itself: run.ts does not list it.
 *
 *   serve FILE                       the local download server; prints {"url": ...} once listening,
 *                                    then serves until stdin closes (the parent ended) or a signal
 *   idle                             load the same modules, do nothing (the floor: node + Osprey agent)
 *   pipeline URL WORKDIR SPECFILE    the agent pipeline for one artifact (the measured phase)
 *   baseline FILE SPECFILE           the bare node:crypto decrypt + hash loop over FILE, for comparison
 *
 * Every mode but `serve` prints one JSON line: { mode, peakRssKiB, peakRssSource, maxRssKiB, seconds, cpuSeconds, ... }.
 * Peak RSS is a high-water mark for the whole process lifetime, which is why each run has a
 * process of its own.
 */
import { readFileSync } from 'node:fs';
import { peakRss } from './peak-rss.js';
import { agentPipeline, serveFile, type ReleaseSpec } from './agent-data.js';
import { baselineDecryptAndHash } from './crypto-data.js';

const readSpec = (file: string | undefined): ReleaseSpec => JSON.parse(readFileSync(file ?? '', 'utf8')) as ReleaseSpec;

const [mode, ...rest] = process.argv.slice(2);
const started = performance.now();
const cpuAtStart = process.cpuUsage();
let details: Record<string, unknown> | undefined;
switch (mode) {
  case 'serve': {
    const [file] = rest;
    if (!file) throw new Error('usage: serve FILE');
    const { server, url } = await serveFile(file);
    const stop = (): void => {
      server.closeAllConnections();
      server.close();
      process.exit(0);
    };
    process.stdin.on('end', stop).on('error', stop).resume();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.stdout.write(`${JSON.stringify({ url })}\n`);
    break;
  }
  case 'idle':
    details = {};
    break;
  case 'pipeline': {
    const [url, workDir, specFile] = rest;
    if (!url || !workDir || !specFile) throw new Error('usage: pipeline URL WORKDIR SPECFILE');
    const { sha256, bytes } = await agentPipeline(url, workDir, readSpec(specFile));
    details = { plaintextBytes: bytes, sha256 };
    break;
  }
  case 'baseline': {
    const [file, specFile] = rest;
    if (!file || !specFile) throw new Error('usage: baseline FILE SPECFILE');
    const { sha256, bytes } = await baselineDecryptAndHash(file, Buffer.from(readSpec(specFile).fileKeyHex, 'hex'));
    details = { plaintextBytes: bytes, sha256 };
    break;
  }
  default:
    throw new Error(`unknown mode ${JSON.stringify(mode)}; expected serve | idle | pipeline | baseline`);
}
if (details) {
  const seconds = (performance.now() - started) / 1000;
  // CPU time of every thread of the process (main, libuv pool, GC) over the measured phase.
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(`${JSON.stringify({ mode, ...peakRss(), maxRssKiB: process.resourceUsage().maxRSS, seconds, cpuSeconds, ...details })}\n`);
}
