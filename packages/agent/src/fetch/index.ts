export * from './transport.js';
export * from './download.js';
