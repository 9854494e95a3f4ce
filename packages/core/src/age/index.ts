export * from './age.js';
export * from './format.js';
export * from './stream.js';
export * from './recipient.js';
export * from './x25519.js';
export * from './p256tag.js';
export { hpkeOpenBase, hpkeSealBase, type P256KeyAgreement } from './hpke.js';
export * from './keys.js';
