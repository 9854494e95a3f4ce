export * from './transport.js';
export * from './download.js';
export * from './stream.js';
export * from './redact.js';
