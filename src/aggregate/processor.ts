import type { Client } from '@elastic/elasticsearch';
import { trace, SpanStatusCode } from '@opentelemetry/api';
import type { RedisConnection } from '../clients/redis.js';
import type { Config } from '../config/schema.js';
import { toServiceError } from '../source/errors.js';
import { scanHits } from '../source/elasticsearch-scanner.js';
import { buildRangeQuery, smallSourceIncludes, sourceIncludes, type TimeRange } from '../source/query.js';
import type { SkipReason } from '../normalize/ecs-to-cim.js';
import { encodeFinding } from '../sink/encode.js';
import { WriteRetryExhaustedError, writeFindings, type FindingWrite } from '../sink/findings-writer.js';
import { alertSourceIndex } from '../sink/alert-source.js';
import { writeAlertSources } from '../sink/alert-writer.js';
import type { Classifier } from './classify.js';
import type { GroupValues } from './group.js';
import { GroupStore, type GroupEvent, type GroupState } from './group-store.js';
import type { RedisKeys } from './redis-keys.js';
import { seedEventsFromFinding, unlistedEventCount } from './seed.js';
import type { CimField } from '../normalize/fields.js';
import { ServiceUnavailableError } from '../errors.js';
import type { Metrics } from '../telemetry/metrics.js';
import { attributeNames, spanNames } from '../telemetry/names.js';
import { withSpan } from '../telemetry/tracing.js';

/** Counters of one processed range; summed into job results, progress and status. */
export interface RangeStats {
  scanned: number;
  matched: number;
  suppressed: number;
  suppressedBy: Record<string, number>;
  skipped: number;
  skippedBy: Partial<Record<SkipReason, number>>;
  groups: number;
  findingsWritten: number;
  findingsSuperseded: number;
  findingsDropped: number;
  /** Findings left as stored because their group did not change (live windows only). */
  findingsUnchanged: number;
  /** Matches decided by the limits policy (an event read in part, a cut command line) or because the rule failed. */
  undecided: number;
  /** Alert sources created: each is one Elastic Security alert to come (a finding's first write). */
  alertsCreated: number;
  /** Alert sources rejected for good (reported through onDropped like dropped findings). */
  alertsDropped: number;
}

/** The counters kept as running totals (backfill records, live stats in Redis). */
export const totalledStats = ['scanned', 'matched', 'suppressed', 'skipped', 'findingsWritten', 'findingsDropped'] as const;
/** Those totals. */
export type StatTotals = Pick<RangeStats, (typeof totalledStats)[number]>;

/** An empty set of counters. */
export function emptyStats(): RangeStats {
  return { scanned: 0, matched: 0, suppressed: 0, suppressedBy: {}, skipped: 0, skippedBy: {}, groups: 0, findingsWritten: 0, findingsSuperseded: 0, findingsDropped: 0, findingsUnchanged: 0, undecided: 0, alertsCreated: 0, alertsDropped: 0 };
}

/** What processing a range needs; wired once by app.ts. */
export interface PipelineDeps {
  es: Client;
  redis: RedisConnection;
  keys: RedisKeys;
  config: Config;
  classifier: Classifier;
  fieldMap: Readonly<Record<CimField, readonly string[]>>;
  /** Called with the running totals after every page. */
  onProgress?: (stats: RangeStats) => void;
  /** Dropped findings are data loss: the caller logs them at ERROR. */
  onDropped?: (dropped: { id: string; status: number; reason: string }[]) => void;
  now?: () => number;
  /** Counts findings a failed bulk write did not store. */
  metrics?: Pick<Metrics, 'recordWriteFailure'>;
  /** An event classifying failed on (counted as skipped `classify_error`); the caller logs it with its reference. */
  onEventError?: (ref: { index: string; id: string }, error: string) => void;
}

interface PendingGroup {
  group: GroupValues;
  bucketStartMs: number;
  events: GroupEvent[];
}

/** Matches held before their groups are flushed to Redis and Elasticsearch: by count and by metadata bytes. */
const flushThreshold = 5_000;
const flushThresholdBytes = 16 * 1_048_576;
const minStateTtlMs = 3_600_000;
const tracer = trace.getTracer('curl-proxy-detector');

