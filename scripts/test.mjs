#!/usr/bin/env node
// The one test command (`npm test`): type-checks, builds, starts the real Redis and
// Elasticsearch the integration tests need (only when nothing answers already), runs every
// test with Node's test runner, stops what it started, and ends with "N passed, N failed".
//
// usage: node scripts/test.mjs [--unit | --integration] [file-or-dir ...]
// env:   ES_PORT (9200), REDIS_PORT (6379), REDIS_URL (default redis://127.0.0.1:$REDIS_PORT/9),
//        CPD_KEEP_SERVICES=1 keeps the services it started running afterwards.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrap } from './bootstrap.mjs';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const integrationOnly = args.includes('--integration');
const explicit = args.filter((a) => !a.startsWith('--'));

const esPort = process.env.ES_PORT ?? '9200';
const redisPort = process.env.REDIS_PORT ?? '6379';
const env = {
  ...process.env,
  ES_PORT: esPort,
  ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL ?? `http://127.0.0.1:${esPort}`,
  REDIS_URL: process.env.REDIS_URL ?? `redis://127.0.0.1:${redisPort}/9`,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
};

function run(cmd, cmdArgs, options = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env, ...options });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function step(label, cmd, cmdArgs) {
  process.stdout.write(`\n== ${label}\n`);
  const code = run(cmd, cmdArgs);
  if (code !== 0) {
    process.stdout.write(`${label} failed (exit ${code})\n0 passed, 1 failed\n`);
    process.exit(code);
  }
}

function findTests(dir) {
  if (!existsSync(dir)) return [];
  if (statSync(dir).isFile()) return [dir];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? findTests(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []))
    .sort();
}

const files = explicit.length > 0
  ? explicit.flatMap((p) => findTests(resolve(root, p)))
  : [
      ...(integrationOnly ? [] : findTests(join(root, 'test', 'unit'))),
      ...(unitOnly ? [] : findTests(join(root, 'test', 'integration'))),
    ];
const needsServices = files.some((f) => relative(root, f).startsWith(join('test', 'integration')));

bootstrap();
step('type check', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
step('build', 'npx', ['tsc', '-p', 'tsconfig.build.json']);

const started = [];
function answers(url) {
  const r = spawnSync('curl', ['-sf', '-o', '/dev/null', '--max-time', '3', url]);
  return r.status === 0;
}
function redisAnswers() {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', redisPort, 'ping'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'PONG';
}
function stopStarted() {
  if (process.env.CPD_KEEP_SERVICES === '1') return;
  for (const s of started.reverse()) run('bash', [`scripts/${s}.sh`, 'stop']);
  started.length = 0;
}
process.on('SIGINT', () => { stopStarted(); process.exit(130); });
process.on('SIGTERM', () => { stopStarted(); process.exit(143); });

if (needsServices) {
  if (!redisAnswers()) {
    step('start Redis', 'bash', ['scripts/redis.sh', 'start']);
    started.push('redis');
  }
  if (!answers(`http://127.0.0.1:${esPort}/_cluster/health`)) {
    step('start Elasticsearch', 'bash', ['scripts/es.sh', 'start']);
    started.push('es');
  }
}

process.stdout.write(`\n== tests (${files.length} files)\n`);
const tapFile = join(mkdtempSync(join(tmpdir(), 'cpd-test-')), 'results.tap');
const code = run(process.execPath, [
  '--import', 'tsx',
  '--test',
  '--test-concurrency=1',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
  ...files,
]);
stopStarted();

const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
const count = (name) => Number((tap.match(new RegExp(`^# ${name} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
const passed = count('pass');
const failed = count('fail') + count('cancelled');
const skipped = count('skipped') + count('todo');
process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(code !== 0 ? code : failed > 0 ? 1 : passed === 0 ? 1 : 0);
