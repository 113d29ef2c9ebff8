import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { createApp, startWorker, type App } from '../../app.js';
import { redisTopology } from '../../clients/redis.js';
import { redactUrl } from '../../config/redact.js';
import type { Config } from '../../config/schema.js';
import { InputError, ServiceUnavailableError } from '../../errors.js';
import { replayFile } from '../../replay/replay.js';
import { ensureFindingsIndex } from '../../sink/findings-index.js';
import { createLogger } from '../../telemetry/logger.js';
import { configFor } from '../context.js';
import { formatDuration } from '../time.js';
import { describeEarlierData, removeEarlierDemoData } from './demo-data.js';
import { quotedCommandLine, textTable } from './demo-table.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** The repository root (same relative place from src/ and dist/). */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const sampleFile = resolve(root, 'samples', 'sample-events.ndjson');

const say = (line = '') => process.stdout.write(`${line}\n`);

/**
 * The demo's own events index: recreated on every run so the sample always lands at "now"
 * (replay ids are content hashes, so a second replay into the same index would add nothing).
 * It matches the default source patterns, so a running worker sees the demo events too.
 */
export const demoIndex = 'logs-endpoint.events.process-cpddemo';

/**
 * `demo`: the first quick-start command. Starts a local Elasticsearch and Redis when none
 * answers, prepares the findings index, replays the bundled sample shifted to now, runs the
 * detection over it and prints the findings.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('start local Elasticsearch and Redis if needed, load the bundled sample, detect, and print the findings')
    .option('--file <ndjson>', 'dataset to replay instead of the bundled sample', sampleFile)
    // For tests that must not share the demo's index with a user's demo: another index whose
    // name starts with the demo's, so it can only ever be demo data.
    .addOption(new Option('--events-index <name>', `index the sample goes to (a name starting with ${demoIndex})`).default(demoIndex).hideHelp())
    .action(async (opts: { file: string; eventsIndex: string }, cmd: Command) => {
      if (!opts.eventsIndex.startsWith(demoIndex)) throw new InputError(`demo --events-index: expected a name starting with ${demoIndex} (the demo deletes it), got ${JSON.stringify(opts.eventsIndex)}`);
      const config = configFor(cmd, { 'log.level': process.env.LOG_LEVEL ?? 'warn' });
      const started = Date.now();
      say('curl-proxy-detector demo');
      say('========================');
      await ensureLocalServices(config);
      const app = createApp(config, createLogger(config.log), 'command');
      try {
        await runDemo(app, opts.file, opts.eventsIndex, started);
      } finally {
        await app.close();
      }
    });
}

async function runDemo(app: App, file: string, eventsIndex: string, started: number): Promise<void> {
  const { config } = app;
  const index = await ensureFindingsIndex(app.es, config.sink.findingsAlias);
  say(`findings index   ${config.sink.findingsAlias} (template ${index.template}, write index ${index.concreteIndex ?? '?'})`);
  say(`earlier runs     ${describeEarlierData(await removeEarlierDemoData(app, eventsIndex), eventsIndex)}`);

  await app.es.indices.delete({ index: eventsIndex, ignore_unavailable: true });
  // Shifted by whole buckets, so the same events share a bucket, and the figures below are
  // the same, on every run; the sample then ends within the last bucket before now.
  const bucketMs = config.aggregate.bucketMs;
  const summary = await replayFile(app.es, { file, format: undefined, index: eventsIndex, shiftToNow: true, shiftAlignMs: bucketMs, sourcePatterns: config.source.indexPatterns });
  say(
    `sample events    ${summary.loaded} of ${summary.records} loaded from ${file.startsWith(root) ? file.slice(root.length + 1) : file} into ${eventsIndex}, ` +
      `shifted by whole ${bucketMs === 3_600_000 ? 'hours' : `buckets of ${formatDuration(bucketMs)}`} to end within the last ${bucketMs === 3_600_000 ? 'hour' : formatDuration(bucketMs)}`,
  );

  // The sample spans under six hours and ends at most a bucket ago; the backfill covers it (event time).
  const toMs = Date.now() + 60_000;
  const fromMs = toMs - 8 * 3_600_000 - bucketMs;
  const { record } = await app.backfills.create({ fromMs, toMs, indexPatterns: [eventsIndex] });
  const worker = await startWorker(app, { live: false, backfill: true });
  let done = record;
  try {
    for (;;) {
      const r = await app.backfills.get(record.id);
      if (r === undefined) throw new Error(`backfill ${record.id} disappeared`);
      done = r;
      if (r.status === 'done' || r.status === 'cancelled') break;
      await sleep(250);
    }
  } finally {
    await worker.stop();
  }
  const s = done.stats;
  say(`detection        ${s.scanned} candidate events scanned, ${s.matched} matches, ${s.suppressed} suppressed, ${s.skipped} skipped, ${s.findingsWritten} findings written (mode ${config.rule.mode})`);
  say();
  await printFindings(app, eventsIndex, fromMs, toMs);
  say();
  say(`Done in ${formatDuration(Date.now() - started)}. What next:`);
  say(`  - explain a verdict:      npx curl-proxy-detector explain 'curl -sSx 203.0.113.7:8080 https://example.org/'`);
  say(`  - compare with Splunk:    npx curl-proxy-detector --set rule.mode=splunk demo`);
  say(`  - run the live worker:    npx curl-proxy-detector run       (status: npx curl-proxy-detector status)`);
  say(`  - findings in Elasticsearch: ${redactUrl(config.elasticsearch.url)}/${config.sink.findingsAlias}/_search`);
  say(`  - stop the local services: npm run es:stop && npm run redis:stop`);
}

async function printFindings(app: App, eventsIndex: string, fromMs: number, toMs: number): Promise<void> {
  await app.es.indices.refresh({ index: app.config.sink.findingsAlias });
  const res = await app.es.search<Record<string, any>>({
    index: app.config.sink.findingsAlias,
    size: 200,
    query: {
      bool: {
        filter: [
          { range: { 'event.start': { gte: fromMs, lt: toMs, format: 'epoch_millis' } } },
          { term: { 'finding.mode': app.config.rule.mode } },
          { term: { 'finding.first_event.index': eventsIndex } },
        ],
      },
    },
    sort: [{ 'event.start': 'asc' }, { 'host.name': 'asc' }],
  });
  const argv = await firstEventArgs(app, eventsIndex, res.hits.hits.map((h) => String(h._source?.finding?.first_event?.id ?? '')));
  const rows = res.hits.hits.map((h) => {
    const f = h._source ?? {};
    const proxies = (f.finding?.proxies ?? []) as { scheme?: string; host?: string; port?: number; option: string }[];
    const args = argv.get(String(f.finding?.first_event?.id ?? ''));
    return [
      String(f.event?.start ?? '').slice(11, 19),
      String(f.host?.name ?? ''),
      String(f.user?.name ?? ''),
      String(f.process?.parent?.name ?? ''),
      String(f.finding?.count ?? ''),
      proxies.map((p) => (p.host !== undefined ? `${p.scheme ?? '?'}://${p.host}${p.port !== undefined ? `:${p.port}` : ''}` : p.option)).join(' '),
      // The producers join argv with blanks, losing its quotes; the event's argv, quoted again
      // where a shell needs it, shows the command as it was given.
      args !== undefined ? quotedCommandLine(args) : String(f.process?.command_line ?? ''),
    ];
  });
  say(`${rows.length} finding(s) (Linux Proxy Socks Curl, T1090/T1095, risk 56):`);
  for (const line of textTable(['first (UTC)', 'host', 'user', 'parent', 'count', 'proxy', 'command line'], rows)) say(line);
}

/** `process.args` of the findings' first events, by event id (events without it are left out). */
async function firstEventArgs(app: App, eventsIndex: string, ids: readonly string[]): Promise<Map<string, string[]>> {
  const wanted = [...new Set(ids.filter((id) => id !== ''))];
  if (wanted.length === 0) return new Map();
  const res = await app.es.mget<{ process?: { args?: unknown } }>({ index: eventsIndex, ids: wanted, _source_includes: ['process.args'] });
  const out = new Map<string, string[]>();
  for (const doc of res.docs) {
    const args = 'found' in doc && doc.found ? doc._source?.process?.args : undefined;
    if (Array.isArray(args) && args.length > 0 && args.every((a) => typeof a === 'string')) out.set(doc._id, args as string[]);
  }
  return out;
}

