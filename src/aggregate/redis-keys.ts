/**
 * Every Redis key of a deployment, under one prefix. Group keys put the finding id in a hash
 * tag (`{...}`) so a group's hash and set live in one Redis Cluster slot for the Lua script.
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

/** The keys for a `redis.keyPrefix`. */
export function redisKeys(prefix: string): RedisKeys {
  return {
    bullPrefix: `${prefix}:bull`,
    groupState: (id) => `${prefix}:agg:{${id}}`,
    groupEvents: (id) => `${prefix}:agg:{${id}}:ev`,
    liveCursor: `${prefix}:live:cursor`,
    liveLeader: `${prefix}:live:leader`,
    backfill: (id) => `${prefix}:backfill:${id}`,
    backfillIndex: `${prefix}:backfills`,
    recentErrors: `${prefix}:errors`,
    liveStats: `${prefix}:live:stats`,
    liveQuarantine: `${prefix}:live:quarantine`,
  };
}

/** Queue names (BullMQ queue names may not contain `:`). */
export const queueNames = { live: 'live-windows', backfill: 'backfill-chunks' } as const;
