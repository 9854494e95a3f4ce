/**
 * The README runner itself (scripts/readme.ts): a broken command in a Markdown text fails the run
 * and the error names its heading, its line and its output; blocks share one shell session.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { assertPortFree, extractShellBlocks, runShellBlocks, splitCommands } from '../../scripts/readme.js';

const cwd = mkdtempSync(join(tmpdir(), 'osprey-readme-runner-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const markdown = [
  '# Tiny',
  '',
  '```sh',
  'export GREETING=hello   # carried to the next block',
  'npm test                # skipped: it would run this test again',
  '```',
  '',
  '```json',
  '{ "not": "run" }',
  '```',
  '',
  '## Broken step',
  '',
  '```sh',
  'echo "$GREETING from $HOME" \\',
  '  > greeting.txt',
  'cat greeting.txt',
  'ls /definitely/not/there   # this one fails',
  'echo never printed',
  '```',
].join('\n');

describe('README runner', () => {
  it('extracts only sh blocks, with their headings, lines and continuation lines', () => {
    const blocks = extractShellBlocks(markdown);
    expect(blocks.map((b) => [b.heading, b.line])).toEqual([
      ['Tiny', 4],
      ['Broken step', 15],
    ]);
    const commands = splitCommands(blocks);
    expect(commands.map((c) => c.markdownLine)).toEqual([4, 5, 15, 17, 18, 19]);
    expect(commands[1]!.skipped).toMatch(/npm test/);
    expect(commands[2]!.text).toBe('echo "$GREETING from $HOME" \\\n  > greeting.txt');
  });

  it('fails on a broken command, naming its heading, line and output, and runs nothing after it', async () => {
    const run = runShellBlocks(extractShellBlocks(markdown), { cwd });
    const error = await run.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.name).toBe('ReadmeError');
    expect(error?.message).toMatch(/^README block "Broken step" \(line 18\): `ls \/definitely\/not\/there {3}# this one fails` exited 2/);
    // The earlier command's output, with the variable from the first block and the fresh HOME.
    expect(error?.message).toMatch(/hello from \/tmp\/osprey-readme-session-\w+\/home/);
    expect(error?.message).toMatch(/No such file or directory/);
    expect(error?.message).not.toMatch(/never printed/);
  });

  it('returns every block output when all commands work', async () => {
    const outputs = await runShellBlocks(extractShellBlocks(markdown.replace('ls /definitely/not/there', 'ls greeting.txt')), { cwd });
    expect(outputs.map((o) => o.heading)).toEqual(['Tiny', 'Broken step']);
    expect(outputs[0]!.output).toContain('(not run here: npm test includes this README test)');
    expect(outputs[1]!.output).toContain('never printed');
  });

  it('refuses to start when the port its server needs is taken, saying so', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      await expect(assertPortFree(port)).rejects.toThrow(`port ${port} is taken: stop whatever listens on 127.0.0.1:${port} before running the README`);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
    await expect(assertPortFree(port)).resolves.toBeUndefined();
  });
});
