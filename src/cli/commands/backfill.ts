import type { Command } from 'commander';
import { createApp, startWorker, type App } from '../../app.js';
import type { BackfillAction, BackfillRecord } from '../../aggregate/backfill.js';
import { createLogger } from '../../telemetry/logger.js';
import { collect } from '../collect.js';
import { configFor } from '../context.js';
import { createProgressView, progressLine } from '../progress.js';
import { formatDuration, parseIsoFlag } from '../time.js';
import { setTimeout as sleep } from 'node:timers/promises';

interface BackfillOptions {
  from?: string;
  to?: string;
  index?: string[];
  at?: string;
  wait?: boolean;
  json?: boolean;
  maxChunks?: string;
}

/** `backfill`: schedule, follow, list and cancel backfills over historical indices. */
export function registerBackfill(program: Command): void {
  const backfill = program
    .command('backfill')
    .description('run the detection over a past time range (event time), split into chunk jobs any worker picks up')
    .option('--from <iso>', 'start of the range, inclusive (ISO-8601; no zone means UTC)')
    .option('--to <iso>', 'end of the range, exclusive')
    .option('--index <pattern>', 'index pattern to read (repeatable; default: source.indexPatterns)', collect)
    .option('--at <iso>', 'do not start before this time')
    .option('--wait', 'process the chunks in this process and wait until done (progress on stdout)')
    .option('--json', 'print JSON instead of text')
    .option('--max-chunks <n>', 'refuse a range of more chunks than this (overrides backfill.maxChunks, default 10000)')
    .action(async (opts: BackfillOptions, cmd: Command) => {
      if (opts.from === undefined || opts.to === undefined) {
        cmd.error('backfill: --from and --to are required (or use `backfill list` / `backfill cancel <id>`)', { exitCode: 2 });
      }
      const fromMs = parseIsoFlag('--from', opts.from as string);
      const toMs = parseIsoFlag('--to', opts.to as string);
      const atMs = opts.at === undefined ? undefined : parseIsoFlag('--at', opts.at);
      await withApp(cmd, { 'backfill.maxChunks': opts.maxChunks }, async (app) => {
        const indexPatterns = opts.index ?? [...app.config.source.indexPatterns];
        const { record, action, resumed, queued, countError } = await app.backfills.create({ fromMs, toMs, indexPatterns, atMs });
        // Nothing is lost (the jobs cover the range either way), only more jobs than needed.
        if (countError !== undefined) app.logger.warn({ event: { action: 'backfill-count-failed' }, backfill: { id: record.id } }, `could not count the candidates to size the chunk jobs (${countError}); one job per chunk`);
        if (opts.json === true) process.stdout.write(`${JSON.stringify({ ...progressLine(record, Date.now()), action, resumed, queued_chunks: queued })}\n`);
        else process.stdout.write(`${createdLine(record, action, queued, atMs !== undefined)}\n`);
        if (opts.wait !== true) {
          if (opts.json !== true) process.stdout.write(`a running worker picks it up; follow it with: curl-proxy-detector backfill list\n`);
          return;
        }
        await follow(app, record.id, opts.json === true || process.stdout.isTTY !== true);
      });
    });

  backfill
    .command('list')
    .description('list backfills with their progress')
    .option('--json', 'print JSON lines')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withApp(cmd, {}, async (app) => {
        const records = await app.backfills.list();
        const now = Date.now();
        if (opts.json === true) {
          for (const r of records) process.stdout.write(`${JSON.stringify(progressLine(r, now))}\n`);
          return;
        }
        if (records.length === 0) process.stdout.write('no backfills\n');
        for (const r of records) process.stdout.write(`${describe(r, now)}\n`);
      });
    });

  backfill
    .command('cancel <id>')
    .description('cancel a backfill: queued chunks are removed, running ones finish')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await withApp(cmd, {}, async (app) => {
        const r = await app.backfills.cancel(id);
        process.stdout.write(`cancelled ${r.id} (${r.chunksDone}/${r.chunks} chunks were done)\n`);
      });
    });
}

