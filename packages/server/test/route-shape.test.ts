/**
 * The server's shape, checked: every route declares its schemas (so the OpenAPI document has a
 * request and response schema for each operation and a client can be generated from it), and
 * handlers neither cast request parts nor run SQL.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateOpenApi } from '../../../scripts/openapi.js';

const SRC = join(import.meta.dirname, '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** `file:line` of every line matching `pattern` under `dir`. */
function occurrences(dir: string, pattern: RegExp): string[] {
  return sources(dir).flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => (pattern.test(line) ? [`${relative(SRC, file)}:${i + 1}: ${line.trim()}`] : [])),
  );
}

interface Operation {
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, { description?: string; content?: unknown }>;
}

describe('route shape', () => {
  it('every operation documents its path parameters and a success response with a schema', async () => {
    const doc = JSON.parse(await generateOpenApi()) as { paths: Record<string, Record<string, Operation>> };
    const missing: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const where = `${method.toUpperCase()} ${path}`;
        for (const [, name] of path.matchAll(/\{([A-Za-z0-9_]+)\}/g)) {
          if (!op.parameters?.some((p) => p.in === 'path' && p.name === name)) missing.push(`${where}: path parameter ${name} has no schema`);
        }
        const success = Object.entries(op.responses).filter(([status]) => /^[23]/.test(status));
        // @fastify/swagger writes "Default Response" when a route declares no response schema.
        if (success.length === 0 || success.some(([, r]) => r.description === 'Default Response' && r.content === undefined)) {
          missing.push(`${where}: no success response schema`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('handlers take params, query and body typed by their schemas, never by a cast', () => {
    expect(occurrences(join(SRC, 'http'), /request\.(params|query|body)\s+as\b/)).toEqual([]);
  });

  it('no SQL in http/: handlers call services, services use stores', () => {
    expect(occurrences(join(SRC, 'http'), /\b(selectFrom|insertInto|updateTable|deleteFrom)\(|\bsql`/)).toEqual([]);
  });
});
