import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { auditSource } from './audit.js';
import { compareFindings, isExact, type EventInfo } from './compare.js';
import { FaultInjector } from './faults.js';
import { readStoredFindings } from './findings.js';
import { EventGenerator, type GeneratedEvent } from './generator.js';
import { Indexer } from './indexer.js';
import type { ChaosOptions } from './options.js';
import { producers, type Producer } from './process-start.js';
import { machine, type ChaosReport } from './report.js';
import { settle } from './settle.js';
import { ensurePortsFree, ownElasticsearch, ownElasticsearchCluster, ownRedis, ownSentinelSet, repoRoot, type OwnedService } from './services.js';
import { createChaosSourceIndex, readSourceDocs } from './source.js';
import { historyEvents, historyRange, runStream } from './stream.js';
import { expectedFindings } from './truth.js';
import { WorkerFleet } from './workers.js';
import { setTimeout as sleep } from 'node:timers/promises';


/**
 * One chaos run, start to finish: own Redis (AOF) and Elasticsearch, historical data, two
 * worker processes, a live stream with late and malformed events, a backfill, the faults of
 * the plan; then, once the live cursor passed the last event and the backfill is done, the
 * findings compared with the ground truth. Every wait is bounded; services started here are
 * stopped here (unless `keep`).
 */
