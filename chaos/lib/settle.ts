import type { App } from '../../src/app.js';
import type { BackfillRecord } from '../../src/aggregate/backfill.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** A backfill chunk job that ended in BullMQ's failed state. */
export interface FailedChunk {
  id: string;
  reason: string;
  attempts: number;
  stalls: number;
}

/** How the wait after the stream ended. */
export interface SettleResult {
  settled: boolean;
  /** Set when waiting longer cannot help (the backfill has failed chunks and no work left). */
  stuck: string | undefined;
  cursorMs: number | undefined;
  record: BackfillRecord | undefined;
  failedChunks: FailedChunk[];
}

/** What to wait for. */
export interface SettleRequest {
  backfillId: string | undefined;
  /** The live cursor must reach this (last live document + overlap + one poll). */
  cursorTargetMs: number;
  deadline: number;
  /** Re-queue failed chunks every 10 s, as `backfill --wait` does. */
  retryFailedChunks: boolean;
  log(line: string): void;
  signal?: AbortSignal | undefined;
}


/**
 * Waits until the live cursor passed the last live document and the backfill is done, or
 * the deadline. Stops early when the live side is done and the backfill has failed chunks
 * with nothing queued or running: `run` workers would never finish it.
 */
export async function settle(app: App, req: SettleRequest): Promise<SettleResult> {
  let record: BackfillRecord | undefined;
  let cursorMs: number | undefined;
  let lastRetry = Date.now();
  let idleChecks = 0;
  while (Date.now() < req.deadline && req.signal?.aborted !== true) {
    try {
      const c = await app.redis.get(app.keys.liveCursor);
      cursorMs = c === null ? undefined : Number(c);
      record = req.backfillId === undefined ? undefined : await app.backfills.get(req.backfillId);
      const liveDone = cursorMs !== undefined && cursorMs >= req.cursorTargetMs;
      const backfillDone = req.backfillId === undefined || record?.status === 'done';
      if (liveDone && backfillDone) return { settled: true, stuck: undefined, cursorMs, record, failedChunks: await failedChunks(app) };
      if (req.backfillId !== undefined && req.retryFailedChunks && Date.now() - lastRetry > 10_000) {
        lastRetry = Date.now();
        const n = await app.backfills.retryFailed(req.backfillId);
        if (n > 0) req.log(`re-queued ${n} failed backfill chunk(s) (retryFailedChunks)`);
      }
      if (liveDone && !backfillDone && !req.retryFailedChunks) {
        const counts = await app.backfillQueue.getJobCounts('active', 'waiting', 'delayed', 'prioritized', 'failed');
        const pending = (counts.active ?? 0) + (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0);
        idleChecks = pending === 0 && (counts.failed ?? 0) > 0 ? idleChecks + 1 : 0;
        if (idleChecks >= 12) {
          const failed = await failedChunks(app);
          const stuck = `backfill ${req.backfillId} stays "${record?.status ?? '?'}" at ${record?.chunksDone ?? '?'}/${record?.chunks ?? '?'} chunks: ${failed.length} chunk job(s) failed for good and nothing is queued or running`;
          return { settled: false, stuck, cursorMs, record, failedChunks: failed };
        }
      }
    } catch {
      // Redis may be restarting; try again.
    }
    await sleep(250);
  }
  return { settled: false, stuck: undefined, cursorMs, record, failedChunks: await failedChunks(app).catch(() => []) };
}

async function failedChunks(app: App): Promise<FailedChunk[]> {
  const jobs = await app.backfillQueue.getFailed(0, 99);
  return jobs.map((j) => ({ id: j.id ?? '?', reason: j.failedReason ?? '', attempts: j.attemptsMade, stalls: j.stalledCounter }));
}
