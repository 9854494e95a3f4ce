/**
 * `npm run openapi`: regenerate docs/openapi.json from the server's registered routes and their
 * schemas, and the typed client's `paths` (packages/client/src/schema.ts) from it with
 * openapi-typescript. packages/server/test/openapi.test.ts fails when either committed file differs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
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

/** The client's types for a document, as openapi-typescript writes them. */
export async function generateClientTypes(document: string): Promise<string> {
  const ast = await openapiTS(JSON.parse(document) as Parameters<typeof openapiTS>[0]);
  return `// Generated from docs/openapi.json by \`npm run openapi\` (openapi-typescript). Do not edit.\n\n${astToString(ast)}`;
}

export const OPENAPI_FILE = join(import.meta.dirname, '..', 'docs', 'openapi.json');
export const CLIENT_TYPES_FILE = join(import.meta.dirname, '..', 'packages', 'client', 'src', 'schema.ts');

if (process.argv[1]?.endsWith('openapi.ts')) {
  const document = await generateOpenApi();
  writeFileSync(OPENAPI_FILE, document);
  writeFileSync(CLIENT_TYPES_FILE, await generateClientTypes(document));
  console.log(`wrote ${OPENAPI_FILE} and ${CLIENT_TYPES_FILE}`);
}
