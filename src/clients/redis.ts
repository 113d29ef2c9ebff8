import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Config } from '../config/schema.js';
import { readCaFile } from './ca-file.js';
import { ConfigError } from '../errors.js';

/**
 * A connection to this deployment's Redis, whatever its topology: one server, a Sentinel-managed
 * master (a `Redis` that asks the sentinels where the master is) or a Redis Cluster. Both share
 * ioredis' command interface, `defineCommand` and BullMQ support.
 */
export type RedisConnection = Redis | Cluster;

/** Which topology `redis.*` describes. */
export type RedisTopology = 'single' | 'sentinel' | 'cluster';

/** The topology a validated config selects (the schema refuses sentinels and cluster nodes together). */
export function redisTopology(redis: Config['redis']): RedisTopology {
  if (redis.clusterNodes !== undefined) return 'cluster';
  if (redis.sentinels !== undefined) return 'sentinel';
  return 'single';
}

/**
 * A Redis connection from `redis.*`. User, password, database and `rediss://` TLS always come
 * from `redis.url` (`redis.caFile` adds a private CA); `redis.sentinels` or
 * `redis.clusterNodes` replace its host. `role` picks BullMQ's recommended settings: workers
 * wait for Redis forever (`maxRetriesPerRequest: null`), short-lived commands give up after
 * one retry.
 */
export function createRedis(redis: Config['redis'], role: 'worker' | 'command'): RedisConnection {
  const options: RedisOptions = {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: true,
    connectTimeout: 5_000,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(1000 * 2 ** Math.min(times, 5), 20_000),
  };
  const tls = redis.url.startsWith('rediss://');
  if (redis.caFile !== undefined) {
    if (!tls) throw new ConfigError([`redis.caFile: expected a rediss:// URL with it, got ${redis.url.split('://')[0]}://`]);
    options.tls = { ca: readCaFile('redis.caFile', redis.caFile) };
  }
  const topology = redisTopology(redis);
  // One server takes TLS from the URL itself; the other topologies need it said explicitly.
  if (tls && options.tls === undefined && topology !== 'single') options.tls = {};
  if (topology === 'cluster') return new Cluster(parseHostPorts(redis.clusterNodes ?? []), clusterOptions(redis.url, options));
  if (topology === 'sentinel') {
    // ioredis reads user, password and database from the URL; the sentinels replace its host.
    return new Redis(redis.url, {
      ...options,
      sentinels: parseHostPorts(redis.sentinels ?? []),
      name: redis.sentinelName ?? '',
      ...(redis.sentinelPassword !== undefined ? { sentinelPassword: redis.sentinelPassword } : {}),
      // With rediss:// the sentinels are reached over TLS too, with the same CA.
      ...(options.tls !== undefined ? { enableTLSForSentinelMode: true, sentinelTLS: options.tls } : {}),
      // Retry the sentinels for ever like the master: a worker outlives a sentinel outage.
      sentinelRetryStrategy: (times: number) => Math.min(500 * 2 ** Math.min(times, 5), 10_000),
      // Sentinels announce a failover on +switch-master; without it ioredis only notices when
      // the old master's connection breaks (or, if it survives as a replica, on READONLY errors).
      failoverDetector: true,
      reconnectOnError: reconnectOnReadonly,
    });
  }
  return new Redis(redis.url, options);
}

/**
 * Cluster options from the URL and the connection options: the per-node options carry user,
 * password and TLS (a cluster has only database 0, which the schema enforces).
 */
function clusterOptions(url: string, base: RedisOptions): ClusterOptions {
  const parsed = new URL(url);
  // The cluster reconnects and follows slots itself; each node keeps maxRetriesPerRequest.
  const { retryStrategy: _perNode, enableOfflineQueue: _queued, ...node } = base;
  return {
    redisOptions: {
      ...node,
      ...(parsed.username !== '' ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password !== '' ? { password: decodeURIComponent(parsed.password) } : {}),
    },
    enableOfflineQueue: true,
    clusterRetryStrategy: (times) => Math.min(1000 * 2 ** Math.min(times, 5), 20_000),
    // A slot that moves (resharding, failover) is followed, and the table refreshed, until the
    // new owner answers; the default of 16 redirections is enough, the delay rides out elections.
    retryDelayOnFailover: 300,
    retryDelayOnClusterDown: 500,
    retryDelayOnTryAgain: 300,
    // Scripts must reach the node that owns their keys' slot even right after a failover.
    scaleReads: 'master',
  };
}

/** A master demoted to replica answers writes with READONLY: reconnect and ask the sentinels again. */
function reconnectOnReadonly(err: Error): 2 | false {
  return err.message.startsWith('READONLY') ? 2 : false;
}

/** `host:port` strings (validated by the schema) as ioredis node addresses. */
export function parseHostPorts(list: readonly string[]): { host: string; port: number }[] {
  return list.map((entry) => {
    const colon = entry.lastIndexOf(':');
    return { host: entry.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(entry.slice(colon + 1)) };
  });
}
