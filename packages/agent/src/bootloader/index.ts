export * from './types.js';
export * from './system.js';
export * from './simulated.js';
export * from './uboot.js';
export * from './uboot-emulator.js';
export * from './grub.js';
export * from './security-version.js';
export * from './symlink.js';
