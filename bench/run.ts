/**
 * Benchmark runner: `npm run bench -- NAME [args...]` (= `tsx bench/run.ts NAME [args...]`).
 *
 * To add a benchmark, write bench/NAME.ts exporting `async function main(args: string[]): Promise<void>`
 * and add one line to BENCHMARKS below. Modules are imported only when chosen, so one benchmark's
 * imports (or breakage) never slow down or break another.
 */

/** name → module path, relative to this file. */
const BENCHMARKS: Record<string, string> = {
  agent: './agent.ts',
  crypto: './crypto.ts',
  ddi: './ddi.ts',
  upload: './upload.ts',
  rollout: './rollout.ts',
  fleet: './fleet.ts',
  console: './console.ts',
  wakeup: './wakeup.ts',
};

interface BenchmarkModule {
  main(args: string[]): Promise<void>;
}

function usageLine(): string {
  return `usage: npm run bench -- <name> [args...]; available: ${Object.keys(BENCHMARKS).sort().join(', ')}`;
}

async function run(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '' || name === '--help' || name === '-h') {
    console.error(usageLine());
    return 2;
  }
  const modulePath = Object.hasOwn(BENCHMARKS, name) ? BENCHMARKS[name] : undefined;
  if (modulePath === undefined) {
    console.error(`unknown benchmark ${JSON.stringify(name)}; ${usageLine()}`);
    return 2;
  }
  const loaded = (await import(new URL(modulePath, import.meta.url).href)) as Partial<BenchmarkModule>;
  if (typeof loaded.main !== 'function') throw new Error(`${modulePath} does not export async function main(args)`);
  await loaded.main(args);
  return 0;
}

try {
  // A benchmark may set process.exitCode itself (e.g. a failed goal check); only override on usage errors.
  const code = await run(process.argv.slice(2));
  if (code !== 0) process.exitCode = code;
} catch (e) {
  console.error(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
}
