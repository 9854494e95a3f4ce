export * from './ddi/index.js';
export * from './fetch/index.js';
export * from './verify/index.js';
export * from './secure-element/index.js';
export * from './state/index.js';
export * from './slots/index.js';
export * from './bootloader/index.js';
export * from './agent.js';
