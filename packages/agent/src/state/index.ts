export * from './machine.js';
export * from './store.js';
export * from './recovery.js';
export * from './lock.js';
export * from './side-files.js';
