import { createHash } from 'node:crypto';
import { groupFields, unknownValue, type CimField } from '../normalize/fields.js';

/** The analytic's `by` fields with their values for one match. */
export type GroupValues = Record<(typeof groupFields)[number], string>;

/** The `by` values of an event; a missing value groups as "unknown" (CIM convention). */
export function groupValues(cim: Partial<Record<CimField, string>>): GroupValues {
  const out = {} as GroupValues;
  for (const f of groupFields) out[f] = cim[f] ?? unknownValue;
  return out;
}

/** Start of the fixed UTC bucket holding `timeMs` (buckets are aligned on the epoch). */
export function bucketStart(timeMs: number, bucketMs: number): number {
  return Math.floor(timeMs / bucketMs) * bucketMs;
}

/**
 * Deterministic finding id: rule id + group values + bucket start. The same group in the same
 * bucket always lands on the same document, so a rewrite replaces and never duplicates.
 */
export function findingId(ruleId: string, group: GroupValues, bucketStartMs: number, bucketMs: number): string {
  const h = createHash('sha256');
  h.update(ruleId);
  // Length-prefixed, so no value can imitate a field boundary.
  for (const f of groupFields) h.update(`\u0000${group[f].length}:${group[f]}`);
  h.update(`\u0000${bucketStartMs}\u0000${bucketMs}`);
  return h.digest('hex').slice(0, 40);
}

/** `index|id`: index names cannot contain `|`, so the first `|` splits it back. */
export function eventRefKey(ref: { index: string; id: string }): string {
  return `${ref.index}|${ref.id}`;
}

/** Inverse of eventRefKey. */
export function parseEventRefKey(key: string): { index: string; id: string } {
  const cut = key.indexOf('|');
  return cut < 0 ? { index: '', id: key } : { index: key.slice(0, cut), id: key.slice(cut + 1) };
}
