/**
 * Helpers the benchmarks share: the repository root, medians and rounding, and the transpiler
 * that turns a child-process entry point and everything it imports into plain JavaScript.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** MB and MB/s are decimal (10^6 bytes) throughout; input sizes are in MiB/GiB. */
export const MB = 1e6;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const round1 = (n: number): number => Math.round(n * 10) / 10;
export const round3 = (n: number): number => Math.round(n * 1000) / 1000;
export const kibToMB = (kib: number): number => (kib * 1024) / MB;
export const verdict = (ok: boolean): string => (ok ? 'OK' : 'MISSED');

/** A positive number (an integer if `integer`) from a command-line flag, or an error naming the flag. */
export function positive(text: string, flag: string, integer: boolean): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new Error(`${flag} wants a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(text)}`);
  return n;
}

/**
 * Parse a benchmark's arguments: undefined after printing the usage (for --help, or with exit
 * code 2 and the reason for bad arguments).
 */
export function parseOrExplain<T>(parse: (args: string[]) => T | undefined, usage: string, args: string[]): T | undefined {
  let options: T | undefined;
  try {
    options = parse(args);
  } catch (e) {
    console.error(`${(e as Error).message}\n${usage}`);
    process.exitCode = 2;
    return undefined;
  }
  if (!options) console.log(usage);
  return options;
}

/**
 * Transpile the server child and every module it imports (relative imports and the workspace's
 * own `@osprey/*` packages, whose sources it maps to instead of their possibly stale dist/) from
 * TypeScript to plain ESM under `outDir`, mirroring their paths below the repository root; return
 * the child's compiled path. Third-party packages resolve from the repository's node_modules.
 *
 * Why not `node --import tsx`: tsx costs nothing per request once a module is compiled, but on
 * Node 20 it runs its loader hooks in a worker thread with a V8 isolate of its own, ~35 MB of
 * RSS that a production server (compiled JavaScript) never pays; part 3 measures the server's
 * peak RSS. Type-stripping only (ts.transpileModule: no type check, no bundling), as crypto.ts does.
 */
export async function transpileChild(entry: string, outDir: string): Promise<string> {
  const { default: ts } = await import('typescript');
  const compiled = new Map<string, string>();
  const queue = [entry];
  const importSpecifier = /(\b(?:from|import)\s*\(?\s*)(['"])([^'"]+)\2/g;
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (compiled.has(file)) continue;
    const rel = relative(REPO_ROOT, file);
    if (rel.startsWith('..')) throw new Error(`${relative(REPO_ROOT, entry)} imports ${file}, outside the repository`);
    const out = join(outDir, rel.replace(/\.ts$/, '.js'));
    compiled.set(file, out);
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const rewritten = outputText.replace(importSpecifier, (whole, head: string, quote: string, specifier: string) => {
      let source: string;
      let replacement = specifier;
      const workspace = /^@osprey\/([a-z0-9-]+)$/.exec(specifier);
      if (workspace) {
        source = join(REPO_ROOT, 'packages', workspace[1]!, 'src', 'index.ts');
        if (!existsSync(source)) return whole;
        // The compiled tree mirrors the sources, so the relative path is the same in both.
        replacement = relative(dirname(file), source).replace(/\.ts$/, '.js');
        if (!replacement.startsWith('.')) replacement = `./${replacement}`;
      } else if (specifier.startsWith('./') || specifier.startsWith('../')) {
        // Sources import siblings as './x.js' (NodeNext style); the source file is './x.ts'.
        source = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
        // A match inside a comment or string that names no file: leave it (node reports real misses).
        if (!existsSync(source)) return whole;
      } else {
        return whole;
      }
      queue.push(source);
      return `${head}${quote}${replacement}${quote}`;
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, rewritten);
  }
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  return compiled.get(entry)!;
}

/** The options shared by the throughput + peak-RSS benchmarks (crypto, agent). */
export interface ThroughputRssOptions {
  sizeMiB: number;
  rounds: number;
  skipRss: boolean;
  rssSizesGiB: number[];
  check: boolean;
}

/** `--size-mib N --rounds N --skip-rss --rss-sizes-gib 1,4 --check`; undefined for --help. */
export function parseThroughputRssOptions(args: string[]): ThroughputRssOptions | undefined {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      'size-mib': { type: 'string', default: '512' },
      rounds: { type: 'string', default: '3' },
      'skip-rss': { type: 'boolean', default: false },
      'rss-sizes-gib': { type: 'string', default: '1,4' },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  return {
    sizeMiB: positive(values['size-mib'], '--size-mib', true),
    rounds: positive(values.rounds, '--rounds', true),
    skipRss: values['skip-rss'],
    rssSizesGiB: values['rss-sizes-gib'].split(',').map((s) => positive(s.trim(), '--rss-sizes-gib', false)),
    check: values.check,
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes and scratch space of the throughput/RSS benchmarks (crypto, agent).

/** Children a benchmark started: killed on exit or signal, so no multi-GiB writer outlives the run. */
export const liveChildren = new Set<ChildProcess>();

/**
 * Start a long-lived child (a server) and resolve with the first stdout line that is JSON with
 * `ready: true`; other lines go to stderr. The child lives until its stdin closes (stopChild).
 */
export function startReadyChild<T>(childJs: string, args: string[]): Promise<{ child: ChildProcess; ready: T }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childJs, ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    liveChildren.add(child);
    let ready = false;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (ready) return;
      try {
        const message = JSON.parse(line) as T & { ready?: boolean };
        if (message.ready) {
          ready = true;
          resolve({ child, ready: message });
          return;
        }
      } catch {
        // not the ready line
      }
      process.stderr.write(`[server] ${line}\n`);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      liveChildren.delete(child);
      if (!ready) reject(new Error(`server child (${args[0]}) exited (${code ?? signal}) before it was ready`));
    });
  });
}

