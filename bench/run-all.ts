import { spawnSync } from 'node:child_process';
import { statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import type { Pushdown } from '../src/source/query.js';
import { runBackfillBench } from './backfill.bench.js';
import { runLive } from './live-latency.bench.js';
import { runMemory } from './memory.bench.js';
import { runScaleOut } from './scale-out.bench.js';
import { loadDataset, type Dataset } from './lib/bulk-load.js';
import { readResults, repoRoot, writeResult, type BenchContext } from './lib/context.js';
import { machineInfo } from './lib/machine.js';
import { renderReport, resultVersion } from './lib/report.js';
import { benchNames, dropAll } from './lib/services.js';

/**
 * `npm run bench`: every benchmark of the pipeline on the local Elasticsearch and Redis, then
 * BENCHMARKS.md rewritten from the raw results in bench/results/*.json.
 *
 *   --full                 sizes 1M and 5M instead of the default 200k
 *   --sizes <n,n>          dataset sizes (events over one day)
 *   --only <b,b>           run only these benches: rule, backfill, scale-out, memory, live
 *   --skip <b,b>           run all but these
 *   --pushdowns <p,p>      backfill bench push-downs (default argv,names,none)
 *   --workers <n,n>        scale-out worker counts (default 1,2,4)
 *   --scale-pushdown <p>   push-down of the scale-out runs (default names, the product default)
 *   --memory-pushdown <p>  push-down of the memory run (default none: every event through the worker)
 *   --repeats <n>          runs of each backfill measurement (raw, product, scale-out; default 2; the fastest counts)
 *   --live-seconds <s> --live-rate <n> --live-proxied-rate <r> --live-poll-ms <ms>
 *   --es-url <url> --redis-url <url>   loopback only (defaults: ELASTICSEARCH_URL or :9200; REDIS_URL or db 10)
 *   --set <key=value>      change a product setting for a tuning experiment (repeatable; needs --label)
 *   --label <name>         suffix of the result files of such an experiment (bench/results/<bench>-<N>-<label>.json)
 *   --seed <n>  --timeout-min <m>  --profile  --no-build  --report-only
 */

const benches = ['rule', 'backfill', 'scale-out', 'memory', 'live'] as const;
type Bench = (typeof benches)[number];

const { values: flags } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    only: { type: 'string' },
    skip: { type: 'string' },
    pushdowns: { type: 'string', default: 'argv,names,none' },
    workers: { type: 'string', default: '1,2,4' },
    'scale-pushdown': { type: 'string', default: 'names' },
    'memory-pushdown': { type: 'string', default: 'none' },
    repeats: { type: 'string', default: '2' },
    'live-seconds': { type: 'string', default: '60' },
    'live-rate': { type: 'string', default: '2000' },
    'live-proxied-rate': { type: 'string', default: '0.001' },
    'live-poll-ms': { type: 'string', default: '100' },
    'es-url': { type: 'string', default: process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200' },
    'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/10' },
    seed: { type: 'string', default: '20260115' },
    'timeout-min': { type: 'string', default: '60' },
    profile: { type: 'boolean', default: false },
    set: { type: 'string', multiple: true, default: [] },
    label: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    'report-only': { type: 'boolean', default: false },
  },
  strict: true,
});

