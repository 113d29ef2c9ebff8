/**
 * Reading values out of an Elasticsearch `_source`, which may nest objects (`{process:{name}}`),
 * use dotted keys (`{"process.name": ...}`) or mix both. Pure and total: never throws.
 */

/**
 * A dotted path prepared once: for every level, the keys to try there, longest dotted key
 * first. Reading a compiled path allocates nothing, which matters on the per-hit hot path.
 */
export interface FieldPath {
  readonly path: string;
  /** `keys[start][i]` joins parts `start .. parts.length - i` with dots. */
  readonly keys: readonly (readonly string[])[];
}

/** Prepares a dotted path for repeated reads with {@link getPath}. */
export function compilePath(path: string): FieldPath {
  const parts = path.split('.');
  const keys: string[][] = [];
  for (let start = 0; start < parts.length; start++) {
    const row: string[] = [];
    for (let end = parts.length; end > start; end--) row.push(parts.slice(start, end).join('.'));
    keys.push(row);
  }
  return { path, keys };
}

// Paths named as strings come from code and config: few and fixed, so compiled once each.
const compiledPaths = new Map<string, FieldPath>();
const maxCompiledPaths = 4_096;

function compiled(path: string): FieldPath {
  let c = compiledPaths.get(path);
  if (c === undefined) {
    c = compilePath(path);
    if (compiledPaths.size < maxCompiledPaths) compiledPaths.set(path, c);
  }
  return c;
}

/** Value at a dotted path, trying nested objects and dotted keys at every level. */
export function getPath(source: unknown, path: string | FieldPath): unknown {
  const c = typeof path === 'string' ? compiled(path) : path;
  return walk(source, c.keys, 0);
}

function walk(node: unknown, keys: readonly (readonly string[])[], start: number): unknown {
  if (start === keys.length) return node;
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const obj = node as Record<string, unknown>;
  const row = keys[start] as readonly string[];
  // Longest dotted key first: `{"process.parent.name": x}` beats `{process: {...}}` only when present.
  for (let i = 0; i < row.length; i++) {
    const key = row[i] as string;
    const child = obj[key];
    // The own-property check only runs on a hit: a miss is one lookup.
    if (child !== undefined && Object.hasOwn(obj, key)) {
      const found = walk(child, keys, keys.length - i);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Why a value was changed on its way into a CIM field; bounded set, used as a metric label. */
export type ValueNote = 'array_joined' | 'truncated' | 'ill_formed_unicode' | 'non_string_coerced';

/**
 * How an array is read where one string is expected (ECS allows an array in any field, and
 * producers send them: Elastic Defend's event.action, split command lines, several host names).
 * - `distinct`: the array's distinct scalar values; one distinct value is that value (no note);
 *   several are all kept, sorted and joined with {@link ARRAY_JOINER}, so no value is hidden and the
 *   order the producer wrote them in does not change the group (note `array_joined`).
 * - `words`: the items in order joined with a space, as a command line split into words.
 * Never "the first element": a producer's order says nothing about which value is right.
 */
export type ArrayRule = 'distinct' | 'words';

/** Separator of the distinct values of an array read with the `distinct` rule. */
export const ARRAY_JOINER = ' | ';

/** Items of one array looked at; a hostile document cannot make a field read cost more. */
const maxArrayItems = 1_000;

/**
 * A single string from a field that should hold one: numbers and booleans as text, arrays read
 * by `rule` ({@link ArrayRule}), cut at `maxBytes` UTF-8 bytes and made well-formed after the
 * cut (so a cut never leaves half a surrogate pair). Undefined for absent, empty or object values.
 */
export function asString(value: unknown, maxBytes: number, notes?: Set<ValueNote>, rule: ArrayRule = 'distinct'): string | undefined {
  if (Array.isArray(value)) return fromArray(value, maxBytes, notes, rule);
  const s = scalarText(value, notes);
  return s === undefined ? undefined : fitString(s, maxBytes, notes);
}

/** The distinct non-empty scalar values of a field, in order of appearance (at most maxArrayItems looked at). */
export function distinctValues(value: unknown, maxBytes: number, notes?: Set<ValueNote>): string[] {
  const items = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  const n = Math.min(items.length, maxArrayItems);
  if (items.length > n) notes?.add('truncated');
  for (let i = 0; i < n; i++) {
    const s = scalarText(items[i], notes);
    if (s === undefined) continue;
    const fitted = fitString(s, maxBytes, notes);
    if (!out.includes(fitted)) out.push(fitted);
    if (out.length >= 64) break; // a field with more distinct values than this is noise; the first 64 are kept
  }
  return out;
}

function fromArray(items: readonly unknown[], maxBytes: number, notes: Set<ValueNote> | undefined, rule: ArrayRule): string | undefined {
  if (rule === 'words') {
    const words: string[] = [];
    const n = Math.min(items.length, maxArrayItems);
    if (items.length > n) notes?.add('truncated');
    for (let i = 0; i < n; i++) {
      const s = scalarText(items[i], notes);
      if (s !== undefined) words.push(s);
    }
    if (words.length === 0) return undefined;
    if (words.length > 1) notes?.add('array_joined');
    return fitString(words.join(' '), maxBytes, notes);
  }
  const values = distinctValues(items, maxBytes, notes);
  if (values.length === 0) return undefined;
  if (values.length === 1) return values[0];
  notes?.add('array_joined');
  return fitString(values.sort().join(ARRAY_JOINER), maxBytes, notes);
}

/** A scalar as text: strings, finite numbers; bigints and booleans with a note. Empty and other values: undefined. */
function scalarText(v: unknown, notes: Set<ValueNote> | undefined): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'bigint' || typeof v === 'boolean') {
    notes?.add('non_string_coerced');
    return String(v);
  }
  return undefined;
}

/** Cuts a string to at most `maxBytes` UTF-8 bytes, then repairs ill-formed UTF-16. */
export function fitString(s: string, maxBytes: number, notes?: Set<ValueNote>): string {
  let out = s;
  // Every UTF-16 code unit takes at most 3 UTF-8 bytes: short strings skip the byte count.
  if (out.length * 3 > maxBytes && Buffer.byteLength(out, 'utf8') > maxBytes) {
    out = truncateUtf8(out, maxBytes);
    notes?.add('truncated');
  }
  if (!out.isWellFormed()) {
    out = out.toWellFormed();
    notes?.add('ill_formed_unicode');
  }
  return out;
}

/** The longest prefix of `s` whose UTF-8 encoding fits in `maxBytes` (never splits a character). */
export function truncateUtf8(s: string, maxBytes: number): string {
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.codePointAt(i) as number;
    const isPair = c > 0xffff;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : isPair ? 4 : 3;
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += isPair ? 2 : 1;
  }
  return s.slice(0, i);
}

