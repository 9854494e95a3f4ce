// The console's build: Vite bundles src/ into dist/, which osprey-server serves at `/`.
// `npm run dev -w @osprey/web` serves it with hot reload and sends the API to a server on :8080.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.OSPREY_CONSOLE_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/rest': api } },
});
