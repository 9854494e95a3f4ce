/**
 * Server configuration, read once by the composition root: environment variables, optionally a
 * JSON file named by OSPREY_CONFIG (environment wins). Nothing else reads process.env.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

// --- artifact storage (blob store) ---------------------------------------------------------------
const envBoolean = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')], { error: 'must be true or false' });

const s3BlobStoreSchema = z
  .strictObject({
    kind: z.literal('s3'),
    /** S3 bucket names: 3–63 lower-case letters, digits, dots and hyphens. */
    bucket: z
      .string({ error: 'set the bucket name' })
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a bucket name of 3 to 63 lower-case letters, digits, dots and hyphens'),
    region: z.string().min(1).default('us-east-1'),
    /** An S3-compatible server's URL (Ceph RGW, MinIO); absent: AWS S3 of the region. */
    endpoint: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    /** Path-style addressing (endpoint/bucket/key); default: on when an endpoint is set. */
    forcePathStyle: envBoolean.optional(),
    /** Prepended to every key (e.g. `osprey/`), so several deployments can share a bucket. */
    prefix: z
      .string()
      .regex(/^((?!\.\.?\/)[A-Za-z0-9._-]+\/)*$/, 'must be empty or path segments each ending in "/" (e.g. osprey/), no . or ..')
      .default(''),
    /** Without both keys, the SDK's default credential chain (environment, profile, instance role). */
    accessKeyId: z.string().min(1).optional(),
    secretAccessKey: z.string().min(1).optional(),
  })
  .check((ctx) => {
    const { accessKeyId, secretAccessKey } = ctx.value;
    if ((accessKeyId === undefined) !== (secretAccessKey === undefined))
      ctx.issues.push({
        code: 'custom',
        input: undefined,
        path: [accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey'],
        message: "give both the access key id and the secret access key, or neither (the SDK's default chain)",
      });
  });

const blobStoreSchema = z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('file') }), s3BlobStoreSchema], {
  error: 'must be file or s3',
});

export type S3BlobStoreConfig = z.output<typeof s3BlobStoreSchema>;
export type BlobStoreConfig = z.output<typeof blobStoreSchema>;