export async function runChaos(o: ChaosOptions, signal?: AbortSignal): Promise<ChaosReport> {
  const startedAt = new Date();
  const runId = `chaos-${o.label}-${Date.now().toString(36)}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const names = { prefix: runId, findingsAlias: `${runId}-findings`, keyPrefix: runId };
  const sourcePattern = `${runId}-src-*`;
  const indexFor = (p: Producer) => `${runId}-src-${p.replace(/_/g, '-')}`;
  const workDir = join(repoRoot, '.cache', 'chaos', runId);
  const logDir = join(workDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const esCluster = o.sharedEsUrl === undefined && o.esNodes > 1 ? ownElasticsearchCluster(o.esPort, o.esNodes) : undefined;
  const esService = o.sharedEsUrl === undefined ? (esCluster ?? ownElasticsearch(o.esPort)) : undefined;
  const esUrl = o.sharedEsUrl ?? (esService as NonNullable<typeof esService>).url;
  const sentinelSet = o.redisTopology === 'sentinel' ? ownSentinelSet(o.redisPort, o.sentinelPort, o.redisReplicas, join(workDir, 'redis')) : undefined;
  const redisService: OwnedService = sentinelSet ?? ownRedis(o.redisPort, join(workDir, 'redis'));
  const redisPorts = sentinelSet === undefined ? [o.redisPort] : [...sentinelSet.serverPorts, ...sentinelSet.sentinels.map((a) => Number(a.split(':')[1]))];
  const settings: Record<string, unknown> = {
    'elasticsearch.url': esUrl,
    'redis.url': redisService.url,
    // Through the sentinels, as a Sentinel deployment would, with redis.waitReplicas 1 as
    // docs/deployment.md recommends: a finding is only written from state a replica holds.
    ...(sentinelSet === undefined ? {} : { 'redis.sentinels': sentinelSet.sentinels, 'redis.sentinelName': sentinelSet.sentinelName, 'redis.waitReplicas': 1 }),
    'redis.keyPrefix': names.keyPrefix,
    'sink.findingsAlias': names.findingsAlias,
    'source.indexPatterns': [sourcePattern],
    'backfill.chunkMs': o.backfill.chunkMs,
    ...o.settings,
  };
  const config = loadConfig({ env: {}, flags: settings });
  const problems: string[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  let ok = false;
  try {
    const esWhere = esCluster !== undefined ? ` and own ${o.esNodes}-node Elasticsearch on ${o.esPort}-${o.esPort + o.esNodes - 1}` : esService !== undefined ? ` and own Elasticsearch on ${o.esPort}` : '';
    const redisWhere = sentinelSet === undefined ? `Redis on ${o.redisPort}` : `Redis Sentinel set (servers ${sentinelSet.serverPorts.join(', ')}, sentinels ${sentinelSet.sentinels.join(', ')})`;
    o.log(`[${runId}] starting own ${redisWhere}${esWhere}`);
    await ensurePortsFree(esService, o.esPort, redisPorts, esCluster === undefined ? 1 : o.esNodes);
    // Registered first: a failed start still stops whatever did start (the scripts only stop their own).
    if (!o.keep) closers.push(() => redisService.stop(), async () => esService?.stop());
    // A run killed outright (no finally) must not leave five redis-servers behind either.
    const stopSetOnExit = () => sentinelSet?.stopSync();
    if (sentinelSet !== undefined && !o.keep) {
      process.once('exit', stopSetOnExit);
      closers.push(async () => void process.off('exit', stopSetOnExit));
    }
    await Promise.all([redisService.start({ wipe: true }), esService?.start({ wipe: true })]);
    const es = new Client({ node: esUrl, requestTimeout: 60_000 });
    closers.push(() => es.close());
    if (esService === undefined && !o.keep) closers.push(() => es.indices.delete({ index: `${runId}-*`, ignore_unavailable: true, allow_no_indices: true }), () => es.indices.deleteIndexTemplate({ name: names.findingsAlias }, { ignore: [404] }));
    const tServices = Date.now();
    // On a cluster: one replica, and no copy on node 0 (the node everyone talks to), so the
    // node holding the primaries can die while the rest of the cluster serves the replicas.
    const placement = esCluster === undefined ? undefined : { replicas: 1, excludeNode: esCluster.cluster.nodeName(0) };
    for (const p of producers) await createChaosSourceIndex(es, indexFor(p), placement);
    if (placement !== undefined) await es.cluster.health({ index: sourcePattern, wait_for_status: 'green', timeout: '120s' });

    const { proxiedRate, plainCurlRate, recurringRate } = o.stream;
    const gen = new EventGenerator({ seed: o.seed, hosts: 24, users: 8, indexFor, proxiedRate, plainCurlRate, recurringRate, maxCommandLineBytes: config.source.maxCommandLineBytes, skipCases: o.skipCases });
    const range = historyRange(o.history.hours);
    const all: GeneratedEvent[] = historyEvents(gen, o, range);
    const indexer = new Indexer({ esUrl, maxDocs: 1_000, maxBytes: 8 * 2 ** 20, requestTimeoutMs: 20_000, slowAckMs: Math.floor(config.live.overlapMs / 3), maxRestamps: 5 });
    o.log(`[${runId}] preloading ${all.length} historical events (${new Date(range.fromMs).toISOString()} .. ${new Date(range.toMs).toISOString()})`);
    await indexer.sendAll(all, Date.now() + 180_000);
    const tPreload = Date.now();

    const app = createApp(config, silentLogger(), 'command');
    // Redis restarts are on purpose; the queues reconnect by themselves.
    app.liveQueue.on('error', () => undefined);
    app.backfillQueue.on('error', () => undefined);
    closers.push(() => app.close());
    const fleet = new WorkerFleet({ count: o.workers, settings, logDir });
    fleet.start();
    closers.push(() => fleet.stop(20_000));
    const cursor = async () => {
      const v = await app.redis.get(app.keys.liveCursor).catch(() => null);
      return v === null ? undefined : Number(v);
    };
    if (!(await until(() => cursor().then((c) => c !== undefined), Date.now() + 90_000, signal))) throw new Error(`the workers did not start polling within 90 s; logs in ${logDir}`);

    o.log(`[${runId}] live stream for ${o.stream.durationMs / 1000} s at ${o.stream.eventsPerSecond}/s with ${o.faults.length} faults`);
    const t0 = Date.now();
    indexer.start();
    const injector = new FaultInjector({
      fleet,
      redis: redisService,
      elasticsearch: esService,
      esCluster,
      esNodeToKill: async () => esCluster?.cluster.primaryHolder(es, sourcePattern, [0]),
      sentinelSet,
      backfillProgress: async () => {
        const r = (await app.backfills.list(1))[0];
        return r === undefined ? undefined : `${r.status} ${r.chunksDone}/${r.chunks} chunks`;
      },
      // The lease holds the worker id `<host>-<pid>-<6 hex>` (app.ts workerId()).
      leaderPid: async () => {
        const pid = /-(\d+)-[0-9a-f]{6}$/.exec((await app.redis.get(app.keys.liveLeader)) ?? '')?.[1];
        return pid === undefined ? undefined : Number(pid);
      },
      log: (line) => o.log(`[${runId}] +${((Date.now() - t0) / 1000).toFixed(1)}s ${line}`),
    });
    const faults = injector.run(o.faults, t0, t0 + o.stream.durationMs);
    const backfill = createBackfill(app, t0 + o.backfill.atMs, range, sourcePattern, signal);
    await runStream(
      gen,
      {
        push: (events) => {
          all.push(...events);
          indexer.push(events);
        },
      },
      o,
      t0,
      range,
      signal,
    );
    const tStream = Date.now();

    // Settle: services back, every document sent, the cursor past the last one, the backfill done.
    const deadline = tStream + o.settleTimeoutMs;
    if (!(await within(faults, deadline))) problems.push('faults still running at the settle deadline');
    if (!(await indexer.drain(deadline))) problems.push(`${indexer.queued} documents still unsent at the settle deadline`);
    const target = lastLiveTime(all, indexer) + config.live.overlapMs + config.live.pollIntervalMs;
    const bf = await backfill;
    const waited = await settle(app, {
      backfillId: bf?.id,
      cursorTargetMs: target,
      deadline,
      retryFailedChunks: o.retryFailedChunks,
      log: (line) => o.log(`[${runId}] ${line}`),
      signal,
    });
    const { record, cursorMs } = waited;
    if (waited.stuck !== undefined) problems.push(waited.stuck);
    else if (!waited.settled) problems.push(`not settled within ${o.settleTimeoutMs / 1000} s: cursor ${cursorMs ?? '-'} (target ${target}), backfill ${record?.status ?? 'not created'} ${record?.chunksDone ?? '-'}/${record?.chunks ?? '-'} chunks`);
    if (bf === undefined) problems.push('the backfill could not be created');
    const tSettle = Date.now();

    const audit = auditSource(all, indexer.outcomes, await readSourceDocs(es, sourcePattern), gen.cases);
    const comparison = compareFindings(expectedFindings(audit.present, config.aggregate.bucketMs), await readStoredFindings(es, names.findingsAlias));
    const tCompare = Date.now();
    const liveStats = await app.redis.hgetall(app.keys.liveStats).catch(() => ({}));
    await fleet.stop(20_000);
    const errors = fleet.errorLines();
    // Windows whose state reached no replica within redis.waitTimeoutMs (src/aggregate/group-store.ts): retried, not written.
    const waitReplicaRetries = fleet.matchingLines(/replica\(s\) within/).length;

    if (!isExact(comparison)) problems.push(`findings differ from the truth: ${comparison.missing} missing, ${comparison.extra} extra, ${comparison.duplicated} duplicated, ${comparison.wrongCount}/${comparison.wrongFirst}/${comparison.wrongLast} wrong count/first/last`);
    if (audit.discrepancies.length > 0) problems.push(`${audit.discrepancies.length} source discrepancies (the truth is doubtful): ${audit.discrepancies.slice(0, 3).join('; ')}`);
    for (const f of injector.records) if (f.error !== undefined) problems.push(`fault ${f.kind} failed: ${f.error}`);
    if (errors.length > 0) problems.push(`${errors.length} worker log lines at ERROR`);
    ok = problems.length === 0;
    const { mismatches, ...findings } = comparison;
    const byId = new Map(all.map((e) => [e.id, e]));
    for (const m of mismatches) m.eventInfo = m.events.flatMap((id) => describeEvent(byId.get(id), indexer));
    const mismatchedEventsByIndex: Record<string, number> = {};
    for (const m of mismatches) for (const e of m.eventInfo ?? []) mismatchedEventsByIndex[e.index] = (mismatchedEventsByIndex[e.index] ?? 0) + 1;
    return {
      schema: 1,
      label: o.label,
      seed: o.seed,
      ok,
      problems,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      streamStartedAt: new Date(t0).toISOString(),
      machine: machine(),
      command: process.argv.slice(1).join(' '),
      names,
      services: { elasticsearch: esUrl, redis: sentinelSet === undefined ? redisService.url : `sentinel ${sentinelSet.sentinelName} at ${sentinelSet.sentinels.join(',')} (servers ${sentinelSet.serverPorts.join(', ')})`, ownElasticsearch: esService !== undefined, elasticsearchNodes: esCluster === undefined ? 1 : o.esNodes },
      settings,
      faultPlan: o.faults,
      skippedCases: o.skipCases,
      retryFailedChunks: o.retryFailedChunks,
      historyRange: { from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString() },
      events: { byOrigin: audit.byOrigin, malformed: audit.malformed, total: audit.total, indexer: indexer.stats },
      faults: injector.records,
      backfill: {
        id: bf?.id,
        createdAtMs: bf === undefined ? undefined : bf.createdAtMs - t0,
        status: record?.status,
        chunks: record?.chunks,
        chunksDone: record?.chunksDone,
        tookMs: record?.finishedAtMs !== undefined && bf !== undefined ? record.finishedAtMs - bf.createdAtMs : undefined,
        failedChunks: waited.failedChunks,
      },
      findings,
      mismatches: mismatches.slice(0, 100),
      mismatchedEventsByIndex,
      sourceDiscrepancies: audit.discrepancies.slice(0, 100),
      workerErrors: { count: errors.length, first: errors.slice(0, 10) },
      waitReplicaRetries,
      product: { liveStats, backfillStats: record?.stats },
      durationsMs: { services: tServices - startedAt.getTime(), preload: tPreload - tServices, stream: tStream - t0, settle: tSettle - tStream, compare: tCompare - tSettle, total: Date.now() - startedAt.getTime() },
      settle: { cursorTargetMs: target, cursorMs, settled: waited.settled, stuck: waited.stuck },
      logDir: ok && !o.keep ? `${logDir} (removed: the run passed)` : logDir,
    };
  } finally {
    for (const close of closers.reverse()) await close().catch((err: unknown) => o.log(`[${runId}] cleanup: ${err instanceof Error ? err.message : String(err)}`));
    if (ok && !o.keep) rmSync(workDir, { recursive: true, force: true });
    else o.log(`[${runId}] logs and Redis data kept in ${workDir}`);
  }
}

/** An event of a mismatch, for the report. */
function describeEvent(e: GeneratedEvent | undefined, indexer: Indexer): EventInfo[] {
  if (e === undefined) return [];
  const o = indexer.outcomes.get(e.id);
  const ts = e.doc['@timestamp'];
  return [{
    id: e.id,
    index: e.index,
    origin: e.origin,
    malformed: e.malformed,
    timestamp: typeof ts === 'number' ? new Date(ts).toISOString() : String(ts),
    ingested: o?.state === 'stored' && o.liveTimeMs !== undefined ? new Date(o.liveTimeMs).toISOString() : undefined,
  }];
}

/** Creates the backfill at `atMs`, retrying while Redis is unavailable (bounded). */
async function createBackfill(app: App, atMs: number, range: { fromMs: number; toMs: number }, pattern: string, signal?: AbortSignal): Promise<{ id: string; createdAtMs: number } | undefined> {
  await sleep(Math.max(0, atMs - Date.now()));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && signal?.aborted !== true) {
    try {
      const { record } = await app.backfills.create({ fromMs: range.fromMs, toMs: range.toMs, indexPatterns: [pattern] });
      return { id: record.id, createdAtMs: Date.now() };
    } catch {
      await sleep(500);
    }
  }
  return undefined;
}

/** The latest time by which the live poller must find a live document: its ingest stamp, else its @timestamp. */
function lastLiveTime(events: readonly GeneratedEvent[], indexer: Indexer): number {
  let last = 0;
  for (const e of events) {
    if (e.origin === 'history') continue;
    const o = indexer.outcomes.get(e.id);
    if (o?.state !== 'stored') continue;
    const ts = e.doc['@timestamp'];
    const t = o.liveTimeMs ?? (typeof ts === 'number' ? ts : Date.parse(String(ts)));
    if (Number.isFinite(t)) last = Math.max(last, t);
  }
  return last;
}

/** True when `p` settles before the deadline (the timer never outlives the call). */
async function within(p: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((r) => (timer = setTimeout(() => r(false), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([p.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every 250 ms until it is true (true) or the deadline passes (false). */
async function until(check: () => Promise<boolean>, deadline: number, signal?: AbortSignal): Promise<boolean> {
  while (Date.now() < deadline && signal?.aborted !== true) {
    if (await check().catch(() => false)) return true;
    await sleep(250);
  }
  return false;
}
