/**
 * The README is executable: its ```sh blocks run in order in ONE bash session (`set -euo pipefail`)
 * in a fresh copy of the repository, with a fresh HOME and configuration directory, as a newcomer
 * would paste them. A command whose comment says `# keeps running` (the server) runs in the
 * background in its own process group; the session waits until http://127.0.0.1:8080/readyz answers
 * and the group is killed at the end. A failure names the block's heading, the command line and the
 * tail of its output.
 *
 * `npx tsx scripts/readme.ts [README.md]` runs it by hand; packages/server/test/readme.test.ts runs it
 * in `npm test`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const READY_URL = 'http://127.0.0.1:8080/readyz';

export interface ShellBlock {
  /** The nearest Markdown heading above the block ("(top)" before the first one). */
  heading: string;
  /** 1-based line of the block's first command in the Markdown file. */
  line: number;
  code: string;
}

export interface ShellCommand {
  block: number;
  /** The command as written, continuation lines included. */
  text: string;
  /** 1-based line in the Markdown file. */
  markdownLine: number;
  background: boolean;
  skipped?: string;
}

export interface BlockOutput {
  heading: string;
  output: string;
}

export class ReadmeError extends Error {
  override readonly name = 'ReadmeError';
}

/** The ```sh (or ```bash) fenced blocks, in order, each with its heading. Other fences are examples. */
export function extractShellBlocks(markdown: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  const lines = markdown.split('\n');
  let heading = '(top)';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (!fence) {
      const h = /^#{1,6}\s+(.*\S)\s*$/.exec(line);
      if (h) heading = h[1]!;
      continue;
    }
    const closing = fence[2]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j]!.trimStart().startsWith(closing)) body.push(lines[j++]!);
    if (fence[3] === 'sh' || fence[3] === 'bash') blocks.push({ heading, line: i + 2, code: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** Splits blocks into commands: a line ending in `\` continues on the next one. */
export function splitCommands(blocks: ShellBlock[], skip: readonly SkipRule[] = DEFAULT_SKIPS): ShellCommand[] {
  const commands: ShellCommand[] = [];
  blocks.forEach((block, index) => {
    const lines = block.code.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const start = i;
      let text = lines[i]!;
      while (/\\\s*$/.test(lines[i]!) && i + 1 < lines.length) text += '\n' + lines[++i]!;
      if (text.trim() === '' || text.trim().startsWith('#')) continue;
      const rule = skip.find((r) => r.pattern.test(text.trim()));
      commands.push({
        block: index,
        text,
        markdownLine: block.line + start,
        background: /#.*keeps running/.test(lines[i]!),
        ...(rule ? { skipped: rule.reason } : {}),
      });
    }
  });
  return commands;
}

export interface SkipRule {
  pattern: RegExp;
  reason: string;
}

/** `npm test` runs this very runner: running it from the README would recurse. */
export const DEFAULT_SKIPS: readonly SkipRule[] = [{ pattern: /^npm test\b/, reason: 'npm test includes this README test' }];

export interface RunOptions {
  /** Where the commands run (the fresh copy). */
  cwd: string;
  /** Environment of the session (HOME and XDG_CONFIG_HOME are set fresh on top of it). */
  env?: NodeJS.ProcessEnv;
  skip?: readonly SkipRule[];
  /** How long a background command may take to answer READY_URL (default 5 minutes: npm ci, build). */
  readyTimeoutSeconds?: number;
  /** Called with each block's output once it ran. */
  onBlock?: (output: BlockOutput) => void;
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Fails at once, and says so, when something already listens where the README's server will. */
export async function assertPortFree(port = 8080): Promise<void> {
  await new Promise<void>((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new ReadmeError(e.code === 'EADDRINUSE' ? `port ${port} is taken: stop whatever listens on 127.0.0.1:${port} before running the README` : e.message),
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePort()));
  });
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Runs the blocks in one bash session; resolves with each block's output or rejects naming the failed command. */
export async function runShellBlocks(blocks: ShellBlock[], options: RunOptions): Promise<BlockOutput[]> {
  const commands = splitCommands(blocks, options.skip ?? DEFAULT_SKIPS);
  const work = mkdtempSync(join(tmpdir(), 'osprey-readme-session-'));
  const home = join(work, 'home');
  mkdirSync(join(home, '.config'), { recursive: true });
  const logs = join(work, 'logs');
  mkdirSync(logs);
  const status = join(work, 'failed');
  const pids = join(work, 'background.pids');
  const readyTimeout = options.readyTimeoutSeconds ?? 300;

  // The script: each command is preceded by its index, so the ERR trap can name the one that failed.
  const script: string[] = [
    'set -euo pipefail',
    `__osprey_failed() { echo "$1 $2" > ${quote(status)}; }`,
    `trap '__osprey_failed $? $__osprey_command' ERR`,
    // Also stopped here, not only by the runner: a session abandoned by a timed-out test still ends them.
    `__osprey_stop() { if [[ -f ${quote(pids)} ]]; then while read -r pid; do kill -TERM -- "-$pid" 2>/dev/null || true; done < ${quote(pids)}; fi; }`,
    `trap __osprey_stop EXIT`,
    `__osprey_ready() {`,
    `  local pid=$1 log=$2 i`,
    `  for ((i = 0; i < ${readyTimeout * 4}; i++)); do`,
    `    if curl -fsS -o /dev/null --max-time 2 ${READY_URL} 2>/dev/null; then return 0; fi`,
    `    if ! kill -0 "$pid" 2>/dev/null; then echo "the command exited before ${READY_URL} answered; its output:"; tail -n 40 "$log"; return 1; fi`,
    `    sleep 0.25`,
    `  done`,
    `  echo "${READY_URL} did not answer within ${readyTimeout} s; the command's output:"; tail -n 40 "$log"; return 1`,
    `}`,
  ];
  let block = -1;
  commands.forEach((command, index) => {
    if (command.block !== block) {
      block = command.block;
      script.push(`exec > ${quote(join(logs, `block-${block}.log`))} 2>&1`);
    }
    script.push(`__osprey_command=${index}`);
    if (command.skipped) {
      script.push(`echo ${quote(`(not run here: ${command.skipped}) $ ${command.text}`)}`);
    } else if (command.background) {
      const log = join(logs, `background-${index}.log`);
      // setsid: its own process group, so everything it starts (npm → node) is stopped together.
      script.push(`echo ${quote(`$ ${command.text}   (in the background, output in ${log})`)}`);
      script.push(`setsid bash -c ${quote(command.text)} > ${quote(log)} 2>&1 < /dev/null &`);
      script.push(`echo $! >> ${quote(pids)}`);
      script.push(`__osprey_ready $! ${quote(log)}`);
    } else {
      script.push(`echo ${quote(`$ ${command.text}`)}`);
      script.push(command.text);
    }
  });
  const scriptFile = join(work, 'readme.sh');
  writeFileSync(scriptFile, script.join('\n') + '\n');

  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
  const output = (i: number) => {
    const file = join(logs, `block-${i}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  };
  try {
    const code = await new Promise<number>((resolveRun, reject) => {
      const child = spawn('bash', [scriptFile], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let early = '';
      child.stdout.on('data', (c) => (early += c));
      child.stderr.on('data', (c) => (early += c));
      child.on('error', reject);
      child.on('exit', (c, signal) => (c === null ? reject(new ReadmeError(`bash was killed by ${signal}: ${early}`)) : resolveRun(c)));
    });
    const outputs = blocks.map((b, i) => ({ heading: b.heading, output: output(i) }));
    outputs.slice(0, block + 1).forEach((o) => options.onBlock?.(o));
    if (code !== 0) {
      const [exit, index] = existsSync(status) ? readFileSync(status, 'utf8').trim().split(' ').map(Number) : [code, undefined];
      const failed = index === undefined ? undefined : commands[index];
      if (!failed) throw new ReadmeError(`the README session exited ${code}`);
      throw new ReadmeError(
        `README block "${blocks[failed.block]!.heading}" (line ${failed.markdownLine}): \`${failed.text}\` exited ${exit}\n` +
          `--- its output (last lines) ---\n${tail(output(failed.block))}`,
      );
    }
    return outputs;
  } finally {
    if (existsSync(pids)) {
      for (const pid of readFileSync(pids, 'utf8').split('\n').filter(Boolean).map(Number)) await stopGroup(pid);
    }
    rmSync(work, { recursive: true, force: true });
  }
}

/** SIGTERM to the process group, SIGKILL if it is still there after 10 s. */
async function stopGroup(pgid: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(-pgid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive()) process.kill(-pgid, 'SIGKILL');
}

/**
 * Copies what `git ls-files -co --exclude-standard` lists (committed and uncommitted files, not
 * ignored ones) into `to`, so the README is tried against the working tree as it is.
 */
export function copyRepository(from: string, to: string): void {
  const listed = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: from, encoding: 'utf8' });
  if (listed.status !== 0) throw new ReadmeError(`git ls-files failed in ${from}: ${listed.stderr.trim()}`);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    if (file.split('/').some((part) => part === 'node_modules' || part === 'dist')) continue;
    const source = join(from, file);
    if (!existsSync(source) || lstatSync(source).isDirectory()) continue; // deleted, or a submodule
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(source, join(to, file));
  }
}

