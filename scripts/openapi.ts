/**
 * `npm run openapi`: regenerate docs/openapi.json from the server's registered routes.
 * packages/server/test/openapi.test.ts fails when the committed file differs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, startServer } from '../packages/server/src/index.js';

export async function generateOpenApi(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'osprey-openapi-'));
  const server = await startServer(parseConfig({ dataDir, logLevel: 'silent', adminPassword: 'openapi-generation', deviceCacheSize: 0 }), {
    inMemoryDatabase: true,
    listen: false,
  });
  try {
    const response = await server.app.inject({ method: 'GET', url: '/rest/v1/openapi.json' });
    return JSON.stringify(response.json(), null, 2) + '\n';
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('openapi.ts')) {
  const file = join(import.meta.dirname, '..', 'docs', 'openapi.json');
  writeFileSync(file, await generateOpenApi());
  console.log(`wrote ${file}`);
}
