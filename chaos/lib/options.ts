import type { FaultPlan } from './faults.js';

/** Everything a chaos run is made of. Durations in ms, rates per second. */
export interface ChaosOptions {
  label: string;
  seed: number;
  /** HTTP port of the run's own Elasticsearch (started wiped, stopped at the end); its first node's for a cluster. */
  esPort: number;
  /**
   * Nodes of the run's own Elasticsearch: 1, or a cluster (3) whose source indices have one
   * replica kept off node 0, the node workers talk to, so kill-es-node can take the primaries' node.
   */
  esNodes: number;
  /** Use this Elasticsearch instead of an own one; the Elasticsearch outage is then skipped. */
  sharedEsUrl: string | undefined;
  /** The run's own Redis: one server, or a Sentinel set (master, replicas, three sentinels) the workers reach through the sentinels. */
  redisTopology: 'single' | 'sentinel';
  /** Port of the run's own Redis (AOF on); of the Sentinel set's first master, its replicas on the ports after it. */
  redisPort: number;
  /** Port of the first of the Sentinel set's three sentinels. */
  sentinelPort: number;
  /** Replicas of the Sentinel set's master. */
  redisReplicas: number;
  workers: number;
  stream: {
    durationMs: number;
    eventsPerSecond: number;
    /** Share of on-time events that are curl through a proxy. */
    proxiedRate: number;
    plainCurlRate: number;
    recurringRate: number;
    /** Late events (timestamp minutes ago, ingested now) per on-time event. */
    lateRate: number;
    lateMaxAgoMs: number;
    /** Events with a timestamp in the historical range, ingested now, per on-time event. */
    veryLateRate: number;
    /** Times each malformed case is emitted in the live stream. */
    malformedPerCase: number;
  };
  history: {
    events: number;
    /** Length of the historical range, which ends at 00:00 UTC of the run's day (yesterday). */
    hours: number;
    /** Times each malformed case is placed in the history. */
    malformedPerCase: number;
  };
  backfill: {
    /** When the backfill is created, from the start of the stream. */
    atMs: number;
    chunkMs: number;
  };
  faults: FaultPlan[];
  /** Malformed cases left out, by name (to isolate a known failure); default none. */
  skipCases: string[];
  /**
   * Re-queue backfill chunks that failed for good every 10 s, as `backfill --wait` does. Off by
   * default: a backfill must finish with nothing but `run` workers. On, it isolates other failures.
   */
  retryFailedChunks: boolean;
  /** Product settings on top of the defaults (dotted keys). */
  settings: Record<string, unknown>;
  /** After the stream: bound on waiting for services, the cursor and the backfill. */
  settleTimeoutMs: number;
  /** Where the JSON report goes (undefined: nowhere). */
  outFile: string | undefined;
  /** Keep services, data and logs after the run (also kept when the run fails). */
  keep: boolean;
  log(line: string): void;
}

const quiet = (line: string) => void process.stderr.write(`${line}\n`);

/**
 * The product's defaults except what a bounded run needs: a 250 ms poll interval (as the
 * integration tests), quick failover (lease 3 s, job lock 4 s, first retry 200 ms), and a
 * 15-minute backfill chunk. `overlapMs` is 30 s in the medium run (the product default when
 * the run was written; 10 s since) and 10 s in the small one, whose whole stream lasts 35 s.
 */
function productSettings(overlapMs: number): Record<string, unknown> {
  return {
    'live.pollIntervalMs': 250,
    'live.overlapMs': overlapMs,
    'worker.backoffMs': 200,
    'worker.leaderLeaseMs': 3_000,
    'worker.lockDurationMs': 4_000,
    'health.port': 0,
    'log.level': 'info',
  };
}

/**
 * The Elasticsearch a run owns: one node on CPD_CHAOS_ES_PORT (9270), or a cluster from
 * CPD_CHAOS_ES_CLUSTER_PORT (9285-9287, transport 9385-9387), clear of the node-loss test's 9280-9282.
 */
export function esTopology(nodes: number): Pick<ChaosOptions, 'esNodes' | 'esPort'> {
  return nodes === 1 ? { esNodes: 1, esPort: Number(process.env.CPD_CHAOS_ES_PORT ?? 9270) } : { esNodes: nodes, esPort: Number(process.env.CPD_CHAOS_ES_CLUSTER_PORT ?? 9285) };
}

/**
 * The Redis a run owns: one server on CPD_CHAOS_REDIS_PORT (6393), or a Sentinel set with
 * servers from CPD_CHAOS_SENTINEL_REDIS_PORT (7450-7452: master and two replicas) and sentinels
 * from CPD_CHAOS_SENTINEL_PORT (26450-26452), clear of the Sentinel tests' 7400-7403 and 26400-26405.
 * Two replicas, because the workers run with redis.waitReplicas 1 (as docs/deployment.md
 * recommends with Sentinel): after a failover one replica is left to acknowledge WAIT.
 */
