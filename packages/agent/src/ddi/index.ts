export * from './backoff.js';
export * from './schema.js';
export * from './client.js';
