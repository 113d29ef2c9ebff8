#!/usr/bin/env node
// The one test command (`npm test`): type-checks, builds, starts the real Redis and
// Elasticsearch the integration tests need (only when nothing answers already), runs every
// test with Node's test runner, stops what it started, and ends with "N passed, N failed".
//
// Both supported Elasticsearch majors are tested: every test runs on the one scripts/es.sh
// picks (or the one answering on ES_PORT), then the integration tests of what Elasticsearch
// itself does (esBehaviourTests) run again on the other major, on its own node. When no Java
// here can run the other major, that second pass is skipped and the output says why.
//
// usage: node scripts/test.mjs [--unit | --integration] [--one-es] [file-or-dir ...]
//        (the second pass runs for whole-suite runs only: no files given, no --unit, no --one-es)
// env:   ES_PORT (9200), ES_VERSION / ES_JAVA_HOME (the first pass's node, see scripts/es.sh),
//        CPD_SECOND_ES_PORT (9240, the second pass's node), REDIS_PORT (6379), REDIS_URL
//        (default redis://127.0.0.1:$REDIS_PORT/9), CPD_KEEP_SERVICES=1 keeps the services it
//        started running afterwards.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrap } from './bootstrap.mjs';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const integrationOnly = args.includes('--integration');
const explicit = args.filter((a) => !a.startsWith('--'));

/**
 * The integration tests that exercise what Elasticsearch itself does, run again on the other
 * major: source (PIT, search_after, queries, response limits), sink (bulk, external versions,
 * templates, aliases), setup, backfill (its plan from a date_histogram count), live, security, producers' index names and mappings,
 * replay's index creation, Security alerts, quarantined ranges, a node lost from a three-node
 * cluster (what a point in time answers then differs by version). Left out: chaos (the first pass
 * runs it), the curl oracle (no Elasticsearch) and the tests of Redis and BullMQ alone (backfill
 * cap, live race, Redis outage and TLS). A new test of Elasticsearch behaviour belongs here.
 */
const esBehaviourTests = [
  'argv-pushdown.test.ts',
  'backfill-plan.test.ts',
  'cli.test.ts',
  'es-node-loss.test.ts',
  'es-outage.test.ts',
  'es-security.test.ts',
  'findings-index.test.ts',
  'harness.test.ts',
  'health.test.ts',
  'hostile.test.ts',
  'pipeline.test.ts',
  'producers.test.ts',
  'quarantine.test.ts',
  'replay.test.ts',
  'resilience.test.ts',
  'scanner.test.ts',
  'security-alerts.test.ts',
  'setup.test.ts',
];

const esPort = process.env.ES_PORT ?? '9200';
const secondEsPort = process.env.CPD_SECOND_ES_PORT ?? '9240';
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

