import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import type { Comparison, Mismatch } from './compare.js';
import type { FaultPlan, FaultRecord } from './faults.js';
import type { Origin } from './generator.js';
import type { IndexerStats } from './indexer.js';
import type { FailedChunk } from './settle.js';

/** Per-origin or per-case event figures. */
export interface EventFigures {
  generated: number;
  stored: number;
  rejected: number;
  /** Stored events the truth counts (proxied curl a correct detector must count). */
  counted: number;
}

/** Everything a chaos run measured; written as JSON and printed as tables. */
export interface ChaosReport {
  schema: 1;
  label: string;
  seed: number;
  ok: boolean;
  /** Why the run is not ok, one line each. */
  problems: string[];
  startedAt: string;
  finishedAt: string;
  /** Start of the live stream; fault and backfill times are offsets from it. */
  streamStartedAt: string;
  machine: { cpus: number; memoryGb: number; node: string };
  command: string;
  names: { prefix: string; findingsAlias: string; keyPrefix: string };
  services: { elasticsearch: string; redis: string; ownElasticsearch: boolean; elasticsearchNodes: number };
  settings: Record<string, unknown>;
  faultPlan: FaultPlan[];
  /** Malformed cases left out of this run. */
  skippedCases: string[];
  /** Failed backfill chunks were re-queued by the run (as `backfill --wait` does). */
  retryFailedChunks: boolean;
  historyRange: { from: string; to: string };
  events: {
    byOrigin: Record<Origin, EventFigures>;
    malformed: Record<string, EventFigures & { truth: string }>;
    total: EventFigures;
    indexer: IndexerStats;
  };
  faults: FaultRecord[];
  backfill: {
    id: string | undefined;
    createdAtMs: number | undefined;
    status: string | undefined;
    chunks: number | undefined;
    chunksDone: number | undefined;
    tookMs: number | undefined;
    /** Chunk jobs in BullMQ's failed state at the end (reason, attempts, stalls). */
    failedChunks: FailedChunk[];
  };
  findings: Omit<Comparison, 'mismatches'>;
  mismatches: Mismatch[];
  /** Source events of the groups that differ, by index (a diagnosis aid: one index means one shard). */
  mismatchedEventsByIndex: Record<string, number>;
  /** Disagreements between what the generator believes it stored and what Elasticsearch holds. */
  sourceDiscrepancies: string[];
  /** Log lines at ERROR or FATAL from the workers (ERROR means data loss). */
  workerErrors: { count: number; first: string[] };
  /** Windows retried because their state reached no replica in time (redis.waitReplicas; Sentinel runs). */
  waitReplicaRetries: number;
  product: { liveStats: Record<string, string>; backfillStats: Record<string, number> | undefined };
  durationsMs: { services: number; preload: number; stream: number; settle: number; compare: number; total: number };
  settle: { cursorTargetMs: number | undefined; cursorMs: number | undefined; settled: boolean; stuck: string | undefined };
  logDir: string;
}

/** Machine facts for the report. */
export function machine(): ChaosReport['machine'] {
  return { cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version };
}

/** Writes the report as pretty JSON (creating the folder). */
export function writeReport(report: ChaosReport, file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

/** The report as fixed-width tables for stdout. */
export function formatReport(r: ChaosReport): string {
  const lines: string[] = [];
  const s = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`);
  lines.push(`chaos run "${r.label}" (seed ${r.seed}) ${r.ok ? 'PASSED' : 'FAILED'}: ${r.startedAt} .. ${r.finishedAt}`);
  lines.push(`machine: ${r.machine.cpus} CPUs, ${r.machine.memoryGb} GB, node ${r.machine.node}; Elasticsearch ${r.services.elasticsearch}${r.services.ownElasticsearch ? (r.services.elasticsearchNodes > 1 ? ` (own, ${r.services.elasticsearchNodes} nodes)` : ' (own)') : ' (shared)'}, Redis ${r.services.redis} (own, AOF)`);
  const failovers = r.faults.filter((f) => f.failoverMs !== undefined).map((f) => s(f.failoverMs));
  if (failovers.length > 0) lines.push(`Redis failovers (kill to a new master named by the sentinels): ${failovers.join(', ')}; windows retried waiting for a replica (redis.waitReplicas): ${r.waitReplicaRetries}`);
  lines.push('');
  lines.push(table(['events', 'generated', 'stored', 'refused by ES', 'counted by truth'], [
    ...Object.entries(r.events.byOrigin).map(([k, v]) => [k, v.generated, v.stored, v.rejected, v.counted]),
    ['total', r.events.total.generated, r.events.total.stored, r.events.total.rejected, r.events.total.counted],
  ]));
  lines.push('');
  lines.push(table(['malformed case', 'generated', 'stored', 'refused', 'counted'], Object.entries(r.events.malformed).map(([k, v]) => [k, v.generated, v.stored, v.rejected, v.counted])));
  const ix = r.events.indexer;
  lines.push(`indexer: ${ix.bulks} bulks (${ix.failedBulks} failed), ${ix.restamped} re-sent after a slow ack, max ack ${ix.maxAckMs} ms, max queued ${ix.maxQueued}, longest stall ${s(ix.longestStallMs)}`);
  lines.push('');
  lines.push(table(['fault', 'planned', 'started', 'down at', 'up at', 'target', 'error'], r.faults.map((f) => [f.kind, s(f.plannedAtMs), s(f.startedAtMs), s(f.downAtMs), s(f.upAtMs), f.target, f.error ?? ''])));
  lines.push('');
  const f = r.findings;
  lines.push(table(['findings', 'expected', 'found', 'exact', 'missing', 'extra', 'duplicated', 'wrong count', 'wrong first', 'wrong last'], [
    ['', f.expected, f.found, f.exact, f.missing, f.extra, f.duplicated, f.wrongCount, f.wrongFirst, f.wrongLast],
  ]));
  const b = r.backfill;
  lines.push(`backfill ${b.id ?? '-'}: ${b.status ?? '-'}, ${b.chunksDone ?? '-'}/${b.chunks ?? '-'} chunks, created at ${s(b.createdAtMs)} into the stream, took ${s(b.tookMs)}`);
  for (const c of b.failedChunks) lines.push(`  failed chunk job ${c.id}: ${c.reason} (attempts ${c.attempts}, stalls ${c.stalls})`);
  const d = r.durationsMs;
  lines.push(`durations: services ${s(d.services)}, preload ${s(d.preload)}, stream ${s(d.stream)}, settle ${s(d.settle)}, compare ${s(d.compare)}, total ${s(d.total)}`);
  lines.push(`worker log lines at ERROR: ${r.workerErrors.count}; source discrepancies: ${r.sourceDiscrepancies.length}; logs in ${r.logDir}`);
  if (r.mismatches.length > 0) lines.push(`events of the differing groups, by index: ${JSON.stringify(r.mismatchedEventsByIndex)}`);
  for (const m of r.mismatches.slice(0, 10)) lines.push(`  ${m.kind}: ${JSON.stringify(m.group)} bucket ${m.bucket} expected ${JSON.stringify(m.expected)} found ${JSON.stringify(m.found)} events ${m.events.slice(0, 5).join(',')}`);
  if (r.retryFailedChunks) lines.push('failed backfill chunks were re-queued by the run (--retry-failed-chunks)');
  if (r.skippedCases.length > 0) lines.push(`malformed cases left out: ${r.skippedCases.join(', ')}`);
  for (const p of r.problems) lines.push(`problem: ${p}`);
  return `${lines.join('\n')}\n`;
}

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(fmt)].join('\n');
}
