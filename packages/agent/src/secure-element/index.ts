export * from './types.js';
export * from './software.js';
export * from './pkcs11.js';