/** Starts the project's own Elasticsearch and Redis when the configured local ones do not answer. */
async function ensureLocalServices(config: Config): Promise<void> {
  const es = new URL(config.elasticsearch.url);
  if (!(await esAnswers(config.elasticsearch.url))) {
    if (!isLoopback(es.hostname)) throw new ServiceUnavailableError('elasticsearch', `nothing answers at ${es.origin}; start your cluster or point --es-url at one`);
    say(`elasticsearch    starting a local node on port ${es.port || '9200'} (the first run downloads it from Maven Central)`);
    runScript('es.sh', { ES_PORT: es.port || '9200' });
  } else say(`elasticsearch    ${es.origin} answers`);
  const redis = new URL(config.redis.url);
  const keys = redisWhere(config);
  if (redisTopology(config.redis) !== 'single') {
    say(`redis            ${keys}`);
    return;
  }
  if (!redisAnswers(redis)) {
    if (!isLoopback(redis.hostname)) throw new ServiceUnavailableError('redis', `nothing answers at ${redis.hostname}:${redis.port || '6379'}`);
    say(`redis            starting a local redis-server on port ${redis.port || '6379'}`);
    runScript('redis.sh', { REDIS_PORT: redis.port || '6379' });
    say(`redis            ${keys}`);
  } else say(`redis            ${redis.hostname}:${redis.port || '6379'} answers; ${keys}`);
}