const list = (s: string): string[] => s.split(',').map((v) => v.trim()).filter((v) => v !== '');
const positive = (name: string, s: string): number => {
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: expected a positive number, got ${JSON.stringify(s)}`);
  return n;
};
const pushdown = (name: string, s: string): Pushdown => {
  if (s !== 'argv' && s !== 'names' && s !== 'none') throw new Error(`--${name}: expected argv, names or none, got ${JSON.stringify(s)}`);
  return s;
};
const asBench = (s: string): Bench => {
  if (!(benches as readonly string[]).includes(s)) throw new Error(`expected a bench among ${benches.join(', ')}, got ${JSON.stringify(s)}`);
  return s as Bench;
};

const reportPath = join(repoRoot, 'BENCHMARKS.md');
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

function assertLoopback(url: string, what: string): void {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) throw new Error(`${what}: the benches only talk to loopback services, got ${url}`);
}

function rewriteReport(): void {
  writeFileSync(reportPath, renderReport(readResults()));
  log(`wrote ${reportPath}`);
}

async function main(): Promise<void> {
  if (flags['report-only']) return rewriteReport();
  const only = flags.only !== undefined ? list(flags.only).map(asBench) : [...benches];
  const skip = new Set(flags.skip !== undefined ? list(flags.skip).map(asBench) : []);
  const selected = new Set(only.filter((b) => !skip.has(b)));
  const sizes = (flags.sizes !== undefined ? list(flags.sizes) : flags.full ? ['1000000', '5000000'] : ['200000']).map((s) => positive('sizes', s));
  const timeoutMs = positive('timeout-min', flags['timeout-min']) * 60_000;
  const esUrl = flags['es-url'];
  const redisUrl = flags['redis-url'];
  assertLoopback(esUrl, '--es-url');
  assertLoopback(redisUrl, '--redis-url');

  const es = new Client({ node: esUrl, requestTimeout: 300_000 });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3, lazyConnect: true });
  await redis.connect();
  const overrides = Object.fromEntries(flags.set.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--set: expected key=value, got ${JSON.stringify(pair)}`);
    return [pair.slice(0, eq), pair.slice(eq + 1)];
  }));
  const label = flags.label;
  if (Object.keys(overrides).length > 0 && (label === undefined || !/^[a-z0-9-]+$/.test(label))) throw new Error('--set: name the experiment with --label <lower-case-name>, so its results do not replace the default figures');
  const suffix = label !== undefined ? `-${label}` : '';
  const ctx: BenchContext = { targets: { esUrl, redisUrl, overrides }, es, redis, esPid: await localEsPid(es), log };
  const repeats = positive('repeats', flags.repeats);
  const cleanups = new Set<() => Promise<void>>();
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void Promise.allSettled([...cleanups].map((fn) => fn())).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const health = await es.cluster.health({ timeout: '10s' });
    if (health.status === 'red') throw new Error(`Elasticsearch at ${esUrl} is red`);
    const machine = await machineInfo(es, redis);
    log(`machine: ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB; node ${machine.node}, Elasticsearch ${machine.elasticsearch} (heap ${machine.elasticsearchHeapMiB} MiB), Redis ${machine.redis}; load ${machine.loadAverage.join(' ')}`);
    const stamp = async () => ({ machine: { ...(await machineInfo(es, redis)), date: new Date().toISOString() }, command, resultVersion, overrides, ...(label !== undefined ? { label } : {}) });

    const needsBuild = selected.has('scale-out') || selected.has('memory') || selected.has('live');
    if (needsBuild && !flags['no-build']) {
      log('building dist/ for the worker processes (npm run build)');
      const b = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
      if (b.status !== 0) throw new Error('npm run build failed');
    }

    if (selected.has('rule')) {
      log('rule throughput (bench/rule.bench.ts)');
      const r = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repoRoot, 'bench', 'rule.bench.ts')], { cwd: repoRoot, stdio: 'inherit', timeout: timeoutMs });
      if (r.status !== 0) throw new Error(`bench/rule.bench.ts failed (${String(r.status ?? r.signal)})`);
      log('rule time vs command-line length (bench/rule-scaling.bench.ts)');
      const s = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repoRoot, 'bench', 'rule-scaling.bench.ts')], { cwd: repoRoot, stdio: 'inherit', timeout: timeoutMs });
      if (s.status !== 0) throw new Error(`bench/rule-scaling.bench.ts failed (${String(s.status ?? s.signal)})`);
    }

    if (selected.has('backfill') || selected.has('scale-out') || selected.has('memory')) {
      for (const events of sizes) {
        checkDisk(events);
        const names = benchNames(`n${events}`);
        const cleanup = () => dropAll(es, redis, names);
        cleanups.add(cleanup);
        try {
          const day = Date.parse('2026-01-15T00:00:00Z');
          const spec = { events, seed: positive('seed', flags.seed), fromMs: day, toMs: day + 86_400_000, hosts: 500, users: 50, bucketMs: 3_600_000 };
          log(`loading ${events} events into ${names.sourcePattern}`);
          let nextReport = 0.1;
          const load = await loadDataset(es, names, spec, {
            batch: 5_000,
            concurrency: 2,
            onProgress: (done, total) => {
              if (done / total < nextReport) return;
              log(`  ${Math.round((done / total) * 100)}% loaded`);
              while (nextReport <= done / total) nextReport += 0.1;
            },
          });
          log(`  loaded in ${(load.loadMs / 1000).toFixed(1)} s (${load.docsPerSecond} docs/s, ${(load.storeBytes / 2 ** 20).toFixed(0)} MiB), merges settled in ${(load.settleMs / 1000).toFixed(1)} s; truth: ${load.truth.proxied} proxied events in ${load.truth.groups.size} groups`);
          const dataset: Dataset = { names, spec, load };
          if (selected.has('backfill')) {
            log(`backfill bench, ${events} events`);
            const r = await runBackfillBench(ctx, dataset, { pushdowns: list(flags.pushdowns).map((p) => pushdown('pushdowns', p)), repeats, timeoutMs, profile: flags.profile });
            writeResult(`backfill-${events}${suffix}`, { ...r, ...(await stamp()) });
            rewriteReport();
          }
          if (selected.has('scale-out')) {
            log(`scale-out bench, ${events} events`);
            const r = await runScaleOut(ctx, dataset, list(flags.workers).map((w) => positive('workers', w)), pushdown('scale-pushdown', flags['scale-pushdown']), repeats, timeoutMs);
            writeResult(`scale-out-${events}${suffix}`, { ...r, ...(await stamp()) });
            rewriteReport();
          }
          if (selected.has('memory')) {
            log(`memory bench, ${events} events`);
            const r = await runMemory(ctx, dataset, pushdown('memory-pushdown', flags['memory-pushdown']), timeoutMs);
            writeResult(`memory-${events}${suffix}`, { ...r, ...(await stamp()) });
            rewriteReport();
          }
        } finally {
          await cleanup();
          cleanups.delete(cleanup);
        }
      }
    }

    if (selected.has('live')) {
      log('live latency bench');
      const r = await runLive(ctx, {
        seconds: positive('live-seconds', flags['live-seconds']),
        rate: positive('live-rate', flags['live-rate']),
        proxiedRate: positive('live-proxied-rate', flags['live-proxied-rate']),
        pollMs: positive('live-poll-ms', flags['live-poll-ms']),
        drainMs: 60_000,
        seed: positive('seed', flags.seed),
      });
      writeResult(`live${suffix}`, { ...r, ...(await stamp()) });
    }
    rewriteReport();
  } finally {
    redis.disconnect();
    await es.close();
  }
}

/** The pid of the Elasticsearch node when it runs on this machine (loopback only), for CPU accounting. */
async function localEsPid(es: Client): Promise<number | undefined> {
  const info = await es.nodes.info({ node_id: '_local', metric: ['process'] }).catch(() => undefined);
  const pid = Object.values(info?.nodes ?? {})[0]?.process?.id;
  return typeof pid === 'number' ? pid : undefined;
}

/** Refuses to load a dataset that would leave the disk nearly full (~1.5 KB per event with headroom). */
function checkDisk(events: number): void {
  const s = statfsSync(repoRoot);
  const free = s.bavail * s.bsize;
  const need = events * 1_500 + 5 * 2 ** 30;
  if (free < need) throw new Error(`not enough disk for ${events} events: ${(free / 2 ** 30).toFixed(1)} GiB free, want ${(need / 2 ** 30).toFixed(1)} GiB`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
