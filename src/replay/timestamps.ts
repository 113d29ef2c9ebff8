/**
 * Dates of replayed documents: strict parsing (what Elasticsearch's default
 * `strict_date_optional_time||epoch_millis` accepts, zone-less meaning UTC) and the
 * `--shift-to-now` move, the `update_timestamp` of Splunk's replay. Pure.
 */

/** The date fields moved by a time shift; `event.ingested` is always set to the load time instead. */
export const shiftedFields = ['@timestamp', 'event.created', 'event.start', 'event.end'] as const;

const maxDateLength = 64;

/**
 * Epoch ms of an ISO-8601 date or date-time string (fraction up to 9 digits; no zone means UTC)
 * or of an epoch-milliseconds number. Undefined for anything else.
 */
export function parseDate(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.length > maxDateLength) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(value);
  if (m === null) return undefined;
  const [, date, hh = '00', mm = '00', ss = '00', fraction, zone] = m;
  const ms = fraction === undefined ? '000' : fraction.slice(0, 3).padEnd(3, '0');
  const zoneText = zone === undefined ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const written = `${date}T${hh}:${mm}:${ss}`;
  const t = Date.parse(`${written}.${ms}${zoneText}`);
  if (Number.isNaN(t) || !sameWallClock(written, t, zoneText)) return undefined;
  return t;
}

/** Rejects dates JavaScript silently rolls over (2026-02-31, 24:61). */
function sameWallClock(written: string, t: number, zone: string): boolean {
  const offsetMin = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  return new Date(t + offsetMin * 60_000).toISOString().slice(0, 19) === written;
}

/** Epoch ms of Sysmon's `UtcTime` (`yyyy-MM-dd HH:mm:ss.SSS`, UTC), the integration's date format. */
export function parseSysmonUtcTime(value: string): number | undefined {
  if (value.length !== 23 || value[10] !== ' ' || value[19] !== '.') return undefined;
  return parseDate(`${value.slice(0, 10)}T${value.slice(11)}Z`);
}

/**
 * The shift that moves `latestMs` to `nowMs` (0 when there is nothing to shift). With `alignMs`,
 * the largest whole multiple of it that does not pass `nowMs`: the latest event lands in the
 * last `alignMs` before now, and every event keeps its place within UTC buckets of that size.
 */
export function shiftDelta(latestMs: number | undefined, nowMs: number, alignMs = 0): number {
  if (latestMs === undefined) return 0;
  const delta = nowMs - latestMs;
  return alignMs > 0 ? Math.floor(delta / alignMs) * alignMs : delta;
}

/**
 * Moves every date field of `shiftedFields` present in the document by `deltaMs`, in place.
 * Strings come back as ISO-8601 UTC with milliseconds, numbers as epoch ms; values that are
 * not dates are left alone.
 */
export function shiftDocument(doc: Record<string, unknown>, deltaMs: number): void {
  if (deltaMs === 0) return;
  for (const path of shiftedFields) {
    const slot = findSlot(doc, path);
    if (slot === undefined) continue;
    const value = slot.container[slot.key];
    const t = parseDate(value);
    if (t === undefined) continue;
    slot.container[slot.key] = typeof value === 'number' ? t + deltaMs : new Date(t + deltaMs).toISOString();
  }
}

/** Sets a field where the document already has it (nested or dotted key), else nested. */
export function setField(doc: Record<string, unknown>, path: string, value: unknown): void {
  const slot = findSlot(doc, path);
  if (slot !== undefined) {
    slot.container[slot.key] = value;
    return;
  }
  const parts = path.split('.');
  let node = doc;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === undefined) node[part] = {};
    else if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      // A scalar where an object should be: keep it and use a dotted key, as the source did.
      doc[path] = value;
      return;
    }
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

/** The object and key holding a dotted path, trying nested objects and dotted keys like getPath. */
export function findSlot(node: unknown, path: string): { container: Record<string, unknown>; key: string } | undefined {
  return walk(node, path.split('.'), 0);
}

function walk(node: unknown, parts: readonly string[], start: number): { container: Record<string, unknown>; key: string } | undefined {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const obj = node as Record<string, unknown>;
  for (let end = parts.length; end > start; end--) {
    const key = parts.slice(start, end).join('.');
    if (!Object.hasOwn(obj, key)) continue;
    if (end === parts.length) return { container: obj, key };
    const found = walk(obj[key], parts, end);
    if (found !== undefined) return found;
  }
  return undefined;
}