/** Where the demo's Redis keys go: the database (or cluster) and the key prefix. */
function redisWhere(config: Config): string {
  const prefix = `key prefix ${config.redis.keyPrefix}`;
  const topology = redisTopology(config.redis);
  if (topology === 'cluster') return `Redis Cluster (redis.clusterNodes), ${prefix}`;
  const db = /^\/(\d+)/.exec(new URL(config.redis.url).pathname)?.[1] ?? '0';
  return topology === 'sentinel' ? `master ${config.redis.sentinelName ?? ''} (redis.sentinels), database ${db}, ${prefix}` : `database ${db}, ${prefix}`;
}

function runScript(name: string, env: Record<string, string>): void {
  const script = resolve(root, 'scripts', name);
  if (!existsSync(script)) throw new ServiceUnavailableError(name === 'es.sh' ? 'elasticsearch' : 'redis', `cannot start it: ${script} is missing (run the demo from the repository)`);
  const r = spawnSync('bash', [script, 'start'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new ServiceUnavailableError(name === 'es.sh' ? 'elasticsearch' : 'redis', `${name} start failed (exit ${r.status ?? r.signal}); see the lines above`);
}

async function esAnswers(url: string): Promise<boolean> {
  try {
    // Any HTTP answer (even 401 from a secured cluster) means a node is there.
    await fetch(new URL('/_cluster/health', url), { signal: AbortSignal.timeout(3_000) });
    return true;
  } catch {
    return false;
  }
}

function redisAnswers(url: URL): boolean {
  const r = spawnSync('redis-cli', ['-h', url.hostname, '-p', url.port || '6379', 'ping'], { encoding: 'utf8', timeout: 3_000 });
  return r.status === 0 && r.stdout.trim() === 'PONG';
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}
