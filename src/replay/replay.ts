import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Client } from '@elastic/elasticsearch';
import { InputError } from '../errors.js';
import { toServiceError } from '../source/errors.js';
import { loadBatch, type BatchOutcome } from './bulk-load.js';
import { prepareIndex, type Preparation } from './prepare-index.js';
import { parseLine, sniffFormat, type ReplayFormat, type ReplayRecord, type SkippedLine } from './records.js';
import { coveredBy, indexNameProblem } from './target-index.js';
import { setField, shiftDelta, shiftDocument } from './timestamps.js';

/** What to replay and how. */
export interface ReplayOptions {
  file: string;
  /** Undefined: guessed from the first non-blank line. */
  format: ReplayFormat | undefined;
  /** `--index`: every record goes there; otherwise derived per record. */
  index: string | undefined;
  /** Move all dates so the latest event is at the load time (Splunk replay's update_timestamp). */
  shiftToNow: boolean;
  /**
   * With shiftToNow: shift by a whole multiple of this instead (the latest event lands within
   * this long before now), so events fall into the same aggregation buckets on every replay.
   */
  shiftAlignMs?: number;
  /** The worker's `source.indexPatterns`, to say whether it will read the targets. */
  sourcePatterns: readonly string[];
  batchSize?: number;
  maxRetries?: number;
  backoffMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** A target index and what happened there. */
export interface IndexReport {
  name: string;
  preparation: Preparation;
  loaded: number;
  alreadyPresent: number;
  rejected: number;
  /** Whether the worker's configured source.indexPatterns cover it. */
  readByWorker: boolean;
}

/** A record Elasticsearch did not take. */
export interface RefusedRecord {
  line: number;
  index: string;
  status: number;
  reason: string;
}

/** Everything a replay did; the CLI prints it as text or JSON. */
export interface ReplaySummary {
  file: string;
  format: ReplayFormat;
  lines: number;
  records: number;
  loaded: number;
  alreadyPresent: number;
  skipped: number;
  skippedByReason: Record<string, number>;
  /** The first `maxListed` skipped lines, with their messages. */
  skippedLines: SkippedLine[];
  rejected: number;
  rejectedLines: RefusedRecord[];
  /** Refused with 429/5xx after every retry: run the same command again to load them. */
  unavailable: number;
  unavailableLines: RefusedRecord[];
  indices: IndexReport[];
  shift: { applied: boolean; deltaMs: number; latestBefore: string | undefined; latestAfter: string | undefined };
}

/** Listed lines per kind in a summary are capped; the counts are always complete. */
export const maxListed = 1_000;

const defaultBatchSize = 500;
const maxBatchChars = 5 * 1024 * 1024;

/**
 * Loads a dataset file into Elasticsearch: reads it line by line (twice with shiftToNow: once
 * for the latest timestamp), converts each line to an ECS document, prepares each target index
 * once, loads in bulk batches and refreshes the targets at the end. Bad lines are skipped and
 * reported with their line number; the rest loads.
 */
export async function replayFile(client: Client, options: ReplayOptions): Promise<ReplaySummary> {
  await checkReadable(options.file);
  if (options.index !== undefined) {
    const problem = indexNameProblem(options.index);
    if (problem !== undefined) throw new InputError(`--index: ${problem}, got ${JSON.stringify(options.index)}`);
  }
  const format = options.format ?? (await guessFormat(options.file));
  const now = options.now ?? Date.now;
  const parse = { format, index: options.index };

  let deltaMs = 0;
  let latest: number | undefined;
  if (options.shiftToNow) {
    for await (const { text, number } of readLines(options.file)) {
      const r = parseLine(text, number, parse);
      if (r.kind === 'record' && (latest === undefined || r.record.timeMs > latest)) latest = r.record.timeMs;
    }
    deltaMs = shiftDelta(latest, now(), options.shiftAlignMs);
  }

  const summary: ReplaySummary = {
    file: options.file,
    format,
    lines: 0,
    records: 0,
    loaded: 0,
    alreadyPresent: 0,
    skipped: 0,
    skippedByReason: {},
    skippedLines: [],
    rejected: 0,
    rejectedLines: [],
    unavailable: 0,
    unavailableLines: [],
    indices: [],
    shift: {
      applied: options.shiftToNow && latest !== undefined,
      deltaMs,
      latestBefore: latest === undefined ? undefined : new Date(latest).toISOString(),
      latestAfter: latest === undefined ? undefined : new Date(latest + deltaMs).toISOString(),
    },
  };
  const indices = new Map<string, IndexReport>();
  const batchSize = options.batchSize ?? defaultBatchSize;
  let batch: ReplayRecord[] = [];
  let batchChars = 0;

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    for (const record of batch) {
      if (!indices.has(record.index)) {
        const preparation = await prepareIndex(client, record.index);
        indices.set(record.index, { name: record.index, preparation, loaded: 0, alreadyPresent: 0, rejected: 0, readByWorker: coveredBy(record.index, options.sourcePatterns) });
      }
    }
    // event.ingested is when the document reached the cluster, whatever the file says.
    const ingested = new Date(now()).toISOString();
    for (const record of batch) setField(record.document, 'event.ingested', ingested);
    const outcome = await loadBatch(client, batch, { maxRetries: options.maxRetries ?? 5, backoffMs: options.backoffMs ?? 500, ...(options.sleep ? { sleep: options.sleep } : {}) });
    tally(summary, indices, outcome);
    batch = [];
    batchChars = 0;
  };

