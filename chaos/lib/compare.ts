import type { StoredFinding } from './findings.js';
import type { GroupValues } from './process-start.js';
import { compactValue, groupKey, type ExpectedFinding } from './truth.js';

/** Kinds of disagreement between the findings and the ground truth. */
export type MismatchKind = 'missing' | 'extra' | 'duplicated' | 'count' | 'first' | 'last';

/** One disagreement, with enough context to find the events and the findings involved. */
export interface Mismatch {
  kind: MismatchKind;
  group: GroupValues;
  bucket: string;
  expected: { count: number; first: string; last: string } | undefined;
  found: { id: string; count: number; first: string; last: string; version: number | undefined }[];
  /** Source events the truth counted in the group (first 20). */
  events: string[];
  /** Where those events came from (filled in by the runner, for diagnosis). */
  eventInfo?: EventInfo[];
}

/** One source event of a mismatch: where it was indexed, when, and what it is. */
export interface EventInfo {
  id: string;
  index: string;
  origin: string;
  malformed: string | undefined;
  timestamp: string;
  /** The event.ingested stamp of the send that stored it, if any. */
  ingested: string | undefined;
}

/** The outcome of comparing findings with the ground truth. */
export interface Comparison {
  expected: number;
  found: number;
  exact: number;
  missing: number;
  extra: number;
  duplicated: number;
  wrongCount: number;
  wrongFirst: number;
  wrongLast: number;
  mismatches: Mismatch[];
}

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));

/**
 * Matches stored findings to expected ones on the group values and the bucket (never on the
 * product's ids): a group with no finding is missing, a finding with no group is extra, two
 * findings for one group and bucket are a duplicate, and count, first and last must be equal.
 */
export function compareFindings(expected: ReadonlyMap<string, ExpectedFinding>, stored: readonly StoredFinding[]): Comparison {
  const byKey = new Map<string, StoredFinding[]>();
  for (const f of stored) {
    const key = groupKey(f.group, f.bucketStartMs);
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [f]);
    else list.push(f);
  }
  const c: Comparison = { expected: expected.size, found: stored.length, exact: 0, missing: 0, extra: 0, duplicated: 0, wrongCount: 0, wrongFirst: 0, wrongLast: 0, mismatches: [] };
  const add = (kind: MismatchKind, group: GroupValues, bucketMs: number, e: ExpectedFinding | undefined, found: readonly StoredFinding[]) => {
    c.mismatches.push({
      kind,
      group: Object.fromEntries(Object.entries(group).map(([k, v]) => [k, compactValue(v)])) as unknown as GroupValues,
      bucket: iso(bucketMs),
      expected: e === undefined ? undefined : { count: e.count, first: iso(e.firstMs), last: iso(e.lastMs) },
      found: found.map((f) => ({ id: f.id, count: f.count, first: iso(f.firstMs), last: iso(f.lastMs), version: f.version })),
      events: e?.events.slice(0, 20) ?? [],
    });
  };
  for (const [key, e] of expected) {
    const found = byKey.get(key) ?? [];
    if (found.length === 0) {
      c.missing += 1;
      add('missing', e.group, e.bucketStartMs, e, found);
      continue;
    }
    if (found.length > 1) {
      c.duplicated += 1;
      add('duplicated', e.group, e.bucketStartMs, e, found);
    }
    let exact = true;
    // With duplicates every copy must be right too; each wrong figure is counted once per group.
    if (found.some((f) => f.count !== e.count)) {
      c.wrongCount += 1;
      exact = false;
      add('count', e.group, e.bucketStartMs, e, found);
    }
    if (found.some((f) => f.firstMs !== e.firstMs)) {
      c.wrongFirst += 1;
      exact = false;
      add('first', e.group, e.bucketStartMs, e, found);
    }
    if (found.some((f) => f.lastMs !== e.lastMs)) {
      c.wrongLast += 1;
      exact = false;
      add('last', e.group, e.bucketStartMs, e, found);
    }
    if (exact && found.length === 1) c.exact += 1;
  }
  for (const [key, found] of byKey) {
    if (expected.has(key)) continue;
    c.extra += 1;
    const first = found[0] as StoredFinding;
    add('extra', first.group, first.bucketStartMs, undefined, found);
    if (found.length > 1) c.duplicated += 1;
  }
  return c;
}

/** True when the findings are exactly the truth. */
export function isExact(c: Comparison): boolean {
  return c.missing + c.extra + c.duplicated + c.wrongCount + c.wrongFirst + c.wrongLast === 0 && c.exact === c.expected;
}
