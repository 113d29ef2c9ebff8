import type { RedisConnection } from '../clients/redis.js';

/**
 * The live cursor: epoch ms up to which every window is done (findings written). It only
 * moves forward, atomically, so two schedulers racing cannot move it back.
 */
const advanceScript = `
-- KEYS[1]  cursor key
-- ARGV[1]  new cursor (epoch ms)
-- returns  the cursor after the call
local cur = tonumber(redis.call('GET', KEYS[1]))
local new = tonumber(ARGV[1])
if cur == nil or new > cur then
  redis.call('SET', KEYS[1], ARGV[1])
  return ARGV[1]
end
return tostring(cur)
`;

type CursorRedis = RedisConnection & { cpdAdvanceCursor(key: string, value: string): Promise<string> };

/** Reads and advances the live cursor. */
export class LiveCursor {
  readonly #redis: CursorRedis;

  constructor(
    redis: RedisConnection,
    private readonly key: string,
  ) {
    if (!('cpdAdvanceCursor' in redis)) redis.defineCommand('cpdAdvanceCursor', { numberOfKeys: 1, lua: advanceScript });
    this.#redis = redis as CursorRedis;
  }

  /** The cursor, or undefined for a fresh deployment. */
  async get(): Promise<number | undefined> {
    const v = await this.#redis.get(this.key);
    return v === null ? undefined : Number(v);
  }

  /** Moves the cursor to `ms` unless it is already further; returns the cursor after the call. */
  async advance(ms: number): Promise<number> {
    return Number(await this.#redis.cpdAdvanceCursor(this.key, String(Math.floor(ms))));
  }
}
