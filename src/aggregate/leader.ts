import type { RedisConnection } from '../clients/redis.js';

const renewScript = `
-- KEYS[1]  leader key
-- ARGV[1]  this worker's id
-- ARGV[2]  lease in ms
-- returns  1 when this worker holds the lease after the call, else 0
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

const releaseScript = `
-- KEYS[1]  leader key
-- ARGV[1]  this worker's id
-- returns  1 when released
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type LeaseRedis = RedisConnection & {
  cpdRenewLease(key: string, id: string, ms: number): Promise<number>;
  cpdReleaseLease(key: string, id: string): Promise<number>;
};

/**
 * A lease in Redis so exactly one worker schedules live windows; when it dies, the lease
 * lapses and another takes over. Work itself is shared by every worker through the queue.
 */
export class LeaderLease {
  readonly #redis: LeaseRedis;

  constructor(
    redis: RedisConnection,
    private readonly key: string,
    readonly holderId: string,
    private readonly leaseMs: number,
  ) {
    if (!('cpdRenewLease' in redis)) {
      redis.defineCommand('cpdRenewLease', { numberOfKeys: 1, lua: renewScript });
      redis.defineCommand('cpdReleaseLease', { numberOfKeys: 1, lua: releaseScript });
    }
    this.#redis = redis as LeaseRedis;
  }

  /** Takes or renews the lease; true when this worker is the leader. */
  async acquire(): Promise<boolean> {
    return (await this.#redis.cpdRenewLease(this.key, this.holderId, this.leaseMs)) === 1;
  }

  /** Gives the lease up (on shutdown) so another worker takes over at once. */
  async release(): Promise<void> {
    await this.#redis.cpdReleaseLease(this.key, this.holderId);
  }
}
