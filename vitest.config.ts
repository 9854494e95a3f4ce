import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@osprey/core': src('core'),
      '@osprey/protocol': src('protocol'),
      '@osprey/pkcs11': src('pkcs11'),
      '@osprey/client': src('client'),
      '@osprey/fs': src('fs'),
      '@osprey/server': src('server'),
      '@osprey/agent': src('agent'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/web/src/**/*.test.tsx', 'packages/*/test/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The machine has two cores; native PKCS#11 and child processes make more workers counter-productive.
    maxWorkers: 2,
    reporters: ['default', './testkit/summary-reporter.ts'],
  },
});
