/**
 * The budget of the property-based fuzz tests (`*.fuzz.test.ts`, fast-check). CI runs each
 * property a small, fixed number of times from a fixed seed, so a run is reproducible and a
 * failure prints the seed and counterexample path that replay it; `npm run test:fuzz` sets
 * `OSPREY_FUZZ_RUNS` for a longer budget.
 *
 *   OSPREY_FUZZ_RUNS=N     every property runs N times instead of its default
 *   OSPREY_FUZZ_SEED=S     start from seed S (an integer) instead of the fixed default
 */
import type { Parameters } from 'fast-check';

/** The seed CI uses; any other one explores other inputs. */
export const DEFAULT_FUZZ_SEED = 20_260_412;

function positiveInteger(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, not ${JSON.stringify(raw)}`);
  return n;
}

/** How often a property runs: `defaultRuns` in CI, `OSPREY_FUZZ_RUNS` when set. */
export function fuzzRuns(defaultRuns: number): number {
  return positiveInteger('OSPREY_FUZZ_RUNS', process.env.OSPREY_FUZZ_RUNS) ?? defaultRuns;
}

/** The seed every property starts from. */
export function fuzzSeed(): number {
  return positiveInteger('OSPREY_FUZZ_SEED', process.env.OSPREY_FUZZ_SEED) ?? DEFAULT_FUZZ_SEED;
}

/** fast-check parameters for one property: its run budget, the seed, and no time-based cut-off. */
export function fuzzParams<T>(defaultRuns: number, extra: Parameters<NoInfer<T>> = {}): Parameters<T> {
  return { numRuns: fuzzRuns(defaultRuns), seed: fuzzSeed(), ...extra };
}

/** A vitest timeout (ms) that grows with the budget: `msPerRun` per run, at least a minute. */
export function fuzzTimeout(defaultRuns: number, msPerRun: number): number {
  return Math.max(60_000, fuzzRuns(defaultRuns) * msPerRun * 4);
}
