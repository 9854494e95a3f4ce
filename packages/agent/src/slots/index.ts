export * from './types.js';
export * from './image-slot.js';
export * from './ab.js';
export * from './command-slot.js';
export * from './directory-slot.js';
