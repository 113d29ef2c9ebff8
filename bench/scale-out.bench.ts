import type { Pushdown } from '../src/source/query.js';
import type { Dataset } from './lib/bulk-load.js';
import { childBackfill, type ChildBackfillResult } from './lib/child-backfill.js';
import type { BenchContext } from './lib/context.js';

/**
 * Scale-out: the backfill of the same range by 1, 2 and 4 worker processes on one Redis
 * (`run --no-live`, default settings: one chunk job at a time per process), each worker count
 * `repeats` times, interleaved (1, 2, 4, 1, 2, 4...) so a noisy moment on a shared machine does
 * not land on one count only. Every run must produce exactly the ground truth's findings.
 */

/** The runs of one worker count. */
export interface ScaleOutPoint {
  workers: number;
  bestMs: number;
  medianMs: number;
  /** Best time of one worker / best time of this count. */
  speedup: number;
  exact: boolean;
  runs: ChildBackfillResult[];
}

/** The scale-out result of one dataset. */
export interface ScaleOutResult {
  kind: 'scale-out';
  events: number;
  pushdown: Pushdown;
  chunks: number;
  repeats: number;
  points: ScaleOutPoint[];
}

/** Runs the backfill `repeats` times per worker count, interleaved. */
export async function runScaleOut(ctx: BenchContext, dataset: Dataset, workerCounts: readonly number[], pushdown: Pushdown, repeats: number, timeoutMs: number): Promise<ScaleOutResult> {
  const runs = new Map<number, ChildBackfillResult[]>(workerCounts.map((n) => [n, []]));
  for (let i = 0; i < repeats; i++) {
    for (const n of workerCounts) runs.get(n)?.push(await childBackfill(ctx, dataset, n, pushdown, `so${n}-${pushdown}-${i}`, timeoutMs));
  }
  const median = (xs: readonly number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
  };
  const points = workerCounts.map((workers) => {
    const rs = runs.get(workers) ?? [];
    return { workers, bestMs: Math.min(...rs.map((r) => r.ms)), medianMs: median(rs.map((r) => r.ms)), speedup: NaN, exact: rs.every((r) => r.verification.ok), runs: rs };
  });
  const one = points.find((p) => p.workers === 1)?.bestMs ?? points[0]?.bestMs ?? NaN;
  for (const p of points) p.speedup = Math.round((one / p.bestMs) * 100) / 100;
  const chunks = points[0]?.runs[0]?.chunks ?? 0;
  return { kind: 'scale-out', events: dataset.spec.events, pushdown, chunks, repeats, points };
}
