import type { RedisConnection } from '../clients/redis.js';
import { ServiceUnavailableError } from '../errors.js';
import type { MatchMeta } from './classify.js';
import { addEventsScript } from './group-script.js';
import type { RedisKeys } from './redis-keys.js';

/** One group's aggregate: exactly the analytic's count, min(_time), max(_time). */
export interface GroupState {
  findingId: string;
  count: number;
  firstMs: number;
  lastMs: number;
  /** Metadata of the earliest event (ties broken by event ref, so it is deterministic). */
  meta: MatchMeta | undefined;
  /** True once the state was merged with the finding already stored in Elasticsearch. */
  seeded: boolean;
  /** The concrete index holding the finding, once known. */
  index: string | undefined;
  /** Refs of the earliest and latest events (`index|id`). */
  firstRef: string;
  lastRef: string;
  /**
   * The count the stored finding was last written with by this pipeline, if known. The count
   * only grows with the set of events, so an equal count means the stored finding is current.
   */
  writtenCount: number | undefined;
}

/** An event to add to a group. */
export interface GroupEvent {
  refKey: string;
  /** Empty string: only count the ref (seeding from a stored finding), do not touch times. */
  time: number | '';
  /** Metadata JSON; may be empty for seeded refs other than the earliest. */
  metaJson: string;
}

type ScriptRedis = RedisConnection & {
  cpdAddEvents(hash: string, set: string, ...args: (string | number)[]): Promise<[number, string, string, string, string, string, string, string, string]>;
};

/** Reads and updates group states in Redis through the atomic script. */
export class GroupStore {
  readonly #redis: ScriptRedis;

  constructor(
    redis: RedisConnection,
    private readonly keys: RedisKeys,
  ) {
    if (!('cpdAddEvents' in redis)) redis.defineCommand('cpdAddEvents', { numberOfKeys: 2, lua: addEventsScript });
    this.#redis = redis as ScriptRedis;
  }

  /** Adds events (idempotently) and returns the group's state after the call. */
  async add(
    findingId: string,
    events: readonly GroupEvent[],
    expireAtSec: number,
    options: { markSeeded?: boolean; index?: string; unknownEvents?: number; writtenCount?: number } = {},
  ): Promise<GroupState> {
    const args: (string | number)[] = [expireAtSec, options.markSeeded === true ? '1' : '0', options.index ?? '', options.unknownEvents ?? 0, options.writtenCount ?? ''];
    for (const e of events) args.push(e.refKey, String(e.time), e.metaJson);
    let reply: [number, string, string, string, string, string, string, string, string];
    try {
      reply = await this.#redis.cpdAddEvents(this.keys.groupState(findingId), this.keys.groupEvents(findingId), ...args);
    } catch (err) {
      throw new ServiceUnavailableError('redis', `updating group ${findingId}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const [count, first, last, meta, seeded, index, firstRef, lastRef, written] = reply;
    return {
      findingId,
      count: Number(count),
      firstMs: Number(first),
      lastMs: Number(last),
      meta: meta === '' ? undefined : (JSON.parse(meta) as MatchMeta),
      seeded: seeded === '1',
      index: index === '' ? undefined : index,
      firstRef,
      lastRef,
      writtenCount: written === '' ? undefined : Number(written),
    };
  }

  /**
   * Waits until `replicas` replicas hold every write this connection made (Redis WAIT). Fewer
   * within `timeoutMs` is a retryable error: the window runs again rather than write findings
   * from state a failover could take back.
   */
  async replicated(replicas: number, timeoutMs: number): Promise<void> {
    let acked: number;
    try {
      acked = await this.#redis.wait(replicas, timeoutMs);
    } catch (err) {
      throw new ServiceUnavailableError('redis', `waiting for ${replicas} replica(s): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (acked < replicas) throw new ServiceUnavailableError('redis', `the aggregation state reached ${acked} of ${replicas} replica(s) within ${timeoutMs} ms (redis.waitReplicas); the window is retried`);
  }

  /** The refs counted in a group, for the finding's event references (bounded by `limit`). */
  async eventRefs(findingId: string, limit: number): Promise<string[]> {
    const refs: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.#redis.sscan(this.keys.groupEvents(findingId), cursor, 'COUNT', 500);
      cursor = next;
      for (const r of batch) if (refs.length < limit) refs.push(r);
    } while (cursor !== '0' && refs.length < limit);
    return refs.sort();
  }
}
