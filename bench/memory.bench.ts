import type { Pushdown } from '../src/source/query.js';
import type { Dataset } from './lib/bulk-load.js';
import { childBackfill, type ChildBackfillResult } from './lib/child-backfill.js';
import type { BenchContext } from './lib/context.js';

/**
 * Memory across a backfill: one worker process (`run --no-live`) backfills the whole dataset
 * with push-down `none`, so every process start of the range passes through it, while its RSS
 * is read from /proc every second. Goal: flat, not growing with the range. (The live run's
 * RSS is recorded by the live-latency bench.)
 */

/** The memory result of one dataset. */
export interface MemoryResult {
  kind: 'memory';
  events: number;
  run: ChildBackfillResult;
}

/** Runs the one-worker backfill and summarises its RSS. */
export async function runMemory(ctx: BenchContext, dataset: Dataset, pushdown: Pushdown, timeoutMs: number): Promise<MemoryResult> {
  const run = await childBackfill(ctx, dataset, 1, pushdown, `mem-${pushdown}`, timeoutMs);
  return { kind: 'memory', events: dataset.spec.events, run };
}
