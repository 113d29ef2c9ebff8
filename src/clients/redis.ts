import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config/schema.js';
import { readCaFile } from './ca-file.js';
import { ConfigError } from '../errors.js';

/**
 * A Redis connection from `redis.url` (database number, password and `rediss://` TLS are all
 * taken from the URL; `redis.caFile` adds a private CA). `role` picks BullMQ's recommended
 * settings: workers wait for Redis forever (`maxRetriesPerRequest: null`); short-lived
 * commands give up after one retry.
 */
export function createRedis(redis: Config['redis'], role: 'worker' | 'command'): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: true,
    connectTimeout: 5_000,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(1000 * 2 ** Math.min(times, 5), 20_000),
  };
  if (redis.caFile !== undefined) {
    if (!redis.url.startsWith('rediss://')) throw new ConfigError([`redis.caFile: expected a rediss:// URL with it, got ${redis.url.split('://')[0]}://`]);
    options.tls = { ca: readCaFile('redis.caFile', redis.caFile) };
  }
  return new Redis(redis.url, options);
}