  for await (const { text, number } of readLines(options.file)) {
    summary.lines = number;
    const r = parseLine(text, number, parse);
    if (r.kind === 'blank') continue;
    if (r.kind === 'skipped') {
      summary.skipped += 1;
      summary.skippedByReason[r.skipped.reason] = (summary.skippedByReason[r.skipped.reason] ?? 0) + 1;
      if (summary.skippedLines.length < maxListed) summary.skippedLines.push(r.skipped);
      continue;
    }
    summary.records += 1;
    shiftDocument(r.record.document, deltaMs);
    batch.push(r.record);
    batchChars += text.length;
    if (batch.length >= batchSize || batchChars >= maxBatchChars) await flush();
  }
  await flush();

  summary.indices = [...indices.values()];
  if (summary.indices.length > 0) {
    try {
      await client.indices.refresh({ index: summary.indices.map((i) => i.name), ignore_unavailable: true, allow_no_indices: true });
    } catch (err) {
      throw toServiceError(err, 'refreshing the replay targets');
    }
  }
  return summary;
}

function tally(summary: ReplaySummary, indices: Map<string, IndexReport>, outcome: BatchOutcome): void {
  const report = (r: ReplayRecord) => indices.get(r.index) as IndexReport;
  for (const r of outcome.loaded) report(r).loaded += 1;
  for (const r of outcome.alreadyPresent) report(r).alreadyPresent += 1;
  summary.loaded += outcome.loaded.length;
  summary.alreadyPresent += outcome.alreadyPresent.length;
  for (const { record, status, reason } of outcome.rejected) {
    report(record).rejected += 1;
    summary.rejected += 1;
    if (summary.rejectedLines.length < maxListed) summary.rejectedLines.push({ line: record.line, index: record.index, status, reason });
  }
  for (const { record, status, reason } of outcome.unavailable) {
    summary.unavailable += 1;
    if (summary.unavailableLines.length < maxListed) summary.unavailableLines.push({ line: record.line, index: record.index, status, reason });
  }
}

async function checkReadable(file: string): Promise<void> {
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new InputError(`replay: expected a file, got a ${s.isDirectory() ? 'directory' : 'special file'}: ${file}`);
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new InputError(`replay: cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code}`, { cause: err });
  }
}

async function guessFormat(file: string): Promise<ReplayFormat> {
  for await (const { text } of readLines(file)) {
    if (text.trim() === '') continue;
    const format = sniffFormat(text);
    if (format !== undefined) return format;
    break;
  }
  throw new InputError(`replay: cannot tell the format of ${file} from its first line: expected --format ecs-ndjson or --format sysmon-linux`);
}

/** Lines with their 1-based numbers; `\r\n` and `\n` both end a line. */
async function* readLines(file: string): AsyncGenerator<{ text: string; number: number }> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const text of lines) {
      number += 1;
      yield { text, number };
    }
  } finally {
    lines.close();
    input.destroy();
  }
}
