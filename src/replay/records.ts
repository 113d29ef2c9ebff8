import { createHash } from 'node:crypto';
import { getPath } from '../normalize/values.js';
import { RecordError, parseSysmonLine } from './sysmon-record.js';
import { sysmonToEcs } from './sysmon-to-ecs.js';
import { defaultIndices, indexForDocument, sysmonNamespaceFor } from './target-index.js';
import { parseDate } from './timestamps.js';

/** The dataset formats `replay` reads, one record per line. */
export const replayFormats = ['ecs-ndjson', 'sysmon-linux'] as const;

/** One of `replayFormats`. */
export type ReplayFormat = (typeof replayFormats)[number];

/** A record ready to load: its line, deterministic `_id`, target index and ECS document. */
export interface ReplayRecord {
  line: number;
  id: string;
  index: string;
  /** `@timestamp` in epoch ms, before any shift. */
  timeMs: number;
  document: Record<string, unknown>;
}

/** A line that was not loaded: `reason` is a short category (counted), `message` the detail. */
export interface SkippedLine {
  line: number;
  reason: string;
  /** `line 17: expected ..., got ...` */
  message: string;
}

/** What one line of input is. */
export type LineResult = { kind: 'blank' } | { kind: 'record'; record: ReplayRecord } | { kind: 'skipped'; skipped: SkippedLine };

/** How lines are read: the format, and `--index` when given (otherwise derived per record). */
export interface ParseOptions {
  format: ReplayFormat;
  index: string | undefined;
}

/** Longer lines are skipped: no process event is this large, and a bulk request has a size limit. */
export const maxLineLength = 8 * 1024 * 1024;

/**
 * The `_id` of a record: sha256 of its line (without the line break), 40 hex digits. The same
 * line always becomes the same document, so replaying a file twice adds nothing; identical
 * lines in one file are one record.
 */
export function recordId(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('hex').slice(0, 40);
}

/** Turns one line into a record, a skip with its reason, or nothing (blank). Pure. */
export function parseLine(text: string, lineNumber: number, options: ParseOptions): LineResult {
  const line = text.endsWith('\r') ? text.slice(0, -1) : text;
  if (line.trim() === '') return { kind: 'blank' };
  const skip = (reason: string, message: string): LineResult => ({ kind: 'skipped', skipped: { line: lineNumber, reason, message: `line ${lineNumber}: ${message}` } });
  if (line.length > maxLineLength) return skip('line too long', `expected a line of at most ${maxLineLength} characters, got ${line.length}`);
  try {
    const parsed = options.format === 'sysmon-linux' ? sysmonLine(line, options) : ecsLine(line, options);
    return { kind: 'record', record: { line: lineNumber, id: recordId(line), ...parsed } };
  } catch (err) {
    if (err instanceof RecordError) return skip(err.reason, err.message);
    throw err;
  }
}

type Parsed = Omit<ReplayRecord, 'line' | 'id'>;

function sysmonLine(line: string, options: ParseOptions): Parsed {
  const index = options.index ?? defaultIndices.sysmonLinux;
  const document = sysmonToEcs(parseSysmonLine(line), line, sysmonNamespaceFor(index));
  return { index, timeMs: parseDate(document['@timestamp']) as number, document };
}

function ecsLine(line: string, options: ParseOptions): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new RecordError('invalid JSON', `expected a JSON object, got invalid JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RecordError('not a JSON object', `expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}`);
  }
  const document = unwrapHit(value as Record<string, unknown>);
  const stamp = getPath(document, '@timestamp');
  if (stamp === undefined || stamp === null || stamp === '') throw new RecordError('missing @timestamp', 'expected an @timestamp (ISO-8601 or epoch ms), got none');
  const timeMs = parseDate(Array.isArray(stamp) ? undefined : stamp);
  if (timeMs === undefined) {
    const shown = JSON.stringify(stamp);
    throw new RecordError('bad @timestamp', `expected @timestamp to be ISO-8601 (e.g. 2026-11-01T10:00:00Z) or epoch ms, got ${shown.length > 60 ? `${shown.slice(0, 60)}...` : shown}`);
  }
  if (options.index !== undefined) return { index: options.index, timeMs, document };
  const choice = indexForDocument(document);
  if (!choice.ok) throw new RecordError(choice.reason, choice.message);
  return { index: choice.index, timeMs, document };
}

/** A search hit or export line (`{"_index", "_id", "_source": {...}}`) replays its `_source`. */
function unwrapHit(value: Record<string, unknown>): Record<string, unknown> {
  const source = value._source;
  if (!Object.hasOwn(value, '@timestamp') && source !== null && typeof source === 'object' && !Array.isArray(source)) {
    return source as Record<string, unknown>;
  }
  return value;
}

/** The format a file's first non-blank line suggests: JSON object -> ecs-ndjson, `<Event` -> sysmon-linux. */
export function sniffFormat(firstLine: string): ReplayFormat | undefined {
  const t = firstLine.trimStart();
  if (t.startsWith('{')) return 'ecs-ndjson';
  if (t.includes('<Event>') || t.includes('<Event ')) return 'sysmon-linux';
  return undefined;
}
