import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { RedisConnection } from '../clients/redis.js';
import type { Config } from '../config/schema.js';
import { InputError } from '../errors.js';
import { beginRunScript, chunkDoneScript, chunkStartScript } from './backfill-scripts.js';
import { isDeterministicFailure, rangeJobOptions, type RangeJobData, type RangeJobResult } from './jobs.js';
import { totalledStats, type RangeStats, type StatTotals } from './processor.js';
import type { RedisKeys } from './redis-keys.js';
import { chunkCount, joinChunks, planChunks, planJobs } from './window.js';

/** Lifecycle of a backfill run. */
export type BackfillStatus = 'scheduled' | 'running' | 'done' | 'cancelled';

/** The figures of a finished run, kept when the next run starts. */
export interface RunSummary {
  run: number;
  /** Its chunk jobs (a run's plan depends on the candidates counted when it started). */
  chunks?: number | undefined;
  chunksDone: number;
  chunksQuarantined: number;
  startedAtMs: number | undefined;
  finishedAtMs: number | undefined;
  stats: StatTotals;
}

/** A backfill as `backfill list` shows it: its definition and the figures of its current run. */
export interface BackfillRecord {
  id: string;
  fromMs: number;
  toMs: number;
  indexPatterns: string[];
  chunkMs: number;
  /** Chunk jobs of the current run. */
  chunks: number;
  /**
   * How many chunkMs chunks each job of the current run takes, when neighbours were joined
   * (backfill.chunkCandidates); undefined: one job per chunk.
   */
  chunkSpans?: number[] | undefined;
  /** 1 for the first scan; each time a finished backfill is asked for again, the next number. */
  run: number;
  chunksDone: number;
  /** Chunks given up because they fail the same way every time (their reasons are kept in Redis). */
  chunksQuarantined: number;
  status: BackfillStatus;
  createdAtMs: number;
  startAtMs: number;
  startedAtMs: number | undefined;
  finishedAtMs: number | undefined;
  stats: StatTotals;
  /** The run before this one, when there was one. */
  previousRun: RunSummary | undefined;
}

/**
 * What asking for a backfill did: created it, started the next run of a finished one (a
 * rescan: events that arrived in the range since are counted, counted ones change nothing),
 * or resumed an unfinished one (possibly cancelled before).
 */
export type BackfillAction = 'created' | 'rescanning' | 'resuming' | 'resuming-cancelled';

/**
 * BullMQ id of a chunk job. The first run keeps the ids of earlier releases (`<id>-<chunk>`);
 * later runs need ids of their own, because BullMQ ignores an add whose id it still holds as a
 * completed job.
 */
export function chunkJobId(id: string, run: number, chunk: number): string {
  return run <= 1 ? `${id}-${chunk}` : `${id}-r${run}-${chunk}`;
}

/**
 * Counts the candidates of a range per chunkMs step (src/source/candidate-counts.ts, wired by
 * app.ts): keys are the steps' start, absent steps have none.
 */
export type CandidateCounter = (req: { fromMs: number; toMs: number; indexPatterns: readonly string[]; stepMs: number }) => Promise<ReadonlyMap<number, number>>;

/** A run's plan: how many chunks each job takes (undefined: one each), and why counting failed when it did. */
interface RunPlan {
  spans: number[] | undefined;
  countError?: string;
}

type BackfillRedis = RedisConnection & {
  cpdBeginRun(hash: string, done: string, quarantined: string, ...args: (string | number)[]): Promise<[string, number]>;
  cpdChunkStart(hash: string, run: number, now: number): Promise<number>;
  cpdChunkDone(hash: string, set: string, ...args: (string | number)[]): Promise<number>;
};

/** A backfill request from the CLI. */
export interface BackfillRequest {
  fromMs: number;
  toMs: number;
  indexPatterns: readonly string[];
  /** Do not start before this time (epoch ms). */
  atMs?: number | undefined;
}

