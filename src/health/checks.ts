import { errors, type Client } from '@elastic/elasticsearch';
import type { Config } from '../config/schema.js';
import type { ReadinessCheck } from './server.js';

/**
 * The readiness checks of a running worker: Elasticsearch and Redis answer, and the live
 * cursor moves. Each resolves when fine and rejects with a message saying what is wrong.
 */

/**
 * Elasticsearch answers `GET /_cluster/health` (the cluster root `GET /` may be blocked).
 * A 403 still proves the cluster is up and our credentials are valid (the role lacks `monitor`).
 */
export function elasticsearchCheck(es: Client, timeoutMs: number): ReadinessCheck {
  return async () => {
    try {
      // No span: a probe every few seconds would bury the detection traces.
      await es.cluster.health({}, { requestTimeout: timeoutMs, maxRetries: 0, openTelemetry: { enabled: false } });
    } catch (err) {
      if (err instanceof errors.ResponseError && err.statusCode === 403) return;
      if (err instanceof errors.ResponseError) throw new Error(`HTTP ${err.statusCode ?? '?'} from GET /_cluster/health`, { cause: err });
      throw err;
    }
  };
}

/** The part of an ioredis connection (a `Redis` or a `Cluster`) the check uses. */
export interface PingableRedis {
  readonly status: string;
  ping(): Promise<string>;
  /** Set on an ioredis Cluster. */
  readonly isCluster?: boolean;
  cluster?(subcommand: 'INFO'): Promise<unknown>;
}

/**
 * Redis answers PING. A connection that is not `ready` fails at once: a worker connection
 * queues commands while reconnecting, and queued probe PINGs would pile up during an outage.
 * On a Redis Cluster the node asked must also report `cluster_state:ok`: a cluster with
 * uncovered slots answers PING on its live nodes but refuses our commands (CLUSTERDOWN).
 */
export function redisCheck(redis: PingableRedis): ReadinessCheck {
  return async () => {
    if (redis.status !== 'ready') throw new Error(`connection is ${redis.status}`);
    await redis.ping();
    if (redis.isCluster === true && redis.cluster !== undefined) {
      const info = String(await redis.cluster('INFO'));
      const state = /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown';
      if (state !== 'ok') throw new Error(`cluster_state is ${state}`);
    }
  };
}

/**
 * The live cursor is not stalled. Stalled means: more than `stallAfterMs` behind now AND not
 * moved for `stallAfterMs` as seen by this process (or absent that long). Catching up after an
 * outage is behind but moving, so it stays ready; a stuck leader, on any worker, is not.
 * The cursor is shared in Redis, so every worker judges the same cursor. Use it only in a
 * process that polls live (with `--no-live` the cursor may rightly never move).
 */
export function cursorCheck(readCursorMs: () => Promise<number | undefined>, stallAfterMs: number, now: () => number = Date.now): ReadinessCheck {
  let seen: { cursor: number | undefined; since: number } | undefined;
  return async () => {
    const cursor = await readCursorMs();
    const t = now();
    if (seen === undefined || seen.cursor !== cursor) seen = { cursor, since: t };
    const unchangedMs = t - seen.since;
    if (unchangedMs <= stallAfterMs) return;
    if (cursor === undefined) throw new Error(`no live cursor after ${seconds(unchangedMs)}: no worker has started live scheduling`);
    const lagMs = t - cursor;
    if (lagMs > stallAfterMs) {
      throw new Error(`live cursor is ${seconds(lagMs)} behind now and has not moved for ${seconds(unchangedMs)} (threshold ${seconds(stallAfterMs)})`);
    }
  };
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/**
 * The /readyz checks of `run`: elasticsearch, redis and, when this process polls live
 * (`readCursorMs` given), cursor.
 */
export function workerReadinessChecks(deps: {
  es: Client;
  redis: PingableRedis;
  /** Reads the live cursor (epoch ms); leave it out (or undefined) when this process does not poll live. */
  readCursorMs?: (() => Promise<number | undefined>) | undefined;
  health: Config['health'];
}): Record<string, ReadinessCheck> {
  const checks: Record<string, ReadinessCheck> = {
    elasticsearch: elasticsearchCheck(deps.es, deps.health.checkTimeoutMs),
    redis: redisCheck(deps.redis),
  };
  if (deps.readCursorMs !== undefined) checks.cursor = cursorCheck(deps.readCursorMs, deps.health.cursorStallAfterMs);
  return checks;
}
