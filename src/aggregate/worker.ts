import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { RedisConnection } from '../clients/redis.js';
import { DetectorError } from '../errors.js';
import type { Metrics } from '../telemetry/metrics.js';
import { attributeNames, spanNames } from '../telemetry/names.js';
import { withSpan } from '../telemetry/tracing.js';
import type { Logger } from '../telemetry/logger.js';
import type { Backfills } from './backfill.js';
import { deterministicFailure, isDeterministicFailure, type RangeJobData, type RangeJobResult } from './jobs.js';
import { emptyStats, processRange, type PipelineDeps } from './processor.js';
import { recordError } from './recent-errors.js';
import { queueNames, type RedisKeys } from './redis-keys.js';

/** The running BullMQ workers of one process. */
export interface RangeWorkers {
  live: Worker<RangeJobData, RangeJobResult>;
  backfill: Worker<RangeJobData, RangeJobResult>;
  /** Drains in-flight jobs (at most `timeoutMs`, then forces) and closes the workers. */
  close(timeoutMs: number): Promise<void>;
}

/** What the workers need. `connection` factory gives each Worker its own Redis connection. */
export interface WorkerDeps {
  pipeline: PipelineDeps;
  backfills: Backfills;
  keys: RedisKeys;
  logger: Logger;
  connection: () => RedisConnection;
  liveConcurrency: number;
  backfillConcurrency: number;
  lockDurationMs: number;
  /** Recorded on every job this process handles (`job.processedBy`). */
  workerName: string;
  /** Which queues this process works on. */
  queues: readonly ('live' | 'backfill')[];
  /** Range counters and job durations (no-op when telemetry is off). */
  metrics?: Metrics;
}

/** The job processor shared by both queues: one time range, end to end. */
export function rangeProcessor(deps: Pick<WorkerDeps, 'pipeline' | 'backfills' | 'logger' | 'metrics'>) {
  const processJob = async (job: Job<RangeJobData, RangeJobResult>): Promise<RangeJobResult> => {
    const d = job.data;
    if (d.kind === 'backfill' && d.backfillId !== undefined) {
      // Cancelled, forgotten, or of a run a rescan replaced: nothing to do.
      if (!(await deps.backfills.chunkStarting(d.backfillId, d.run ?? 1))) return emptyStats();
    }
    let stats: RangeJobResult;
    try {
      const { sink } = deps.pipeline.config;
      // Live windows overlap and feed dashboards: skip unchanged findings, refresh at once.
      // A backfill's groups are nearly all new to Redis: their stored findings are looked up at once.
      const options = d.kind === 'live' ? { skipUnchanged: true, refresh: sink.refresh } : { refresh: sink.backfillRefresh, prefetchStored: true };
      stats = await processRange(deps.pipeline, { fromMs: d.fromMs, toMs: d.toMs, basis: d.basis }, d.indexPatterns, options);
    } catch (err) {
      // Input that can never succeed is not retried; everything else is (BullMQ backoff).
      if (err instanceof DetectorError && !err.retryable) throw new UnrecoverableError(deterministicFailure(err.code, err.message));
      throw err;
    }
    if (d.kind === 'backfill' && d.backfillId !== undefined && d.chunk !== undefined) {
      await deps.backfills.chunkDone(d.backfillId, d.run ?? 1, d.chunk, stats);
    }
    return stats;
  };
  return (job: Job<RangeJobData, RangeJobResult>): Promise<RangeJobResult> =>
    withSpan(spanNames.job, { [attributeNames.jobKind]: job.data.kind, [attributeNames.jobId]: job.id, [attributeNames.jobAttempt]: job.attemptsMade + 1 }, async () => {
      const done = deps.metrics?.startJob(job.data.kind);
      try {
        const stats = await processJob(job);
        deps.metrics?.recordRange(job.data.kind, stats);
        done?.('ok');
        return stats;
      } catch (err) {
        done?.('error');
        throw err;
      }
    });
}

/** Starts the BullMQ workers for the live and backfill queues. */
export function startWorkers(deps: WorkerDeps): RangeWorkers {
  const processor = rangeProcessor(deps);
  const make = (name: string, concurrency: number, autorun: boolean) => {
    const w = new Worker<RangeJobData, RangeJobResult>(name, processor, {
      connection: deps.connection(),
      prefix: deps.keys.bullPrefix,
      concurrency,
      autorun,
      name: deps.workerName,
      lockDuration: deps.lockDurationMs,
      // A job whose worker was killed is taken over; only a job that keeps killing workers fails.
      maxStalledCount: 5,
      stalledInterval: deps.lockDurationMs,
    });
    w.on('failed', (job, err) => {
      const final = job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1);
      const fields = { err, job: { id: job?.id, attempts: job?.attemptsMade }, event: { action: 'job-failed' } };
      // A failed live window or chunk is retried later (the cursor waits), so nothing is lost: WARN.
      const stalled = /stalled more than allowable limit/.test(err.message);
      if (isDeterministicFailure(err.message)) {
        // ERROR: the range is given up (quarantined by the scheduler or the backfill janitor) and must be re-run once fixed.
        deps.logger.error(fields, `job ${job?.id ?? '?'} fails the same way every time and is quarantined: ${err.message}`);
        void recordError(deps.pipeline.redis, deps.keys.recentErrors, `job ${job?.id ?? '?'}`, err);
        return;
      }
      deps.logger.warn(
        fields,
        final || stalled ? 'job failed for good; the live scheduler or the backfill janitor queues it again' : 'job failed; retrying with backoff',
      );
      void recordError(deps.pipeline.redis, deps.keys.recentErrors, `job ${job?.id ?? '?'}`, err);
    });
    w.on('error', (err) => deps.logger.warn({ err, event: { action: 'worker-error' } }, 'worker connection error; reconnecting'));
    return w;
  };
  const live = make(queueNames.live, deps.liveConcurrency, deps.queues.includes('live'));
  const backfill = make(queueNames.backfill, deps.backfillConcurrency, deps.queues.includes('backfill'));
  return {
    live,
    backfill,
    async close(timeoutMs) {
      const graceful = Promise.all([live.close(), backfill.close()]).then(() => 'drained' as const);
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
      if ((await Promise.race([graceful, timer])) === 'timeout') {
        deps.logger.warn({ event: { action: 'shutdown-forced' } }, `jobs still running after ${timeoutMs} ms; closing anyway (they are retried as stalled)`);
        await Promise.all([live.close(true), backfill.close(true)]);
      }
    },
  };
}
