export * from './errors.js';
export * from './encoding.js';
export * from './age/index.js';
