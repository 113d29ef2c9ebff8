import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';

/** The Elasticsearch the test runner started (or found): ELASTICSEARCH_URL, else ES_PORT on loopback. */
export const esUrl = process.env.ELASTICSEARCH_URL ?? `http://127.0.0.1:${process.env.ES_PORT ?? '9200'}`;

/** The Redis for tests; the runner defaults it to database 9 so tests never touch database 0. */
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/9';

/** A name unique to one test, so tests never share an index, a queue or a key. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A client on the test Elasticsearch. */
export function testEsClient(): Client {
  return new Client({ node: esUrl, requestTimeout: 60_000 });
}

/** A Redis connection suitable for BullMQ workers and for inspecting keys. */
export function testRedis(): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null });
}

/** Deletes every key under a prefix (SCAN, never KEYS). */
export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
