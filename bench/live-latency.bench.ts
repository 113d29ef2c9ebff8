import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { RangeJobData, RangeJobResult } from '../src/aggregate/jobs.js';
import type { Config } from '../src/config/schema.js';
import { queueNames, redisKeys } from '../src/aggregate/redis-keys.js';
import { prng } from '../test/support/random.js';
import { SyntheticStream, type SyntheticDoc } from './lib/synthetic.js';
import { createSourceIndices, sendBulk } from './lib/bulk-load.js';
import { spawnWorker } from './lib/child-worker.js';
import { ownPids, type BenchContext } from './lib/context.js';
import { CpuMeter, type CpuShare } from './lib/cpu.js';
import type { RssSummary } from './lib/rss.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../test/helpers/pipeline.js';
import { benchConfig, benchNames, configFlags, dropAll } from './lib/services.js';

/**
 * Live latency: a loader indexes process starts at a steady rate, each stamped with
 * `event.ingested` = the time it is sent, while a `run` worker process (default live settings;
 * only the connections and the bench's names set) polls. A tight loop reads the findings
 * every `pollMs` and records when each proxied event first appears in a searchable finding.
 * The delay of an event is that moment minus its `event.ingested`.
 */

/** Options of the live bench. */
export interface LiveOptions {
  seconds: number;
  rate: number;
  proxiedRate: number;
  /** Findings poll period of the bench (the measurement's resolution). */
  pollMs: number;
  /** After the load stops, how long to wait for the last findings. */
  drainMs: number;
  seed: number;
}

/** Percentiles of a set of delays, in ms. */
export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  min: number;
}

/** The live result. */
export interface LiveResult {
  kind: 'live';
  options: LiveOptions;
  sent: number;
  achievedRate: number;
  proxiedSent: number;
  found: number;
  missing: number;
  /** Findings for events the loader did not send through a proxy. */
  unexpected: number;
  /** event.ingested -> finding searchable. */
  latency: Percentiles;
  /** event.ingested -> the bulk request that carried it was acknowledged. */
  indexLatency: Percentiles;
  /**
   * Where the time goes, per proxied event, from the worker's completed live window jobs: the
   * first window ending after the event's `event.ingested` is the one that could find it.
   */
  stages: {
    /** event.ingested -> the window covering it is queued (query delay + poll period). */
    untilWindowQueued: Percentiles;
    /** queued -> a worker starts it. */
    queued: Percentiles;
    /** the window job runs (scan, classify, Redis, findings write). */
    processing: Percentiles;
    /** job done -> the finding is searchable (findings refresh; bench read period). */
    untilSearchable: Percentiles;
  };
  windows: { jobs: number; periodMs: Percentiles; processingMs: Percentiles; scanned: Percentiles };
  workerSettings: Record<string, unknown>;
  /** The live settings the worker ran with (its defaults unless the bench changed them). */
  live?: { pollIntervalMs: number; queryDelayMs: number; overlapMs: number; refresh: string };
  /** CPU during the load (ours: the bench, the worker, Elasticsearch). */
  cpu: CpuShare;
  rss: RssSummary;
  liveStats: Record<string, string>;
}

/** Nearest-rank percentiles. */
export function percentiles(values: readonly number[]): Percentiles {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
  return { n: s.length, p50: at(50), p95: at(95), p99: at(99), max: s[s.length - 1] ?? NaN, min: s[0] ?? NaN };
}

