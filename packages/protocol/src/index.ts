export * from './ddi.js';
export * from './rollout.js';
