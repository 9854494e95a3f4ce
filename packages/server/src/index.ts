export { startServer, StartError, type RunningServer, type StartOptions } from './main.js';
export { loadConfig, parseConfig, ConfigError, type ServerConfig, type BlobStoreConfig, type S3BlobStoreConfig } from './config.js';
export { S3BlobStore, s3ClientConfig, type S3BlobStoreOptions } from './blob/s3-store.js';
export { FileBlobStore, type BlobStore } from './blob/store.js';
export { seed, type SeedSpec } from './domain/seed.js';
export { DdiService } from './domain/ddi.js';
export { TufRepositoryService } from './domain/tuf/repository.js';
export { ReleaseService, type ReleaseRequest, type ReleaseStatus } from './domain/releases.js';
export { blobKey, CdnDownloads, PresignedDownloads, type DirectDownloads } from './blob/direct.js';
