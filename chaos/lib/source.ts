import type { Client, estypes } from '@elastic/elasticsearch';

/**
 * Creates a source index the way Fleet's `logs-*-*` templates do (Elasticsearch 8.9+):
 * `index.mapping.ignore_malformed: true`, so a wrong-typed value (pid "abc", a bad date) is
 * kept in `_source` and only left out of the index, instead of refusing the whole event.
 * ECS fields the generator writes are mapped explicitly, so the outcome of each malformed
 * case does not depend on which document happened to create a mapping first. `placement`
 * (a cluster run): how many replicas, and the node no copy may live on.
 */
export async function createChaosSourceIndex(es: Client, index: string, placement?: { replicas: number; excludeNode: string }): Promise<void> {
  const keyword = { type: 'keyword', ignore_above: 1024 } as const;
  const commandLine = { type: 'keyword', ignore_above: 8191, fields: { text: { type: 'text' } } } as const;
  await es.indices.create({
    index,
    settings: {
      number_of_shards: 1,
      number_of_replicas: placement?.replicas ?? 0,
      'index.mapping.ignore_malformed': true,
      ...(placement === undefined ? {} : { 'index.routing.allocation.exclude._name': placement.excludeNode }),
    },
    mappings: {
      dynamic_templates: [{ strings: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 8191 } } }],
      properties: {
        '@timestamp': { type: 'date' },
        event: { properties: { ingested: { type: 'date' }, action: keyword, category: keyword, type: keyword, dataset: keyword, module: keyword, original: { type: 'keyword', index: false, doc_values: false } } },
        data_stream: { properties: { dataset: keyword, namespace: keyword, type: keyword } },
        agent: { properties: { type: keyword } },
        host: { properties: { name: keyword, hostname: keyword } },
        user: { properties: { name: keyword, id: keyword } },
        process: {
          properties: {
            name: keyword,
            executable: keyword,
            command_line: commandLine,
            args: { type: 'keyword', ignore_above: 8191 },
            title: keyword,
            working_directory: keyword,
            pid: { type: 'long' },
            entity_id: keyword,
            parent: { properties: { name: keyword, executable: keyword, command_line: commandLine, pid: { type: 'long' } } },
          },
        },
      },
    },
  });
}

/** One source document as found at the end of the run. */
export interface SourceDoc {
  index: string;
  timestamp: unknown;
}

/** Every document of the source indices (id -> index, @timestamp), read through a point in time. */
export async function readSourceDocs(es: Client, pattern: string): Promise<Map<string, SourceDoc>> {
  await es.indices.refresh({ index: pattern, ignore_unavailable: true, allow_no_indices: true });
  const pit = await es.openPointInTime({ index: pattern, keep_alive: '1m', ignore_unavailable: true });
  const out = new Map<string, SourceDoc>();
  try {
    let after: estypes.SortResults | undefined;
    for (;;) {
      const page = await es.search<Record<string, unknown>>({
        pit: { id: pit.id, keep_alive: '1m' },
        size: 5_000,
        sort: [{ _shard_doc: 'asc' }],
        _source: { includes: ['@timestamp'] },
        ...(after !== undefined ? { search_after: after } : {}),
      });
      for (const h of page.hits.hits) out.set(h._id ?? '', { index: h._index, timestamp: h._source?.['@timestamp'] });
      const last = page.hits.hits[page.hits.hits.length - 1];
      if (page.hits.hits.length < 5_000 || last?.sort === undefined) break;
      after = last.sort;
    }
  } finally {
    await es.closePointInTime({ id: pit.id }).catch(() => undefined);
  }
  return out;
}
