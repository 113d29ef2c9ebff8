import { errors, type Client, type estypes } from '@elastic/elasticsearch';
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
  /**
   * Largest search response read, in bytes (default: what a Node string can hold). A page over
   * it is asked again with half as many hits; one hit over it alone is read with `fallbackIncludes`
   * only and marked `partial`, so a huge document neither stops the scan nor is skipped.
   */
  maxResponseBytes?: number;
  /** The small `_source` fields read from a document too large to read whole. */
  fallbackIncludes?: readonly string[];
}

/**
 * Reads every hit of a query once, in pages, through a point in time and `search_after`
 * (no 10k cap, no scroll context). Missing indices are not an error. The PIT is always closed.
 *
 * A page is only taken whole: a page with failed shards, or a point in time whose contexts went
 * with a node that left the cluster, throws a retryable ServiceUnavailableError. The caller reads
 * the range again from a new point in time (the job is retried): `_shard_doc` sort values belong
 * to one point in time, so there is no safe place to resume inside the lost one, and counting
 * by event reference makes reading hits twice harmless.
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
  const transportOptions = request.maxResponseBytes === undefined ? {} : { maxResponseSize: request.maxResponseBytes };
  const search = async (searchAfter: estypes.SortResults | undefined, source: estypes.SearchSourceConfig, size: number): Promise<estypes.SearchResponse<unknown>> => {
    try {
      return await client.search<unknown>(
        {
          pit: { id: pitId, keep_alive: request.keepAlive },
          query: request.query,
          _source: source,
          size,
          sort: [{ _shard_doc: 'asc' }],
          track_total_hits: false,
          ...(searchAfter !== undefined ? { search_after: searchAfter } : {}),
        },
        transportOptions,
      );
    } catch (err) {
      if (isResponseTooLarge(err)) throw new ResponseTooLargeError(size, err);
      throw toServiceError(err, 'searching');
    }
  };
  const fetchWhole = async (searchAfter: estypes.SortResults | undefined, size: number): Promise<estypes.SearchResponse<unknown>> => {
    let page: estypes.SearchResponse<unknown> | undefined;
    try {
      page = await search(searchAfter, { includes: [...request.sourceIncludes] }, size);
    } catch (err) {
      // Every shard failed (Elasticsearch answers 500): maybe the same re-parse problem.
      if (!(err instanceof ServiceUnavailableError)) throw err;
    }
    // Partial results stay allowed on pages (the PIT itself is opened without them): a shard
    // failure is looked at here, and one that a whole-source read cures must not fail the page.
    if (page !== undefined && (page._shards.failed ?? 0) === 0) return page;
    // Filtering `_source` makes a shard re-parse every stored document; one it cannot re-read
    // (e.g. invalid UTF-8 that was accepted at index time) fails the whole shard and would hide
    // its other hits. The unfiltered source is returned as stored, so ask again for it.
    const whole = await search(searchAfter, true, size);
    if ((whole._shards.failed ?? 0) === 0) return whole;
    const reason = whole._shards.failures?.[0]?.reason;
    throw new ServiceUnavailableError('elasticsearch', `searching: ${whole._shards.failed} shard(s) failed: ${reason?.type ?? ''} ${reason?.reason ?? ''}`.trim());
  };
  // Pages shrink by half while a response is too large and grow back by doubling after each
  // page that fit, so one huge document costs a few small pages, not the rest of the scan.
  let size = request.pageSize;
  const fetchPage = async (searchAfter: estypes.SortResults | undefined): Promise<Page> => {
    for (;;) {
      try {
        const page = await fetchWhole(searchAfter, size);
        const fitted = size;
        size = Math.min(request.pageSize, size * 2);
        return { response: page, asked: fitted, partial: false };
      } catch (err) {
        if (!(err instanceof ResponseTooLargeError)) throw err;
        if (size > 1) {
          size = Math.ceil(size / 2);
          continue;
        }
        // One document alone is over the limit: read what fits of it, and say so.
        return { response: await fetchSmall(searchAfter), asked: 1, partial: true };
      }
    }
  };
  const fetchSmall = async (searchAfter: estypes.SortResults | undefined): Promise<estypes.SearchResponse<unknown>> => {
    try {
      return await search(searchAfter, { includes: [...(request.fallbackIncludes ?? [])] }, 1);
    } catch (err) {
      if (!(err instanceof ResponseTooLargeError)) throw err;
      // Even its small fields are too large: only its identity and sort position.
      return search(searchAfter, false, 1);
    }
  };
  // One page is always in flight while the caller works on the previous one, so
  // Elasticsearch's time and ours overlap instead of adding up.
  let next: Promise<Page> | undefined = fetchPage(undefined);
  try {
    while (next !== undefined) {
      const page: Page = await next;
      next = undefined;
      if (page.response.pit_id !== undefined) pitId = page.response.pit_id;
      const hits = page.response.hits.hits;
      if (hits.length === 0) return;
      const searchAfter = hits.length < page.asked ? undefined : hits[hits.length - 1]?.sort;
      next = searchAfter === undefined ? undefined : fetchPage(searchAfter);
      // A prefetch that fails while the caller still works must not become an unhandled rejection.
      next?.catch(() => undefined);
      yield hits.map((h) => (page.partial ? { index: h._index, id: h._id ?? '', source: h._source ?? {}, partial: true } : { index: h._index, id: h._id ?? '', source: h._source }));
    }
  } finally {
    // A caller that stopped early leaves a prefetch in flight: let it finish before closing the PIT.
    await next?.catch(() => undefined);
    await client.closePointInTime({ id: pitId }).catch(() => undefined);
  }
}

/** One search response and how many hits it was asked for (fewer back means the end). */
interface Page {
  response: estypes.SearchResponse<unknown>;
  asked: number;
  partial: boolean;
}

/** A search response over `maxResponseBytes`: deterministic, so retrying the same request is pointless. */
class ResponseTooLargeError extends Error {
  constructor(
    readonly size: number,
    cause: unknown,
  ) {
    super(`a search page of ${size} hits is larger than source.maxResponseBytes`, { cause });
  }
}

function isResponseTooLarge(err: unknown): boolean {
  return err instanceof errors.RequestAbortedError && /bigger than the maximum allowed/.test(err.message);
}
