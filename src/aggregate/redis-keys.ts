/**
 * Every Redis key of a deployment, under one prefix. Keys one script or transaction touches
 * together share a hash tag (`{...}`) so they live in one Redis Cluster slot: a group's hash
 * and set (the finding id), and on a cluster a backfill's hash, done set and quarantine (the
 * backfill id) and each BullMQ queue's keys (BullMQ's scripts take many keys of one queue).
 */
export interface RedisKeys {
  /** BullMQ `prefix` option for this deployment's queues. */
  bullPrefix: string;
  /** Hash: first/last time, earliest event's metadata, seeding flag, concrete findings index. */
  groupState(findingId: string): string;
  /** Set of `index|id` refs counted in the group (the idempotency of counting). */
  groupEvents(findingId: string): string;
  /** String: epoch ms up to which live windows are done. */
  liveCursor: string;
  /** String with expiry: the worker that schedules live windows. */
  liveLeader: string;
  /** Hash: one backfill's definition and progress. */
  backfill(id: string): string;
  /** Sorted set of backfill ids by creation time. */
  backfillIndex: string;
  /** List (capped): recent errors shown by `status`. */
  recentErrors: string;
  /** Hash: counters of the live pipeline (scanned, matched, ...), shown by `status`. */
  liveStats: string;
  /** Hash: live windows given up because they fail deterministically, `<from>-<to>` -> JSON {reason, at}. */
  liveQuarantine: string;
}

/** Where the keys live: one Redis (single node or Sentinel) or a Redis Cluster. */
export interface RedisKeysOptions {
  cluster?: boolean;
}

/**
 * The keys for a `redis.keyPrefix`. On a single node (or Sentinel) the names are those every
 * earlier release used, so an upgrade finds its queues and backfills in flight; the hash tags
 * that only a cluster needs are added only there (a new deployment, nothing to find).
 */
export function redisKeys(prefix: string, options: RedisKeysOptions = {}): RedisKeys {
  const cluster = options.cluster === true;
  return {
    bullPrefix: cluster ? `{${prefix}:bull}` : `${prefix}:bull`,
    groupState: (id) => `${prefix}:agg:{${id}}`,
    groupEvents: (id) => `${prefix}:agg:{${id}}:ev`,
    liveCursor: `${prefix}:live:cursor`,
    liveLeader: `${prefix}:live:leader`,
    // Callers derive `<hash>:done` and `<hash>:quarantined` from it, which keeps the tag.
    backfill: (id) => (cluster ? `${prefix}:backfill:{${id}}` : `${prefix}:backfill:${id}`),
    backfillIndex: `${prefix}:backfills`,
    recentErrors: `${prefix}:errors`,
    liveStats: `${prefix}:live:stats`,
    liveQuarantine: `${prefix}:live:quarantine`,
  };
}

/** Queue names (BullMQ queue names may not contain `:`). */
export const queueNames = { live: 'live-windows', backfill: 'backfill-chunks' } as const;
