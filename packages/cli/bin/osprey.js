#!/usr/bin/env node
// The `osprey` command. It lives outside dist/ so that npm links it at install time, before the
// first build (npm links no bin whose file is missing); it runs the compiled program.
import { existsSync } from 'node:fs';

const program = new URL('../dist/main.js', import.meta.url);
if (!existsSync(program)) {
  process.stderr.write('osprey: not built yet: run `npm run build` in the Osprey checkout first\n');
  process.exit(2);
}
// dist/main.js runs itself only when it is the script node was started with, so call it here.
const { run } = await import(program.href);
process.exitCode = await run(process.argv.slice(2));
