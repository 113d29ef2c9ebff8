import type { Client, estypes } from '@elastic/elasticsearch';
import { toServiceError } from './errors.js';

/** What to count: the range's own search query over the backfill's indices, in steps of event time. */
export interface CandidateCountRequest {
  indexPatterns: readonly string[];
  /** The query a chunk job will scan with (buildRangeQuery, event time, the configured push-down). */
  query: estypes.QueryDslQueryContainer;
  /** Width of one step, the backfill's chunkMs; steps are aligned on its multiples since the epoch, as chunks are. */
  intervalMs: number;
}

/**
 * How many hits the query has in each step of `@timestamp`: one size-0 search with a
 * date_histogram, answered from the index without reading a document. Keys are the steps'
 * start (epoch ms); steps without hits are absent. A backfill uses it only to decide how many
 * chunks one job takes (never what is read), so a count that is stale by the time the jobs
 * run changes their sizes, not the findings.
 */
export async function countCandidatesPerStep(client: Client, request: CandidateCountRequest): Promise<Map<number, number>> {
  let res: estypes.SearchResponse<unknown, Record<string, estypes.AggregationsAggregate>>;
  try {
    res = await client.search({
      index: request.indexPatterns.join(','),
      ignore_unavailable: true,
      allow_no_indices: true,
      // A shard missing from the count would make the chunks around it too large, not wrong;
      // still, a count that silently skips shards is not a count.
      allow_partial_search_results: false,
      size: 0,
      track_total_hits: false,
      query: request.query,
      aggs: { steps: { date_histogram: { field: '@timestamp', fixed_interval: `${request.intervalMs}ms`, min_doc_count: 1 } } },
    });
  } catch (err) {
    throw toServiceError(err, 'counting backfill candidates');
  }
  const out = new Map<number, number>();
  const agg = res.aggregations?.steps as estypes.AggregationsDateHistogramAggregate | undefined;
  const buckets = agg?.buckets ?? [];
  for (const b of Array.isArray(buckets) ? buckets : Object.values(buckets)) out.set(Number(b.key), b.doc_count);
  return out;
}