/** Environment variables that would make the README's server or CLI differ from a newcomer's. */
function freshEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('OSPREY_') || key === 'DATABASE_URL' || key.startsWith('npm_') || key.startsWith('VITEST') || key === 'NODE_OPTIONS') continue;
    clean[key] = value;
  }
  // The fresh HOME is for Osprey's own state (CLI profiles); npm keeps the machine's settings
  // (registry, CA file, node headers) and its warm cache, as a newcomer's npm would have them.
  const home = env.HOME ?? homedir();
  clean.npm_config_userconfig = env.npm_config_userconfig ?? join(home, '.npmrc');
  clean.npm_config_cache = env.npm_config_cache ?? join(home, '.npm');
  const gypCache = join(env.XDG_CACHE_HOME ?? join(home, '.cache'), 'node-gyp');
  if (existsSync(gypCache)) clean.npm_config_devdir = env.npm_config_devdir ?? gypCache;
  return clean;
}

/** Runs `readme` (default: the repository's README.md) in a fresh copy of `repository`. */
export async function runReadme(
  repository: string,
  options: { readme?: string; onBlock?: (o: BlockOutput) => void; keepCopy?: boolean } = {},
): Promise<BlockOutput[]> {
  await assertPortFree();
  const markdown = readFileSync(options.readme ?? join(repository, 'README.md'), 'utf8');
  const copy = mkdtempSync(join(tmpdir(), 'osprey-readme-'));
  try {
    copyRepository(repository, copy);
    return await runShellBlocks(extractShellBlocks(markdown), {
      cwd: copy,
      env: freshEnvironment(process.env),
      ...(options.onBlock ? { onBlock: options.onBlock } : {}),
    });
  } finally {
    if (!options.keepCopy) rmSync(copy, { recursive: true, force: true });
  }
}

const invoked = process.argv[1] ? resolve(process.argv[1]) : '';
if (invoked.endsWith('scripts/readme.ts')) {
  const root = resolve(import.meta.dirname, '..');
  const readme = process.argv[2] ? resolve(process.argv[2]) : undefined;
  runReadme(root, {
    ...(readme ? { readme } : {}),
    onBlock: (o) => process.stdout.write(`## ${o.heading}\n${o.output}\n`),
  }).then(
    () => process.stdout.write('every README command worked\n'),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
