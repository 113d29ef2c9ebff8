import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import type { BackfillRecord } from '../../src/aggregate/backfill.js';
import { createApp, startWorker } from '../../src/app.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/telemetry/logger.js';
import type { BenchChild } from './child-worker.js';
import { CpuMeter, type CpuShare, type PidGroups } from './cpu.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../test/helpers/pipeline.js';

/** A finished backfill as measured from outside. */
export interface MeasuredBackfill {
  /** From `Backfills.create` to the bench seeing status `done` (polled every 50 ms). */
  ms: number;
  record: BackfillRecord;
}

/**
 * The backfill as `backfill --wait` runs it: the app and a worker (backfill queue only) in
 * this process, the range queued as chunk jobs, done when every chunk is. The findings index
 * is prepared before the clock starts, as a running worker would have done long before.
 * With `profilePath`, a CPU profile of this process during the backfill is written there.
 */
export async function inProcessBackfill(config: Config, range: { fromMs: number; toMs: number }, indexPatterns: readonly string[], timeoutMs: number, profilePath?: string): Promise<MeasuredBackfill> {
  const app = createApp(config, createLogger(config.log), 'command');
  let session: Session | undefined;
  try {
    const worker = await startWorker(app, { live: false, backfill: true });
    try {
      if (profilePath !== undefined) {
        session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
      }
      return await timeBackfill(app.backfills, range, indexPatterns, timeoutMs);
    } finally {
      if (session !== undefined && profilePath !== undefined) {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(profilePath, JSON.stringify(profile));
        session.disconnect();
      }
      await worker.stop();
    }
  } finally {
    await app.close();
  }
}

/**
 * A backfill processed by worker processes that are already running (`run --no-live`): the
 * command side only creates it and follows it, as `backfill` without `--wait` does.
 */
export async function childrenBackfill(
  config: Config,
  children: readonly BenchChild[],
  range: { fromMs: number; toMs: number },
  indexPatterns: readonly string[],
  timeoutMs: number,
  ownPids: (workers: readonly number[]) => PidGroups,
): Promise<MeasuredBackfill & { cpu: CpuShare }> {
  const app = createApp(config, createLogger(config.log), 'command');
  try {
    // Every worker must be listening before the clock starts, or a slow starter would look like a slow backfill.
    await waitFor(
      `${children.length} worker process(es) on the backfill queue`,
      async () => {
        for (const c of children) if (c.child.exitCode !== null) throw new Error(`worker ${c.pid} exited early: ${c.output().slice(-2_000)}`);
        return (await app.backfillQueue.getWorkers()).length;
      },
      (n) => n >= children.length,
      90_000,
      200,
    );
    for (const c of children) c.markRss();
    const meter = new CpuMeter(() => ownPids(children.map((c) => c.pid)));
    const measured = await timeBackfill(app.backfills, range, indexPatterns, timeoutMs);
    return { ...measured, cpu: meter.stop() };
  } finally {
    await app.close();
  }
}

async function timeBackfill(backfills: ReturnType<typeof createApp>['backfills'], range: { fromMs: number; toMs: number }, indexPatterns: readonly string[], timeoutMs: number): Promise<MeasuredBackfill> {
  const t0 = performance.now();
  const { record } = await backfills.create({ fromMs: range.fromMs, toMs: range.toMs, indexPatterns });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await backfills.get(record.id);
    if (r?.status === 'done') return { ms: performance.now() - t0, record: r };
    if (r === undefined || r.status === 'cancelled') throw new Error(`backfill ${record.id} ended as ${r?.status ?? 'missing'}`);
    if (Date.now() > deadline) throw new Error(`backfill ${record.id} not done after ${timeoutMs} ms: ${r.chunksDone}/${r.chunks} chunks`);
    await sleep(50);
  }
}
