import { InputError } from '../errors.js';

/**
 * Parses an ISO-8601 date or date-time from a flag. A value without a zone is UTC (not the
 * machine's local time), so the same command means the same range on every host.
 */
export function parseIsoFlag(flag: string, value: string): number {
  const v = value.trim();
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
  const m = iso.exec(v);
  if (m === null) throw new InputError(`${flag}: expected an ISO-8601 date or date-time such as 2026-11-01T00:00:00Z, got ${JSON.stringify(value)}`);
  const hasZone = m[4] !== undefined;
  const hasTime = m[1] !== undefined;
  const ms = Date.parse(hasZone ? v : hasTime ? `${v}Z` : `${v}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new InputError(`${flag}: expected a valid date, got ${JSON.stringify(value)}`);
  return ms;
}

/** `1h 2m 3s` style for humans. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h ${m}m ${sec}s` : m > 0 ? `${m}m ${sec}s` : `${sec}s`;
}
