import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config/schema.js';

/**
 * A Redis connection from `redis.url` (database number, password and `rediss://` TLS are all
 * taken from the URL). `role` picks BullMQ's recommended settings: workers wait for Redis
 * forever (`maxRetriesPerRequest: null`); short-lived commands give up after one retry.
 */
export function createRedis(redis: Config['redis'], role: 'worker' | 'command'): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: true,
    connectTimeout: 5_000,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(1000 * 2 ** Math.min(times, 5), 20_000),
  };
  return new Redis(redis.url, options);
}