/** How one range is processed. */
export interface RangeOptions {
  signal?: AbortSignal;
  /**
   * Leave out findings whose stored version already has the group's count. Live windows
   * overlap, so most groups they touch were written by the previous window; a backfill
   * always rewrites, so re-running one restores findings deleted from Elasticsearch.
   */
  skipUnchanged?: boolean;
  /** Refresh policy of the findings bulk (default: `sink.refresh`). */
  refresh?: Config['sink']['refresh'];
  /**
   * Look up the stored findings of every group while Redis counts, instead of afterwards for
   * the groups Redis did not know. A backfill's groups are nearly all new to Redis (its state
   * expires an hour after the bucket), so the lookup is needed anyway and its round trip is
   * taken off the path; a live window's groups are mostly known, so it waits to know which.
   */
  prefetchStored?: boolean;
}

/**
 * Processes one time range end to end: scan Elasticsearch, classify every hit, count matches
 * per group in Redis (idempotently), and write the affected findings. Safe to run twice, in
 * parallel, or over overlapping ranges: the findings come out the same.
 */
export async function processRange(deps: PipelineDeps, range: TimeRange, indexPatterns: readonly string[], options: RangeOptions = {}): Promise<RangeStats> {
  return tracer.startActiveSpan('cpd.process_range', { attributes: { 'cpd.range.basis': range.basis, 'cpd.range.from': range.fromMs, 'cpd.range.to': range.toMs } }, async (span) => {
    try {
      const stats = await run(deps, range, indexPatterns, options);
      span.setAttributes({ 'cpd.events.scanned': stats.scanned, 'cpd.events.matched': stats.matched, 'cpd.findings.written': stats.findingsWritten });
      return stats;
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

async function run(deps: PipelineDeps, range: TimeRange, indexPatterns: readonly string[], options: RangeOptions): Promise<RangeStats> {
  const { signal } = options;
  const { config, classifier } = deps;
  const stats = emptyStats();
  const pending = new Map<string, PendingGroup>();
  let pendingEvents = 0;
  let pendingBytes = 0;
  const query = buildRangeQuery(range, config.source.liveTimeField, config.source.pushdown);
  const scan = scanHits(deps.es, {
    indexPatterns,
    query,
    sourceIncludes: sourceIncludes(deps.fieldMap),
    fallbackIncludes: smallSourceIncludes(deps.fieldMap),
    maxResponseBytes: config.source.maxResponseBytes,
    pageSize: config.source.pageSize,
    keepAlive: config.source.pitKeepAlive,
  });
  for await (const page of scan) {
    signal?.throwIfAborted();
    for (const hit of page) {
      stats.scanned += 1;
      const c = classifier.classify(hit);
      switch (c.kind) {
        case 'skipped':
          stats.skipped += 1;
          stats.skippedBy[c.reason] = (stats.skippedBy[c.reason] ?? 0) + 1;
          break;
        case 'suppressed':
          stats.suppressed += 1;
          stats.suppressedBy[c.suppression.reason] = (stats.suppressedBy[c.suppression.reason] ?? 0) + 1;
          break;
        case 'match': {
          stats.matched += 1;
          const m = c.match;
          if (m.undecided) stats.undecided += 1;
          let g = pending.get(m.findingId);
          if (g === undefined) {
            g = { group: m.group, bucketStartMs: m.bucketStartMs, events: [] };
            pending.set(m.findingId, g);
            pendingBytes += groupBytes(m.group);
          }
          const metaJson = JSON.stringify(m.meta);
          g.events.push({ refKey: m.refKey, time: m.time, metaJson });
          pendingEvents += 1;
          pendingBytes += metaJson.length + m.refKey.length;
          break;
        }
        case 'failed':
          stats.skipped += 1;
          stats.skippedBy.classify_error = (stats.skippedBy.classify_error ?? 0) + 1;
          deps.onEventError?.({ index: hit.index, id: hit.id }, c.error);
          break;
        case 'no_match':
          break;
      }
      // Checked per hit, not per page: a page of large matches must not pile up in memory.
      if (pendingEvents >= flushThreshold || pendingBytes >= flushThresholdBytes) {
        await flush(deps, pending, stats, options);
        pending.clear();
        pendingEvents = 0;
        pendingBytes = 0;
      }
    }
    deps.onProgress?.(stats);
  }
  if (pending.size > 0) await flush(deps, pending, stats, options);
  deps.onProgress?.(stats);
  return stats;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise that never rejects: its outcome, to be unwrapped where it is needed. */
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

function unwrap<T>(s: Settled<T>): T {
  if (!s.ok) throw s.error;
  return s.value;
}

/** Characters a group holds (its command line may be a megabyte). */
function groupBytes(group: GroupValues): number {
  let n = 0;
  for (const value of Object.values(group)) n += value.length;
  return n;
}

async function flush(deps: PipelineDeps, pending: Map<string, PendingGroup>, stats: RangeStats, options: RangeOptions): Promise<void> {
  const skipUnchanged = options.skipUnchanged === true;
  const { config, keys } = deps;
  const store = new GroupStore(deps.redis, keys);
  const now = (deps.now ?? Date.now)();
  const { bucketMs, allowedLatenessMs, maxEventRefs } = config.aggregate;
  const expireAt = (bucketStartMs: number) => Math.ceil(Math.max(bucketStartMs + bucketMs + allowedLatenessMs, now + minStateTtlMs) / 1000);

  // Settled at once, so a failed Redis call below cannot leave its rejection unhandled.
  const prefetched = options.prefetchStored === true ? settle(fetchStoredFindings(deps, [...pending.keys()])) : undefined;
  // Groups are independent: their commands go out together (one pipelined burst, not one round trip each).
  const states = new Map<string, GroupState>();
  // The refs this flush added to each group (its events, then the seeds of its stored finding).
  const knownRefs = new Map<string, Set<string>>();
  for (const [id, g] of pending) knownRefs.set(id, new Set(g.events.map((e) => e.refKey)));
  const added = await Promise.all([...pending].map(([id, g]) => store.add(id, g.events, expireAt(g.bucketStartMs))));
  for (const state of added) states.set(state.findingId, state);

  // Groups new to Redis merge with the finding already stored (expired or lost state, late data).
  const unseeded = [...states.values()].filter((s) => !s.seeded).map((s) => s.findingId);
  if (prefetched !== undefined) await prefetched;
  if (unseeded.length > 0) {
    const stored = prefetched !== undefined ? unwrap(await prefetched) : await fetchStoredFindings(deps, unseeded);
    const seeded = await Promise.all(
      unseeded.map((id) => {
        const g = pending.get(id) as PendingGroup;
        const doc = stored.get(id);
        const seedEvents = doc === undefined ? [] : seedEventsFromFinding(doc.source);
        const options = doc === undefined ? { markSeeded: true } : { markSeeded: true, index: doc.index, unknownEvents: unlistedEventCount(doc.source) };
        return store.add(id, seedEvents, expireAt(g.bucketStartMs), options);
      }),
    );
    for (const state of seeded) states.set(state.findingId, state);
    for (const id of unseeded) {
      const doc = stored.get(id);
      if (doc !== undefined) for (const e of seedEventsFromFinding(doc.source)) knownRefs.get(id)?.add(e.refKey);
    }
  }
  // Replication is asynchronous: a failover can lose state the old master acknowledged. A finding
  // written from such state could not be repaired by counting again (a lower count never replaces
  // a stored one), so with redis.waitReplicas the state must reach the replicas first.
  if (config.redis.waitReplicas > 0) await store.replicated(config.redis.waitReplicas, config.redis.waitTimeoutMs);

  const changed = [...states].filter(([, state]) => !(skipUnchanged && state.writtenCount === state.count));
  stats.findingsUnchanged += states.size - changed.length;
  const writes: FindingWrite[] = await Promise.all(
    changed.map(async ([id, state]) => {
      const g = pending.get(id) as PendingGroup;
      // The count comes from the same atomic call that added these refs, and the set holds at
      // least them: an equal count means the set is exactly them (and nothing unlisted), so
      // they need no second read. Otherwise (events of earlier windows, other workers) it is read.
      const known = knownRefs.get(id);
      const refs = known !== undefined && state.count === known.size && known.size <= maxEventRefs ? [...known].sort() : await store.eventRefs(id, maxEventRefs);
      return {
        id,
        index: state.index ?? config.sink.findingsAlias,
        version: state.count,
        document: encodeFinding({ state, group: g.group, bucketStartMs: g.bucketStartMs, bucketMs, eventRefs: refs, maxEventRefs, ingestedMs: now }),
      };
    }),
  );
  const findingsWritten = withSpan(spanNames.writeFindings, { [attributeNames.findingsCount]: writes.length }, async () => {
    try {
      return await writeFindings(deps.es, writes, { refresh: options.refresh ?? config.sink.refresh, maxRetries: config.sink.bulkMaxRetries, backoffMs: config.worker.backoffMs });
    } catch (err) {
      deps.metrics?.recordWriteFailure(err instanceof WriteRetryExhaustedError ? 'retry_exhausted' : err instanceof ServiceUnavailableError ? 'unavailable' : 'other', writes.length);
      throw err;
    }
  });
  // Every finding written has its alert source, created once and never changed: the Elastic
  // Security rule raises exactly one alert from it (docs/setup.md). Attempted at every write
  // (a 409 means it exists), so it never depends on what Redis remembers; side by side with
  // the findings bulk (one round trip instead of two) and before the write is remembered
  // below, so a failure of either makes the job retry the whole flush. A finding Elasticsearch
  // rejects for good (logged at ERROR as dropped) still has its alert: the detection reaches
  // the analyst with every field of the finding but its event list.
  const alertWrites = writes.map((w) => ({ id: w.id, finding: w.document }));
  const alertsWritten = writeAlertSources(deps.es, alertSourceIndex(config.sink.findingsAlias), alertWrites, { maxRetries: config.sink.bulkMaxRetries, backoffMs: config.worker.backoffMs, now: deps.now ?? Date.now });
  const [result, alerts] = await Promise.all([findingsWritten, alertsWritten]);
  // Remember the concrete index, so later updates go where the finding lives even after a
  // rollover, and the count just written, so the next overlapping window can skip the group
  // while it stays unchanged. A superseded write (409) marks our lower count: writing it again
  // would be refused the same way, so skipping it loses nothing.
  const remembered: Promise<GroupState>[] = [];
  for (const [id, index] of result.indexById) {
    const state = states.get(id);
    if (state === undefined || (state.index !== undefined && state.writtenCount === state.count)) continue;
    const g = pending.get(id) as PendingGroup;
    remembered.push(store.add(id, [], expireAt(g.bucketStartMs), { ...(state.index === undefined ? { index } : {}), writtenCount: state.count }));
  }
  await Promise.all(remembered);
  stats.groups += states.size;
  stats.findingsWritten += result.written;
  stats.findingsSuperseded += result.superseded;
  stats.findingsDropped += result.dropped.length;
  stats.alertsCreated += alerts.created;
  stats.alertsDropped += alerts.dropped.length;
  if (result.dropped.length > 0) deps.onDropped?.(result.dropped);
  if (alerts.dropped.length > 0) deps.onDropped?.(alerts.dropped);
}

/**
 * The stored findings of groups Redis knows nothing about. A search sees writes once refreshed
 * (backfill writes do not force it: `sink.backfillRefresh`); Redis losing a group's state within
 * the refresh interval (1 s) of its write and the group being processed again in that same
 * second is the one case it could miss, and a Redis restart alone takes longer.
 */
async function fetchStoredFindings(deps: PipelineDeps, ids: readonly string[]): Promise<Map<string, { index: string; source: unknown }>> {
  const out = new Map<string, { index: string; source: unknown }>();
  try {
    const res = await deps.es.search({
      index: `${deps.config.sink.findingsAlias}*`,
      ignore_unavailable: true,
      allow_no_indices: true,
      query: { ids: { values: [...ids] } },
      // A shard lost with a node must fail the search (retried), not hide a stored finding:
      // a group seeded without it would restart its count below the stored one.
      allow_partial_search_results: false,
      size: ids.length,
      seq_no_primary_term: false,
    });
    for (const hit of res.hits.hits) if (hit._id !== undefined) out.set(hit._id, { index: hit._index, source: hit._source });
  } catch (err) {
    throw toServiceError(err, 'reading stored findings');
  }
  return out;
}
