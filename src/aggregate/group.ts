import { createHash } from 'node:crypto';
import { groupFields, type CimField } from '../normalize/fields.js';

/** One of the analytic's `by` fields. */
export type GroupField = (typeof groupFields)[number];

/**
 * The analytic's `by` fields with their values for one match. A field the event did not have
 * holds MISSING: "missing" is its own group value, distinct from every real value (the text
 * "unknown" included), and the sink leaves such a field out of the documents it writes.
 */
export type GroupValues = Record<GroupField, string>;

/**
 * The value of a `by` field the event did not have. The normalizer never yields an empty
 * value (an empty string in the event counts as no value), so "" cannot be a real one.
 */
export const MISSING = '';

/** True when the event had no value for this `by` field. */
export function isMissing(value: string | undefined): value is typeof MISSING | undefined {
  return value === undefined || value === MISSING;
}

/** The `by` values of an event, in the analytic's order; a missing one is MISSING. */
export function groupValues(cim: Partial<Record<CimField, string>>): GroupValues {
  const out = {} as GroupValues;
  for (const f of groupFields) out[f] = cim[f] ?? MISSING;
  return out;
}

/** Start of the fixed UTC bucket holding `timeMs` (buckets are aligned on the epoch). */
export function bucketStart(timeMs: number, bucketMs: number): number {
  return Math.floor(timeMs / bucketMs) * bucketMs;
}

/**
 * Deterministic finding id: rule id + group values + bucket start. The same group in the same
 * bucket always lands on the same document, so a rewrite replaces and never duplicates.
 *
 * A present value is hashed as `NUL <length> : <value>` (unchanged since the first release, so
 * findings of complete groups keep their ids); a missing one as `NUL -`, which no present value
 * can produce, so "missing" never shares an id with any real value. Groups that had a missing
 * value were hashed with the text "unknown" before; they get new ids (docs/setup.md).
 */
export function findingId(ruleId: string, group: GroupValues, bucketStartMs: number, bucketMs: number): string {
  const h = createHash('sha256');
  h.update(ruleId);
  for (const f of groupFields) {
    const value = group[f];
    h.update(isMissing(value) ? '\u0000-' : `\u0000${value.length}:${value}`);
  }
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
