export * from './ddi.js';
export * from './rollout.js';
export * from './wakeup.js';
