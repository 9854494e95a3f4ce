/**
 * The composition root: configuration in, a running server out. Everything is constructed here and
 * injected; `close()` shuts down in order (stop accepting, flush last-seen times, close the database).
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FileBlobStore } from './blob/store.js';
import type { ServerConfig } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/connect.js';
import { bootstrap } from './domain/bootstrap.js';
import { DdiService } from './domain/ddi.js';
import { ManagementService } from './domain/management.js';
import { CACHE_CHANNEL, DeviceCache } from './domain/device-cache.js';
import { buildApp } from './http/app.js';
import { FileKeyService } from './keys/keyservice.js';

export interface RunningServer {
  app: FastifyInstance;
  database: DatabaseHandle;
  ddi: DdiService;
  management: ManagementService;
  blobs: FileBlobStore;
  keys: FileKeyService;
  /** Where it listens, e.g. http://127.0.0.1:8080 */
  url: string;
  generatedAdminPassword?: string;
  close(): Promise<void>;
}

export async function startServer(config: ServerConfig, options: { inMemoryDatabase?: boolean; listen?: boolean; clock?: () => Date } = {}): Promise<RunningServer> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, inMemory: options.inMemoryDatabase ?? false });
  const boot = await bootstrap(database.db, config.adminPassword);
  const blobs = new FileBlobStore(join(config.dataDir, 'blobs'));
  const keys = new FileKeyService(join(config.dataDir, 'keys'), config.keyPassphrase);
  const cache = new DeviceCache(config.deviceCacheSize);
  if (config.deviceCacheSize > 0) await database.listen(CACHE_CHANNEL, cache.handlers);
  const ddi = new DdiService(database.db, keys, options.clock, cache);
  const management = new ManagementService(database.db, blobs, keys, options.clock);
  const app = await buildApp({ config, db: database.db, blobs, ddi, management });
  const flush = setInterval(() => {
    ddi.flushLastSeen().catch((err: unknown) => app.log.warn({ err }, 'flushing last-seen times failed; will retry'));
  }, config.lastSeenFlushMs);
  flush.unref();
  let url = '';
  if (options.listen ?? true) {
    url = await app.listen({ port: config.port, host: config.host });
  } else {
    await app.ready();
  }
  let closed = false;
  return {
    app,
    database,
    ddi,
    management,
    blobs,
    keys,
    url,
    ...(boot.generatedPassword ? { generatedAdminPassword: boot.generatedPassword } : {}),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(flush);
      await app.close();
      await ddi.flushLastSeen().catch(() => undefined);
      await database.close();
    },
  };
}
