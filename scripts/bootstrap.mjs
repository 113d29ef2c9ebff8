#!/usr/bin/env node
// Makes a fresh clone runnable with nothing but Node.js and npm: installs the dependencies
// (npm ci) when node_modules is missing or older than package-lock.json, and builds dist/
// when it is missing or older than src/. Used by `npm run demo` and `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');

function newest(dir) {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`bootstrap: \`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status ?? 1);
  }
}

/** Installs and builds when needed; returns nothing, exits on failure. */
export function bootstrap() {
  const modules = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(modules) || statSync(modules).mtimeMs < statSync(join(root, 'package-lock.json')).mtimeMs) {
    process.stderr.write('bootstrap: installing dependencies (npm ci)\n');
    run('npm', ['ci', '--no-audit', '--no-fund']);
  }
  const dist = join(root, 'dist', 'cli', 'main.js');
  if (!existsSync(dist) || newest(join(root, 'dist')) < newest(join(root, 'src'))) {
    process.stderr.write('bootstrap: building dist/\n');
    run('npx', ['tsc', '-p', 'tsconfig.build.json']);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) bootstrap();
