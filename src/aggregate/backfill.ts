import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { RedisConnection } from '../clients/redis.js';
import type { Config } from '../config/schema.js';
import { InputError } from '../errors.js';
import { isDeterministicFailure, rangeJobOptions, type RangeJobData, type RangeJobResult } from './jobs.js';
import { totalledStats, type RangeStats, type StatTotals } from './processor.js';
import type { RedisKeys } from './redis-keys.js';
import { chunkCount, planChunks } from './window.js';

/** Lifecycle of a backfill. */
export type BackfillStatus = 'scheduled' | 'running' | 'done' | 'cancelled';

/** A backfill as `backfill list` shows it. */
export interface BackfillRecord {
  id: string;
  fromMs: number;
  toMs: number;
  indexPatterns: string[];
  chunkMs: number;
  chunks: number;
  chunksDone: number;
  /** Chunks given up because they fail the same way every time (their reasons are kept in Redis). */
  chunksQuarantined: number;
  status: BackfillStatus;
  createdAtMs: number;
  startAtMs: number;
  startedAtMs: number | undefined;
  finishedAtMs: number | undefined;
  stats: StatTotals;
}

const chunkDoneScript = `
-- KEYS[1]  backfill hash
-- KEYS[2]  set of finished chunk numbers
-- ARGV[1]  chunk number
-- ARGV[2]  now (epoch ms)
-- ARGV[3+] pairs: stat field, increment
-- returns  number of finished chunks (a chunk finishing twice is counted once)
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  for i = 3, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
local done = redis.call('SCARD', KEYS[2])
redis.call('HSET', KEYS[1], 'chunksDone', done)
if done >= tonumber(redis.call('HGET', KEYS[1], 'chunks')) and redis.call('HGET', KEYS[1], 'status') ~= 'cancelled' then
  redis.call('HSET', KEYS[1], 'status', 'done')
  redis.call('HSETNX', KEYS[1], 'finishedAtMs', ARGV[2])
end
return done
`;

type BackfillRedis = RedisConnection & { cpdChunkDone(hash: string, set: string, ...args: (string | number)[]): Promise<number> };

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
 * wait behind them. The id is derived from the request, so asking again resumes the same
 * backfill instead of starting a second one.
 */
export class Backfills {
  readonly #redis: BackfillRedis;

  constructor(
    redis: RedisConnection,
    private readonly keys: RedisKeys,
    private readonly queue: Queue<RangeJobData, RangeJobResult>,
    private readonly config: Config,
  ) {
    if (!('cpdChunkDone' in redis)) redis.defineCommand('cpdChunkDone', { numberOfKeys: 2, lua: chunkDoneScript });
    this.#redis = redis as BackfillRedis;
  }

