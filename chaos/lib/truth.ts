import { createHash } from 'node:crypto';
import type { Expectation, GroupValues } from './process-start.js';

/** A finding the detector must have written: one group in one bucket, with the analytic's figures. */
export interface ExpectedFinding {
  key: string;
  group: GroupValues;
  bucketStartMs: number;
  count: number;
  firstMs: number;
  lastMs: number;
  /** Ids of the source events counted in it (for diagnostics). */
  events: string[];
}

/**
 * The analytic's `tstats count min(_time) max(_time) by dest user parent_process_name
 * process_name process process_id parent_process_id span=<bucket>` over the events that exist
 * in Elasticsearch, from the generator's expectations only: no code of the product is used.
 */
export function expectedFindings(events: Iterable<{ id: string; expect: Expectation }>, bucketMs: number): Map<string, ExpectedFinding> {
  const out = new Map<string, ExpectedFinding>();
  for (const { id, expect } of events) {
    if (!expect.counted) continue;
    const bucketStartMs = Math.floor(expect.timeMs / bucketMs) * bucketMs;
    const key = groupKey(expect.group, bucketStartMs);
    const f = out.get(key);
    if (f === undefined) {
      out.set(key, { key, group: expect.group, bucketStartMs, count: 1, firstMs: expect.timeMs, lastMs: expect.timeMs, events: [id] });
    } else {
      f.count += 1;
      f.firstMs = Math.min(f.firstMs, expect.timeMs);
      f.lastMs = Math.max(f.lastMs, expect.timeMs);
      f.events.push(id);
    }
  }
  return out;
}

const groupOrder = ['dest', 'user', 'parent_process_name', 'process_name', 'process', 'process_id', 'parent_process_id'] as const;

/** The comparison key of a group and bucket; long values are hashed so keys stay small. */
export function groupKey(group: GroupValues, bucketStartMs: number): string {
  return JSON.stringify([...groupOrder.map((f) => compactValue(group[f])), bucketStartMs]);
}

/** A value as it appears in keys and reports: itself when short, else its length and hash. */
export function compactValue(v: string): string {
  if (v.length <= 512) return v;
  return `<${v.length} chars sha256:${createHash('sha256').update(v, 'utf8').digest('hex').slice(0, 16)} ${JSON.stringify(v.slice(0, 60))}...>`;
}
