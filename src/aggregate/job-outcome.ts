import type { Queue } from 'bullmq';
import { isDeterministicFailure, type RangeJobData, type RangeJobResult } from './jobs.js';
import { totalledStats, type RangeStats } from './processor.js';

/** How a range job ended: its stats (undefined when they cannot be read), or why it failed. */
export type JobOutcome = { ok: true; stats: RangeStats | undefined } | { ok: false; reason: string; deterministic: boolean };

/**
 * How the job `id` ended; undefined while it waits or runs, 'missing' when no job has the id.
 * The state is read first and the job only once it is finished: a job object fetched before
 * holds the return value of that moment (null while it still ran), however soon after it
 * completed. Reading them the other way round failed live ticks under a steady stream.
 */
export async function readJobOutcome(queue: Queue<RangeJobData, RangeJobResult>, id: string): Promise<JobOutcome | 'missing' | undefined> {
  const state = await queue.getJobState(id);
  if (state === 'unknown') return 'missing';
  if (state === 'failed') {
    const job = await queue.getJob(id);
    const reason = job?.failedReason || 'unknown';
    return { ok: false, reason, deterministic: isDeterministicFailure(reason) };
  }
  if (state !== 'completed') return undefined;
  // Finished jobs keep their result in the same Redis hash BullMQ moved them with, atomically.
  const job = await queue.getJob(id);
  return { ok: true, stats: rangeStatsOf(job?.returnvalue) };
}

/** The value when it carries every totalled counter as a number, else undefined (never null). */
export function rangeStatsOf(value: unknown): RangeStats | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const counters = value as Record<string, unknown>;
  return totalledStats.every((k) => typeof counters[k] === 'number') ? (value as RangeStats) : undefined;
}
