export * from './errors.js';
export * from './encoding.js';
export * from './age/index.js';
export * from './tuf/index.js';
export * from './release/index.js';
export * from './audit.js';
export * from './bundle/index.js';
export * from './delta/index.js';
