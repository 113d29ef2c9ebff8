import type { Client, estypes } from '@elastic/elasticsearch';
import { producerIndexSuffix, producers, SyntheticStream, type DatasetSpec, type GroundTruth, type Producer, type SyntheticDoc } from './synthetic.js';
import type { BenchNames } from './services.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** How the loader sends documents. */
export interface LoadOptions {
  /** Documents per bulk request. */
  batch: number;
  /** Bulk requests in flight at once. */
  concurrency: number;
  onProgress?: (loaded: number, total: number) => void;
}

/** What a load did. */
export interface LoadResult {
  truth: GroundTruth;
  loadMs: number;
  /** Waited after the load for Elasticsearch's background merges to finish (not part of loadMs). */
  settleMs: number;
  docsPerSecond: number;
  /** Primary store size of the source indices after the load. */
  storeBytes: number;
  indices: Record<Producer, string>;
}

/** ECS-like mapping (keywords, dates), as the integrations install it; the integration tests use the same. */
export const sourceMappings: estypes.MappingTypeMapping = {
  dynamic_templates: [{ strings: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 8191 } } }],
  properties: {
    '@timestamp': { type: 'date' },
    event: { properties: { ingested: { type: 'date' }, original: { type: 'keyword', index: false, doc_values: false } } },
    process: {
      properties: {
        command_line: { type: 'keyword', ignore_above: 8191, fields: { text: { type: 'text' } } },
        pid: { type: 'long' },
        parent: { properties: { pid: { type: 'long' } } },
      },
    },
  },
};

/** Creates one source index per producer; `bulk: true` turns refresh off for a bulk load. */
export async function createSourceIndices(es: Client, names: BenchNames, options: { bulk: boolean }): Promise<Record<Producer, string>> {
  const out = {} as Record<Producer, string>;
  for (const p of producers) {
    const index = names.sourceIndex(producerIndexSuffix[p]);
    await es.indices.create({
      index,
      settings: { number_of_shards: 1, number_of_replicas: 0, ...(options.bulk ? { refresh_interval: '-1' } : {}) },
      mappings: sourceMappings,
    });
    out[p] = index;
  }
  return out;
}

/**
 * Bulk-loads a synthetic dataset: refresh off and no replicas during the load, `batch`
 * documents per request, `concurrency` requests in flight (generation overlaps with
 * indexing), 429 items retried with backoff, any other rejection fails the load. Then
 * restores the refresh interval, refreshes and checks the count.
 */
export async function loadDataset(es: Client, names: BenchNames, spec: DatasetSpec, options: LoadOptions): Promise<LoadResult> {
  const started = performance.now();
  const indices = await createSourceIndices(es, names, { bulk: true });
  const stream = new SyntheticStream(spec);
  const inFlight = new Set<Promise<void>>();
  let loaded = 0;
  let failure: unknown;
  while (!stream.done && failure === undefined) {
    const docs = stream.next(options.batch);
    const p = sendBulk(es, indices, docs)
      .then(() => {
        loaded += docs.length;
        options.onProgress?.(loaded, spec.events);
      })
      .catch((err: unknown) => {
        failure = err;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= options.concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  const all = Object.values(indices);
  await es.indices.putSettings({ index: all, settings: { 'index.refresh_interval': null } });
  await es.indices.refresh({ index: all });
  const loadMs = performance.now() - started;
  // Segment merges go on in the background for a while after a bulk load and would steal
  // Elasticsearch CPU from whichever measurement runs first: wait until they are over.
  const settleMs = await waitForMergesIdle(es, all);
  const { count } = await es.count({ index: all });
  if (count !== spec.events) throw new Error(`load: expected ${spec.events} documents in ${names.sourcePattern}, got ${count}`);
  const stats = await es.indices.stats({ index: all, metric: 'store' });
  return { truth: stream.truth, loadMs, settleMs, docsPerSecond: Math.round((spec.events / loadMs) * 1000), storeBytes: stats._all.primaries?.store?.size_in_bytes ?? 0, indices };
}

/** Waits until no merge runs on these indices (three quiet polls in a row); returns the ms waited. */
export async function waitForMergesIdle(es: Client, indices: readonly string[], timeoutMs = 600_000): Promise<number> {
  const started = performance.now();
  let quiet = 0;
  while (quiet < 3) {
    if (performance.now() - started > timeoutMs) throw new Error(`merges still running on ${indices.join(',')} after ${timeoutMs} ms`);
    const stats = await es.indices.stats({ index: [...indices], metric: 'merge' });
    quiet = (stats._all.total?.merges?.current ?? 0) === 0 ? quiet + 1 : 0;
    await sleep(500);
  }
  return performance.now() - started;
}

/** Sends one bulk; retries 429/5xx items up to 8 times with backoff, throws on anything else. */
export async function sendBulk(es: Client, indices: Record<Producer, string>, docs: readonly (SyntheticDoc & { id?: string })[]): Promise<void> {
  let pending = docs;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) await sleep(Math.min(200 * 2 ** attempt, 10_000));
    if (attempt > 8) throw new Error(`bulk: ${pending.length} document(s) still rejected after ${attempt} attempts`);
    const operations = pending.flatMap((d) => [{ create: { _index: indices[d.producer], ...(d.id !== undefined ? { _id: d.id } : {}) } }, d.doc]);
    const res = await es.bulk({ operations }, { requestTimeout: 120_000 });
    if (!res.errors) return;
    const retry: (typeof docs)[number][] = [];
    for (const [i, item] of res.items.entries()) {
      const r = item.create;
      const status = r?.status ?? 0;
      if (status >= 200 && status < 300) continue;
      if (status === 409 && (pending[i] as { id?: string }).id !== undefined) continue; // already indexed by an earlier attempt
      if (status === 429 || status >= 500 || status === 0) retry.push(pending[i] as (typeof docs)[number]);
      else throw new Error(`bulk: expected every document to be indexed, got ${status} ${r?.error?.type ?? ''}: ${r?.error?.reason ?? ''}`);
    }
    pending = retry;
  }
}

/** A loaded dataset the measuring benches share: its names, what was asked, and the truth. */
export interface Dataset {
  names: BenchNames;
  spec: DatasetSpec;
  load: LoadResult;
}

/** The truth without the group map, for JSON results. */
export function truthSummary(truth: GroundTruth): Omit<GroundTruth, 'groups'> & { groups: number } {
  const { groups, ...rest } = truth;
  return { ...rest, groups: groups.size };
}
