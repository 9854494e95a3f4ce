import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Whether an optional system component is present. Outside CI a test that needs a missing one is
 * skipped with a one-line reason; in CI (CI=true) nothing may be skipped, so absence is a failure.
 */
export function hasTool(name: string, probe: () => boolean, hint: string): boolean {
  let present: boolean;
  try {
    present = probe();
  } catch {
    present = false;
  }
  if (!present) {
    const line = `${name} is not installed (${hint})`;
    if (process.env.CI) throw new Error(`${line}: CI must install it (see .ci/run)`);
    console.warn(`skipping tests that need ${line}`);
  }
  return present;
}

export function hasCommand(command: string, hint = `apt-get install ${command}`): boolean {
  return hasTool(
    command,
    () => {
      execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
      return true;
    },
    hint,
  );
}

export const SOFTHSM2_MODULE = process.env.SOFTHSM2_MODULE ?? '/usr/lib/softhsm/libsofthsm2.so';

export function hasSoftHsm(): boolean {
  return hasTool('SoftHSM2', () => existsSync(SOFTHSM2_MODULE) && existsSync('/usr/bin/softhsm2-util'), 'apt-get install softhsm2');
}
