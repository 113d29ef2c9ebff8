import cliProgress from 'cli-progress';
import type { BackfillRecord, RunSummary } from '../aggregate/backfill.js';
import { formatDuration } from './time.js';

/** Shows backfill progress: a bar on a TTY, JSON lines otherwise (one per update). */
export interface ProgressView {
  update(record: BackfillRecord, nowMs: number): void;
  stop(): void;
}

/** The view suited to stderr/stdout: a bar when stdout is a TTY, else JSON lines on stdout. */
export function createProgressView(tty: boolean): ProgressView {
  if (!tty) {
    return {
      update(r, now) {
        process.stdout.write(`${JSON.stringify(progressLine(r, now))}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: '{bar} {percentage}% | chunks {value}/{total} | scanned {scanned} | matches {matched} | findings {findings} | ETA {eta_h}',
      hideCursor: true,
      stopOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(r, now) {
      const payload = { scanned: r.stats.scanned, matched: r.stats.matched, findings: r.stats.findingsWritten, eta_h: formatDuration(etaMs(r, now)) };
      if (!started) {
        bar.start(r.chunks, r.chunksDone, payload);
        started = true;
      } else bar.update(r.chunksDone, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** Milliseconds left, from the pace of the chunks done so far. */
export function etaMs(r: BackfillRecord, nowMs: number): number {
  if (r.chunksDone >= r.chunks) return 0;
  if (r.startedAtMs === undefined || r.chunksDone === 0) return Number.NaN;
  const perChunk = (nowMs - r.startedAtMs) / r.chunksDone;
  return perChunk * (r.chunks - r.chunksDone);
}

/** The JSON progress line for non-TTY output. */
export function progressLine(r: BackfillRecord, nowMs: number): Record<string, unknown> {
  const eta = etaMs(r, nowMs);
  return {
    backfill: r.id,
    status: r.status,
    run: r.run,
    chunks_done: r.chunksDone,
    chunks: r.chunks,
    scanned: r.stats.scanned,
    matched: r.stats.matched,
    suppressed: r.stats.suppressed,
    skipped: r.stats.skipped,
    findings: r.stats.findingsWritten,
    dropped: r.stats.findingsDropped,
    eta_s: Number.isFinite(eta) ? Math.round(eta / 1000) : null,
    ...(r.previousRun === undefined ? {} : { previous_run: previousRunLine(r.previousRun) }),
  };
}

function previousRunLine(p: RunSummary): Record<string, unknown> {
  return {
    run: p.run,
    finished: p.finishedAtMs === undefined ? null : new Date(p.finishedAtMs).toISOString(),
    chunks_done: p.chunksDone,
    chunks_quarantined: p.chunksQuarantined,
    scanned: p.stats.scanned,
    matched: p.stats.matched,
    suppressed: p.stats.suppressed,
    skipped: p.stats.skipped,
    findings: p.stats.findingsWritten,
    dropped: p.stats.findingsDropped,
  };
}
