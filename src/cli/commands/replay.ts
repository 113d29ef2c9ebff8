import { Option, type Command } from 'commander';
import { createElasticsearchClient } from '../../clients/elasticsearch.js';
import { ServiceUnavailableError } from '../../errors.js';
import { replayFormats, type ReplayFormat } from '../../replay/records.js';
import { replayFile, type IndexReport, type ReplaySummary } from '../../replay/replay.js';
import { configFor } from '../context.js';

interface ReplayFlags {
  format?: ReplayFormat;
  index?: string;
  shiftToNow?: boolean;
  json?: boolean;
}

/** Skipped-line messages printed in text mode; --json lists more. */
const printedSkips = 20;

/**
 * `replay <file>`: loads a dataset into Elasticsearch the way Splunk's replay tool loads one
 * into Splunk. Exit 0 once the file was read (skipped lines included), 2 for a missing file or
 * a bad flag, 1 when Elasticsearch kept refusing records (running it again finishes the job).
 */
export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('load a dataset (ECS NDJSON, or Sysmon for Linux XML-in-syslog records) into Elasticsearch')
    .argument('<file>', 'the dataset file, one record per line')
    .addOption(new Option('--format <format>', 'record format (default: guessed from the first line)').choices(replayFormats))
    .option('--index <name>', 'index or data stream for every record (default: derived per record, see docs/replay.md)')
    .option('--shift-to-now', 'move all timestamps by one delta so the latest event is now')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, flags: ReplayFlags, cmd: Command) => {
      const config = configFor(cmd);
      const client = createElasticsearchClient(config.elasticsearch);
      let summary: ReplaySummary;
      try {
        summary = await replayFile(client, {
          file,
          format: flags.format,
          index: flags.index,
          shiftToNow: flags.shiftToNow === true,
          sourcePatterns: config.source.indexPatterns,
        });
      } finally {
        await client.close();
      }
      if (flags.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else printSummary(summary);
      if (summary.unavailable > 0) {
        throw new ServiceUnavailableError(
          'elasticsearch',
          `${summary.unavailable} record(s) not loaded: still refused with 429/5xx after retries; run the same command again (loaded records are recognized and not duplicated)`,
        );
      }
    });
}

function printSummary(s: ReplaySummary): void {
  const out: string[] = [];
  out.push(
    `replayed ${s.file} (${s.format}, ${s.lines} lines): ${s.loaded} loaded, ${s.alreadyPresent} already present, ` +
      `${s.skipped} skipped, ${s.rejected} rejected${s.unavailable > 0 ? `, ${s.unavailable} not loaded (Elasticsearch busy)` : ''}`,
  );
  for (const index of s.indices) out.push(`  ${describeIndex(index)}`);
  if (s.indices.length === 0) out.push('  no records to load');
  const reasons = Object.entries(s.skippedByReason).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (reasons.length > 0) out.push(`  skipped: ${reasons.map(([reason, n]) => `${n} ${reason}`).join('; ')}`);
  out.push(`  time shift: ${describeShift(s.shift)}`);
  process.stdout.write(`${out.join('\n')}\n`);

  const problems = [
    ...s.skippedLines.map((l) => l.message),
    ...s.rejectedLines.map((r) => `line ${r.line}: rejected by Elasticsearch (HTTP ${r.status}) in ${r.index}: ${r.reason}`),
  ];
  for (const message of problems.slice(0, printedSkips)) process.stderr.write(`${message}\n`);
  const more = s.skipped + s.rejected - Math.min(problems.length, printedSkips);
  if (more > 0) process.stderr.write(`... and ${more} more (use --json for the list)\n`);
}

function describeIndex(i: IndexReport): string {
  const how = {
    created: 'created with mappings/ecs-process-events.json',
    template: 'created from its index template',
    exists: 'existing',
    unchecked: 'not checked: no privilege to read index templates; Elasticsearch creates it',
  }[i.preparation];
  const counts = `${i.loaded} loaded, ${i.alreadyPresent} already present${i.rejected > 0 ? `, ${i.rejected} rejected` : ''}`;
  const warn = i.readByWorker ? '' : `\n    note: the worker's source.indexPatterns do not cover ${i.name}; add it to read these events`;
  return `${i.name} (${how}): ${counts}${warn}`;
}

function describeShift(shift: ReplaySummary['shift']): string {
  if (!shift.applied) return 'none (timestamps as in the file; --shift-to-now moves the latest event to now)';
  return `${formatDelta(shift.deltaMs)} (latest event ${shift.latestBefore ?? '?'} -> ${shift.latestAfter ?? '?'})`;
}

/** `+27d 3h 4m 5.250s` */
export function formatDelta(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  let rest = Math.abs(ms);
  const d = Math.floor(rest / 86_400_000);
  rest -= d * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const parts = [d > 0 ? `${d}d` : '', d > 0 || h > 0 ? `${h}h` : '', d > 0 || h > 0 || m > 0 ? `${m}m` : '', `${(rest / 1000).toFixed(3).replace(/\.?0+$/, '')}s`];
  return `${sign}${parts.filter((p) => p !== '').join(' ')}`;
}
