export * from './ddi.js';
