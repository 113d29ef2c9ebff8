import type { Client, estypes } from '@elastic/elasticsearch';

/** The request of a raw scan: the same fields the product's scanner sends. */
export interface RawScanRequest {
  indexPatterns: readonly string[];
  query: estypes.QueryDslQueryContainer;
  sourceIncludes: readonly string[];
  pageSize: number;
  keepAlive: string;
}

/** What a raw scan read. */
export interface RawScanResult {
  hits: number;
  pages: number;
  ms: number;
}

/**
 * The bare minimum a backfill has to do: open a point in time, page through every hit with
 * `search_after` (sorted by `_shard_doc`, no total hits, the same `_source` includes and page
 * size as the product), count the hits and nothing else, close the point in time.
 * Written here rather than calling the product's scanner, so the baseline owes nothing to it.
 */
export async function rawScan(es: Client, request: RawScanRequest, maxPages = 1_000_000): Promise<RawScanResult> {
  const started = performance.now();
  let pitId = (await es.openPointInTime({ index: request.indexPatterns.join(','), keep_alive: request.keepAlive, ignore_unavailable: true, allow_partial_search_results: false })).id;
  let hits = 0;
  let pages = 0;
  try {
    let after: estypes.SortResults | undefined;
    while (pages < maxPages) {
      const page = await es.search({
        pit: { id: pitId, keep_alive: request.keepAlive },
        query: request.query,
        _source: { includes: [...request.sourceIncludes] },
        size: request.pageSize,
        sort: [{ _shard_doc: 'asc' }],
        track_total_hits: false,
        ...(after !== undefined ? { search_after: after } : {}),
      });
      pages += 1;
      if (page.pit_id !== undefined) pitId = page.pit_id;
      const batch = page.hits.hits;
      hits += batch.length;
      if (batch.length < request.pageSize) break;
      after = batch[batch.length - 1]?.sort;
      if (after === undefined) break;
    }
  } finally {
    await es.closePointInTime({ id: pitId }).catch(() => undefined);
  }
  return { hits, pages, ms: performance.now() - started };
}
