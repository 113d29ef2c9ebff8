import type { Client, estypes } from '@elastic/elasticsearch';
import { MISSING, type GroupValues } from './process-start.js';

/** A finding as stored, reduced to what the comparison needs. */
export interface StoredFinding {
  id: string;
  index: string;
  group: GroupValues;
  bucketStartMs: number;
  count: number;
  firstMs: number;
  lastMs: number;
  version: number | undefined;
}

interface FindingSource {
  finding?: {
    group?: Partial<Record<keyof GroupValues, string>>;
    bucket?: { start?: string };
    count?: number;
    first_time?: string;
    last_time?: string;
  };
}

/** Every finding under the alias (refreshed first), read through a point in time: no 10k cap. */
export async function readStoredFindings(es: Client, alias: string): Promise<StoredFinding[]> {
  const index = `${alias}*`;
  await es.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
  const exists = await es.indices.exists({ index, allow_no_indices: false });
  if (!exists) return [];
  const pit = await es.openPointInTime({ index, keep_alive: '1m' });
  const out: StoredFinding[] = [];
  try {
    let after: estypes.SortResults | undefined;
    for (;;) {
      const page = await es.search<FindingSource>({
        pit: { id: pit.id, keep_alive: '1m' },
        size: 1_000,
        sort: [{ _shard_doc: 'asc' }],
        version: true,
        _source: { includes: ['finding.group', 'finding.bucket.start', 'finding.count', 'finding.first_time', 'finding.last_time'] },
        ...(after !== undefined ? { search_after: after } : {}),
      });
      for (const h of page.hits.hits) out.push(toStored(h));
      const last = page.hits.hits[page.hits.hits.length - 1];
      if (page.hits.hits.length < 1_000 || last?.sort === undefined) break;
      after = last.sort;
    }
  } finally {
    await es.closePointInTime({ id: pit.id }).catch(() => undefined);
  }
  return out;
}

function toStored(h: estypes.SearchHit<FindingSource>): StoredFinding {
  const f = h._source?.finding ?? {};
  const g = f.group ?? {};
  const text = (v: string | undefined) => v ?? MISSING;
  return {
    id: h._id ?? '',
    index: h._index,
    group: {
      dest: text(g.dest),
      user: text(g.user),
      parent_process_name: text(g.parent_process_name),
      process_name: text(g.process_name),
      process: text(g.process),
      process_id: text(g.process_id),
      parent_process_id: text(g.parent_process_id),
    },
    bucketStartMs: Date.parse(f.bucket?.start ?? ''),
    count: f.count ?? -1,
    firstMs: Date.parse(f.first_time ?? ''),
    lastMs: Date.parse(f.last_time ?? ''),
    version: h._version,
  };
}
