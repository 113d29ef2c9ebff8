import type { estypes } from '@elastic/elasticsearch';
import type { App } from '../../app.js';

/** What a demo run removed of the data earlier demo runs wrote. */
export interface EarlierDemoData {
  findings: number;
  groups: number;
  backfills: number;
}

/** Most findings one demo run can leave (the sample gives a few dozen). */
const maxFindings = 10_000;

/**
 * Removes what earlier demo runs wrote, and nothing else: the findings whose first and last
 * events both come from the demo's events index (each run shifts the sample, so in another
 * hour their ids differ and they would pile up), the Redis groups of those findings, and the
 * backfills over that index alone. Everything else under the findings alias and the key prefix
 * is left as it is; so are the alert-source documents, which Elastic Security read already
 * (deleting one would let a same-id finding raise its alert a second time).
 */
export async function removeEarlierDemoData(app: App, eventsIndex: string): Promise<EarlierDemoData> {
  const alias = app.config.sink.findingsAlias;
  const query: estypes.QueryDslQueryContainer = {
    bool: { filter: [{ term: { 'finding.first_event.index': eventsIndex } }, { term: { 'finding.last_event.index': eventsIndex } }] },
  };
  const where = { ignore_unavailable: true, allow_no_indices: true } as const;
  await app.es.indices.refresh({ index: `${alias}*`, ...where });
  const found = await app.es.search({ index: `${alias}*`, ...where, size: maxFindings, _source: false, version: true, query });
  const hits = found.hits.hits.flatMap((h) => (h._id === undefined ? [] : [{ index: h._index, id: h._id, version: h._version ?? 1 }]));

  let groups = 0;
  for (const { id } of hits) {
    // One finding's two keys share its hash tag: one DEL, one Redis Cluster slot.
    groups += Math.min(1, await app.redis.del(app.keys.groupState(id), app.keys.groupEvents(id)));
  }
  const findings = await deleteFindings(app, hits);

  let backfills = 0;
  for (const r of await app.backfills.list(1_000)) {
    if (r.indexPatterns.length !== 1 || r.indexPatterns[0] !== eventsIndex) continue;
    await app.backfills.forget(r.id);
    backfills++;
  }
  return { findings, groups, backfills };
}

/**
 * Deletes findings by id in bulk (delete-by-query needs the reindex module, which not every
 * distribution has), each at its own external version: an ordinary delete would leave a
 * tombstone one version higher for a minute (index.gc_deletes), and this run's write of the
 * same finding, at the same count, would be refused as older. Returns how many existed.
 */
async function deleteFindings(app: App, docs: readonly { index: string; id: string; version: number }[]): Promise<number> {
  if (docs.length === 0) return 0;
  const res = await app.es.bulk({ operations: docs.map((d) => ({ delete: { _index: d.index, _id: d.id, version: d.version, version_type: 'external_gte' as const } })), refresh: true });
  let deleted = 0;
  for (const item of res.items) {
    const r = item.delete;
    if (r?.result === 'deleted') deleted++;
    // 404: gone already; 409: rewritten since by a worker, so no longer only the demo's.
    else if (r?.status !== 404 && r?.status !== 409) throw new Error(`demo: cannot delete the earlier demo finding ${r?._index ?? '?'}/${r?._id ?? '?'}: ${JSON.stringify(r?.error ?? r?.status)}`);
  }
  return deleted;
}

/** The demo's line about them: what was replaced, or that there was nothing to replace. */
export function describeEarlierData(d: EarlierDemoData, eventsIndex: string): string {
  if (d.findings === 0 && d.groups === 0 && d.backfills === 0) return `none (a later run replaces the findings, Redis groups and backfill this one makes from ${eventsIndex})`;
  return `replaced: ${d.findings} finding(s), ${d.groups} Redis group(s) and ${d.backfills} backfill(s) made from ${eventsIndex}; nothing else is touched`;
}
