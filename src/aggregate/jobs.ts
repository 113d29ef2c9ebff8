import type { JobsOptions } from 'bullmq';
import type { Config } from '../config/schema.js';
import type { TimeBasis } from '../source/query.js';
import type { RangeStats } from './processor.js';

/** Data of every range job, live window or backfill chunk. */
export interface RangeJobData {
  kind: 'live' | 'backfill';
  /** Scanned range (a live window starts `overlapMs` before the cursor). */
  fromMs: number;
  toMs: number;
  basis: TimeBasis;
  indexPatterns: string[];
  /** Backfill id and chunk number, for progress. */
  backfillId?: string;
  chunk?: number;
  /** The backfill run the chunk belongs to (absent in jobs of earlier releases: run 1). */
  run?: number;
}

/** What a range job returns (kept in Redis with the completed job). */
export type RangeJobResult = RangeStats;

/** Retry policy shared by all range jobs: exponential backoff, results kept an hour. */
export function rangeJobOptions(config: Config, jobId: string, extra: JobsOptions = {}): JobsOptions {
  return {
    jobId,
    attempts: config.worker.jobAttempts,
    backoff: { type: 'exponential', delay: config.worker.backoffMs },
    removeOnComplete: { age: 3_600, count: 10_000 },
    removeOnFail: { age: 7 * 86_400 },
    ...extra,
  };
}

/** How the failure reason of a job that can never succeed starts (the same input fails the same way). */
const DETERMINISTIC = 'deterministic: ';

/** The message of the UnrecoverableError thrown for input that can never succeed. */
export function deterministicFailure(code: string, message: string): string {
  return `${DETERMINISTIC}${code}: ${message}`;
}

/**
 * True for a job that failed because its input can never succeed, as opposed to an outage or a
 * worker that died (a stalled job is failed by BullMQ too, and must be retried, not skipped).
 */
export function isDeterministicFailure(reason: string): boolean {
  return reason.startsWith(DETERMINISTIC);
}
