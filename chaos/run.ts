import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDownMs, faultKinds, type FaultPlan } from './lib/faults.js';
import { esTopology, mediumOptions, redisTopology, smallOptions, type ChaosOptions } from './lib/options.js';
import { formatReport, writeReport } from './lib/report.js';
import { runChaos } from './lib/runner.js';
import { repoRoot } from './lib/services.js';

// `npm run chaos [-- flags]`: a chaos run against real services on loopback. See docs/chaos.md.

const usage = `usage: npm run chaos -- [--small] [flags]

  --small                 the CI configuration (~90 s); default: medium (5-9 min, 3-node cluster, Sentinel set)
  --seed <n>              generator seed (default 1); the same seed generates the same events
  --duration <s>          live stream length in seconds
  --rate <n>              on-time events per second
  --history <n>           historical events preloaded for the backfill
  --history-hours <h>     length of the historical range (ends at 00:00 UTC today)
  --malformed <n>         times each malformed case is emitted in the live stream
  --workers <n>           worker processes (default 2)
  --faults <spec>         replace the fault plan: kind@seconds[:downSeconds],...
                          kinds: ${faultKinds.join(', ')}
  --es-nodes <n>          nodes of the run's own Elasticsearch: 3 (default; kill-es-node needs a
                          cluster) or 1 (--small's default)
  --es-port <port>        HTTP port of its first node (default 9285 for a cluster, env
                          CPD_CHAOS_ES_CLUSTER_PORT; 9270 for one node, env CPD_CHAOS_ES_PORT)
  --redis <topology>      the run's own Redis: sentinel (default; failover-redis needs it: master and
                          2 replicas, 3 sentinels, workers with redis.waitReplicas 1) or single (--small's default)
  --redis-port <port>     port of the run's own Redis (default 6393, env CPD_CHAOS_REDIS_PORT); with
                          sentinel its first server's (default 7450, env CPD_CHAOS_SENTINEL_REDIS_PORT)
  --sentinel-port <port>  first of the three sentinels' ports (default 26450, env CPD_CHAOS_SENTINEL_PORT)
  --shared-es <url>       use this Elasticsearch instead of an own one (skips the Elasticsearch outage)
  --skip-cases <names>    leave these malformed cases out (comma-separated), to isolate a known failure
  --retry-failed-chunks   re-queue failed backfill chunks every 10 s, as \`backfill --wait\` does (isolates other failures)
  --settle <s>            bound on waiting for the cursor and the backfill after the stream
  --out <file>            JSON report (default bench/results/chaos.json, chaos-small.json with --small)
  --keep                  leave services, data and logs in place afterwards
  --no-build              do not run \`npm run build\` first (the workers run dist/)
`;

function parseFaults(spec: string): FaultPlan[] {
  return spec
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((part) => {
      const m = /^([a-z-]+)@(\d+(?:\.\d+)?)(?::(\d+(?:\.\d+)?))?$/.exec(part.trim());
      const kind = faultKinds.find((k) => k === m?.[1]);
      if (m === null || kind === undefined) throw new Error(`--faults: expected kind@seconds[:downSeconds] with kind in ${faultKinds.join(', ')}, got ${JSON.stringify(part)}`);
      return { kind, atMs: Number(m[2]) * 1000, downMs: m[3] === undefined ? defaultDownMs[kind] : Number(m[3]) * 1000 };
    });
}

function positive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag}: expected a non-negative number, got ${JSON.stringify(value)}`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      small: { type: 'boolean' },
      seed: { type: 'string' },
      duration: { type: 'string' },
      rate: { type: 'string' },
      history: { type: 'string' },
      'history-hours': { type: 'string' },
      malformed: { type: 'string' },
      workers: { type: 'string' },
      faults: { type: 'string' },
      'es-nodes': { type: 'string' },
      'es-port': { type: 'string' },
      redis: { type: 'string' },
      'redis-port': { type: 'string' },
      'sentinel-port': { type: 'string' },
      'shared-es': { type: 'string' },
      settle: { type: 'string' },
      'skip-cases': { type: 'string' },
      'retry-failed-chunks': { type: 'boolean' },
      out: { type: 'string' },
      keep: { type: 'boolean' },
      'no-build': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(usage);
    return 0;
  }
  const num = (flag: string, v: string | undefined) => positive(flag, v);
  const esNodes = num('--es-nodes', values['es-nodes']);
  if (esNodes !== undefined && esNodes !== 1 && esNodes !== 3) throw new Error(`--es-nodes: expected 1 or 3, got ${esNodes}`);
  if (values.redis !== undefined && values.redis !== 'single' && values.redis !== 'sentinel') throw new Error(`--redis: expected single or sentinel, got ${JSON.stringify(values.redis)}`);
  const topology = { ...(esNodes === undefined ? {} : esTopology(esNodes)), ...(values.redis === undefined ? {} : redisTopology(values.redis)) };
  const base: ChaosOptions = values.small === true ? smallOptions(topology) : mediumOptions(topology);
  const o: ChaosOptions = {
    ...base,
    seed: num('--seed', values.seed) ?? base.seed,
    workers: num('--workers', values.workers) ?? base.workers,
    esPort: num('--es-port', values['es-port']) ?? base.esPort,
    redisPort: num('--redis-port', values['redis-port']) ?? base.redisPort,
    sentinelPort: num('--sentinel-port', values['sentinel-port']) ?? base.sentinelPort,
    sharedEsUrl: values['shared-es'] ?? base.sharedEsUrl,
    stream: {
      ...base.stream,
      durationMs: (num('--duration', values.duration) ?? base.stream.durationMs / 1000) * 1000,
      eventsPerSecond: num('--rate', values.rate) ?? base.stream.eventsPerSecond,
      malformedPerCase: num('--malformed', values.malformed) ?? base.stream.malformedPerCase,
    },
    history: { ...base.history, events: num('--history', values.history) ?? base.history.events, hours: num('--history-hours', values['history-hours']) ?? base.history.hours },
    faults: values.faults === undefined ? base.faults : parseFaults(values.faults),
    retryFailedChunks: values['retry-failed-chunks'] === true,
    skipCases: values['skip-cases']?.split(',').map((c) => c.trim()).filter((c) => c !== '') ?? base.skipCases,
    settleTimeoutMs: (num('--settle', values.settle) ?? base.settleTimeoutMs / 1000) * 1000,
    outFile: values.out ?? join(repoRoot, 'bench', 'results', values.small === true ? 'chaos-small.json' : 'chaos.json'),
    keep: values.keep === true,
    log: (line) => void process.stderr.write(`${line}\n`),
  };
  if (values['no-build'] !== true) {
    process.stderr.write('building dist/ (the workers run the built CLI)\n');
    const r = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: repoRoot, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm run build failed');
  }
  const abort = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('SIGINT: stopping the stream and cleaning up (again to exit at once)\n');
    abort.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  const report = await runChaos(o, abort.signal);
  process.stdout.write(formatReport(report));
  if (o.outFile !== undefined) {
    writeReport(report, o.outFile);
    process.stdout.write(`report written to ${o.outFile}\n`);
  }
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