/** A list of strings from an array field (or a single string); non-strings are dropped. */
export function asStringArray(value: unknown, maxItems: number, maxBytes: number, notes?: Set<ValueNote>): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const item of items) {
    if (out.length >= maxItems) {
      notes?.add('truncated');
      break;
    }
    if (typeof item !== 'string') continue;
    out.push(fitString(item, maxBytes, notes));
  }
  return out.length > 0 ? out : undefined;
}

const isoDate = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Epoch milliseconds from what Elasticsearch's default date format accepts: an ISO-8601
 * string (no offset means UTC, as Elasticsearch reads it), epoch millis as a number or a
 * numeric string. Anything else is undefined, never a guess.
 */
export function asEpochMs(value: unknown): number | undefined {
  if (!Array.isArray(value)) return oneEpochMs(value);
  // Several dates: the earliest, as Elasticsearch sorts a multi-valued date ascending (mode min).
  let min: number | undefined;
  for (let i = 0; i < value.length && i < 64; i++) {
    const t = oneEpochMs(value[i]);
    if (t !== undefined && (min === undefined || t < min)) min = t;
  }
  return min;
}

function oneEpochMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || v === '' || v.length > 64) return undefined;
  if (/^-?\d{1,15}$/.test(v)) return Number(v);
  const m = isoDate.exec(v);
  if (m === null) return undefined;
  let text = v.replace(' ', 'T').replace(',', '.');
  if (m[1] === undefined) text += text.includes('T') ? 'Z' : 'T00:00:00Z';
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

/** Last path segment of a Unix or Windows path (`/usr/bin/curl` -> `curl`). */
export function basename(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut >= 0 ? path.slice(cut + 1) : path;
}
