/**
 * The composition root: configuration in, a running server out. Everything is constructed here and
 * injected; `close()` shuts down in order (stop accepting, flush last-seen times, close the database).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { CdnDownloads, PresignedDownloads, presignedOrigin, type DirectDownloads } from './blob/direct.js';
import { FileBlobStore, type BlobStore } from './blob/store.js';
import { S3BlobStore, s3ClientConfig } from './blob/s3-store.js';
import { TimedBlobStore } from './blob/timed.js';
import { readStatusCounts } from './db/stores/status-counts.js';
import { ConfigError, type ServerConfig } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/connect.js';
import { bootstrap, DEFAULT_TENANT } from './domain/bootstrap.js';
import { DdiService } from './domain/ddi.js';
import { TargetService } from './domain/target-service.js';
import { SoftwareModuleService } from './domain/software-module-service.js';
import { DistributionSetService } from './domain/distribution-set-service.js';
import { bindArtifactSigning, fileArtifactSigning, type ArtifactSigning } from './domain/signatures.js';
import { CACHE_CHANNEL, DeviceCache } from './domain/device-cache.js';
import { TufRepositoryService } from './domain/tuf/repository.js';
import { TufRootService } from './domain/tuf/root.js';
import { OnlineKeyService } from './domain/tuf/online-keys.js';
import { ReleaseService } from './domain/releases.js';
import { RolloutService, tickRollouts } from './domain/rollouts.js';
import { AutoAssignService, tickAutoAssignments } from './domain/auto-assign.js';
import { compileTargetFilter } from './db/fields.js';
import { buildApp, type AppDependencies } from './http/app.js';
import type { ManagementServices } from './http/mgmt/context.js';
import { Changes } from './domain/changes.js';
import { ArtifactIntegrity, type DamageFinding } from './domain/integrity.js';
import { createMetrics, watchScrapeSources } from './metrics.js';
import { TenantConfigService } from './domain/tenant-config-service.js';
import { ActionService } from './domain/actions.js';
import { SignatureService } from './domain/artifact-signatures.js';
import { AuditLog } from './domain/audit.js';
import { CatalogueService } from './domain/catalogue.js';
import { MetadataService } from './domain/metadata.js';
import { LoginService } from './domain/login.js';
import { EVENTS_CHANNEL, isResync, LocalEventBus, SharedEventBus, type EventBus } from './domain/events.js';
import { AnnouncementStore } from './db/stores/announcements.js';
import { SessionService } from './domain/sessions.js';
import { LoginThrottle, type ThrottlePolicy } from './domain/login-throttle.js';
import { UserService } from './domain/users.js';
import { FileKeyService, type KeyService } from './keys/keyservice.js';
import { Pkcs11KeyService } from './keys/pkcs11-keyservice.js';
import { NO_WAKEUPS, type WakeupPublisher } from './domain/wakeups.js';
import { wakeupPublisherOf } from './wakeup/compose.js';

/** How often timestamps are checked for re-signing (each is re-signed within half its lifetime). */
const TUF_RESIGN_INTERVAL_MS = 60_000;

export interface RunningServer {
  app: FastifyInstance;
  database: DatabaseHandle;
  ddi: DdiService;
  /** The management API's services (http/mgmt/context.ts). */
  management: ManagementServices;
  blobs: BlobStore;
  keys: KeyService;
  tuf: TufRepositoryService;
  /** Where committed changes are announced (the live channel's source). */
  events: EventBus;
  /** Where devices are told to poll now (MQTT when configured, else nowhere). */
  wakeups: WakeupPublisher;
  /** Where it listens, e.g. http://127.0.0.1:8080 */
  url: string;
  generatedAdminPassword?: string;
  close(): Promise<void>;
}

/** The server could not start for a reason the operator can fix (a taken port); one line says which. */
export class StartError extends Error {
  override readonly name = 'StartError';
}

/**
 * Temporaries younger than this are left alone at start: in a shared bucket another instance may
 * still be uploading them (an upload of the largest artifact takes well under a day).
 */
const STALE_TEMPORARY_MS = 24 * 60 * 60 * 1000;

/**
 * The configured blob store, checked before anything else starts: a missing bucket or refused
 * credentials is a StartError saying what to fix (never the secret itself).
 */
