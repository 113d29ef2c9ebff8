import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RangeJobData, RangeJobResult } from '../../src/aggregate/jobs.js';
import { LiveScheduler } from '../../src/aggregate/live-scheduler.js';
import { emptyStats } from '../../src/aggregate/processor.js';
import { queueNames, redisKeys } from '../../src/aggregate/redis-keys.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { testConfig, testNames } from '../helpers/pipeline.js';
import { deleteKeys, testRedis } from '../helpers/services.js';

// The live tick that failed under a steady stream with "Cannot read properties of null (reading
// 'scanned')": a window job read while it runs, completed before the scheduler looks at what it
// read. Made deterministic against the real Redis and BullMQ: the queue the scheduler reads
// through lets the job complete right after the first read that finds it running, so that read
// is stale whatever order the scheduler reads in.

describe('the live scheduler and a window job that completes while it is being read', () => {
  const names = testNames('live-race');
  const config = testConfig(names, { 'live.windowsInFlight': 1, 'live.initialLookbackMs': 5_000, 'live.queryDelayMs': 0 });
  const keys = redisKeys(config.redis.keyPrefix);
  const connections: Redis[] = [];
  const connection = (): Redis => {
    const r = testRedis();
    connections.push(r);
    return r;
  };
  let queue: Queue<RangeJobData, RangeJobResult>;
  let worker: Worker<RangeJobData, RangeJobResult>;
  let redis: Redis;
  let release: () => void = () => undefined;
  const running = new Promise<void>((resolve) => (release = resolve));
  const stats = { ...emptyStats(), scanned: 7, matched: 2, findingsWritten: 1 };

  before(() => {
    redis = connection();
    queue = new Queue(queueNames.live, { connection: connection(), prefix: keys.bullPrefix });
    // Holds every window job until released, then returns fixed counters.
    worker = new Worker<RangeJobData, RangeJobResult>(
      queueNames.live,
      async () => {
        await running;
        return stats;
      },
      { connection: connection(), prefix: keys.bullPrefix },
    );
  });
  after(async () => {
    release();
    await worker.close();
    await queue.close();
    await deleteKeys(redis, `${config.redis.keyPrefix}:*`);
    for (const r of connections) r.disconnect();
  });

  /** Lets the held job finish and waits until BullMQ has moved it to completed. */
  let raced = false;
  async function completeNow(id: string): Promise<void> {
    raced = true;
    const completed = new Promise<void>((resolve) => {
      const onCompleted = (job: { id?: string }) => {
        if (job.id !== id) return;
        worker.off('completed', onCompleted);
        resolve();
      };
      worker.on('completed', onCompleted);
    });
    release();
    await completed;
  }

  /** `queue` as the scheduler sees it: the first read that finds the job running is stale by the time it returns. */
  function racyQueue(): Queue<RangeJobData, RangeJobResult> {
    return new Proxy(queue, {
      get(target, prop) {
        if (prop === 'getJob') {
          return async (id: string) => {
            const job = await target.getJob(id);
            if (job !== undefined && !raced && (await target.getJobState(id)) === 'active') await completeNow(id);
            return job;
          };
        }
        if (prop === 'getJobState') {
          return async (id: string) => {
            const state = await target.getJobState(id);
            if (state === 'active' && !raced) await completeNow(id);
            return state;
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  it('advances the cursor over the window and counts its stats in the same tick', { timeout: 30_000 }, async () => {
    const scheduler = new LiveScheduler({ redis, keys, queue: racyQueue(), config, logger: createLogger(config.log), workerId: 'live-race-test' });
    const result = await scheduler.tick();
    assert.ok(raced, 'the job completed between a read and its use');
    assert.equal(result.windows, 1);
    assert.equal(result.completed, 1);
    assert.equal(await redis.get(keys.liveCursor), String(result.cursorMs));
    assert.deepEqual(await redis.hmget(keys.liveStats, 'scanned', 'matched', 'findingsWritten'), ['7', '2', '1']);
    await scheduler.stop();
  });
});
