/** The built `osprey` as npm links it (bin/osprey.js): it runs the program, and a mistake is one line. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', 'bin', 'osprey.js');

async function osprey(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('bin/osprey.js', () => {
  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(await osprey('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('answers an unknown command with one line and exit 2', async () => {
    expect(await osprey('fly')).toEqual({ code: 2, stdout: '', stderr: "osprey: unknown command 'fly' (run with --help for usage)\n" });
  });
});
