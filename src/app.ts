import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Client } from '@elastic/elasticsearch';
import { Queue } from 'bullmq';
import { Backfills, type CandidateCounter } from './aggregate/backfill.js';
import { createClassifier, type Classifier } from './aggregate/classify.js';
import type { RangeJobData, RangeJobResult } from './aggregate/jobs.js';
import { LiveScheduler } from './aggregate/live-scheduler.js';
import type { PipelineDeps } from './aggregate/processor.js';
import { queueNames, redisKeys, type RedisKeys } from './aggregate/redis-keys.js';
import { startWorkers, type RangeWorkers } from './aggregate/worker.js';
import { createElasticsearchClient } from './clients/elasticsearch.js';
import { createRedis, redisTopology, type RedisConnection } from './clients/redis.js';
import type { Config } from './config/schema.js';
import { DetectorError } from './errors.js';
import { resolveFieldMap, type CimField } from './normalize/fields.js';
import { ensureFindingsIndex } from './sink/findings-index.js';
import { countCandidatesPerStep } from './source/candidate-counts.js';
import { buildRangeQuery } from './source/query.js';
import type { Logger } from './telemetry/logger.js';
import { createMetrics, type Metrics } from './telemetry/metrics.js';
import { cursorLagSource, queueDepthSource } from './telemetry/sources.js';
import { LiveCursor } from './aggregate/cursor.js';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The one place that wires the stages together. Every resource registers its close when it
 * is created; `close()` runs them in reverse order of creation.
 */
export interface App {
  config: Config;
  logger: Logger;
  es: Client;
  redis: RedisConnection;
  keys: RedisKeys;
  fieldMap: Readonly<Record<CimField, readonly string[]>>;
  classifier: Classifier;
  liveQueue: Queue<RangeJobData, RangeJobResult>;
  backfillQueue: Queue<RangeJobData, RangeJobResult>;
  backfills: Backfills;
  /** Metrics of the domain code (no-op unless startTelemetry ran before createApp). */
  metrics: Metrics;
  /** A new Redis connection (closed with the app), for BullMQ workers and blocking reads. */
  connection(): RedisConnection;
  pipelineDeps(): PipelineDeps;
  onClose(fn: () => Promise<void> | void): void;
  close(): Promise<void>;
}

/** Creates clients, queues and the pure core from a validated config. */
export function createApp(config: Config, logger: Logger, role: 'worker' | 'command' = 'worker'): App {
  const closers: (() => Promise<void> | void)[] = [];
  const onClose = (fn: () => Promise<void> | void) => void closers.push(fn);

  const es = createElasticsearchClient(config.elasticsearch);
  onClose(() => es.close());
  const connection = (): RedisConnection => {
    const r = createRedis(config.redis, 'worker');
    r.on('error', () => undefined); // reconnects by itself; failures surface through the commands that use it
    onClose(() => void r.disconnect());
    return r;
  };
  const redis = createRedis(config.redis, role);
  redis.on('error', () => undefined);
  onClose(() => void redis.disconnect());

  const keys = redisKeys(config.redis.keyPrefix, { cluster: redisTopology(config.redis) === 'cluster' });
  const liveQueue = new Queue<RangeJobData, RangeJobResult>(queueNames.live, { connection: connection(), prefix: keys.bullPrefix });
  onClose(() => liveQueue.close());
  const backfillQueue = new Queue<RangeJobData, RangeJobResult>(queueNames.backfill, { connection: connection(), prefix: keys.bullPrefix });
  onClose(() => backfillQueue.close());

  const fieldMap = resolveFieldMap(config.normalize.fields);
  const classifier = createClassifier(config, fieldMap);
  // Sizes a backfill's chunk jobs by the candidates of the same query the jobs will scan.
  const countCandidates: CandidateCounter = ({ fromMs, toMs, indexPatterns, stepMs }) =>
    countCandidatesPerStep(es, { indexPatterns, intervalMs: stepMs, query: buildRangeQuery({ fromMs, toMs, basis: 'event' }, config.source.liveTimeField, config.source.pushdown) });
  const backfills = new Backfills(redis, keys, backfillQueue, config, countCandidates);
  const metrics = createMetrics();

  const app: App = {
    config,
    logger,
    es,
    redis,
    keys,
    fieldMap,
    classifier,
    liveQueue,
    backfillQueue,
    backfills,
    metrics,
    connection,
    pipelineDeps: () => ({
      es,
      redis,
      keys,
      config,
      classifier,
      fieldMap,
      metrics,
      onDropped: (dropped) => logger.error({ event: { action: 'findings-dropped' }, dropped }, `${dropped.length} finding(s) rejected by Elasticsearch for good`),
      // Not evaluated: a possible miss the operator must see, with the event to look at.
      onEventError: (ref, error) => logger.error({ event: { action: 'event-not-evaluated', reference: `${ref.index}/${ref.id}` }, error: { message: error } }, `event ${ref.index}/${ref.id} could not be evaluated and was skipped: ${error}`),
    }),
    onClose,
    async close() {
      for (const fn of closers.reverse()) {
        try {
          await fn();
        } catch (err) {
          logger.debug({ err }, 'error while closing a resource');
        }
      }
      closers.length = 0;
    },
  };
  return app;
}