  /** The id a request maps to (same range, patterns and chunk size give the same id). */
  idFor(req: BackfillRequest): string {
    const key = JSON.stringify([req.fromMs, req.toMs, [...req.indexPatterns].sort(), this.config.backfill.chunkMs]);
    return `bf-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
  }

  /** Creates (or resumes) a backfill and queues every chunk not finished yet. */
  async create(req: BackfillRequest, now = Date.now()): Promise<{ record: BackfillRecord; resumed: boolean; queued: number }> {
    if (!(req.toMs > req.fromMs)) throw new InputError(`backfill: expected --to after --from, got ${new Date(req.fromMs).toISOString()} .. ${new Date(req.toMs).toISOString()}`);
    this.#checkSize(req);
    const id = this.idFor(req);
    const chunks = planChunks(req.fromMs, req.toMs, this.config.backfill.chunkMs);
    const hash = this.keys.backfill(id);
    const startAtMs = Math.max(req.atMs ?? now, now);
    const created = await this.#redis.hsetnx(hash, 'createdAtMs', String(now));
    if (created === 1) {
      // Two commands, not a transaction: the index and the hash are in different Redis Cluster
      // slots. The index entry follows the hash, and a resume adds it again (NX) should a crash
      // come between them.
      await this.#redis.hset(hash, {
        id,
        fromMs: req.fromMs,
        toMs: req.toMs,
        indexPatterns: JSON.stringify(req.indexPatterns),
        chunkMs: this.config.backfill.chunkMs,
        chunks: chunks.length,
        chunksDone: 0,
        status: 'scheduled',
        startAtMs,
      });
    } else if ((await this.#redis.hget(hash, 'status')) === 'cancelled') {
      // A cancelled backfill asked for again resumes where it stopped.
      await this.#redis.hset(hash, 'status', 'scheduled', 'startAtMs', startAtMs);
    }
    await this.#redis.zadd(this.keys.backfillIndex, 'NX', now, id);
    const queued = await this.#queueMissing(id, req, chunks, Math.max(0, startAtMs - now));
    const record = await this.get(id);
    if (record === undefined) throw new Error(`backfill ${id} vanished while being created`);
    return { record, resumed: created !== 1, queued };
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
   * Queues every chunk that is neither finished nor queued, and retries chunks that used up
   * their attempts. Idempotent: calling it again queues nothing new.
   */
  async #queueMissing(id: string, req: BackfillRequest, chunks: readonly { fromMs: number; toMs: number }[], delay: number): Promise<number> {
    const hash = this.keys.backfill(id);
    const done = new Set(await this.#redis.smembers(`${hash}:done`));
    const quarantined = new Set(await this.#redis.hkeys(`${hash}:quarantined`));
    let queued = 0;
    for (const [n, c] of chunks.entries()) {
      if (done.has(String(n)) || quarantined.has(String(n))) continue;
      const jobId = `${id}-${n}`;
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
      const data: RangeJobData = { kind: 'backfill', fromMs: c.fromMs, toMs: c.toMs, basis: 'event', indexPatterns: [...req.indexPatterns], backfillId: id, chunk: n };
      await this.queue.add('chunk', data, rangeJobOptions(this.config, jobId, delay > 0 ? { delay } : {}));
      queued += 1;
    }
    if (quarantined.size > 0) await this.#redis.hset(hash, 'chunksQuarantined', quarantined.size);
    if (done.size + quarantined.size >= chunks.length) await this.#redis.hset(hash, 'status', 'done', 'chunksDone', done.size);
    return queued;
  }

  /** Re-queues the chunks of a backfill that failed or went missing (after a long outage). */
  async retryFailed(id: string): Promise<number> {
    const r = await this.get(id);
    if (r === undefined || r.status === 'cancelled' || r.status === 'done') return 0;
    return this.#queueMissing(id, r, planChunks(r.fromMs, r.toMs, r.chunkMs), 0);
  }

  /** One backfill, or undefined. */
  async get(id: string): Promise<BackfillRecord | undefined> {
    const h = await this.#redis.hgetall(this.keys.backfill(id));
    if (h.id === undefined) return undefined;
    const num = (k: string) => (h[k] === undefined ? undefined : Number(h[k]));
    return {
      id,
      fromMs: Number(h.fromMs),
      toMs: Number(h.toMs),
      indexPatterns: JSON.parse(h.indexPatterns ?? '[]') as string[],
      chunkMs: Number(h.chunkMs),
      chunks: Number(h.chunks),
      chunksDone: Number(h.chunksDone ?? 0),
      chunksQuarantined: Number(h.chunksQuarantined ?? 0),
      status: (h.status ?? 'scheduled') as BackfillStatus,
      createdAtMs: Number(h.createdAtMs),
      startAtMs: Number(h.startAtMs),
      startedAtMs: num('startedAtMs'),
      finishedAtMs: num('finishedAtMs'),
      stats: Object.fromEntries(totalledStats.map((f) => [f, Number(h[f] ?? 0)])) as BackfillRecord['stats'],
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
    for (let n = 0; n < record.chunks; n++) {
      const job = await this.queue.getJob(`${id}-${n}`);
      if (job === undefined || job === null) continue;
      const state = await job.getState();
      if (state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'failed') await job.remove().catch(() => undefined);
    }
    return (await this.get(id)) ?? record;
  }

  /** True when the backfill was cancelled (chunk jobs check before they start). */
  async isCancelled(id: string): Promise<boolean> {
    return (await this.#redis.hget(this.keys.backfill(id), 'status')) === 'cancelled';
  }

  /** Marks a chunk as started (the backfill becomes running). */
  async chunkStarted(id: string, now = Date.now()): Promise<void> {
    const hash = this.keys.backfill(id);
    await this.#redis.hsetnx(hash, 'startedAtMs', String(now));
    const status = await this.#redis.hget(hash, 'status');
    if (status === 'scheduled') await this.#redis.hset(hash, 'status', 'running');
  }

  /** Records a finished chunk once, however often it finishes. */
  async chunkDone(id: string, chunk: number, stats: RangeStats, now = Date.now()): Promise<number> {
    const args: (string | number)[] = [chunk, now];
    for (const f of totalledStats) args.push(f, stats[f]);
    return this.#redis.cpdChunkDone(this.keys.backfill(id), `${this.keys.backfill(id)}:done`, ...args);
  }
}
