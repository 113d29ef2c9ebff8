import { join } from 'node:path';
import { resolveFieldMap } from '../src/normalize/fields.js';
import { buildRangeQuery, sourceIncludes, type Pushdown } from '../src/source/query.js';
import { truthSummary, type Dataset } from './lib/bulk-load.js';
import { ms1, ownPids, perSecond, resultsDir, type BenchContext } from './lib/context.js';
import { CpuMeter, type CpuShare } from './lib/cpu.js';
import { joinChunks, planChunks } from '../src/aggregate/window.js';
import { inProcessBackfill } from './lib/product-backfill.js';
import { rawScan, type RawScanRequest } from './lib/raw-scan.js';
import { benchConfig, dropRun, runNames } from './lib/services.js';
import { readFindings, verifyFindings, type Verification } from './lib/verify.js';

/**
 * Backfill throughput and the push-down comparison, on one loaded dataset. For each
 * push-down, `repeats` times in alternation: (a) the bare minimum, a raw point-in-time +
 * search_after scan of the whole range with the product's query, `_source` includes and page
 * size, no processing; (b) the product's backfill of the whole range as `backfill --wait` runs
 * it, its findings compared with the ground truth. Once: the raw scan split into the ranges of
 * the product's chunk jobs (its plan: `chunkMs` chunks joined by counted candidates), one
 * after the other, to tell the cost of splitting from the cost of processing.
 */

/** Options of the backfill bench. */
export interface BackfillBenchOptions {
  pushdowns: readonly Pushdown[];
  /** Raw scans and product backfills per push-down, alternated; the fastest of each is compared. */
  repeats: number;
  timeoutMs: number;
  /** Write a CPU profile of each product backfill (bench/results/backfill-<N>-<pushdown>-<i>.cpuprofile). */
  profile: boolean;
}

/** One timed run and the CPU around it. */
export interface TimedRun {
  ms: number;
  cpu: CpuShare;
}

/** One product backfill. */
export interface ProductRun extends TimedRun {
  chunks: number;
  /** The run's plan: chunks per job (absent: one job per chunk). */
  chunkSpans?: number[];
  scanned: number;
  matched: number;
  skipped: number;
  findingsWritten: number;
  verification: Verification;
  profile?: string;
}

/** One push-down's figures; `raw`, `product` are the fastest runs. */
export interface PushdownResult {
  pushdown: Pushdown;
  expectedHits: number;
  raw: { ms: number; hits: number; pages: number; hitsPerSecond: number; rangeEventsPerSecond: number; runs: TimedRun[] };
  /** The raw scan cut into the product's jobs (`chunks` is the number of jobs, i.e. of points in time). */
  rawChunked: { ms: number; hits: number; chunks: number; hitsPerSecond: number; cpu: CpuShare };
  product: ProductRun & { scannedPerSecond: number; rangeEventsPerSecond: number; runs: ProductRun[] };
  /** Fastest product backfill / fastest raw whole-range scan (goal <= 1.3). */
  ratio: number;
  /** Fastest product backfill / the raw scan split into the product's chunks. */
  ratioChunked: number;
  /** Every product run matched the truth exactly. */
  exact: boolean;
}

/** The whole result of one dataset. */
export interface BackfillBenchResult {
  kind: 'backfill';
  events: number;
  repeats: number;
  dataset: { spec: Dataset['spec']; truth: ReturnType<typeof truthSummary>; loadMs: number; loadDocsPerSecond: number; storeBytes: number };
  config: { pageSize: number; chunkMs: number; chunkCandidates?: number; backfillConcurrency: number; pitKeepAlive: string };
  pushdowns: PushdownResult[];
}