/**
 * Backfills: a time range split into chunk jobs on their own queue, so live windows never
 * wait behind them. The id is derived from the request, so asking again for an unfinished
 * backfill resumes it instead of starting a second one, and asking again for a finished one
 * scans the range again as its next run (late events, a reindex; counting is idempotent).
 */
export class Backfills {
  readonly #redis: BackfillRedis;

  constructor(
    redis: RedisConnection,
    private readonly keys: RedisKeys,
    private readonly queue: Queue<RangeJobData, RangeJobResult>,
    private readonly config: Config,
    private readonly countCandidates?: CandidateCounter,
  ) {
    if (!('cpdChunkDone' in redis)) {
      redis.defineCommand('cpdBeginRun', { numberOfKeys: 3, lua: beginRunScript });
      redis.defineCommand('cpdChunkStart', { numberOfKeys: 1, lua: chunkStartScript });
      redis.defineCommand('cpdChunkDone', { numberOfKeys: 2, lua: chunkDoneScript });
    }
    this.#redis = redis as BackfillRedis;
  }

  /** The id a request maps to (same range, patterns and chunk size give the same id). */
  idFor(req: BackfillRequest): string {
    const key = JSON.stringify([req.fromMs, req.toMs, [...req.indexPatterns].sort(), this.config.backfill.chunkMs]);
    return `bf-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
  }

  /**
   * Creates a backfill, resumes it when unfinished, or starts its next run when finished, and
   * queues every chunk of the run not finished yet. `previousRun` of the record holds the
   * figures of the run a rescan replaced.
   */
  async create(req: BackfillRequest, now = Date.now()): Promise<{ record: BackfillRecord; action: BackfillAction; resumed: boolean; queued: number; countError?: string }> {
    if (!(req.toMs > req.fromMs)) throw new InputError(`backfill: expected --to after --from, got ${new Date(req.fromMs).toISOString()} .. ${new Date(req.toMs).toISOString()}`);
    this.#checkSize(req);
    const id = this.idFor(req);
    const chunks = planChunks(req.fromMs, req.toMs, this.config.backfill.chunkMs);
    const startAtMs = Math.max(req.atMs ?? now, now);
    const delay = Math.max(0, startAtMs - now);
    // A new run (a new backfill, or a finished one asked for again) is planned from the
    // candidates there are now; an unfinished one keeps the plan its chunk numbers refer to.
    const newRun = async (): Promise<RunPlan | undefined> => {
      const status = await this.#redis.hget(this.keys.backfill(id), 'status');
      return status === null || status === 'done' ? this.#plan(req, chunks) : undefined;
    };
    let plan = await newRun();
    let { action, run } = await this.#beginRun(id, req, chunks.length, plan, now, startAtMs);
    // The index is another Redis Cluster slot than the hash: added after it, again (NX) on
    // every request, so a crash between the two is repaired by the next one.
    await this.#redis.zadd(this.keys.backfillIndex, 'NX', now, id);
    let queued = await this.#queueMissing(id, run, req, await this.#jobs(id, chunks), delay);
    if (action !== 'created' && action !== 'rescanning' && queued === 0 && (await this.get(id))?.status === 'done') {
      // Every chunk was done or quarantined, only not marked yet (the janitor does that): it
      // was finished, so it is scanned again like any finished backfill.
      plan = await newRun();
      ({ action, run } = await this.#beginRun(id, req, chunks.length, plan, now, startAtMs));
      queued = await this.#queueMissing(id, run, req, await this.#jobs(id, chunks), delay);
    }
    const record = await this.get(id);
    if (record === undefined) throw new Error(`backfill ${id} vanished while being created`);
    const countError = action === 'created' || action === 'rescanning' ? plan?.countError : undefined;
    return { record, action, resumed: action === 'resuming' || action === 'resuming-cancelled', queued, ...(countError !== undefined ? { countError } : {}) };
  }

  /**
   * Joins neighbouring chunks into one job while Elasticsearch counts at most
   * backfill.chunkCandidates candidates in them: a job costs the same few round trips
   * (point in time, BullMQ, Redis, findings) whether it reads ten hits or ten thousand, so a
   * push-down that leaves a few hits per chunk would otherwise pay mostly for jobs. The count
   * decides sizes only: the jobs still cover the whole range, so the findings do not depend on
   * it, and a failed count leaves one job per chunk.
   * A run of more than 1,000 candidates is still cut into as many jobs as a worker runs at once
   * (worker.backfillConcurrency, planJobs): one job scans, then writes, one step after the
   * other, while two run side by side on Elasticsearch and Redis (docs/performance.md).
   */
  async #plan(req: BackfillRequest, chunks: readonly { fromMs: number; toMs: number }[]): Promise<RunPlan> {
    const { chunkMs, chunkCandidates } = this.config.backfill;
    if (this.countCandidates === undefined || chunkCandidates === 0 || chunks.length < 2) return { spans: undefined };
    let counts: ReadonlyMap<number, number>;
    try {
      counts = await this.countCandidates({ fromMs: req.fromMs, toMs: req.toMs, indexPatterns: req.indexPatterns, stepMs: chunkMs });
    } catch (err) {
      return { spans: undefined, countError: err instanceof Error ? err.message : String(err) };
    }
    const spans = planJobs(chunks, chunkMs, (start) => counts.get(start) ?? 0, chunkCandidates, this.config.worker.backfillConcurrency);
    return { spans: spans.length === chunks.length ? undefined : spans };
  }

  /** The chunk jobs of the backfill's current run, as its stored plan joins the chunks. */
  async #jobs(id: string, chunks: readonly { fromMs: number; toMs: number }[]): Promise<{ fromMs: number; toMs: number }[]> {
    return joinChunks(chunks, parseSpans(await this.#redis.hget(this.keys.backfill(id), 'chunkSpans')));
  }

  /** The atomic step of create: a new backfill, the next run of a finished one, or the current run. */
  async #beginRun(id: string, req: BackfillRequest, chunks: number, plan: RunPlan | undefined, now: number, startAtMs: number): Promise<{ action: BackfillAction; run: number }> {
    const hash = this.keys.backfill(id);
    const definition = { id, fromMs: req.fromMs, toMs: req.toMs, indexPatterns: JSON.stringify(req.indexPatterns), chunkMs: this.config.backfill.chunkMs, chunks };
    const quarantined = await this.#redis.hkeys(`${hash}:quarantined`);
    const planArgs = plan === undefined ? ['0', '', ''] : ['1', plan.spans?.length ?? chunks, plan.spans?.join(',') ?? ''];
    const [outcome, run] = await this.#redis.cpdBeginRun(hash, `${hash}:done`, `${hash}:quarantined`, now, startAtMs, ...planArgs, totalledStats.length, ...totalledStats, ...Object.entries(definition).flat());
    const action: BackfillAction = outcome === 'created' ? 'created' : outcome === 'rescan' ? 'rescanning' : outcome === 'resume-cancelled' ? 'resuming-cancelled' : 'resuming';
    if (action === 'rescanning') {
      // The finished run's quarantined chunks are tried again by the new run; their failed jobs
      // would otherwise sit in the failed list for a week (removeOnFail).
      for (const n of quarantined) {
        const job = await this.queue.getJob(chunkJobId(id, Number(run) - 1, Number(n)));
        if (job !== undefined && job !== null && (await job.getState()) === 'failed') await job.remove().catch(() => undefined);
      }
    }
    return { action, run: Number(run) };
  }

  /** Refuses, before anything is written, a range of more chunks than `backfill.maxChunks`. */
  #checkSize(req: BackfillRequest): void {
    const { chunkMs, maxChunks } = this.config.backfill;
    const count = chunkCount(req.fromMs, req.toMs, chunkMs);
    if (count <= maxChunks) return;
    throw new InputError(
      `backfill: ${new Date(req.fromMs).toISOString()} .. ${new Date(req.toMs).toISOString()} is ${count.toLocaleString('en-US')} chunks of ${chunkMs.toLocaleString('en-US')} ms, ` +
        `over the cap of ${maxChunks.toLocaleString('en-US')}; split the range, raise the cap (--max-chunks ${count} or backfill.maxChunks) or use a larger backfill.chunkMs`,
    );
  }

  /**
   * Queues every chunk of the run that is neither finished nor queued, and retries chunks that
   * used up their attempts. Idempotent: calling it again queues nothing new.
   */
  async #queueMissing(id: string, run: number, req: BackfillRequest, chunks: readonly { fromMs: number; toMs: number }[], delay: number): Promise<number> {
    const hash = this.keys.backfill(id);
    const done = new Set(await this.#redis.smembers(`${hash}:done`));
    const quarantined = new Set(await this.#redis.hkeys(`${hash}:quarantined`));
    let queued = 0;
    for (const [n, c] of chunks.entries()) {
      if (done.has(String(n)) || quarantined.has(String(n))) continue;
      const jobId = chunkJobId(id, run, n);
      const existing = await this.queue.getJob(jobId);
      if (existing !== undefined && existing !== null) {
        const state = await existing.getState();
        if (state === 'failed' && isDeterministicFailure(existing.failedReason ?? '')) {
          // It fails the same way every time: quarantined (kept with its reason, shown by
          // `backfill list`), never retried forever; the worker logged it at ERROR.
          await this.#redis.hset(`${hash}:quarantined`, String(n), existing.failedReason ?? '');
          quarantined.add(String(n));
          continue;
        }
        if (state === 'failed') {
          await existing.retry('failed').catch(() => undefined);
          queued += 1;
        }
        if (state !== 'completed') continue;
        // Completed without being counted: it ran while the backfill was cancelled. Run it again.
        await existing.remove();
      }
      const data: RangeJobData = { kind: 'backfill', fromMs: c.fromMs, toMs: c.toMs, basis: 'event', indexPatterns: [...req.indexPatterns], backfillId: id, chunk: n, run };
      await this.queue.add('chunk', data, rangeJobOptions(this.config, jobId, delay > 0 ? { delay } : {}));
      queued += 1;
    }
    if (quarantined.size > 0) await this.#redis.hset(hash, 'chunksQuarantined', quarantined.size);
    if (done.size + quarantined.size >= chunks.length) {
      await this.#redis.hset(hash, 'status', 'done', 'chunksDone', done.size);
      await this.#redis.hsetnx(hash, 'finishedAtMs', String(Date.now()));
    }
    return queued;
  }

  /** Removes the run's chunk jobs that are in one of `states` (an earlier run's leftovers, a cancel). */
  async #removeRunJobs(id: string, run: number, chunks: number, states: readonly string[]): Promise<void> {
    for (let n = 0; n < chunks; n++) {
      const job = await this.queue.getJob(chunkJobId(id, run, n));
      if (job === undefined || job === null) continue;
      if (states.includes(await job.getState())) await job.remove().catch(() => undefined);
    }
  }

  /** Re-queues the chunks of a backfill that failed or went missing (after a long outage). */
  async retryFailed(id: string): Promise<number> {
    const r = await this.get(id);
    if (r === undefined || r.status === 'cancelled' || r.status === 'done') return 0;
    return this.#queueMissing(id, r.run, r, joinChunks(planChunks(r.fromMs, r.toMs, r.chunkMs), r.chunkSpans), 0);
  }

  /** One backfill, or undefined. */
  async get(id: string): Promise<BackfillRecord | undefined> {
    const h = await this.#redis.hgetall(this.keys.backfill(id));
    if (h.id === undefined) return undefined;
    const num = (k: string) => (h[k] === undefined || h[k] === '' ? undefined : Number(h[k]));
    return {
      id,
      fromMs: Number(h.fromMs),
      toMs: Number(h.toMs),
      indexPatterns: JSON.parse(h.indexPatterns ?? '[]') as string[],
      chunkMs: Number(h.chunkMs),
      chunks: Number(h.chunks),
      chunkSpans: parseSpans(h.chunkSpans),
      run: Number(h.run ?? 1),
      chunksDone: Number(h.chunksDone ?? 0),
      chunksQuarantined: Number(h.chunksQuarantined ?? 0),
      status: (h.status ?? 'scheduled') as BackfillStatus,
      createdAtMs: Number(h.createdAtMs),
      startAtMs: Number(h.startAtMs),
      startedAtMs: num('startedAtMs'),
      finishedAtMs: num('finishedAtMs'),
      stats: statTotals((f) => h[f]),
      previousRun: h.previousRun === undefined ? undefined : runSummary(h.previousRun),
    };
  }

  /** Every backfill, newest first. */
  async list(limit = 50): Promise<BackfillRecord[]> {
    const ids = await this.#redis.zrevrange(this.keys.backfillIndex, 0, limit - 1);
    const out: BackfillRecord[] = [];
    for (const id of ids) {
      const r = await this.get(id);
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  /** Cancels: removes queued chunks and marks the backfill; chunks already running finish. */
  async cancel(id: string): Promise<BackfillRecord> {
    const record = await this.get(id);
    if (record === undefined) throw new InputError(`backfill cancel: expected an existing backfill id (see 'backfill list'), got ${JSON.stringify(id)}`);
    await this.#redis.hset(this.keys.backfill(id), 'status', 'cancelled');
    await this.#removeRunJobs(id, record.run, record.chunks, ['waiting', 'delayed', 'prioritized', 'failed']);
    return (await this.get(id)) ?? record;
  }

  /**
   * Forgets a finished or cancelled backfill: its record, progress and queued jobs. The demo
   * uses it for its own earlier backfills; a forgotten chunk job still running skips its count.
   */
  async forget(id: string): Promise<void> {
    const record = await this.get(id);
    if (record !== undefined) await this.#removeRunJobs(id, record.run, record.chunks, ['waiting', 'delayed', 'prioritized', 'failed', 'completed']);
    const hash = this.keys.backfill(id);
    await this.#redis.del(`${hash}:done`);
    await this.#redis.del(`${hash}:quarantined`);
    await this.#redis.del(hash);
    await this.#redis.zrem(this.keys.backfillIndex, id);
  }

  /**
   * Called by a chunk job before it scans: false when it must not (its backfill was cancelled
   * or forgotten, or the job is of an earlier run); otherwise marks the run as running.
   */
  async chunkStarting(id: string, run: number, now = Date.now()): Promise<boolean> {
    return (await this.#redis.cpdChunkStart(this.keys.backfill(id), run, now)) === 1;
  }

  /** Records a finished chunk once per run, however often it finishes; a job of an earlier run is not counted (-2). */
  async chunkDone(id: string, run: number, chunk: number, stats: RangeStats, now = Date.now()): Promise<number> {
    const args: (string | number)[] = [chunk, now, run];
    for (const f of totalledStats) args.push(f, stats[f]);
    return this.#redis.cpdChunkDone(this.keys.backfill(id), `${this.keys.backfill(id)}:done`, ...args);
  }
}

/** A stored plan's spans ("5,5,4"), or undefined for one job per chunk. */
function parseSpans(text: string | null | undefined): number[] | undefined {
  return text === null || text === undefined || text === '' ? undefined : text.split(',').map(Number);
}

function statTotals(value: (field: string) => string | undefined): StatTotals {
  return Object.fromEntries(totalledStats.map((f) => [f, Number(value(f) ?? 0)])) as StatTotals;
}

/** The previous run's summary as the begin-run script stored it (strings, '' for unset times). */
function runSummary(json: string): RunSummary | undefined {
  try {
    const p = JSON.parse(json) as Record<string, unknown> & { stats?: Record<string, string> };
    const time = (v: unknown) => (typeof v === 'string' && v !== '' ? Number(v) : undefined);
    return {
      run: Number(p.run),
      chunks: p.chunks === undefined ? undefined : Number(p.chunks),
      chunksDone: Number(p.chunksDone ?? 0),
      chunksQuarantined: Number(p.chunksQuarantined ?? 0),
      startedAtMs: time(p.startedAtMs),
      finishedAtMs: time(p.finishedAtMs),
      stats: statTotals((f) => p.stats?.[f]),
    };
  } catch {
    return undefined;
  }
}
