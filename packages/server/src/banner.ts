/** What `osprey-server` prints once it listens: where each audience finds it, and the first password. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerConfig } from './config.js';
import { SERVER_VERSION } from './http/app.js';
import type { RunningServer } from './main.js';

export function banner(server: Pick<RunningServer, 'url' | 'generatedAdminPassword'>, config: ServerConfig, passwordFile?: string): string {
  const where = config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}/pglite`;
  const store = config.blobStore;
  const artifacts =
    store.kind === 's3'
      ? `S3 bucket ${store.bucket}${store.prefix ? ` prefix ${store.prefix}` : ''} ${store.endpoint ? `at ${store.endpoint}` : `in ${store.region}`}`
      : `${config.dataDir}/blobs`;
  const lines = [
    `Osprey server ${SERVER_VERSION} listening on ${server.url} (database: ${where}, artifacts: ${artifacts})`,
    `  Console: ${server.url}/${existsSync(join(config.consoleDir, 'index.html')) ? '' : '   (not built yet: npm run build)'}`,
    `  management API  ${server.url}/rest/v1   OpenAPI: ${server.url}/rest/v1/openapi.json`,
    `  DDI for devices ${server.url}/DEFAULT/controller/v1/<controllerId>`,
    // Direct downloads: devices fetch artifacts from there, and their agents must admit its origin.
    ...(config.directDownloads === 'off'
      ? []
      : [
          `  artifact bytes  ${config.directDownloads === 'presigned' ? `presigned S3 URLs, valid ${config.directDownloadTtlSeconds} s` : `from the CDN at ${config.downloadBaseUrl}`} (agents: storageOrigins)`,
        ]),
    `  health: ${server.url}/healthz   ready: ${server.url}/readyz`,
  ];
  if (config.host === '127.0.0.1' || config.host === 'localhost' || config.host === '::1') {
    lines.push('  (loopback only: set OSPREY_HOST=0.0.0.0 to serve devices on a network)');
  }
  if (server.generatedAdminPassword) {
    lines.push(
      `First start: created tenant DEFAULT and user "admin" with password ${server.generatedAdminPassword}`,
      passwordFile
        ? `(shown once, also kept in ${passwordFile}; set OSPREY_ADMIN_PASSWORD to choose it)`
        : '(shown once; set OSPREY_ADMIN_PASSWORD to choose it)',
    );
  }
  return lines.join('\n') + '\n';
}
