import type { Command } from 'commander';
import { createApp } from '../../app.js';
import { readErrors } from '../../aggregate/recent-errors.js';
import { LiveCursor } from '../../aggregate/cursor.js';
import { createLogger } from '../../telemetry/logger.js';
import { configFor } from '../context.js';
import { progressLine } from '../progress.js';
import { formatDuration } from '../time.js';

/** `status`: where the live cursor is, what is queued, backfills, recent errors. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show the live cursor and its lag, queue depths, backfills and recent errors')
    .option('--json', 'print one JSON document')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const config = configFor(cmd);
      const app = createApp(config, createLogger(config.log), 'command');
      try {
        const now = Date.now();
        const cursor = await new LiveCursor(app.redis, app.keys.liveCursor).get();
        const stats = await app.redis.hgetall(app.keys.liveStats);
        const [live, backfill] = await Promise.all([
          app.liveQueue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'),
          app.backfillQueue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'),
        ]);
        const backfills = (await app.backfills.list(20)).map((r) => progressLine(r, now));
        const errors = await readErrors(app.redis, app.keys.recentErrors, 10);
        const leader = await app.redis.get(app.keys.liveLeader);
        const doc = {
          live: {
            cursor: cursor === undefined ? null : new Date(cursor).toISOString(),
            lag_s: cursor === undefined ? null : Math.round((now - cursor) / 1000),
            leader,
            last_tick: stats.lastTickAt === undefined ? null : new Date(Number(stats.lastTickAt)).toISOString(),
            totals: Object.fromEntries(Object.entries(stats).filter(([k]) => k !== 'lastTickAt' && k !== 'cursor').map(([k, v]) => [k, Number(v)])),
          },
          queues: { live, backfill },
          backfills,
          recent_errors: errors,
        };
        if (opts.json === true) {
          process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
          return;
        }
        const lines = labelled([
          ['live cursor', `${doc.live.cursor ?? 'not started'}${cursor !== undefined ? `  (lag ${formatDuration(now - cursor)})` : ''}`],
          ['leader', leader ?? 'none'],
          ['live totals', Object.entries(doc.live.totals).map(([k, v]) => `${k} ${v}`).join(', ') || '-'],
          ['live queue', Object.entries(live).map(([k, v]) => `${k} ${v}`).join(', ')],
          ['backfill queue', Object.entries(backfill).map(([k, v]) => `${k} ${v}`).join(', ')],
          ['backfills', backfills.length === 0 ? 'none' : ''],
          ...backfills.map((b) => `  ${String(b.backfill)} ${String(b.status)} run ${String(b.run)} chunks ${String(b.chunks_done)}/${String(b.chunks)} findings ${String(b.findings)}`),
          ['recent errors', errors.length === 0 ? 'none' : ''],
          ...errors.map((e) => `  ${e.at} ${e.where}: ${e.message}`),
        ]);
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await app.close();
      }
    });
}

/**
 * Lines of the text view: `[label, value]` pairs with every value starting in one column (the
 * longest label plus two spaces), plain strings (indented detail lines) as they are.
 */
export function labelled(rows: readonly (readonly [string, string] | string)[]): string[] {
  const width = Math.max(0, ...rows.map((r) => (typeof r === 'string' ? 0 : r[0].length))) + 2;
  return rows.map((r) => (typeof r === 'string' ? r : `${r[0].padEnd(width)}${r[1]}`.trimEnd()));
}
