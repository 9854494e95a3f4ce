export * from './tuf.js';
export * from './assigned.js';
export * from './open.js';
export * from './anchor.js';
