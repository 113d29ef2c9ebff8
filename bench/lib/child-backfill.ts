import type { Pushdown } from '../../src/source/query.js';
import type { Dataset } from './bulk-load.js';
import { spawnWorker, type BenchChild } from './child-worker.js';
import { ms1, ownPids, perSecond, type BenchContext } from './context.js';
import type { CpuShare } from './cpu.js';
import { childrenBackfill } from './product-backfill.js';
import type { RssSummary } from './rss.js';
import { benchConfig, configFlags, dropRun, runNames } from './services.js';
import { readFindings, verifyFindings, type Verification } from './verify.js';

/** A backfill of the whole dataset by `workers` separate `run --no-live` processes. */
export interface ChildBackfillResult {
  workers: number;
  pushdown: Pushdown;
  /** Chunk jobs of the backfill. */
  chunks: number;
  ms: number;
  cpu: CpuShare;
  scanned: number;
  matched: number;
  rangeEventsPerSecond: number;
  /** RSS of each worker process from its start to the end of the backfill. */
  rss: RssSummary[];
  verification: Verification;
}

/**
 * Starts `workers` worker processes (backfill queue only, default settings but the bench's
 * names), waits until all listen, creates the backfill from this process and times it to
 * `done`; then stops the workers, compares the findings with the truth and cleans up.
 */
export async function childBackfill(ctx: BenchContext, dataset: Dataset, workers: number, pushdown: Pushdown, label: string, timeoutMs: number): Promise<ChildBackfillResult> {
  const { names, spec, load } = dataset;
  const run = runNames(names, label);
  const extra = { 'source.pushdown': pushdown, 'health.enabled': false };
  const children: BenchChild[] = [];
  try {
    for (let i = 0; i < workers; i++) children.push(spawnWorker(configFlags(ctx.targets, run, extra), ['run', '--no-live']));
    const measured = await childrenBackfill(benchConfig(ctx.targets, run, extra), children, { fromMs: spec.fromMs, toMs: spec.toMs }, [names.sourcePattern], timeoutMs, (workers) => ownPids(ctx, workers));
    const rss: RssSummary[] = [];
    for (const c of children.splice(0)) {
      const { exit, rss: r } = await c.stop();
      if (exit !== 0) ctx.log(`  worker ${c.pid} exited with ${String(exit)}: ${c.output().slice(-1_000)}`);
      rss.push(r);
    }
    const verification = verifyFindings(load.truth, await readFindings(ctx.es, run.alias));
    const s = measured.record.stats;
    ctx.log(
      `  ${workers} worker process(es), push-down ${pushdown}: ${s.scanned} scanned in ${ms1(measured.ms)} ms; other load ${measured.cpu.otherCores} cores; RSS max ${rss.map((x) => x.maxMib).join('/')} MiB; ` +
        `findings ${verification.ok ? 'exact' : `MISMATCH ${verification.examples.join(' | ')}`}`,
    );
    return { workers, pushdown, chunks: measured.record.chunks, ms: ms1(measured.ms), cpu: measured.cpu, scanned: s.scanned, matched: s.matched, rangeEventsPerSecond: perSecond(spec.events, measured.ms), rss, verification };
  } finally {
    for (const c of children) await c.stop(5_000).catch(() => undefined);
    await dropRun(ctx.es, ctx.redis, run);
  }
}
