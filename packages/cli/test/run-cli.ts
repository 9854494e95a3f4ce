/** Runs the `osprey` CLI in-process and captures what it prints. */
import { vi } from 'vitest';
import type { CliEnvironment } from '../src/config.js';
import { run, type CliIo } from '../src/main.js';

export const TEST_ENV: CliEnvironment = { passphrase: undefined, pkcs11: { module: undefined, tokenLabel: undefined, pin: undefined }, interactive: false };

export interface CliResult {
  code: number;
  out: string;
  err: string;
  /** stdout parsed as JSON, when it is JSON. */
  json: any;
}

export async function runCli(args: string[], env: Partial<CliEnvironment> = {}, io?: CliIo): Promise<CliResult> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const code = await run(args, { ...TEST_ENV, ...env }, io);
    let json: any;
    try {
      json = JSON.parse(out);
    } catch {
      json = undefined;
    }
    return { code, out, err, json };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