/** A stable-enough id for this worker process (host, pid, random), for the leader lease and logs. */
export function workerId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Options of a running worker. */
export interface WorkerRunOptions {
  /** Which queues to work on (default both); `live: false` also skips scheduling live windows. */
  live?: boolean;
  backfill?: boolean;
}

/** A running worker: the findings index ensured, the workers and the live scheduler started. */
export interface RunningWorker {
  id: string;
  workers: RangeWorkers;
  scheduler: LiveScheduler | undefined;
  /** Stops in reverse order of start: scheduler, then draining the workers. */
  stop(): Promise<void>;
}

/**
 * Starts the worker. Waits (with backoff, logging) until Elasticsearch accepts the findings
 * template, so a worker started before the cluster comes up simply waits.
 */
export async function startWorker(app: App, options: WorkerRunOptions = {}, signal?: AbortSignal): Promise<RunningWorker> {
  const { config, logger } = app;
  const id = workerId();
  await ensureFindingsIndexPatiently(app, signal);
  const live = options.live ?? true;
  const backfill = options.backfill ?? true;
  const workers = startWorkers({
    pipeline: app.pipelineDeps(),
    backfills: app.backfills,
    keys: app.keys,
    logger,
    connection: app.connection,
    liveConcurrency: config.worker.liveConcurrency,
    backfillConcurrency: config.worker.backfillConcurrency,
    lockDurationMs: config.worker.lockDurationMs,
    workerName: id,
    queues: [...(live ? (['live'] as const) : []), ...(backfill ? (['backfill'] as const) : [])],
    metrics: app.metrics,
  });
  const scheduler = live ? new LiveScheduler({ redis: app.redis, keys: app.keys, queue: app.liveQueue, config, logger, workerId: id, metrics: app.metrics }) : undefined;
  scheduler?.start();
  const cursor = new LiveCursor(app.redis, app.keys.liveCursor);
  const gauges = app.metrics.observeGauges(
    { cursorLagSeconds: cursorLagSource(() => cursor.get()), queueDepths: queueDepthSource({ live: app.liveQueue, backfill: app.backfillQueue }) },
    { onError: (err, gauge) => logger.debug({ err, event: { action: 'gauge-read-failed' } }, `cannot read ${gauge}`) },
  );
  // Chunks that used up their attempts during a long outage are queued again, never skipped.
  const janitor = backfill ? setInterval(() => void requeueFailedChunks(app), config.worker.backfillRetryIntervalMs) : undefined;
  janitor?.unref();
  logger.info({ event: { action: 'worker-started' }, worker: { id, live, backfill } }, `worker ${id} started`);
  return {
    id,
    workers,
    scheduler,
    async stop() {
      if (janitor !== undefined) clearInterval(janitor);
      await scheduler?.stop();
      await workers.close(config.worker.shutdownTimeoutMs);
      gauges.stop();
      logger.info({ event: { action: 'worker-stopped' }, worker: { id } }, `worker ${id} stopped`);
    },
  };
}

/** Re-queues failed chunks of every unfinished backfill (idempotent; any worker may do it). */
async function requeueFailedChunks(app: App): Promise<void> {
  try {
    for (const r of await app.backfills.list(100)) {
      if (r.status !== 'scheduled' && r.status !== 'running') continue;
      const queued = await app.backfills.retryFailed(r.id);
      if (queued > 0) app.logger.warn({ event: { action: 'backfill-chunks-requeued' }, backfill: { id: r.id, chunks: queued } }, `re-queued ${queued} chunk(s) of ${r.id}`);
    }
  } catch (err) {
    app.logger.debug({ err }, 'cannot re-queue failed backfill chunks yet');
  }
}

async function ensureFindingsIndexPatiently(app: App, signal?: AbortSignal): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await ensureFindingsIndex(app.es, app.config.sink.findingsAlias);
      return;
    } catch (err) {
      if (signal?.aborted === true || (err instanceof DetectorError && !err.retryable)) throw err;
      const delay = Math.min(1_000 * 2 ** attempt, 30_000);
      app.logger.warn({ err, event: { action: 'findings-index-wait' } }, `cannot prepare the findings index yet; retrying in ${delay} ms`);
      await sleep(delay);
    }
  }
}
