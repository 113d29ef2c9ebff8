import type { RedisConnection } from '../clients/redis.js';

/** One remembered error, shown by `status`. */
export interface RecentError {
  at: string;
  where: string;
  message: string;
}

const keep = 50;

/** Remembers an error for `status` (the newest 50); never throws, it is best effort. */
export async function recordError(redis: RedisConnection, key: string, where: string, err: unknown, now = Date.now()): Promise<void> {
  const entry: RecentError = { at: new Date(now).toISOString(), where, message: err instanceof Error ? err.message : String(err) };
  try {
    await redis.multi().lpush(key, JSON.stringify(entry)).ltrim(key, 0, keep - 1).exec();
  } catch {
    // Redis itself is down: the log line the caller writes is the record.
  }
}

/** The newest remembered errors, newest first. */
export async function readErrors(redis: RedisConnection, key: string, limit = 10): Promise<RecentError[]> {
  const raw = await redis.lrange(key, 0, limit - 1);
  return raw.flatMap((r) => {
    try {
      return [JSON.parse(r) as RecentError];
    } catch {
      return [];
    }
  });
}