/** Close a startReadyChild's stdin (it then stops gracefully); SIGKILL after 15 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Run `childJs` to its end and parse the JSON on its last stdout line. Peak RSS is a process-lifetime
 * high-water mark, so each measured run gets a fresh child. `label` names it in errors; `nodeArgs`
 * go to node before the script (runtime flags).
 */
export function runJsonChild<T>(childJs: string, args: string[], label: string, nodeArgs: readonly string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, childJs, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    liveChildren.add(child);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.on('error', (e) => {
      liveChildren.delete(child);
      reject(e);
    });
    child.on('close', (code, signal) => {
      liveChildren.delete(child);
      if (code !== 0) return reject(new Error(`${label} '${args[0]}' failed (exit ${code ?? signal})`));
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(new Error(`${label} '${args[0]}' printed no JSON result: ${JSON.stringify(out)}`));
      }
    });
  });
}

export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

export async function timed<T>(work: () => Promise<T>): Promise<T & { seconds: number }> {
  const started = performance.now();
  const result = await work();
  return { ...result, seconds: (performance.now() - started) / 1000 };
}

/**
 * A folder of this run's own under the repository's gitignored .bench/ (on disk, where a device's
 * download and slot would be; /tmp may be a RAM-backed tmpfs). On Ctrl-C / kill `finally` does not
 * run, so the signal handler stops the children and removes the multi-GiB files itself; `release()`
 * (in `finally`) does the same on a normal end.
 */
export function scratchDir(prefix: string): { dir: string; release: () => void } {
  const benchRoot = join(REPO_ROOT, '.bench');
  mkdirSync(benchRoot, { recursive: true });
  const dir = mkdtempSync(join(benchRoot, prefix));
  const stopAndRemove = (): void => {
    for (const child of liveChildren) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    stopAndRemove();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    dir,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      stopAndRemove();
    },
  };
}

/**
 * Two sides measured in alternating order (so neither always runs second, on a warmer or busier
 * machine): `measure` runs one side once and returns its seconds (after checking its result).
 * Prints a line per run with the MB/s for `bytes`.
 */
export async function alternatingRounds<S extends string>(
  sides: readonly [S, S],
  rounds: number,
  bytes: number,
  measure: (side: S, round: number) => Promise<number>,
): Promise<Record<S, number[]>> {
  const seconds = { [sides[0]]: [], [sides[1]]: [] } as unknown as Record<S, number[]>;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? sides : ([sides[1], sides[0]] as const);
    for (const side of order) {
      const s = await measure(side, round);
      seconds[side].push(s);
      console.log(`  round ${round + 1}/${rounds} ${side.padEnd(8)} ${(bytes / MB / s).toFixed(1).padStart(8)} MB/s`);
    }
  }
  return seconds;
}

/**
 * MB/s per run of each side, their medians, the ratio of the medians (first side / second), and
 * the median of the per-round ratios (pairs run back to back cancel slow drifts in machine load).
 */
export function throughputRatio<S extends string>(seconds: Record<S, number[]>, sides: readonly [S, S], bytes: number) {
  const mbps = (side: S): number[] => seconds[side].map((s) => bytes / MB / s);
  const [measured, baseline] = sides;
  const measuredMBps = median(mbps(measured));
  const baselineMBps = median(mbps(baseline));
  return {
    mbps,
    measuredMBps,
    baselineMBps,
    ratio: measuredMBps / baselineMBps,
    pairedRatio: median(seconds[measured].map((s, i) => seconds[baseline][i]! / s)),
  };
}

/**
 * Whether peak RSS stays flat with the image size: the largest size against the smallest (in %,
 * null with fewer than two sizes), and every size under `limitMB`.
 */
export function rssFlatness(
  peaks: ReadonlyArray<{ gib: number; peakRssKiB: number }>,
  limitMB: number,
  tolerancePct: number,
): { diffPct: number | null; ok: boolean } {
  const bySize = [...peaks].sort((a, b) => a.gib - b.gib);
  const smallest = bySize[0];
  const largest = bySize[bySize.length - 1];
  const diffPct = smallest && largest && bySize.length > 1 ? ((largest.peakRssKiB - smallest.peakRssKiB) / smallest.peakRssKiB) * 100 : null;
  const ok = peaks.length > 0 && peaks.every((p) => round1(kibToMB(p.peakRssKiB)) < limitMB) && (diffPct === null || Math.abs(diffPct) <= tolerancePct);
  return { diffPct: diffPct === null ? null : round1(diffPct), ok };
}

/** The report line of {@link rssFlatness}. */
export function rssFlatnessLine(flatness: { diffPct: number | null; ok: boolean }, limitMB: number, tolerancePct: number): string {
  const { diffPct } = flatness;
  const diff = diffPct === null ? 'n/a (fewer than two sizes)' : `${diffPct >= 0 ? '+' : ''}${diffPct.toFixed(1)} %`;
  return `  largest vs smallest ${diff}  (goal within ${tolerancePct} %, each < ${limitMB} MB)  ${verdict(flatness.ok)}`;
}