const configSchema = z.strictObject({
  /** The embedded default listens on loopback only; set 0.0.0.0 (OSPREY_HOST) to serve a network. */
  host: z.string().default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Base directory for PGlite (when no databaseUrl), blobs and keys. */
  dataDir: z.string().default('./data'),
  /** postgres://… to use PostgreSQL instead of the embedded PGlite. */
  databaseUrl: z.string().optional(),
  /** Password of the first `admin` user; generated and printed once when absent. */
  adminPassword: z.string().min(8).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty` (human lines, the default on a terminal) or `json` (one object a line, the default otherwise). */
  logFormat: z.enum(['pretty', 'json']).default('json'),
  /**
   * The file-backed key service's directory (default `<dataDir>/keys`). Several instances share one
   * (a shared volume), with one passphrase: each must be able to sign and unwrap for every tenant.
   */
  keyDir: z.string().optional(),
  /** Passphrase protecting the file-backed key service (tenant keys at rest). */
  keyPassphrase: z.string().min(8).optional(),
  /** Keep tenant keys in a PKCS#11 token instead of files (module path, token label, user PIN). */
  pkcs11: z.strictObject({ module: z.string().min(1), tokenLabel: z.string().min(1), pin: z.string().min(1) }).optional(),
  tls: z
    .strictObject({
      cert: z.string(),
      key: z.string(),
      /** CA bundle whose client certificates may connect (mTLS); per-tenant trust is checked too. */
      clientCa: z.string().optional(),
    })
    .optional(),
  /** Addresses of reverse proxies whose client-certificate headers are trusted. */
  trustedProxies: z.array(z.string()).default([]),
  /** How often device "last seen" times are flushed to the database, in ms (never per poll). */
  lastSeenFlushMs: z.coerce.number().int().min(100).default(10_000),
  /** Devices whose poll state is kept in memory (about 1 KiB each); 0 turns the cache off. */
  deviceCacheSize: z.coerce.number().int().min(0).default(200_000),
  /** How often the rollout scheduler ticks, in ms; 0 turns this instance's scheduler off. */
  rolloutTickMs: z.coerce.number().int().min(0).default(2000),
  /** Largest artifact upload accepted, in bytes (default 16 GiB). */
  maxArtifactBytes: z.coerce
    .number()
    .int()
    .min(1)
    .default(16 * 1024 ** 3),
  /**
   * Bearer token a Prometheus scraper sends for GET /metrics. Without one, /metrics answers only
   * callers on loopback (a scraper on the same host or a sidecar).
   */
  metricsToken: z.string().min(16).optional(),
  /** How long the metrics' database figures (actions, rollouts, groups by status) are reused between scrapes, in ms. */
  metricsDatabaseCacheMs: z.coerce.number().int().min(0).default(5000),
  /** A console session ends after this long without a request, in seconds (OSPREY_SESSION_IDLE_SECONDS). */
  sessionIdleSeconds: z.coerce
    .number()
    .int()
    .min(60)
    .default(30 * 60),
  /** …and this long after sign-in whatever happens, in seconds (OSPREY_SESSION_MAX_SECONDS). */
  sessionMaxSeconds: z.coerce
    .number()
    .int()
    .min(60)
    .default(12 * 60 * 60),
  /**
   * The built operator console (packages/web/dist) served at `/`. Default: next to this package in
   * the repository; when it has no index.html, `/` says how to build it.
   */
  consoleDir: z.string().default(fileURLToPath(new URL('../../web/dist/', import.meta.url))),
  /** Where artifacts are stored: files under dataDir/blobs (default) or an S3 bucket. */
  blobStore: blobStoreSchema.default({ kind: 'file' }),
  /** Largest JSON body accepted, in bytes. */
  bodyLimit: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  // --- MQTT wake-up (#16, docs/operations.md "MQTT wake-up"): absent, devices learn of actions at their next poll.
  mqtt: z
    .strictObject({
      /** The broker, mqtt://host:port or mqtts://host:port (OSPREY_MQTT_URL). */
      url: z.string().regex(/^mqtts?:\/\/[^/\s]+/, 'use mqtt://host:port or mqtts://host:port'),
      /** The server's broker login; its ACL lets it write `<prefix>/+/+/wakeup`. */
      username: z.string().min(1).optional(),
      /** Never logged. */
      password: z.string().min(1).optional(),
      /** First topic level(s) of every wake-up topic (OSPREY_MQTT_TOPIC_PREFIX). */
      topicPrefix: z
        .string()
        .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'use letters, digits, _ and -, levels separated by /')
        .default('osprey'),
      /** CA bundle (PEM file) to trust for mqtts:// (OSPREY_MQTT_CA). */
      ca: z.string().min(1).optional(),
    })
    .optional(),
  // Direct downloads (#16, blob/direct.ts): devices fetch artifact bytes from storage, not from us.
  /** off: through this server; presigned: S3 presigned URLs (needs the s3 blob store); cdn: `${downloadBaseUrl}/${key}`. */
  directDownloads: z.enum(['off', 'presigned', 'cdn']).default('off'),
  /** How long a presigned download URL is valid, in seconds (S3 allows at most 7 days). */
  directDownloadTtlSeconds: z.coerce.number().int().min(60).max(604_800).default(900),
  /** The CDN's base URL in front of the bucket (cdn mode): links are `${base}/${prefix}sha256/ab/abcd…`. */
  downloadBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
});

export type ServerConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined && value !== '') out[key] = value;
  };
  set('host', env.OSPREY_HOST);
  set('port', env.OSPREY_PORT);
  set('dataDir', env.OSPREY_DATA_DIR);
  set('databaseUrl', env.DATABASE_URL);
  set('adminPassword', env.OSPREY_ADMIN_PASSWORD);
  set('logLevel', env.OSPREY_LOG_LEVEL);
  set('logFormat', env.OSPREY_LOG_FORMAT);
  set('keyDir', env.OSPREY_KEY_DIR);
  set('keyPassphrase', env.OSPREY_KEY_PASSPHRASE);
  set('lastSeenFlushMs', env.OSPREY_LAST_SEEN_FLUSH_MS);
  set('deviceCacheSize', env.OSPREY_DEVICE_CACHE_SIZE);
  set('maxArtifactBytes', env.OSPREY_MAX_ARTIFACT_BYTES);
  set('rolloutTickMs', env.OSPREY_ROLLOUT_TICK_MS);
  set('metricsToken', env.OSPREY_METRICS_TOKEN);
  set('metricsDatabaseCacheMs', env.OSPREY_METRICS_DB_CACHE_MS);
  set('sessionIdleSeconds', env.OSPREY_SESSION_IDLE_SECONDS);
  set('sessionMaxSeconds', env.OSPREY_SESSION_MAX_SECONDS);
  set('consoleDir', env.OSPREY_CONSOLE_DIR);
  set('directDownloads', env.OSPREY_DIRECT_DOWNLOADS);
  set('directDownloadTtlSeconds', env.OSPREY_DIRECT_DOWNLOAD_TTL_SECONDS);
  set('downloadBaseUrl', env.OSPREY_DOWNLOAD_BASE_URL);
  if (env.OSPREY_TLS_CERT || env.OSPREY_TLS_KEY) {
    out.tls = { cert: env.OSPREY_TLS_CERT, key: env.OSPREY_TLS_KEY, ...(env.OSPREY_TLS_CLIENT_CA ? { clientCa: env.OSPREY_TLS_CLIENT_CA } : {}) };
  }
  if (env.OSPREY_PKCS11_MODULE || env.OSPREY_PKCS11_TOKEN) {
    out.pkcs11 = { module: env.OSPREY_PKCS11_MODULE, tokenLabel: env.OSPREY_PKCS11_TOKEN, pin: env.OSPREY_PKCS11_PIN };
  }
  if (env.OSPREY_BLOB_STORE) {
    out.blobStore =
      env.OSPREY_BLOB_STORE === 's3'
        ? Object.fromEntries(
            Object.entries({
              kind: 's3',
              bucket: env.OSPREY_S3_BUCKET,
              region: env.OSPREY_S3_REGION,
              endpoint: env.OSPREY_S3_ENDPOINT,
              forcePathStyle: env.OSPREY_S3_FORCE_PATH_STYLE,
              prefix: env.OSPREY_S3_PREFIX,
              accessKeyId: env.OSPREY_S3_ACCESS_KEY_ID,
              secretAccessKey: env.OSPREY_S3_SECRET_ACCESS_KEY,
            }).filter(([, v]) => v !== undefined && v !== ''),
          )
        : { kind: env.OSPREY_BLOB_STORE };
  }
  if (env.OSPREY_MQTT_URL || env.OSPREY_MQTT_USERNAME || env.OSPREY_MQTT_PASSWORD || env.OSPREY_MQTT_TOPIC_PREFIX || env.OSPREY_MQTT_CA) {
    const mqtt: Record<string, unknown> = {};
    for (const [key, value] of Object.entries({
      url: env.OSPREY_MQTT_URL,
      username: env.OSPREY_MQTT_USERNAME,
      password: env.OSPREY_MQTT_PASSWORD,
      topicPrefix: env.OSPREY_MQTT_TOPIC_PREFIX,
      ca: env.OSPREY_MQTT_CA,
    }))
      if (value !== undefined && value !== '') mqtt[key] = value;
    out.mqtt = mqtt;
  }
  if (env.OSPREY_TRUSTED_PROXIES)
    out.trustedProxies = env.OSPREY_TRUSTED_PROXIES.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return out;
}

/** The environment variable of each setting, for messages that tell a person what to change. */
const ENV_NAMES: Record<string, string> = {
  host: 'OSPREY_HOST',
  port: 'OSPREY_PORT',
  dataDir: 'OSPREY_DATA_DIR',
  databaseUrl: 'DATABASE_URL',
  adminPassword: 'OSPREY_ADMIN_PASSWORD',
  logLevel: 'OSPREY_LOG_LEVEL',
  logFormat: 'OSPREY_LOG_FORMAT',
  keyDir: 'OSPREY_KEY_DIR',
  keyPassphrase: 'OSPREY_KEY_PASSPHRASE',
  lastSeenFlushMs: 'OSPREY_LAST_SEEN_FLUSH_MS',
  deviceCacheSize: 'OSPREY_DEVICE_CACHE_SIZE',
  maxArtifactBytes: 'OSPREY_MAX_ARTIFACT_BYTES',
  rolloutTickMs: 'OSPREY_ROLLOUT_TICK_MS',
  metricsToken: 'OSPREY_METRICS_TOKEN',
  metricsDatabaseCacheMs: 'OSPREY_METRICS_DB_CACHE_MS',
  sessionIdleSeconds: 'OSPREY_SESSION_IDLE_SECONDS',
  sessionMaxSeconds: 'OSPREY_SESSION_MAX_SECONDS',
  consoleDir: 'OSPREY_CONSOLE_DIR',
  tls: 'OSPREY_TLS_CERT/OSPREY_TLS_KEY',
  pkcs11: 'OSPREY_PKCS11_MODULE/OSPREY_PKCS11_TOKEN/OSPREY_PKCS11_PIN',
  trustedProxies: 'OSPREY_TRUSTED_PROXIES',
  blobStore: 'OSPREY_BLOB_STORE',
  'blobStore.kind': 'OSPREY_BLOB_STORE',
  'blobStore.bucket': 'OSPREY_S3_BUCKET',
  'blobStore.region': 'OSPREY_S3_REGION',
  'blobStore.endpoint': 'OSPREY_S3_ENDPOINT',
  'blobStore.forcePathStyle': 'OSPREY_S3_FORCE_PATH_STYLE',
  'blobStore.prefix': 'OSPREY_S3_PREFIX',
  'blobStore.accessKeyId': 'OSPREY_S3_ACCESS_KEY_ID',
  'blobStore.secretAccessKey': 'OSPREY_S3_SECRET_ACCESS_KEY',
  mqtt: 'OSPREY_MQTT_URL/OSPREY_MQTT_USERNAME/OSPREY_MQTT_PASSWORD/OSPREY_MQTT_TOPIC_PREFIX/OSPREY_MQTT_CA',
  directDownloads: 'OSPREY_DIRECT_DOWNLOADS',
  directDownloadTtlSeconds: 'OSPREY_DIRECT_DOWNLOAD_TTL_SECONDS',
  downloadBaseUrl: 'OSPREY_DOWNLOAD_BASE_URL',
};

/**
 * Direct downloads' settings against each other: cdn needs its base URL; presigned needs the S3
 * blob store (whose credentials sign the URLs) — a file store has nothing a device could reach.
 */
function checkDirectDownloads(config: ServerConfig): void {
  if (config.directDownloads === 'cdn' && !config.downloadBaseUrl) {
    throw new ConfigError('invalid configuration directDownloads (OSPREY_DIRECT_DOWNLOADS): cdn needs the CDN base URL in OSPREY_DOWNLOAD_BASE_URL');
  }
  if (config.directDownloads === 'presigned' && config.blobStore.kind !== 's3') {
    throw new ConfigError(
      'invalid configuration directDownloads (OSPREY_DIRECT_DOWNLOADS): presigned URLs need the S3 blob store (the file store has nothing a device could fetch)',
    );
  }
}

/**
 * Build the configuration from a file (optional) and the environment; throws ConfigError with one
 * line naming every wrong setting. `terminal`: stdout is a terminal, so logs default to pretty.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ServerConfig> = {}, terminal = false): ServerConfig {
  let file: Record<string, unknown> = {};
  if (env.OSPREY_CONFIG) {
    try {
      file = JSON.parse(readFileSync(env.OSPREY_CONFIG, 'utf8'));
    } catch (e) {
      throw new ConfigError(`cannot read the config file ${env.OSPREY_CONFIG}: ${(e as Error).message}`);
    }
  }
  const parsed = configSchema.safeParse({ ...(terminal ? { logFormat: 'pretty' } : {}), ...file, ...fromEnv(env), ...overrides });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = issue.path.join('.') || '(root)';
      const name = ENV_NAMES[issue.path.join('.')] ?? ENV_NAMES[String(issue.path[0])];
      return `${field}${name ? ` (${name})` : ''}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration ${problems.join('; ')}`);
  }
  const { blobStore } = parsed.data;
  // Path-style addressing by default for an S3-compatible endpoint (RGW, MinIO rarely have per-bucket DNS names).
  if (blobStore.kind === 's3' && blobStore.forcePathStyle === undefined) blobStore.forcePathStyle = blobStore.endpoint !== undefined;
  checkDirectDownloads(parsed.data);
  return {
    ...parsed.data,
    dataDir: resolve(parsed.data.dataDir),
    consoleDir: resolve(parsed.data.consoleDir),
    ...(parsed.data.keyDir ? { keyDir: resolve(parsed.data.keyDir) } : {}),
  };
}

export function parseConfig(input: unknown): ServerConfig {
  const config = configSchema.parse(input);
  checkDirectDownloads(config);
  return config;
}
