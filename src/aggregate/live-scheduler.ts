import type { Queue } from 'bullmq';
import type { RedisConnection } from '../clients/redis.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { attributeNames, spanNames } from '../telemetry/names.js';
import { withSpan } from '../telemetry/tracing.js';
import { LiveCursor } from './cursor.js';
import { readJobOutcome, type JobOutcome } from './job-outcome.js';
import { rangeJobOptions, type RangeJobData, type RangeJobResult } from './jobs.js';
import { LeaderLease } from './leader.js';
import { totalledStats } from './processor.js';
import { recordError } from './recent-errors.js';
import type { RedisKeys } from './redis-keys.js';
import { liveJobId, planWindows, type LiveWindow } from './window.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the scheduler needs; wired by app.ts. */
export interface LiveSchedulerDeps {
  redis: RedisConnection;
  keys: RedisKeys;
  queue: Queue<RangeJobData, RangeJobResult>;
  config: Config;
  logger: Logger;
  workerId: string;
  now?: () => number;
  /** Counts quarantined windows. */
  metrics?: Pick<Metrics, 'recordQuarantine'>;
}

/** The outcome of one scheduling step (for logs and tests). */
export interface TickResult {
  leader: boolean;
  windows: number;
  completed: number;
  cursorMs: number | undefined;
  /** True when more windows are due right away (catching up). */
  behind: boolean;
}

const jobPollMs = 100;

/**
 * Turns the passage of time into live window jobs. One worker (the lease holder) plans
 * windows from the durable cursor, queues them with deterministic ids, waits for them, and
 * advances the cursor only over windows whose findings are written. Any worker processes them.
 */
