export * from './atomic.js';
export * from './temp.js';
