/**
 * Reading values out of an Elasticsearch `_source`, which may nest objects (`{process:{name}}`),
 * use dotted keys (`{"process.name": ...}`) or mix both. Pure and total: never throws.
 */

/** Value at a dotted path, trying nested objects and dotted keys at every level. */
export function getPath(source: unknown, path: string): unknown {
  return walk(source, path.split('.'), 0);
}

function walk(node: unknown, parts: readonly string[], start: number): unknown {
  if (start === parts.length) return node;
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const obj = node as Record<string, unknown>;
  // Longest dotted key first: `{"process.parent.name": x}` beats `{process: {...}}` only when present.
  for (let end = parts.length; end > start; end--) {
    const key = end - start === 1 ? (parts[start] as string) : parts.slice(start, end).join('.');
    if (Object.hasOwn(obj, key)) {
      const found = walk(obj[key], parts, end);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Why a value was changed on its way into a CIM field; bounded set, used as a metric label. */
export type ValueNote = 'array_flattened' | 'truncated' | 'ill_formed_unicode' | 'non_string_coerced';

/**
 * A single string from a field that should hold one: the first string of an array, numbers
 * and booleans as text, ill-formed UTF-16 repaired, cut at `maxLength`. Undefined for
 * absent, empty or object values.
 */
export function asString(value: unknown, maxLength: number, notes?: Set<ValueNote>): string | undefined {
  let v = value;
  if (Array.isArray(v)) {
    const first = v.find((x) => typeof x === 'string' || typeof x === 'number');
    if (first === undefined) return undefined;
    if (v.length > 1) notes?.add('array_flattened');
    v = first;
  }
  let s: string;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number' && Number.isFinite(v)) {
    s = String(v);
  } else if (typeof v === 'bigint' || typeof v === 'boolean') {
    s = String(v);
    notes?.add('non_string_coerced');
  } else return undefined;
  if (s === '') return undefined;
  if (!s.isWellFormed()) {
    s = s.toWellFormed();
    notes?.add('ill_formed_unicode');
  }
  if (s.length > maxLength) {
    s = s.slice(0, maxLength);
    notes?.add('truncated');
  }
  return s;
}

/** A list of strings from an array field (or a single string); non-strings are dropped. */
export function asStringArray(value: unknown, maxItems: number, maxLength: number, notes?: Set<ValueNote>): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const item of items) {
    if (out.length >= maxItems) {
      notes?.add('truncated');
      break;
    }
    if (typeof item !== 'string') continue;
    let s = item.isWellFormed() ? item : (notes?.add('ill_formed_unicode'), item.toWellFormed());
    if (s.length > maxLength) {
      s = s.slice(0, maxLength);
      notes?.add('truncated');
    }
    out.push(s);
  }
  return out.length > 0 ? out : undefined;
}

/** Epoch milliseconds from an ISO date string or an epoch number; undefined when unparseable. */
export function asEpochMs(value: unknown): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v !== '') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** Last path segment of a Unix or Windows path (`/usr/bin/curl` -> `curl`). */
export function basename(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut >= 0 ? path.slice(cut + 1) : path;
}
