export * from './types.js';
export * from './command.js';
export * from './http.js';
export * from './run.js';