/** Runs the loader, the worker and the findings poller; cleans everything up. */
export async function runLive(ctx: BenchContext, options: LiveOptions): Promise<LiveResult> {
  const names = benchNames('live');
  const indices = await createSourceIndices(ctx.es, names, { bulk: false });
  const flags = configFlags(ctx.targets, names, { 'health.enabled': false });
  const worker = spawnWorker(flags, ['run']);
  let rss: RssSummary | undefined;
  try {
    // Ready once the live scheduler has taken its first step (the cursor exists).
    await waitFor('the live cursor', async () => {
      if (worker.child.exitCode !== null) throw new Error(`worker exited early: ${worker.output().slice(-2_000)}`);
      return ctx.redis.exists(`${names.keyPrefix}:live:cursor`);
    }, (n) => n === 1, 90_000, 100);
    worker.markRss();
    ctx.log(`  worker ${worker.pid} polling; loading ${options.rate} events/s for ${options.seconds} s`);

    const stream = new SyntheticStream({ events: Number.MAX_SAFE_INTEGER, seed: options.seed, fromMs: Date.now(), toMs: Date.now() + 86_400_000, hosts: 500, users: 50, bucketMs: 3_600_000, proxiedRate: options.proxiedRate });
    const jitter = prng(options.seed + 1);
    const proxied = new Map<string, { ingestedMs: number; ackedMs?: number; seenMs?: number }>();
    const seenOther = new Set<string>();
    let pollerRunning = true;
    const poller = pollFindings(ctx, names.alias, options.pollMs, (ids, now) => {
      for (const id of ids) {
        const p = proxied.get(id);
        if (p === undefined) seenOther.add(id);
        else if (p.seenMs === undefined) p.seenMs = now;
      }
    }, () => pollerRunning);

    const meter = new CpuMeter(() => ownPids(ctx, [worker.pid]));
    const t0 = Date.now();
    const end = t0 + options.seconds * 1_000;
    let sent = 0;
    const inFlight = new Set<Promise<void>>();
    for (let tick = 0; Date.now() < end && tick < options.seconds * 100; tick++) {
      const due = Math.floor((options.rate * (Date.now() - t0)) / 1_000) - sent;
      if (due > 0 && inFlight.size < 8) {
        const now = Date.now();
        const docs: (SyntheticDoc & { id: string })[] = [];
        for (let i = 0; i < due; i++) {
          const d = stream.at(now - Math.floor(jitter() * 1_000), now);
          const id = `live-${sent + i}`;
          docs.push({ ...d, id });
          if (d.proxied) proxied.set(id, { ingestedMs: now });
        }
        sent += due;
        const p = sendBulk(ctx.es, indices, docs).then(() => {
          const acked = Date.now();
          for (const d of docs) {
            const rec = proxied.get(d.id);
            if (rec !== undefined) rec.ackedMs = acked;
          }
        });
        const tracked = p.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
      }
      await sleep(10);
    }
    await Promise.all(inFlight);
    const loadMs = Date.now() - t0;
    const cpu = meter.stop();
    ctx.log(`  sent ${sent} events (${proxied.size} proxied) in ${loadMs} ms; waiting for the last findings`);
    await waitFor('every proxied event in a finding', async () => [...proxied.values()].filter((p) => p.seenMs === undefined).length, (n) => n === 0, options.drainMs, 200).catch(() => undefined);
    pollerRunning = false;
    await poller;
    const jobs = await liveJobs(ctx.targets.redisUrl, names.keyPrefix);
    const stopped = await worker.stop();
    rss = stopped.rss;
    const stage = { untilWindowQueued: [] as number[], queued: [] as number[], processing: [] as number[], untilSearchable: [] as number[] };
    for (const p of proxied.values()) {
      const job = jobs.find((j) => j.toMs > p.ingestedMs);
      if (job === undefined || p.seenMs === undefined) continue;
      stage.untilWindowQueued.push(job.addedMs - p.ingestedMs);
      stage.queued.push(job.processedMs - job.addedMs);
      stage.processing.push(job.finishedMs - job.processedMs);
      stage.untilSearchable.push(p.seenMs - job.finishedMs);
    }
    const steady = jobs.filter((j) => j.addedMs >= t0);

    const latencies = [...proxied.values()].flatMap((p) => (p.seenMs === undefined ? [] : [p.seenMs - p.ingestedMs]));
    const acks = [...proxied.values()].flatMap((p) => (p.ackedMs === undefined ? [] : [p.ackedMs - p.ingestedMs]));
    const liveStats = await ctx.redis.hgetall(`${names.keyPrefix}:live:stats`);
    const result: LiveResult = {
      kind: 'live',
      options,
      sent,
      achievedRate: Math.round((sent / loadMs) * 1000),
      proxiedSent: proxied.size,
      found: latencies.length,
      missing: proxied.size - latencies.length,
      unexpected: seenOther.size,
      latency: percentiles(latencies),
      indexLatency: percentiles(acks),
      stages: {
        untilWindowQueued: percentiles(stage.untilWindowQueued),
        queued: percentiles(stage.queued),
        processing: percentiles(stage.processing),
        untilSearchable: percentiles(stage.untilSearchable),
      },
      windows: {
        jobs: steady.length,
        periodMs: percentiles(steady.slice(1).map((j, i) => j.addedMs - (steady[i]?.addedMs ?? j.addedMs))),
        processingMs: percentiles(steady.map((j) => j.finishedMs - j.processedMs)),
        scanned: percentiles(steady.map((j) => j.scanned)),
      },
      workerSettings: flags,
      live: liveSettings(benchConfig(ctx.targets, names, { 'health.enabled': false })),
      cpu,
      rss,
      liveStats,
    };
    const l = result.latency;
    ctx.log(`  latency ingest -> finding searchable (n=${l.n}): p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms; missing ${result.missing}; RSS steady ${rss.steadyMib} MiB, max ${rss.maxMib} MiB`);
    return result;
  } finally {
    if (rss === undefined) await worker.stop(5_000).catch(() => undefined);
    await dropAll(ctx.es, ctx.redis, names);
  }
}

