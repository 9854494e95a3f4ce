export * from './custom.js';
