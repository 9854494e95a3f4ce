export * from './keys.js';
export * from './signer.js';
export * from './metadata.js';