function step(label, cmd, cmdArgs, options = {}) {
  process.stdout.write(`\n== ${label}\n`);
  const code = run(cmd, cmdArgs, options);
  if (code !== 0) {
    process.stdout.write(`${label} failed (exit ${code})\n`);
    stopStarted();
    process.stdout.write(`${totals.passed} passed, ${totals.failed + 1} failed, ${totals.skipped} skipped\n`);
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

const integrationDir = join(root, 'test', 'integration');
const files = explicit.length > 0
  ? explicit.flatMap((p) => findTests(resolve(root, p)))
  : [
      ...(integrationOnly ? [] : findTests(join(root, 'test', 'unit'))),
      ...(unitOnly ? [] : findTests(integrationDir)),
    ];
const needsServices = files.some((f) => relative(root, f).startsWith(join('test', 'integration')));
const secondPass = needsServices && explicit.length === 0 && !args.includes('--one-es');
const totals = { passed: 0, failed: 0, skipped: 0 };

bootstrap();
step('type check', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
step('build', 'npx', ['tsc', '-p', 'tsconfig.build.json']);

/** Services this run started, stopped in reverse order (each with the env it was started with). */
const started = [];
function esVersionAt(url) {
  const r = spawnSync('curl', ['-sf', '--max-time', '5', `${url}/_nodes/_local?filter_path=nodes.*.version`], { encoding: 'utf8' });
  return r.status === 0 ? (/"version":"([^"]+)"/.exec(r.stdout)?.[1] ?? null) : null;
}
function esAnswers(url) {
  return spawnSync('curl', ['-sf', '-o', '/dev/null', '--max-time', '3', `${url}/_cluster/health`]).status === 0;
}
function redisAnswers() {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', redisPort, 'ping'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'PONG';
}
function stop(service) {
  run('bash', [`scripts/${service.script}.sh`, 'stop'], { env: service.env });
}
function stopStarted() {
  if (process.env.CPD_KEEP_SERVICES === '1') return;
  while (started.length > 0) stop(started.pop());
}
process.on('SIGINT', () => { stopStarted(); process.exit(130); });
process.on('SIGTERM', () => { stopStarted(); process.exit(143); });

/** Starts Elasticsearch with `esEnv` unless something answers at its URL; returns what answers. */
function ensureEs(esEnv) {
  const url = esEnv.ELASTICSEARCH_URL;
  if (!esAnswers(url)) {
    step(`start Elasticsearch (port ${esEnv.ES_PORT})`, 'bash', ['scripts/es.sh', 'start'], { env: esEnv });
    started.push({ script: 'es', env: esEnv });
  }
  return esVersionAt(url);
}

/** Runs test files with Node's test runner; adds their counts to the totals and returns them. */
function runTests(label, testFiles, testEnv) {
  process.stdout.write(`\n== tests${label} (${testFiles.length} files)\n`);
  const tapFile = join(mkdtempSync(join(tmpdir(), 'cpd-test-')), 'results.tap');
  const t0 = Date.now();
  const code = run(process.execPath, [
    '--import', 'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    ...testFiles,
  ], { env: testEnv });
  const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
  const count = (name) => Number((tap.match(new RegExp(`^# ${name} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  const result = {
    code,
    passed: count('pass'),
    failed: count('fail') + count('cancelled'),
    skipped: count('skipped') + count('todo'),
    seconds: Math.round((Date.now() - t0) / 1000),
  };
  // A runner that died without reporting counts as a failure, never as nothing.
  if (code !== 0 && result.failed === 0) result.failed = 1;
  totals.passed += result.passed;
  totals.failed += result.failed;
  totals.skipped += result.skipped;
  return result;
}

const summaries = [];
const describe = (what, r) => `${what}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped in ${r.seconds} s`;

let firstVersion = null;
if (needsServices) {
  if (!redisAnswers()) {
    step('start Redis', 'bash', ['scripts/redis.sh', 'start']);
    started.push({ script: 'redis', env });
  }
  firstVersion = ensureEs(env);
  // The nodes tests start themselves (security, outage, chaos) run the same major as this one,
  // also when it was already running and es.sh alone would pick another.
  const major = firstVersion?.split('.')[0];
  if (process.env.ES_VERSION === undefined && (major === '8' || major === '9')) env.ES_VERSION = major;
}
const first = runTests(firstVersion === null ? '' : ` on Elasticsearch ${firstVersion}`, files, env);
summaries.push(describe(needsServices ? `Elasticsearch ${firstVersion ?? '(version unknown)'}` : 'unit tests', first));

if (secondPass) {
  // The first pass's node is not needed any more: free its memory and CPU for the second.
  const firstEs = started.findIndex((s) => s.script === 'es');
  if (firstEs >= 0 && process.env.CPD_KEEP_SERVICES !== '1') stop(started.splice(firstEs, 1)[0]);
  const otherMajor = firstVersion === null ? null : Number(firstVersion.split('.')[0]) >= 9 ? '8' : '9';
  const plan = otherMajor === null
    ? { status: 1, stdout: '', stderr: `the first pass's Elasticsearch at ${env.ELASTICSEARCH_URL} did not tell its version` }
    : spawnSync('bash', ['scripts/es.sh', 'plan'], { cwd: root, env: { ...env, ES_VERSION: otherMajor, ES_JAVA_HOME: '' }, encoding: 'utf8' });
  const [version, javaMajor, javaHome] = plan.status === 0 ? plan.stdout.trim().split(' ') : [];
  if (version === undefined || javaHome === undefined) {
    const why = `${plan.stderr}`.replace(/^es\.sh: /gm, '').trim();
    summaries.push(`Elasticsearch ${otherMajor ?? '?'}.x: NOT TESTED: ${why}`);
    process.stdout.write(`\n== Elasticsearch ${otherMajor ?? '?'}.x not tested: ${why}\n`);
  } else {
    const url = `http://127.0.0.1:${secondEsPort}`;
    // Every node the tests start themselves (security, outage) inherits this version and Java.
    const secondEnv = { ...env, ES_VERSION: version, ES_JAVA_HOME: javaHome, ES_PORT: secondEsPort, ELASTICSEARCH_URL: url };
    const answering = ensureEs(secondEnv);
    if (answering !== version) {
      step(`Elasticsearch ${version} expected on port ${secondEsPort}`, 'bash', ['-c', `echo "found ${answering ?? 'no version'} there; stop it or set CPD_SECOND_ES_PORT" >&2; exit 1`]);
    }
    const secondFiles = files.filter((f) => f.startsWith(integrationDir) && esBehaviourTests.includes(basename(f)));
    const gone = esBehaviourTests.filter((name) => !existsSync(join(integrationDir, name)));
    if (gone.length > 0) {
      // A renamed test file must not silently drop out of the second pass.
      process.stdout.write(`\nscripts/test.mjs lists integration tests that do not exist: ${gone.join(', ')}\n`);
      totals.failed += 1;
    }
    const second = runTests(` on Elasticsearch ${version} (Java ${javaMajor}): what Elasticsearch itself does`, secondFiles, secondEnv);
    summaries.push(describe(`Elasticsearch ${version}`, second));
  }
}
stopStarted();

process.stdout.write(`\n${summaries.map((s) => `   ${s}`).join('\n')}\n`);
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(totals.failed > 0 ? 1 : totals.passed === 0 ? 1 : 0);