async function openBlobStore(config: ServerConfig, now: Date): Promise<{ blobs: BlobStore; close(): void }> {
  const cfg = config.blobStore;
  if (cfg.kind === 'file') return { blobs: new FileBlobStore(join(config.dataDir, 'blobs')), close: () => undefined };
  const store = S3BlobStore.fromConfig(cfg);
  const where = `S3 bucket ${cfg.bucket}${cfg.endpoint ? ` at ${cfg.endpoint}` : ` in ${cfg.region}`}`;
  try {
    await store.ping();
    await store.removeStaleTemporaries(new Date(now.getTime() - STALE_TEMPORARY_MS));
  } catch (cause) {
    store.close();
    const status = (cause as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const keys = cfg.accessKeyId ? 'OSPREY_S3_ACCESS_KEY_ID and OSPREY_S3_SECRET_ACCESS_KEY' : "the SDK's credentials (environment, profile or instance role)";
    if (status === 404) throw new StartError(`${where} does not exist: create it or set OSPREY_S3_BUCKET`, { cause });
    if (status === 403 || status === 401) throw new StartError(`${where} refused these credentials: check ${keys} and the bucket's policy`, { cause });
    if (status === 301 || status === 400) throw new StartError(`${where} answered ${status}: check OSPREY_S3_REGION and OSPREY_S3_ENDPOINT`, { cause });
    if ((cause as Error).name === 'CredentialsProviderError') throw new StartError(`no S3 credentials for ${where}: set ${keys}`, { cause });
    const code = (cause as { code?: string }).code;
    throw new StartError(`cannot reach ${where}${code ? ` (${code})` : ''}: check OSPREY_S3_ENDPOINT and the network`, { cause });
  }
  return { blobs: store, close: () => store.close() };
}

export interface StartOptions {
  inMemoryDatabase?: boolean;
  listen?: boolean;
  clock?: () => Date;
  /** Where log lines go (default stdout). */
  logStream?: DestinationStream;
  /** Failed-login limits (tests set small ones). */
  loginThrottle?: ThrottlePolicy;
  /** The bus committed changes are announced on (default: this process's own). */
  events?: EventBus;
  /** The live channel's flush and heartbeat timers and bounds (tests drive them). */
  liveEvents?: AppDependencies['liveEvents'];
  /** Direct downloads made elsewhere (tests: presigned URLs on a store of their own); wins over the configuration. */
  directDownloads?: DirectDownloads;
}

/**
 * Direct downloads (#16) as configured: off, a CDN in front of the bucket, or presigned URLs of
 * the S3 blob store (its client signs them; config.ts refuses presigned without it).
 */
function directDownloadsOf(config: ServerConfig, injected: DirectDownloads | undefined): AppDependencies['direct'] {
  const ttlSeconds = config.directDownloadTtlSeconds;
  if (injected) return { downloads: injected, ttlSeconds };
  const store = config.blobStore;
  const prefix = store.kind === 's3' ? store.prefix : '';
  if (config.directDownloads === 'cdn') return { downloads: new CdnDownloads(config.downloadBaseUrl!, prefix), ttlSeconds };
  if (config.directDownloads === 'presigned') {
    if (store.kind !== 's3') throw new ConfigError('OSPREY_DIRECT_DOWNLOADS=presigned needs the S3 blob store (OSPREY_BLOB_STORE=s3)');
    // Signing is local (no request): a client of its own, with the store's endpoint and credentials.
    const client = new S3Client(s3ClientConfig(store));
    return { downloads: new PresignedDownloads({ client, bucket: store.bucket, prefix, origin: presignedOrigin(store) }), ttlSeconds };
  }
  return undefined;
}

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  // What a start has opened so far, closed in reverse if a later step fails: nothing (the store's
  // sockets, the database's listener, the broker connection) may keep a failed start's process alive.
  const opened: Array<() => unknown> = [];
  try {
    return await assemble(config, options, opened);
  } catch (e) {
    for (const closeIt of opened.reverse()) await Promise.resolve(closeIt()).catch(() => undefined);
    throw e;
  }
}

