import type { Client, estypes } from '@elastic/elasticsearch';
import { groupKey, type GroundTruth } from './synthetic.js';

/** The parts of a stored finding the comparison reads. */
export interface StoredFinding {
  id: string;
  host?: { name?: string };
  user?: { name?: string };
  process?: { pid?: number; command_line?: string; parent?: { pid?: number; name?: string } };
  finding?: { count?: number; first_time?: string; last_time?: string; bucket?: { start?: string }; events?: { index: string; id: string }[] };
}

/** Every finding under an alias (all its indices), read with a point in time; bounded by `maxPages`. */
export async function readFindings(es: Client, alias: string, includes: readonly string[] = ['host.name', 'user.name', 'process.*', 'finding.count', 'finding.first_time', 'finding.last_time', 'finding.bucket.start'], maxPages = 10_000): Promise<StoredFinding[]> {
  await es.indices.refresh({ index: `${alias}*`, ignore_unavailable: true, allow_no_indices: true });
  let pitId = (await es.openPointInTime({ index: `${alias}*`, keep_alive: '1m', ignore_unavailable: true })).id;
  const out: StoredFinding[] = [];
  try {
    let after: estypes.SortResults | undefined;
    for (let page = 0; page < maxPages; page++) {
      const res = await es.search<Omit<StoredFinding, 'id'>>({
        pit: { id: pitId, keep_alive: '1m' },
        size: 5_000,
        _source: { includes: [...includes] },
        sort: [{ _shard_doc: 'asc' }],
        track_total_hits: false,
        ...(after !== undefined ? { search_after: after } : {}),
      });
      if (res.pit_id !== undefined) pitId = res.pit_id;
      for (const h of res.hits.hits) out.push({ id: h._id ?? '', ...(h._source ?? {}) });
      if (res.hits.hits.length < 5_000) break;
      after = res.hits.hits[res.hits.hits.length - 1]?.sort;
      if (after === undefined) break;
    }
  } finally {
    await es.closePointInTime({ id: pitId }).catch(() => undefined);
  }
  return out;
}

/** The outcome of comparing the findings with the ground truth. */
export interface Verification {
  ok: boolean;
  expectedFindings: number;
  findings: number;
  expectedMatches: number;
  /** Sum of `finding.count` over every finding. */
  countedMatches: number;
  missing: number;
  unexpected: number;
  /** Found, but with another count, first or last time, user, parent or command line. */
  wrong: number;
  /** A few differences, for the report. */
  examples: string[];
}

/**
 * Compares findings with the truth group by group: none missing, none extra, and for each
 * the exact count, first and last time, user, parent name and command line.
 */
export function verifyFindings(truth: GroundTruth, findings: readonly StoredFinding[]): Verification {
  const seen = new Set<string>();
  const examples: string[] = [];
  let unexpected = 0;
  let wrong = 0;
  let counted = 0;
  for (const f of findings) {
    counted += f.finding?.count ?? 0;
    const key = groupKey(f.host?.name ?? '', f.process?.pid ?? -1, f.process?.parent?.pid ?? -1, Date.parse(f.finding?.bucket?.start ?? ''));
    const g = truth.groups.get(key);
    if (g === undefined || seen.has(key)) {
      unexpected += 1;
      if (examples.length < 5) examples.push(`unexpected finding ${f.id}: ${key} ${f.process?.command_line ?? ''}`);
      continue;
    }
    seen.add(key);
    const diffs: string[] = [];
    if (f.finding?.count !== g.count) diffs.push(`count ${f.finding?.count} != ${g.count}`);
    if (f.finding?.first_time !== new Date(g.firstMs).toISOString()) diffs.push(`first ${f.finding?.first_time} != ${new Date(g.firstMs).toISOString()}`);
    if (f.finding?.last_time !== new Date(g.lastMs).toISOString()) diffs.push(`last ${f.finding?.last_time} != ${new Date(g.lastMs).toISOString()}`);
    if (f.user?.name !== g.user) diffs.push(`user ${f.user?.name} != ${g.user}`);
    if (f.process?.parent?.name !== g.parentName) diffs.push(`parent ${f.process?.parent?.name} != ${g.parentName}`);
    if (f.process?.command_line !== g.commandLine) diffs.push(`command line ${JSON.stringify(f.process?.command_line)} != ${JSON.stringify(g.commandLine)}`);
    if (diffs.length > 0) {
      wrong += 1;
      if (examples.length < 5) examples.push(`${key}: ${diffs.join('; ')}`);
    }
  }
  const missing = truth.groups.size - seen.size;
  if (missing > 0) {
    for (const [key, g] of truth.groups) {
      if (examples.length >= 8) break;
      if (!seen.has(key)) examples.push(`missing finding ${key}: ${g.commandLine}`);
    }
  }
  return {
    ok: missing === 0 && unexpected === 0 && wrong === 0 && counted === truth.proxied,
    expectedFindings: truth.groups.size,
    findings: findings.length,
    expectedMatches: truth.proxied,
    countedMatches: counted,
    missing,
    unexpected,
    wrong,
    examples,
  };
}