/** Runs `fn` with an app on the command's config plus `flags` (dotted keys; undefined ones are left out). */
async function withApp(cmd: Command, flags: Record<string, unknown>, fn: (app: App) => Promise<void>): Promise<void> {
  const config = configFor(cmd, flags);
  const app = createApp(config, createLogger(config.log), 'command');
  try {
    await fn(app);
  } finally {
    await app.close();
  }
}

async function follow(app: App, id: string, plain: boolean): Promise<void> {
  const running = await startWorker(app, { live: false, backfill: true });
  const view = createProgressView(!plain);
  try {
    for (;;) {
      const r = await app.backfills.get(id);
      if (r === undefined) throw new Error(`backfill ${id} disappeared`);
      view.update(r, Date.now());
      if (r.status === 'done' || r.status === 'cancelled') break;
      await sleep(plain ? 1_000 : 250);
    }
  } finally {
    view.stop();
    await running.stop();
  }
  const r = await app.backfills.get(id);
  if (r !== undefined && !plain) process.stdout.write(`${describe(r, Date.now())}\n`);
}

/**
 * What asking for the backfill did, in one line: created, a finished one scanned again as its
 * next run (with the figures of the run before), or an unfinished one resumed.
 */
export function createdLine(r: BackfillRecord, action: BackfillAction, queued: number, scheduled: boolean): string {
  const range = `${iso(r.fromMs)} .. ${iso(r.toMs)} in ${r.chunks} chunk(s)`;
  const at = scheduled ? `, starting at ${iso(r.startAtMs)}` : '';
  switch (action) {
    case 'created':
      return `created backfill ${r.id}: ${range}, ${queued} queued${at}`;
    case 'rescanning': {
      const p = r.previousRun;
      const before = p === undefined ? '' : `; run ${p.run} had ${p.chunksDone} chunk(s) done, scanned ${p.stats.scanned}, matches ${p.stats.matched}, findings ${p.stats.findingsWritten}`;
      return `rescanning finished backfill ${r.id} (run ${r.run}): ${range}, ${queued} queued${at}${before}`;
    }
    default: {
      const quarantined = r.chunksQuarantined > 0 ? `, ${r.chunksQuarantined} quarantined` : '';
      const what = action === 'resuming-cancelled' ? 'cancelled' : 'unfinished';
      return `resuming ${what} backfill ${r.id} (run ${r.run}): ${range}, ${queued} queued, ${r.chunksDone} done${quarantined}${at}`;
    }
  }
}

/** One backfill in `backfill list`: its current run, and on a second line the run before. */
export function describe(r: BackfillRecord, now: number): string {
  const took = r.startedAtMs !== undefined ? formatDuration((r.finishedAtMs ?? now) - r.startedAtMs) : '-';
  const line =
    `${r.id}  ${r.status.padEnd(9)}  ${iso(r.fromMs)} .. ${iso(r.toMs)}  ${r.run > 1 ? `run ${r.run}  ` : ''}chunks ${r.chunksDone}/${r.chunks}  ` +
    (r.chunksQuarantined > 0 ? `QUARANTINED ${r.chunksQuarantined} (fail the same way every time; see the worker's ERROR logs)  ` : '') +
    `scanned ${r.stats.scanned}  matches ${r.stats.matched}  suppressed ${r.stats.suppressed}  findings ${r.stats.findingsWritten}  took ${took}`;
  const p = r.previousRun;
  if (p === undefined) return line;
  const finished = p.finishedAtMs === undefined ? '' : ` finished ${iso(p.finishedAtMs)}`;
  return (
    `${line}\n  previous run ${p.run}${finished}: chunks ${p.chunksDone}/${p.chunks ?? r.chunks}` +
    (p.chunksQuarantined > 0 ? `  quarantined ${p.chunksQuarantined}` : '') +
    `  scanned ${p.stats.scanned}  matches ${p.stats.matched}  suppressed ${p.stats.suppressed}  findings ${p.stats.findingsWritten}`
  );
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
