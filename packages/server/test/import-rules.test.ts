/**
 * The import rules of .dependency-cruiser.cjs refuse what they should: each case lays out a tiny
 * tree with one wrong import, at the paths the rules name, and runs the real dependency-cruiser
 * with the repository's own configuration on it.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function cruise(files: Record<string, string>): Promise<{ code: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'osprey-import-rules-'));
  dirs.push(dir);
  copyFileSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  writeFileSync(join(dir, 'tsconfig.test.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowJs: true } }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  try {
    const { stdout } = await run(process.execPath, [DEPCRUISE, 'packages', '--config', '.dependency-cruiser.cjs'], { cwd: dir });
    return { code: 0, output: stdout };
  } catch (e) {
    const failed = e as { code: number; stdout: string };
    return { code: failed.code, output: failed.stdout };
  }
}

describe('import rules', () => {
  it.each([
    [
      'domain-not-http',
      {
        'packages/server/src/domain/rules.ts': "import { x } from '../http/routes.js';\nexport const y = x;\n",
        'packages/server/src/http/routes.ts': 'export const x = 1;\n',
      },
    ],
    [
      'no-circular',
      {
        'packages/server/src/domain/a.ts': "import { b } from './b.js';\nexport const a = b;\n",
        'packages/server/src/domain/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
      },
    ],
    ['core-no-io', { 'packages/core/src/format.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n" }],
    [
      'core-is-pure',
      {
        'packages/core/src/format.ts': "import { z } from '../../protocol/src/wire.js';\nexport const y = z;\n",
        'packages/protocol/src/wire.ts': 'export const z = 1;\n',
      },
    ],
    [
      'http-no-kysely',
      {
        'packages/server/src/http/routes.ts': "import { sql } from 'kysely';\nexport const q = sql;\n",
        'node_modules/kysely/package.json': '{"name":"kysely","main":"index.js"}',
        'node_modules/kysely/index.js': 'export const sql = 1;\n',
      },
    ],
    [
      'domain-no-fastify',
      {
        'packages/server/src/domain/rules.ts': "import fastify from 'fastify';\nexport const f = fastify;\n",
        'node_modules/fastify/package.json': '{"name":"fastify","main":"fastify.js"}',
        'node_modules/fastify/fastify.js': 'export default 1;\n',
      },
    ],
    [
      'device-and-cli-not-server',
      {
        'packages/agent/src/agent.ts': "import { s } from '../../server/src/index.js';\nexport const a = s;\n",
        'packages/server/src/index.ts': 'export const s = 1;\n',
      },
    ],
  ])('refuses %s', async (rule, files) => {
    const { code, output } = await cruise(files);
    expect(code).not.toBe(0);
    expect(output).toContain(`error ${rule}:`);
  });

  it('accepts the allowed direction: http/ importing domain/', async () => {
    const { code, output } = await cruise({
      'packages/server/src/http/routes.ts': "import { rule } from '../domain/rules.js';\nexport const r = rule;\n",
      'packages/server/src/domain/rules.ts': 'export const rule = 1;\n',
    });
    expect(output).not.toContain('error');
    expect(code).toBe(0);
  });
});