/** Runs the raw scans and the product's backfills for every push-down over the whole dataset. */
export async function runBackfillBench(ctx: BenchContext, dataset: Dataset, options: BackfillBenchOptions): Promise<BackfillBenchResult> {
  const { spec, names, load } = dataset;
  const range = { fromMs: spec.fromMs, toMs: spec.toMs };
  const base = benchConfig(ctx.targets, names);
  const includes = sourceIncludes(resolveFieldMap(base.normalize.fields));
  const results: PushdownResult[] = [];
  for (const pushdown of options.pushdowns) {
    const request: RawScanRequest = {
      indexPatterns: [names.sourcePattern],
      query: buildRangeQuery({ ...range, basis: 'event' }, base.source.liveTimeField, pushdown),
      sourceIncludes: includes,
      pageSize: base.source.pageSize,
      keepAlive: base.source.pitKeepAlive,
    };
    // argv's candidates have no independent count: its hits are what the bench measures (a superset of load.truth.proxied).
    const expectedHits = pushdown === 'names' ? load.truth.nameCandidates : pushdown === 'none' ? load.truth.events : -1;
    const raws: (TimedRun & { hits: number; pages: number })[] = [];
    const products: ProductRun[] = [];
    for (let i = 0; i < options.repeats; i++) {
      const meter = new CpuMeter(() => ownPids(ctx));
      const r = await rawScan(ctx.es, request);
      raws.push({ ms: ms1(r.ms), hits: r.hits, pages: r.pages, cpu: meter.stop() });
      ctx.log(`  raw scan (${pushdown}): ${r.hits} hits in ${ms1(r.ms)} ms; other load ${raws.at(-1)?.cpu.otherCores} cores`);
      products.push(await productRun(ctx, dataset, pushdown, i, options));
    }
    const raw = raws.reduce((a, b) => (b.ms < a.ms ? b : a));
    const product = products.reduce((a, b) => (b.ms < a.ms ? b : a));
    const jobs = joinChunks(planChunks(range.fromMs, range.toMs, base.backfill.chunkMs), product.chunkSpans);
    const chunked = await chunkedScan(ctx, request, jobs, base.source.liveTimeField, pushdown);
    results.push({
      pushdown,
      expectedHits,
      raw: { ms: raw.ms, hits: raw.hits, pages: raw.pages, hitsPerSecond: perSecond(raw.hits, raw.ms), rangeEventsPerSecond: perSecond(spec.events, raw.ms), runs: raws },
      rawChunked: chunked,
      product: { ...product, scannedPerSecond: perSecond(product.scanned, product.ms), rangeEventsPerSecond: perSecond(spec.events, product.ms), runs: products },
      ratio: Math.round((product.ms / raw.ms) * 100) / 100,
      ratioChunked: Math.round((product.ms / chunked.ms) * 100) / 100,
      exact: products.every((p) => p.verification.ok),
    });
  }
  return {
    kind: 'backfill',
    events: spec.events,
    repeats: options.repeats,
    dataset: { spec, truth: truthSummary(load.truth), loadMs: ms1(load.loadMs), loadDocsPerSecond: load.docsPerSecond, storeBytes: load.storeBytes },
    config: { pageSize: base.source.pageSize, chunkMs: base.backfill.chunkMs, chunkCandidates: base.backfill.chunkCandidates, backfillConcurrency: base.worker.backfillConcurrency, pitKeepAlive: base.source.pitKeepAlive },
    pushdowns: results,
  };
}

/** One product backfill with fresh findings and Redis names, verified and cleaned up. */
async function productRun(ctx: BenchContext, dataset: Dataset, pushdown: Pushdown, i: number, options: BackfillBenchOptions): Promise<ProductRun> {
  const { spec, names, load } = dataset;
  const run = runNames(names, `bf-${pushdown}-${i}`);
  const config = benchConfig(ctx.targets, run, { 'source.pushdown': pushdown });
  const profile = options.profile ? join(resultsDir, `backfill-${spec.events}-${pushdown}-${i}.cpuprofile`) : undefined;
  try {
    const meter = new CpuMeter(() => ownPids(ctx));
    const measured = await inProcessBackfill(config, { fromMs: spec.fromMs, toMs: spec.toMs }, [names.sourcePattern], options.timeoutMs, profile);
    const cpu = meter.stop();
    const s = measured.record.stats;
    const verification = verifyFindings(load.truth, await readFindings(ctx.es, run.alias));
    ctx.log(
      `  product backfill (${pushdown}): ${s.scanned} scanned, ${s.matched} matched in ${ms1(measured.ms)} ms; other load ${cpu.otherCores} cores; ` +
        `findings ${verification.findings}/${verification.expectedFindings}, ${verification.countedMatches}/${verification.expectedMatches} matches${verification.ok ? ', exact' : ` -- MISMATCH: ${verification.examples.join(' | ')}`}`,
    );
    return {
      ms: ms1(measured.ms),
      cpu,
      chunks: measured.record.chunks,
      ...(measured.record.chunkSpans !== undefined ? { chunkSpans: measured.record.chunkSpans } : {}),
      scanned: s.scanned,
      matched: s.matched,
      skipped: s.skipped,
      findingsWritten: s.findingsWritten,
      verification,
      ...(profile !== undefined ? { profile } : {}),
    };
  } finally {
    await dropRun(ctx.es, ctx.redis, run);
  }
}

/** The raw scan cut into the product's jobs: one point in time per job, one after the other. */
async function chunkedScan(ctx: BenchContext, request: RawScanRequest, jobs: readonly { fromMs: number; toMs: number }[], liveTimeField: string, pushdown: Pushdown): Promise<PushdownResult['rawChunked']> {
  const meter = new CpuMeter(() => ownPids(ctx));
  let ms = 0;
  let hits = 0;
  for (const job of jobs) {
    const r = await rawScan(ctx.es, { ...request, query: buildRangeQuery({ ...job, basis: 'event' }, liveTimeField, pushdown) });
    ms += r.ms;
    hits += r.hits;
  }
  const cpu = meter.stop();
  ctx.log(`  raw scan in the product's ${jobs.length} job range(s) (${pushdown}): ${hits} hits in ${ms1(ms)} ms`);
  return { ms: ms1(ms), hits, chunks: jobs.length, hitsPerSecond: perSecond(hits, ms), cpu };
}
