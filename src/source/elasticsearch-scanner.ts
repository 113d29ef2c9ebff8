import type { Client, estypes } from '@elastic/elasticsearch';
import type { SourceHit } from '../normalize/ecs-to-cim.js';
import { ServiceUnavailableError } from '../errors.js';
import { toServiceError } from './errors.js';

/** What one scan reads. */
export interface ScanRequest {
  indexPatterns: readonly string[];
  query: estypes.QueryDslQueryContainer;
  sourceIncludes: readonly string[];
  pageSize: number;
  keepAlive: string;
}

/**
 * Reads every hit of a query once, in pages, through a point in time and `search_after`
 * (no 10k cap, no scroll context). Missing indices are not an error. The PIT is always closed.
 */
export async function* scanHits(client: Client, request: ScanRequest): AsyncGenerator<SourceHit[]> {
  let pitId: string;
  try {
    const pit = await client.openPointInTime({
      index: request.indexPatterns.join(','),
      keep_alive: request.keepAlive,
      ignore_unavailable: true,
      allow_partial_search_results: false,
    });
    pitId = pit.id;
  } catch (err) {
    throw toServiceError(err, 'opening a point in time');
  }
  const search = async (searchAfter: estypes.SortResults | undefined, source: estypes.SearchSourceConfig): Promise<estypes.SearchResponse<unknown>> => {
    try {
      return await client.search<unknown>({
        pit: { id: pitId, keep_alive: request.keepAlive },
        query: request.query,
        _source: source,
        size: request.pageSize,
        sort: [{ _shard_doc: 'asc' }],
        track_total_hits: false,
        ...(searchAfter !== undefined ? { search_after: searchAfter } : {}),
      });
    } catch (err) {
      throw toServiceError(err, 'searching');
    }
  };
  const fetchPage = async (searchAfter: estypes.SortResults | undefined): Promise<estypes.SearchResponse<unknown>> => {
    let page: estypes.SearchResponse<unknown> | undefined;
    try {
      page = await search(searchAfter, { includes: [...request.sourceIncludes] });
    } catch (err) {
      // Every shard failed (Elasticsearch answers 500): maybe the same re-parse problem.
      if (!(err instanceof ServiceUnavailableError)) throw err;
    }
    if (page !== undefined && (page._shards.failed ?? 0) === 0) return page;
    // Filtering `_source` makes a shard re-parse every stored document; one it cannot re-read
    // (e.g. invalid UTF-8 that was accepted at index time) fails the whole shard and would hide
    // its other hits. The unfiltered source is returned as stored, so ask again for it.
    const whole = await search(searchAfter, true);
    if ((whole._shards.failed ?? 0) === 0) return whole;
    const reason = whole._shards.failures?.[0]?.reason;
    throw new ServiceUnavailableError('elasticsearch', `searching: ${whole._shards.failed} shard(s) failed: ${reason?.type ?? ''} ${reason?.reason ?? ''}`.trim());
  };
  // One page is always in flight while the caller works on the previous one, so
  // Elasticsearch's time and ours overlap instead of adding up.
  let next: Promise<estypes.SearchResponse<unknown>> | undefined = fetchPage(undefined);
  try {
    while (next !== undefined) {
      const page: estypes.SearchResponse<unknown> = await next;
      next = undefined;
      if (page.pit_id !== undefined) pitId = page.pit_id;
      const hits = page.hits.hits;
      if (hits.length === 0) return;
      const searchAfter = hits.length < request.pageSize ? undefined : hits[hits.length - 1]?.sort;
      next = searchAfter === undefined ? undefined : fetchPage(searchAfter);
      // A prefetch that fails while the caller still works must not become an unhandled rejection.
      next?.catch(() => undefined);
      yield hits.map((h) => ({ index: h._index, id: h._id ?? '', source: h._source }));
    }
  } finally {
    // A caller that stopped early leaves a prefetch in flight: let it finish before closing the PIT.
    await next?.catch(() => undefined);
    await client.closePointInTime({ id: pitId }).catch(() => undefined);
  }
}
