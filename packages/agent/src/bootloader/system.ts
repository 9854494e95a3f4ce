/**
 * What the U-Boot and GRUB backends need from the running system, injected so that tests (and
 * emulators) can stand in for it: a command runner for `fw_printenv`/`fw_setenv`/`grub-editenv`,
 * and a probe for the booted slot and the boot id.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { isSlotId, type SlotId } from '../slots/types.js';
import { BootloaderError } from './types.js';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` with `args` (no shell) and reports how it ended; only fails to spawn by rejecting. */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<CommandResult>;

/** The real runner: `execFile`, no shell, bounded in time and output. */
export function execCommand(options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): CommandRunner {
  return (command, args) =>
    new Promise((resolve, reject) => {
      execFile(
        command,
        [...args],
        { timeout: options.timeoutMs ?? 30_000, maxBuffer: 1 << 20, encoding: 'utf8', env: options.env ?? process.env },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number') {
            // Not an exit status: the command could not be spawned (ENOENT…) or was killed (timeout).
            reject(new BootloaderError('COMMAND_FAILED', `${command}: ${error.message}`, { cause: error }));
            return;
          }
          resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
        },
      );
    });
}

/** Runs a command and returns its stdout, or throws `COMMAND_FAILED` with its stderr. */
export async function runChecked(run: CommandRunner, command: string, args: readonly string[]): Promise<string> {
  const result = await run(command, args);
  if (result.code !== 0) {
    throw new BootloaderError('COMMAND_FAILED', `${command} ${args.join(' ')} exited with ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result.stdout;
}

/** Parses `name=value` lines (`fw_printenv`, `grub-editenv list`); the first `=` separates. */
export function parseEnvLines(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    vars.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return vars;
}

/** Where the backends learn which slot runs and which boot this is. */
export interface SystemProbe {
  bootedSlot(): Promise<SlotId>;
  bootId(): Promise<string>;
}

/**
 * The booted slot named on a kernel command line: `osprey.slot=a|b`, or RAUC's `rauc.slot=A|B` as
 * set by its U-Boot and GRUB boot scripts. Null if neither is present.
 */
export function slotFromCmdline(cmdline: string): SlotId | null {
  for (const word of cmdline.trim().split(/\s+/)) {
    const m = /^(?:osprey|rauc)\.slot=(.+)$/.exec(word);
    const slot = m?.[1]?.toLowerCase();
    if (isSlotId(slot)) return slot;
  }
  return null;
}

/** The probe for a real Linux device: `/proc/cmdline` and `/proc/sys/kernel/random/boot_id`. */
export function linuxSystemProbe(paths: { cmdline?: string; bootId?: string } = {}): SystemProbe {
  const cmdlinePath = paths.cmdline ?? '/proc/cmdline';
  const bootIdPath = paths.bootId ?? '/proc/sys/kernel/random/boot_id';
  return {
    async bootedSlot() {
      const slot = slotFromCmdline(await readFile(cmdlinePath, 'utf8'));
      if (slot === null) throw new BootloaderError('BOOTED_SLOT_UNKNOWN', `${cmdlinePath} names no slot (expected osprey.slot=a|b or rauc.slot=A|B)`);
      return slot;
    },
    async bootId() {
      return (await readFile(bootIdPath, 'utf8')).trim();
    },
  };
}