export class LiveScheduler {
  readonly #deps: LiveSchedulerDeps;
  readonly #lease: LeaderLease;
  readonly #cursor: LiveCursor;
  readonly #now: () => number;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(deps: LiveSchedulerDeps) {
    this.#deps = deps;
    this.#lease = new LeaderLease(deps.redis, deps.keys.liveLeader, deps.workerId, deps.config.worker.leaderLeaseMs);
    this.#cursor = new LiveCursor(deps.redis, deps.keys.liveCursor);
    this.#now = deps.now ?? Date.now;
  }

  /** Starts polling every `live.pollIntervalMs` (immediately again while catching up). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops scheduling; windows already queued are left to the workers (and re-planned later if lost). */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    await this.#lease.release().catch(() => undefined);
  }

  async #run(): Promise<void> {
    const { logger, config } = this.#deps;
    let failures = 0;
    while (this.#running) {
      const stepStarted = Date.now();
      let behind = false;
      try {
        const r = await this.tick();
        behind = r.behind;
        if (failures > 0) logger.warn({ event: { action: 'live-recovered' } }, 'live scheduling recovered; the cursor catches up from where it stopped');
        failures = 0;
      } catch (err) {
        failures += 1;
        // WARN: nothing is lost, the cursor did not move; the same windows are planned again.
        logger.warn({ err, event: { action: 'live-tick-failed' }, failures }, 'live scheduling step failed; retrying');
        await recordError(this.#deps.redis, this.#deps.keys.recentErrors, 'live-scheduler', err);
      }
      if (!this.#running) break;
      // Fixed rate: the interval runs from the start of a step, so a slow step does not stretch it.
      const wait = failures > 0 ? Math.min(config.live.pollIntervalMs * 2 ** failures, 30_000) : config.live.pollIntervalMs - (Date.now() - stepStarted);
      if (!behind && wait > 0) await this.#sleep(wait);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  /** One scheduling step; exposed for tests and for `run --once`. */
  async tick(): Promise<TickResult> {
    const { config } = this.#deps;
    if (!(await this.#lease.acquire())) return { leader: false, windows: 0, completed: 0, cursorMs: await this.#cursor.get(), behind: false };
    let cursor = await this.#cursor.get();
    if (cursor === undefined) cursor = await this.#cursor.advance(this.#now() - config.live.initialLookbackMs);
    const windows = planWindows({
      cursorMs: cursor,
      nowMs: this.#now(),
      queryDelayMs: config.live.queryDelayMs,
      maxWindowMs: config.live.maxWindowMs,
      maxWindows: config.live.windowsInFlight,
    });
    if (windows.length === 0) return { leader: true, windows: 0, completed: 0, cursorMs: cursor, behind: false };
    const attributes = { [attributeNames.windowCount]: windows.length, [attributeNames.cursor]: cursor, [attributeNames.rangeFrom]: windows[0]?.fromMs, [attributeNames.rangeTo]: windows.at(-1)?.toMs };
    return withSpan(spanNames.pollWindow, attributes, async (span) => {
      for (const w of windows) await this.#ensureJob(w);
      const outcomes = await this.#waitAll(windows);

      let completed = 0;
      let newCursor = cursor;
      for (const [i, w] of windows.entries()) {
        const o = outcomes[i];
        if (o === undefined) break;
        if (!o.ok) {
          // An outage or a dead worker: the window is retried and the cursor waits. Input that
          // fails the same way every time: quarantined, never retried forever, never silent.
          if (!o.deterministic) break;
          await this.#quarantine(w, o.reason);
        }
        completed += 1;
        newCursor = w.toMs;
      }
      span.setAttribute(attributeNames.windowsCompleted, completed);
      if (newCursor > cursor) newCursor = await this.#cursor.advance(newCursor);
      await this.#recordStats(outcomes, newCursor);
      const failed = outcomes.find((o): o is Extract<JobOutcome, { ok: false }> => !o.ok && !o.deterministic);
      if (failed !== undefined) throw new Error(`live window failed: ${failed.reason}`);
      const behind = completed === config.live.windowsInFlight && newCursor < this.#now() - config.live.queryDelayMs - config.live.pollIntervalMs;
      return { leader: true, windows: windows.length, completed, cursorMs: newCursor, behind };
    });
  }

  /** Gives up on a window that fails deterministically: recorded in Redis and `status`, logged at ERROR, counted. */
  async #quarantine(w: LiveWindow, reason: string): Promise<void> {
    const { redis, keys, logger, metrics } = this.#deps;
    const from = new Date(w.fromMs).toISOString();
    const to = new Date(w.toMs).toISOString();
    await redis.hset(keys.liveQuarantine, `${w.fromMs}-${w.toMs}`, JSON.stringify({ from, to, reason, at: new Date(this.#now()).toISOString() }));
    const message = `live window ${from} .. ${to} quarantined: it fails the same way every time (${reason}); once the cause is fixed, re-run it with: backfill --from ${from} --to ${to}`;
    logger.error({ event: { action: 'live-window-quarantined' }, window: { from, to }, reason }, message);
    await recordError(redis, keys.recentErrors, 'live-scheduler', new Error(message));
    metrics?.recordQuarantine('live');
  }

  async #ensureJob(w: LiveWindow): Promise<void> {
    const { queue, config } = this.#deps;
    const id = liveJobId(w);
    const existing = await queue.getJob(id);
    if (existing !== undefined && existing !== null) {
      // A window that used up its attempts (a long outage) is retried, never skipped.
      if (await existing.isFailed()) await existing.retry('failed');
      return;
    }
    const data: RangeJobData = {
      kind: 'live',
      fromMs: w.fromMs - config.live.overlapMs,
      toMs: w.toMs,
      basis: 'ingested',
      indexPatterns: [...config.source.indexPatterns],
    };
    await queue.add('window', data, rangeJobOptions(config, id));
  }

  async #waitAll(windows: readonly LiveWindow[]): Promise<JobOutcome[]> {
    const { queue, config } = this.#deps;
    const outcomes: (JobOutcome | undefined)[] = windows.map(() => undefined);
    let lastRenew = this.#now();
    while (outcomes.some((o) => o === undefined)) {
      for (const [i, w] of windows.entries()) {
        if (outcomes[i] !== undefined) continue;
        const outcome = await readJobOutcome(queue, liveJobId(w));
        // Removed after completion, or lost with a Redis that had no persistence: queue it again (idempotent).
        if (outcome === 'missing') await this.#ensureJob(w);
        else outcomes[i] = outcome;
      }
      if (!outcomes.some((o) => o === undefined)) break;
      if (this.#now() - lastRenew > config.worker.leaderLeaseMs / 3) {
        await this.#lease.acquire();
        lastRenew = this.#now();
      }
      await sleep(jobPollMs);
    }
    return outcomes as JobOutcome[];
  }

  async #recordStats(outcomes: readonly JobOutcome[], cursor: number): Promise<void> {
    const { redis, keys } = this.#deps;
    const m = redis.multi();
    for (const k of totalledStats) {
      let total = 0;
      for (const o of outcomes) if (o.ok && o.stats !== undefined) total += o.stats[k];
      if (total > 0) m.hincrby(keys.liveStats, k, total);
    }
    m.hset(keys.liveStats, 'lastTickAt', String(this.#now()), 'cursor', String(cursor));
    await m.exec();
  }
}