/** The completed live window jobs of a deployment, oldest window first. */
async function liveJobs(redisUrl: string, keyPrefix: string): Promise<{ addedMs: number; processedMs: number; finishedMs: number; fromMs: number; toMs: number; scanned: number }[]> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue<RangeJobData, RangeJobResult>(queueNames.live, { connection, prefix: redisKeys(keyPrefix).bullPrefix });
  try {
    const jobs = await queue.getJobs(['completed'], 0, 100_000);
    return jobs
      .flatMap((j) => (j.processedOn === undefined || j.finishedOn === undefined ? [] : [{ addedMs: j.timestamp, processedMs: j.processedOn, finishedMs: j.finishedOn, fromMs: j.data.fromMs, toMs: j.data.toMs, scanned: j.returnvalue?.scanned ?? 0 }]))
      .sort((a, b) => a.toMs - b.toMs);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/**
 * Reads every finding's event references each `everyMs` while `running()`; calls `onIds`
 * with the ids of the source events in them and the time the read was sent (a finding seen
 * by a read was searchable when the read executed: at most one period plus a round trip late).
 */
async function pollFindings(ctx: BenchContext, alias: string, everyMs: number, onIds: (ids: string[], nowMs: number) => void, running: () => boolean): Promise<void> {
  for (let i = 0; running() && i < 100_000; i++) {
    const started = Date.now();
    try {
      const res = await ctx.es.search<{ finding?: { events?: { id?: string }[] } }>({
        index: alias,
        ignore_unavailable: true,
        allow_no_indices: true,
        size: 10_000,
        _source: { includes: ['finding.events.id'] },
        query: { match_all: {} },
      });
      onIds(res.hits.hits.flatMap((h) => (h._source?.finding?.events ?? []).flatMap((e) => (e.id === undefined ? [] : [e.id]))), started);
    } catch {
      // The findings index does not exist until the worker's first write; keep polling.
    }
    await sleep(Math.max(0, everyMs - (Date.now() - started)));
  }
}

/** The settings that decide live latency, as the worker's config resolves them. */
export function liveSettings(config: Config): NonNullable<LiveResult['live']> {
  return { pollIntervalMs: config.live.pollIntervalMs, queryDelayMs: config.live.queryDelayMs, overlapMs: config.live.overlapMs, refresh: config.sink.refresh };
}
