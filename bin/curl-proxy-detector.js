#!/usr/bin/env node
// Thin launcher: runs the compiled CLI from dist/ (built by `npm install` / `npm ci` through the
// `prepare` script). A missing build is reported in one line instead of a module-not-found trace.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('curl-proxy-detector: dist/ is missing; run `npm ci` (or `npm run build`) in the repository first\n');
  process.exit(1);
}
// `... | head` closes stdout early: that is the reader's choice, not a failure.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