export function redisTopology(kind: 'single' | 'sentinel'): Pick<ChaosOptions, 'redisTopology' | 'redisPort' | 'sentinelPort' | 'redisReplicas'> {
  const sentinelPort = Number(process.env.CPD_CHAOS_SENTINEL_PORT ?? 26450);
  return kind === 'single'
    ? { redisTopology: 'single', redisPort: Number(process.env.CPD_CHAOS_REDIS_PORT ?? 6393), sentinelPort, redisReplicas: 0 }
    : { redisTopology: 'sentinel', redisPort: Number(process.env.CPD_CHAOS_SENTINEL_REDIS_PORT ?? 7450), sentinelPort, redisReplicas: 2 };
}

/**
 * The CI configuration: about 90 s in all, every fault once or twice, on one Elasticsearch
 * node and one Redis (node loss and Sentinel failover are covered in CI by
 * test/integration/es-node-loss.test.ts and redis-sentinel.test.ts).
 */
export function smallOptions(overrides: Partial<ChaosOptions> = {}): ChaosOptions {
  return {
    label: 'small',
    seed: 1,
    ...esTopology(1),
    sharedEsUrl: undefined,
    ...redisTopology('single'),
    workers: 2,
    stream: { durationMs: 35_000, eventsPerSecond: 30, proxiedRate: 0.04, plainCurlRate: 0.04, recurringRate: 0.4, lateRate: 0.05, lateMaxAgoMs: 20 * 60_000, veryLateRate: 0.01, malformedPerCase: 1 },
    history: { events: 3_000, hours: 6, malformedPerCase: 1 },
    backfill: { atMs: 3_000, chunkMs: 15 * 60_000 },
    faults: [
      { atMs: 5_000, kind: 'kill-leader', downMs: 1_000 },
      { atMs: 10_000, kind: 'restart-redis', downMs: 2_000 },
      { atMs: 15_000, kind: 'stop-elasticsearch', downMs: 10_000 },
      { atMs: 27_000, kind: 'kill-follower', downMs: 1_000 },
      { atMs: 31_000, kind: 'kill-leader', downMs: 1_000 },
    ],
    skipCases: [],
    retryFailedChunks: false,
    settings: productSettings(10_000),
    settleTimeoutMs: 90_000,
    outFile: undefined,
    keep: false,
    log: quiet,
    ...overrides,
  };
}

/**
 * The default configuration: 5 to 8 minutes on a three-node Elasticsearch and a Redis
 * Sentinel set, a 30 s outage of the whole cluster, the node holding the source primaries
 * killed twice (live, then during the backfill), the Redis master killed three times (live,
 * as the backfill starts, while it waits out the outage), the whole Redis set restarted
 * twice, and repeated worker faults.
 */
export function mediumOptions(overrides: Partial<ChaosOptions> = {}): ChaosOptions {
  return {
    ...smallOptions(),
    ...esTopology(3),
    ...redisTopology('sentinel'),
    label: 'medium',
    stream: { durationMs: 180_000, eventsPerSecond: 80, proxiedRate: 0.03, plainCurlRate: 0.03, recurringRate: 0.4, lateRate: 0.05, lateMaxAgoMs: 40 * 60_000, veryLateRate: 0.01, malformedPerCase: 3 },
    history: { events: 40_000, hours: 24, malformedPerCase: 2 },
    // Created just before the Elasticsearch outage, so its chunks run into it.
    backfill: { atMs: 70_000, chunkMs: 15 * 60_000 },
    faults: [
      // Back (about 30 s of boot) well before the whole cluster's outage at +75 s.
      { atMs: 10_000, kind: 'kill-es-node', downMs: 10_000 },
      { atMs: 15_000, kind: 'kill-leader', downMs: 1_000 },
      { atMs: 25_000, kind: 'failover-redis', downMs: 5_000 },
      { atMs: 30_000, kind: 'kill-follower', downMs: 2_000 },
      { atMs: 40_000, kind: 'restart-redis', downMs: 5_000 },
      { atMs: 60_000, kind: 'kill-leader', downMs: 1_000 },
      // Two seconds after the backfill is created: its first chunks are running.
      { atMs: 72_000, kind: 'failover-redis', downMs: 5_000 },
      { atMs: 75_000, kind: 'stop-elasticsearch', downMs: 30_000 },
      { atMs: 95_000, kind: 'kill-follower', downMs: 1_000 },
      { atMs: 135_000, kind: 'kill-leader', downMs: 1_000 },
      { atMs: 150_000, kind: 'restart-redis', downMs: 3_000 },
      // The cluster is back from the outage by now and the backfill's chunks are running.
      { atMs: 160_000, kind: 'kill-es-node', downMs: 15_000 },
      { atMs: 165_000, kind: 'kill-follower', downMs: 1_000 },
      // The backfill's chunks are running again or waiting (retries, delayed jobs) for the cluster.
      { atMs: 170_000, kind: 'failover-redis', downMs: 5_000 },
    ],
    settings: productSettings(30_000),
    settleTimeoutMs: 240_000,
    ...overrides,
  };
}