async function assemble(config: ServerConfig, options: StartOptions, opened: Array<() => unknown>): Promise<RunningServer> {
  // Before anything opens: a configuration that cannot work stops here.
  const direct = directDownloadsOf(config, options.directDownloads);
  // The logger exists once fastify does; until then a lost idle connection is not worth a line.
  let warn: (message: string, err: unknown) => void = () => undefined;
  const metrics = createMetrics();
  const store = await openBlobStore(config, options.clock?.() ?? new Date());
  const closeBlobs = store.close;
  opened.push(closeBlobs);
  // Every store is timed by one decorator (blob/timed.ts): latency by operation, in the metrics.
  const blobs: BlobStore = new TimedBlobStore(store.blobs, (operation, outcome, seconds) => metrics.blobOperations.observe({ operation, outcome }, seconds));
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    inMemory: options.inMemoryDatabase ?? false,
    onIdleConnectionLost: (err) => warn('an idle database connection was cut (PostgreSQL restarted?); the next query reconnects', err),
  });
  opened.push(() => database.close());
  const boot = await bootstrap(database.db, config.adminPassword);
  // Tenant keys: files under the key passphrase (embedded default), or a PKCS#11 token.
  let keys: KeyService;
  let signing: ArtifactSigning;
  let closeKeys = () => {};
  if (config.pkcs11) {
    const token = new Pkcs11KeyService(config.pkcs11);
    keys = token;
    signing = token.artifactSigning();
    closeKeys = () => token.close();
    opened.push(closeKeys);
  } else {
    const keyDir = config.keyDir ?? join(config.dataDir, 'keys');
    keys = new FileKeyService(keyDir, config.keyPassphrase);
    // Artifact signing keys live next to the escrow keys, under the same passphrase.
    signing = fileArtifactSigning(keyDir, config.keyPassphrase);
  }
  bindArtifactSigning(keys, signing); // so seed(db, blobs, keys, spec) signs with them too
  const cache = new DeviceCache(config.deviceCacheSize);
  if (config.deviceCacheSize > 0) await database.listen(CACHE_CHANNEL, cache.handlers);
  // Committed changes are announced here; the console's live channel (GET /rest/v1/events) listens.
  // On PostgreSQL other instances may share the database: their consoles hear of changes made here.
  let events: EventBus;
  if (options.events) events = options.events;
  else if (database.kind === 'postgres') {
    const announcements = new AnnouncementStore(database.db);
    const shared = new SharedEventBus({
      instanceId: randomBytes(8).toString('hex'),
      announce: (payload) => announcements.announce(EVENTS_CHANNEL, payload),
      onError: (message, err) => warn(message, err),
      // Another instance sharing the key store may have rotated a tenant's keys or made a tenant;
      // after missed news, forget them all.
      onRemote: (changes) => {
        for (const change of changes) {
          if (isResync(change)) keys.forget();
          else if (change.kind === 'tuf-key' || change.kind === 'tuf' || change.kind === 'tenant') keys.forget(change.tenant);
        }
      },
    });
    await database.listen(EVENTS_CHANNEL, shared.handlers);
    events = shared;
  } else events = new LocalEventBus((err) => warn('a live-event listener failed', err));
  const ddi = new DdiService(database.db, keys, options.clock, cache, events);
  // MQTT wake-up (#16): with OSPREY_MQTT_URL, devices are told to poll at once after their action commits.
  const wakeups = config.mqtt ? wakeupPublisherOf(config.mqtt, (message, err) => warn(message, err)) : { publisher: NO_WAKEUPS, counter: undefined };
  opened.push(() => wakeups.publisher.close());
  const changes = new Changes(database.db, options.clock, events, wakeups.publisher);
  const targets = new TargetService(database.db, changes, keys, options.clock);
  if (wakeups.counter) metrics.registry.registerMetric(wakeups.counter);
  // Damage is reported once per artifact, when first recorded: a line an operator's alerting can match, and the metric.
  let logDamage: (finding: DamageFinding) => void = () => undefined;
  const integrity = new ArtifactIntegrity(
    changes,
    blobs,
    (finding) => {
      metrics.artifactsDamaged.inc({ damage: finding.damage });
      logDamage(finding);
    },
    (err) => warn('recording a damaged artifact failed; the next download finds it again', err),
  );
  const modules = new SoftwareModuleService(database.db, changes, blobs, keys, signing, config.maxArtifactBytes, integrity, options.clock, (err) =>
    warn('removing the blob of a deleted artifact failed; osprey-server gc removes it later', err),
  );
  const sets = new DistributionSetService(database.db, changes);
  const configs = new TenantConfigService(database.db, changes);
  const tuf = new TufRepositoryService(database.db, keys, changes, options.clock);
  const tufServices = {
    repository: tuf,
    root: new TufRootService(database.db, keys, changes, options.clock),
    keys: new OnlineKeyService(database.db, keys, changes),
  };
  const releases = new ReleaseService(database.db, keys, changes, tuf);
  // Every tenant has its TUF repository: the embedded default tenant gets one on first start.
  if (await database.db.selectFrom('tenants').select('id').where('id', '=', DEFAULT_TENANT).executeTakeFirst()) await tuf.ensureRepository(DEFAULT_TENANT);
  const users = new UserService(database.db, changes, options.clock);
  const login = new LoginService(database.db, options.clock, new LoginThrottle(options.clock, options.loginThrottle));
  const sessions = new SessionService(
    database.db,
    changes,
    login,
    { idleSeconds: config.sessionIdleSeconds, maxSeconds: config.sessionMaxSeconds },
    options.clock,
  );
  const rollouts = new RolloutService(database.db, changes, compileTargetFilter);
  const autoAssign = new AutoAssignService(database.db, changes);
  const management: ManagementServices = {
    changes,
    configs,
    tuf: tufServices,
    releases,
    targets,
    modules,
    sets,
    catalogue: new CatalogueService(database.db, changes),
    metadata: new MetadataService(database.db, changes),
    actions: new ActionService(database.db, changes),
    auditLog: new AuditLog(database.db),
    signatures: new SignatureService(database.db, signing),
    rollouts,
    autoAssign,
    users,
    sessions,
  };
  const app = await buildApp({
    config,
    ...(direct ? { direct } : {}),
    blobs,
    integrity,
    metrics,
    ddi,
    management,
    login,
    readiness: {
      database: async () => {
        if (!(await database.ping())) throw new Error('the database does not answer a query');
      },
      blobStore: () => blobs.ping(),
    },
    ...(options.logStream ? { logStream: options.logStream } : {}),
    ...(options.liveEvents ? { liveEvents: options.liveEvents } : {}),
  });
  warn = (message, err) => app.log.warn({ err }, message);
  // Gauges read at scrape time only: status counts (one grouped query, cached), the pool (in memory).
  watchScrapeSources(metrics, {
    statusCounts: () => readStatusCounts(database.db),
    pool: () => database.poolStats(),
    cacheMs: config.metricsDatabaseCacheMs,
    onError: (err) => warn('reading status counts for the metrics failed; the gauges show the last values read', err),
  });
  logDamage = (f) =>
    app.log.error(
      { tenant: f.tenant, artifactId: f.artifactId, sha256: f.sha256, damage: f.damage, seenBy: f.seenBy },
      `artifact ${f.artifactId} of tenant ${f.tenant} is damaged (${f.damage}), seen by a ${f.seenBy}: no longer offered or served; restore the blob store or upload it again`,
    );
  const flush = setInterval(() => {
    ddi.flushLastSeen().catch((err: unknown) => app.log.warn({ err }, 'flushing last-seen times failed; will retry'));
  }, config.lastSeenFlushMs);
  flush.unref();
  // Re-sign timestamps (and with them snapshot, online targets) before they expire; give tenants
  // created meanwhile their repository. One run at a time; close() waits for a running one.
  let resigning: Promise<void> | undefined;
  const resign = setInterval(() => {
    if (resigning) return;
    resigning = tuf
      .refreshAll(options.clock?.() ?? new Date(), (tenant, message, err) => app.log.warn({ err, tenant }, message))
      .catch((err: unknown) => app.log.warn({ err }, 'TUF re-signing failed; will retry'))
      .finally(() => (resigning = undefined));
  }, TUF_RESIGN_INTERVAL_MS);
  resign.unref();
  // The rollout scheduler: every instance may tick; row locks (SKIP LOCKED) let exactly one apply
  // each rollout's decisions.
  let ticking: Promise<unknown> | undefined;
  const rolloutTimer =
    config.rolloutTickMs > 0
      ? setInterval(() => {
          if (ticking) return;
          const now = options.clock?.() ?? new Date();
          ticking = tickRollouts(database.db, now, { compileFilter: compileTargetFilter, events, wakeups: wakeups.publisher })
            .then(() => tickAutoAssignments(database.db, compileTargetFilter, now, events, wakeups.publisher))
            .catch((err: unknown) => app.log.warn({ err }, 'rollout tick failed; will retry'))
            .finally(() => (ticking = undefined));
        }, config.rolloutTickMs)
      : undefined;
  rolloutTimer?.unref();
  let closed = false;
  // From here, a failed start closes all of it (in order) with the same close().
  opened.splice(0, opened.length, () => close());
  const close = async () => {
    if (closed) return;
    closed = true;
    clearInterval(flush);
    clearInterval(resign);
    if (rolloutTimer) clearInterval(rolloutTimer);
    await resigning;
    await ticking;
    await app.close();
    await wakeups.publisher.close();
    await ddi.flushLastSeen().catch(() => undefined);
    await database.close();
    closeKeys();
    closeBlobs();
  };
  let url = '';
  try {
    if (options.listen ?? true) {
      url = await app.listen({ port: config.port, host: config.host });
    } else {
      await app.ready();
    }
  } catch (cause) {
    // Nothing may keep running after a failed start (timers, the database): the process must exit.
    await close().catch(() => undefined);
    const code = (cause as { code?: string }).code;
    if (code === 'EADDRINUSE')
      throw new StartError(`port ${config.port} on ${config.host} is already in use: stop the other server or set OSPREY_PORT`, { cause });
    if (code === 'EADDRNOTAVAIL' || code === 'EACCES')
      throw new StartError(`cannot listen on ${config.host}:${config.port} (${code}): check OSPREY_HOST and OSPREY_PORT`, { cause });
    throw cause;
  }
  return {
    app,
    database,
    ddi,
    management,
    blobs,
    keys,
    tuf,
    events,
    wakeups: wakeups.publisher,
    url,
    ...(boot.generatedPassword ? { generatedAdminPassword: boot.generatedPassword } : {}),
    close,
  };
}
