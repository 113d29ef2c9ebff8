import type { BackfillBenchResult, PushdownResult } from '../backfill.bench.js';
import type { LiveResult } from '../live-latency.bench.js';
import type { MemoryResult } from '../memory.bench.js';
import type { ScaleOutResult } from '../scale-out.bench.js';
import type { MachineInfo } from './machine.js';
import type { RssSummary } from './rss.js';

/** Bumped when a result's shape changes; older files in bench/results are left out of the report. */
export const resultVersion = 2;

/** Every raw result carries where and how it was measured. */
export interface Stamped {
  machine: MachineInfo;
  command: string;
  resultVersion: number;
  /** Product settings changed for a tuning experiment; empty for the default figures. */
  overrides: Record<string, string>;
  label?: string;
}

/** One timing of bench/rule.bench.ts; its JSON has had one per contender, or one per flavour (`pipeline`, `cold`). */
interface RuleTiming {
  linesPerSecond: number;
  bestLinesPerSecond: number;
  medianMs: number;
}

interface RuleResult {
  events: number;
  curlEvents: number;
  rounds: number;
  passesPerRound: number;
  node: string;
  argvOverBaseline: number | Record<string, number>;
  results: (Partial<RuleTiming> & { name: string; matches: number } & Record<string, unknown>)[];
}

/** bench/results/rule-scaling.json (bench/rule-scaling.bench.ts). */
interface RuleScalingResult {
  sizes: number[];
  repetitions: number;
  node: string;
  results: { family: string; mode: string; points: { size: number; nsPerByte: number; match: boolean }[]; slope: number; slopeTop: number }[];
  maxSlope: { value: number; family: string; mode: string };
  maxSlopeTop: { value: number; family: string; mode: string };
}

/** The timings of one contender by flavour (`''` when the file has one timing per contender). */
function ruleTimings(r: RuleResult['results'][number]): [string, RuleTiming][] {
  if (typeof r.linesPerSecond === 'number') return [['', r as RuleTiming]];
  return Object.entries(r).filter((e): e is [string, RuleTiming] => typeof e[1] === 'object' && e[1] !== null && typeof (e[1] as { linesPerSecond?: unknown }).linesPerSecond === 'number');
}

const int = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '-' : Math.round(n).toLocaleString('en-US'));
const sec = (ms: number | undefined): string => (ms === undefined || !Number.isFinite(ms) ? '-' : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`);
const x = (r: number | undefined): string => (r === undefined || !Number.isFinite(r) ? '-' : `${r.toFixed(2)}x`);
const mib = (m: number | undefined): string => (m === undefined ? '-' : `${m.toFixed(0)} MiB`);
const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
const table = (head: readonly string[], rows: readonly (readonly string[])[]): string[] => [row(head), row(head.map(() => '---')), ...rows.map(row)];
const short = (n: number): string => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1_000 ? `${n / 1_000}k` : String(n));
const ok = (b: boolean): string => (b ? 'yes' : '**no**');
const kib = (bytes: number | undefined): string => (bytes === undefined ? '?' : bytes >= 1_048_576 ? `${bytes / 1_048_576} MB` : `${bytes / 1024} KB`);
/** Total CPU (Node + Elasticsearch) of the fastest product run over that of the fastest raw run. */
function cpuRatio(p: PushdownResult): number {
  const raw = p.raw.runs.reduce((a, c) => (c.ms < a.ms ? c : a));
  const total = (c: { seconds: Record<string, number> }) => (c.seconds.bench ?? 0) + (c.seconds.elasticsearch ?? 0);
  return total(p.product.cpu) / Math.max(total(raw.cpu), 1e-3);
}
const growth = (r: RssSummary | undefined): string => (r?.growthMib === undefined ? '- (too few samples)' : `${r.growthMib >= 0 ? '+' : ''}${r.growthMib.toFixed(1)} MiB`);
/**
 * Flat: over a run of at least 30 samples (shorter ones are mostly warm-up), RSS grows by less
 * than 10% of its steady level (or 20 MiB) from the second to the last quarter.
 */
const flat = (r: RssSummary | undefined): string => (r?.growthMib === undefined || r.samples.length < 30 ? '-' : ok(r.growthMib < Math.max(20, r.steadyMib / 10)));

function byKind<T>(results: Map<string, unknown>, kind: string, experiments = false): (T & Stamped)[] {
  return [...results.values()].filter(
    (r): r is T & Stamped =>
      typeof r === 'object' &&
      r !== null &&
      (r as { kind?: string }).kind === kind &&
      (r as { resultVersion?: number }).resultVersion === resultVersion &&
      Object.keys((r as { overrides?: object }).overrides ?? {}).length > 0 === experiments,
  );
}

const settings = (r: Stamped): string => Object.entries(r.overrides).map(([k, v]) => `${k}=${v}`).join(', ');

/**
 * BENCHMARKS.md from the raw results in bench/results: machine and versions, the commands,
 * and one table per bench with the goals and ratios next to the figures. Everything in it is
 * computed from the JSON files, so the file is rewritten, never edited by hand.
 */
export function renderReport(results: Map<string, unknown>): string {
  const backfills = byKind<BackfillBenchResult>(results, 'backfill').sort((a, b) => a.events - b.events);
  const scale = byKind<ScaleOutResult>(results, 'scale-out').sort((a, b) => a.events - b.events);
  const memory = byKind<MemoryResult>(results, 'memory').sort((a, b) => a.events - b.events);
  const live = byKind<LiveResult>(results, 'live')[0];
  const rule = results.get('rule') as RuleResult | undefined;
  const scaling = results.get('rule-scaling') as RuleScalingResult | undefined;
  const stamped: Stamped[] = [...backfills, ...scale, ...memory, ...(live !== undefined ? [live] : [])];
  const machines = stamped.map((s) => s.machine).sort((a, b) => a.date.localeCompare(b.date));
  const m = machines[machines.length - 1];

  const out: string[] = [];
  out.push('# Benchmarks', '');
  out.push('Generated by `npm run bench` (bench/run-all.ts) from the raw results in `bench/results/*.json`; do not edit by hand.');
  out.push('Every figure is measured on the local, real Elasticsearch and Redis of the machine below, on synthetic data whose');
  out.push('ground truth the generator knows (bench/lib/synthetic.ts): every backfill is checked finding by finding against it.');
  out.push('What the measurements showed to be slow and what changing it did: [docs/performance.md](docs/performance.md).', '');

  out.push('## Summary against the goals', '');
  const summary: string[][] = [];
  for (const b of backfills) {
    const p = b.pushdowns.find((r) => r.pushdown === 'names') ?? b.pushdowns[0];
    if (p === undefined) continue;
    const cpu = cpuRatio(p);
    summary.push([
      `Backfill / raw scan, ${short(b.events)} events, push-down ${p.pushdown}`,
      '<= 1.3x',
      `${x(p.ratio)} wall`,
      ok(p.ratio <= 1.3 && p.exact),
      `total CPU (Node.js + Elasticsearch) ${x(cpu)} of the raw scan's; ${x(p.ratioChunked)} of the raw scan cut into the same jobs; findings exact: ${ok(p.exact)}`,
    ]);
  }
  // Issue #14: the argv push-down against names, measured in the same run.
  for (const b of backfills) {
    const argv = b.pushdowns.find((r) => r.pushdown === 'argv');
    const names = b.pushdowns.find((r) => r.pushdown === 'names');
    const matches = b.dataset.truth.proxied;
    if (argv === undefined || matches === 0) continue;
    const perMatch = argv.raw.hits / matches;
    const namesNote = names === undefined ? '' : `; names: ${(names.raw.hits / matches).toFixed(1)} (${int(names.raw.hits)})`;
    summary.push([`Candidates per match, ${short(b.events)} events, push-down argv`, '<= 3', perMatch.toFixed(2), ok(perMatch <= 3), `${int(argv.raw.hits)} candidates for ${int(matches)} matches${namesNote}`]);
    if (names === undefined) continue;
    const ratio = argv.product.ms / names.product.ms;
    const load = (p: PushdownResult): string => p.product.runs.map((r) => r.cpu.otherCores.toFixed(1)).join(', ');
    summary.push([
      `Backfill with argv / with names, ${short(b.events)} events (same run)`,
      '<= 0.25x',
      `${x(ratio)} (${sec(argv.product.ms)} vs ${sec(names.product.ms)})`,
      ok(ratio <= 0.25 && argv.exact && names.exact),
      `raw scans ${x(argv.raw.ms / names.raw.ms)} (${sec(argv.raw.ms)} vs ${sec(names.raw.ms)}); argv backfill / raw scan with the same query ${x(argv.ratio)}; findings exact: ${ok(argv.exact)}; other load during the product runs, cores: argv ${load(argv)}, names ${load(names)}`,
    ]);
  }
  for (const b of backfills) {
    const p = b.pushdowns.find((r) => r.pushdown === 'names') ?? b.pushdowns[0];
    if (p !== undefined) summary.push([`Backfill one day, ${short(b.events)} events (${int(b.events / 500)} per host)`, '-', sec(p.product.ms), '-', `${int(p.product.rangeEventsPerSecond)} events/s of range`]);
  }
  if (live !== undefined) {
    summary.push([`Live: ingest -> finding searchable, p95 (${int(live.achievedRate)} events/s)`, '< 5 s', sec(live.latency.p95), ok(live.latency.p95 < 5_000 && live.missing === 0), `p50 ${sec(live.latency.p50)}, p99 ${sec(live.latency.p99)}, missing ${live.missing}`]);
    summary.push(['Live worker RSS, steady state', 'flat', mib(live.rss.steadyMib), flat(live.rss), `at load start ${mib(live.rss.startMib)}, max ${mib(live.rss.maxMib)}, end ${mib(live.rss.endMib)}; growth ${growth(live.rss)}`]);
  }
  for (const mm of memory) {
    const r = mm.run.rss[0];
    summary.push([`Backfill worker RSS across ${short(mm.events)} events (push-down ${mm.run.pushdown}, 1 worker)`, 'flat', `${mib(r?.startMib)} -> max ${mib(r?.maxMib)} -> end ${mib(r?.endMib)}`, flat(r), `growth from the 2nd to the last quarter of the run: ${growth(r)}`]);
  }
  if (memory.length > 1) {
    summary.push(['Backfill worker max RSS by range size', 'not growing with the range', memory.map((mm) => `${short(mm.events)}: ${mib(mm.run.rss[0]?.maxMib)}`).join(', '), '-', '']);
  }
  for (const s of scale) {
    summary.push([`Scale-out, ${short(s.events)} events (best of ${s.repeats})`, 'faster with more workers', s.points.map((p) => `${p.workers}: ${sec(p.bestMs)}`).join(', '), '-', s.points.map((p) => `${p.workers}w ${x(p.speedup)}`).join(', ')]);
  }
  if (rule !== undefined && rule.results[0] !== undefined) {
    const argv = rule.results[0];
    const ratios = typeof rule.argvOverBaseline === 'number' ? x(rule.argvOverBaseline) : Object.entries(rule.argvOverBaseline).map(([k, v]) => `${k} ${x(v)}`).join(', ');
    summary.push([`Rule throughput, ${argv.name}, one core`, '-', ruleTimings(argv).map(([k, t]) => `${k === '' ? '' : `${k}: `}${int(t.linesPerSecond)} lines/s`).join(', '), '-', `vs the 7-regex baseline: ${ratios}`]);
  }
  if (scaling !== undefined) {
    const hostile = new Set(scaling.results.map((r) => r.family).filter((f) => f !== 'normal')).size;
    const m = scaling.maxSlope;
    summary.push([
      `Rule time vs command-line length, ${kib(scaling.sizes[0])} -> ${kib(scaling.sizes.at(-1))}, ${hostile} hostile families and a normal line, up to ${new Set(scaling.results.map((r) => r.mode)).size} modes`,
      'linear: log-log slope from the smallest to the largest size < 1.5 (quadratic: 2)',
      `max slope ${m.value.toFixed(2)} (${m.family}, ${m.mode})`,
      ok(m.value < 1.5),
      `steepest between the two largest sizes: ${scaling.maxSlopeTop.value.toFixed(2)} (${scaling.maxSlopeTop.family}, ${scaling.maxSlopeTop.mode}); see the section below`,
    ]);
  }
  out.push(...table(['measure', 'goal', 'measured', 'met', 'notes'], summary), '');
  out.push('Backfill ratios: "wall" is the fastest product run over the fastest raw scan, the goal of the issue (with exact findings). The total CPU');
  const concurrency = backfills[0]?.config.backfillConcurrency;
  out.push(`ratio (Node.js + Elasticsearch CPU seconds of the same runs) is given beside it: the product runs ${concurrency === undefined ? 'several' : concurrency} chunk job(s) at a time, so it can beat`);
  out.push('the single raw scan on wall time while spending more CPU (its own work: classification, Redis, BullMQ, findings), and on a machine');
  out.push('already busy with other work the CPU ratio is the better guide. Check "other load" in the tables before trusting a wall figure.', '');

  if (m !== undefined) {
    out.push('## Machine and versions', '');
    out.push(...table(['', ''], [
      ['date (last result)', m.date],
      ['CPU', `${m.cpus} x ${m.cpuModel}`],
      ['memory', `${m.memoryGiB} GiB`],
      ['load average when the last result was written (1/5/15 min)', m.loadAverage.join(' / ')],
      ['Node.js', m.node],
      ['Elasticsearch', `${m.elasticsearch} (single node, heap ${m.elasticsearchHeapMiB ?? '?'} MiB)`],
      ['Redis', m.redis],
      ['clients', Object.entries(m.clients).map(([k, v]) => `${k} ${v}`).join(', ')],
    ]), '');
    out.push('The machine is shared: Elasticsearch, Redis, the worker(s) and the bench itself run on the same cores, and other jobs');
    out.push('run at the same time: each table gives the CPU other processes used during each run ("other load", in cores). Backfill and');
    out.push('scale-out figures are the fastest of `--repeats` runs (default 2, alternated); every run is in the JSON.', '');
  }

  out.push('## Commands', '');
  out.push('```sh');
  out.push('npm run bench                      # everything at the default size (200k events), a few minutes');
  out.push('npm run bench -- --full            # backfill, scale-out and memory at 1M and 5M events');
  out.push('npm run bench -- --only backfill --sizes 1000000 --pushdowns argv,names');
  out.push('npm run bench:backfill | bench:live | bench:scale | bench:rule');
  out.push('npm run bench -- --report-only     # rewrite this file from bench/results/*.json');
  out.push('```', '');
  const commands = [...new Set(stamped.map((s) => s.command))];
  if (commands.length > 0) out.push('The results below were produced by:', '', ...commands.map((c) => `- \`${c}\``), '');

  if (backfills.length > 0) {
    out.push('## Backfill throughput', '');
    out.push('One day of synthetic process starts (500 hosts, 50 users; ~1% curl, ~0.1% curl through a proxy; 70% of hosts Elastic');
    out.push('Defend, 12% Auditd Manager, 10% Auditbeat, 8% Sysmon for Linux) bulk-loaded into four indices, then:');
    out.push('- **raw**: one point in time + `search_after` over the whole range with the product\'s query (`buildRangeQuery`), `_source`');
    out.push('  includes (`sourceIncludes`) and page size, counting hits and nothing else (bench/lib/raw-scan.ts); the fastest of its runs;');
    out.push('- **raw, in jobs**: the same, cut into the ranges of the product\'s chunk jobs (one-hour chunks joined while their counted');
    out.push('  candidates stay within `backfill.chunkCandidates`), one point in time per job, one after the other;');
    out.push('- **product**: `Backfills.create` + an in-process worker (`startWorker({ live: false })`, as `backfill --wait` runs it) until the');
    out.push('  backfill is `done`: chunk jobs on BullMQ, classification, Redis aggregation, findings written.', '');
    const rows: string[][] = [];
    for (const b of backfills) {
      for (const p of b.pushdowns) {
        rows.push([
          short(b.events),
          p.pushdown,
          `${int(p.raw.hits)}${p.expectedHits < 0 || p.raw.hits === p.expectedHits ? '' : ` (expected ${int(p.expectedHits)})`}`,
          b.dataset.truth.proxied > 0 ? (p.raw.hits / b.dataset.truth.proxied).toFixed(1) : '-',
          sec(p.raw.ms),
          int(p.raw.hitsPerSecond),
          `${sec(p.rawChunked.ms)} (${int(p.rawChunked.chunks)})`,
          sec(p.product.ms),
          int(p.product.scannedPerSecond),
          int(p.product.rangeEventsPerSecond),
          `**${x(p.ratio)}**`,
          x(p.ratioChunked),
          ((names) => (names === undefined ? '-' : x(Math.round((p.product.ms / names.product.ms) * 100) / 100)))(b.pushdowns.find((q) => q.pushdown === 'names')),
          `${int(p.product.verification.findings)}/${int(p.product.verification.expectedFindings)} ${p.exact ? 'exact' : '**MISMATCH**'}`,
          `${p.raw.runs.map((r) => r.cpu.otherCores.toFixed(1)).join(', ')} / ${p.product.runs.map((r) => r.cpu.otherCores.toFixed(1)).join(', ')}`,
        ]);
      }
    }
    out.push(...table(['events', 'push-down', 'hits (candidates)', 'candidates per match', 'raw', 'raw hits/s', 'raw, in jobs (jobs)', 'product', 'product hits/s', 'product range events/s', 'product / raw (goal <= 1.3x)', 'product / raw in jobs', 'product / product with names (argv goal <= 0.25x)', 'findings vs truth', 'other load, cores (raw runs / product runs)'], rows), '');
    out.push('Times are the fastest of the runs (all runs are in the JSON). "Other load" is the CPU that processes other than the bench, its');
    out.push('workers and Elasticsearch used during each run, in cores (the machine has ' + String(m?.cpus ?? '?') + ').', '');
    out.push('CPU spent by each side (seconds, same fastest runs; CPU time is far less sensitive than wall time to other jobs on the machine):', '');
    const cpuRows: string[][] = [];
    const cs = (r: { cpu: { seconds: Record<string, number> } }, k: string): number => r.cpu.seconds[k] ?? 0;
    for (const b of backfills) {
      for (const p of b.pushdowns) {
        const raw = p.raw.runs.reduce((a, c) => (c.ms < a.ms ? c : a));
        const rawTotal = cs(raw, 'bench') + cs(raw, 'elasticsearch');
        const prodTotal = cs(p.product, 'bench') + cs(p.product, 'elasticsearch');
        cpuRows.push([short(b.events), p.pushdown, cs(raw, 'bench').toFixed(1), cs(raw, 'elasticsearch').toFixed(1), cs(p.product, 'bench').toFixed(1), cs(p.product, 'elasticsearch').toFixed(1), x(prodTotal / rawTotal), `${((cs(p.product, 'bench') * 1e6) / Math.max(1, p.product.scanned)).toFixed(1)} µs`]);
      }
    }
    out.push(...table(['events', 'push-down', 'raw: Node (client) s', 'raw: Elasticsearch s', 'product: Node (worker) s', 'product: Elasticsearch s', 'product / raw, total CPU', 'worker CPU per hit'], cpuRows), '');
    const first = backfills[0];
    if (first !== undefined) {
      const c = first.config;
      out.push(`Product settings: defaults (page size ${c.pageSize}, chunks of ${c.chunkMs / 60_000} min${c.chunkCandidates === undefined ? '' : c.chunkCandidates === 0 ? ', one job per chunk' : ` joined into jobs of up to ${int(c.chunkCandidates)} counted candidates`}, ${c.backfillConcurrency} chunk job${c.backfillConcurrency === 1 ? '' : 's'} at a time per worker, PIT keep-alive ${c.pitKeepAlive}).`);
      out.push(`Load: ${backfills.map((b) => `${short(b.events)} in ${sec(b.dataset.loadMs)} (${int(b.dataset.loadDocsPerSecond)} docs/s, ${(b.dataset.storeBytes / 2 ** 20).toFixed(0)} MiB)`).join('; ')}.`, '');
    }
    out.push('Ground truth per dataset (from the generator, not from the product):', '');
    out.push(...table(['events', 'curl', 'curl through a proxy (matches)', 'findings (groups)', 'Defend forks', 'names candidates'], backfills.map((b) => [short(b.events), int(b.dataset.truth.curl), int(b.dataset.truth.proxied), int(b.dataset.truth.groups), int(b.dataset.truth.forks), int(b.dataset.truth.nameCandidates)])), '');

    out.push('## Push-down: which is fastest', '');
    const pd: string[][] = [];
    for (const b of backfills) {
      const names = b.pushdowns.find((r) => r.pushdown === 'names');
      const none = b.pushdowns.find((r) => r.pushdown === 'none');
      if (names === undefined || none === undefined) continue;
      pd.push([short(b.events), `${int(names.raw.hits)} / ${int(none.raw.hits)}`, `${sec(names.raw.ms)} / ${sec(none.raw.ms)}`, `${sec(names.product.ms)} / ${sec(none.product.ms)}`, verdict(names, none)]);
    }
    if (pd.length > 0) out.push(...table(['events', 'hits returned (names / none)', 'raw scan (names / none)', 'product backfill (names / none)', 'verdict'], pd), '');
    else out.push('(run with `--pushdowns names,none` to compare)', '');
  }

  if (live !== undefined) {
    out.push('## Live latency', '');
    out.push(`A loader indexed ${int(live.sent)} process starts at ${int(live.achievedRate)} events/s (target ${int(live.options.rate)}) for ${live.options.seconds} s, ${int(live.proxiedSent)} of them curl`);
    out.push('through a proxy, each stamped `event.ingested` = the moment it was sent, while one `run` worker process polled with the');
    // Results written before the settings were recorded ran with the defaults of their day: say so rather than guess.
    const s = live.live;
    out.push(s === undefined ? 'default live settings of its build (not recorded in this result). The bench read' : `default live settings (poll every ${sec(s.pollIntervalMs)}, query delay ${sec(s.queryDelayMs)}, overlap ${sec(s.overlapMs)}, findings written with refresh \`${s.refresh}\`). The bench read`);
    out.push(`the findings every ${live.options.pollMs} ms; the delay of an event is the first read that showed it minus its \`event.ingested\` (resolution ~${live.options.pollMs} ms).`, '');
    out.push(...table(['', 'n', 'p50', 'p95 (goal < 5 s)', 'p99', 'max'], [
      ['ingest -> finding searchable', int(live.latency.n), sec(live.latency.p50), `**${sec(live.latency.p95)}**`, sec(live.latency.p99), sec(live.latency.max)],
      ['ingest -> bulk acknowledged (loader)', int(live.indexLatency.n), sec(live.indexLatency.p50), sec(live.indexLatency.p95), sec(live.indexLatency.p99), sec(live.indexLatency.max)],
    ]), '');
    out.push(`Proxied events found: ${int(live.found)} of ${int(live.proxiedSent)} (missing ${live.missing}); findings for other events: ${live.unexpected}. Other load on the machine during the run: ${live.cpu?.otherCores ?? '?'} cores.`, '');
    if (live.stages !== undefined) {
      out.push('Where the time goes, per proxied event (from the completed live window jobs in Redis; the covering window is the first one ending after');
      out.push('the event\'s `event.ingested`):', '');
      const st = live.stages;
      out.push(...table(['stage', 'p50', 'p95', 'max'], [
        ['event.ingested -> covering window queued (query delay + poll period)', sec(st.untilWindowQueued.p50), sec(st.untilWindowQueued.p95), sec(st.untilWindowQueued.max)],
        ['queued -> picked up by a worker', sec(st.queued.p50), sec(st.queued.p95), sec(st.queued.max)],
        ['window job runs (scan, rule, Redis, findings bulk)', sec(st.processing.p50), sec(st.processing.p95), sec(st.processing.max)],
        ['job done -> finding searchable (findings refresh + read period)', sec(st.untilSearchable.p50), sec(st.untilSearchable.p95), sec(st.untilSearchable.max)],
      ]), '');
      const w = live.windows;
      out.push(`Live windows during the load: ${w.jobs}; one queued every ${sec(w.periodMs.p50)} (p50, p95 ${sec(w.periodMs.p95)}); each ran ${sec(w.processingMs.p50)} (p50, p95 ${sec(w.processingMs.p95)}) and scanned ${int(w.scanned.p50)} hits (p50; the ${live.live === undefined ? '' : `${sec(live.live.overlapMs)} `}overlap is re-read every time).`, '');
    }
  }

  if (live !== undefined || memory.length > 0 || scale.length > 0) {
    out.push('## Memory (worker RSS, from /proc/<pid>/status every second)', '');
    const rows: string[][] = [];
    if (live !== undefined) rows.push([`live, ${int(live.achievedRate)} events/s for ${live.options.seconds} s`, mib(live.rss.startMib), mib(live.rss.steadyMib), mib(live.rss.maxMib), mib(live.rss.endMib), growth(live.rss), String(live.rss.samples.length)]);
    for (const mm of memory) {
      const r = mm.run.rss[0];
      rows.push([`backfill of ${short(mm.events)} events, push-down ${mm.run.pushdown}, 1 worker (${sec(mm.run.ms)})`, mib(r?.startMib), mib(r?.steadyMib), mib(r?.maxMib), mib(r?.endMib), growth(r), String(r?.samples.length ?? 0)]);
    }
    for (const s of scale) {
      for (const p of s.points) {
        const r = p.runs.reduce((a, b) => (b.ms < a.ms ? b : a));
        rows.push([`backfill of ${short(s.events)} events, push-down ${s.pushdown}, ${r.workers} worker(s) (${sec(r.ms)})`, r.rss.map((z) => mib(z.startMib)).join(' / '), r.rss.map((z) => mib(z.steadyMib)).join(' / '), r.rss.map((z) => mib(z.maxMib)).join(' / '), r.rss.map((z) => mib(z.endMib)).join(' / '), r.rss.map((z) => growth(z)).join(' / '), r.rss.map((z) => String(z.samples.length)).join(' / ')]);
      }
    }
    out.push('"start" is the RSS when the measured work began (workers listening, or the live load starting); growth compares the median of');
    out.push('the last quarter of the run with that of its second quarter.', '');
    out.push(...table(['run', 'start', 'steady (median, 2nd half)', 'max', 'end', 'growth', 'samples'], rows), '');
  }

  if (scale.length > 0) {
    out.push('## Scale-out', '');
    out.push('The same backfill processed by 1, 2 and 4 `run --no-live` worker processes on one Redis (default settings:');
    out.push('`worker.backfillConcurrency` chunk jobs at a time per process), created from the bench process once every worker listened; the');
    out.push('findings are checked against the ground truth each time. The machine has only the cores shown above, shared with');
    out.push('Elasticsearch and Redis: when one process with its chunk jobs in flight already keeps Elasticsearch busy on every core, more');
    out.push('processes share the chunks (the findings stay exact) but cannot finish sooner. What they buy depends on the search capacity');
    out.push('left in the cluster.', '');
    const rows: string[][] = [];
    for (const s of scale) {
      for (const p of s.points) {
        rows.push([short(s.events), s.pushdown, String(p.workers), String(s.chunks), sec(p.bestMs), sec(p.medianMs), p.runs.map((r) => sec(r.ms)).join(', '), x(p.speedup), int((s.events / p.bestMs) * 1000), p.exact ? 'exact' : '**MISMATCH**', p.runs.map((r) => r.cpu.otherCores.toFixed(1)).join(', ')]);
      }
    }
    out.push(...table(['events', 'push-down', 'workers', 'chunks', 'best', 'median', 'all runs', 'speed-up (best)', 'range events/s (best)', 'findings vs truth', 'other load, cores'], rows), '');
  }

  const exBackfills = byKind<BackfillBenchResult>(results, 'backfill', true).sort((a, b) => a.events - b.events);
  const exScale = byKind<ScaleOutResult>(results, 'scale-out', true).sort((a, b) => a.events - b.events);
  const exLive = byKind<LiveResult>(results, 'live', true);
  if (exBackfills.length + exScale.length + exLive.length > 0) {
    out.push('## Tuning experiments (non-default settings)', '');
    out.push('The same benches with product settings changed (`--set key=value --label name`), next to the default figures above. These are');
    out.push('not the product\'s defaults; they show what a change of default would buy.', '');
    const rows: string[][] = [];
    for (const b of exBackfills) {
      const def = backfills.find((d) => d.events === b.events);
      for (const p of b.pushdowns) {
        const d = def?.pushdowns.find((q) => q.pushdown === p.pushdown);
        rows.push([
          `${b.label ?? '-'}`,
          settings(b),
          short(b.events),
          p.pushdown,
          sec(p.raw.ms),
          sec(p.product.ms),
          `**${x(p.ratio)}** wall, ${x(cpuRatio(p))} CPU`,
          d !== undefined ? `${sec(d.product.ms)} (${x(d.ratio)} wall, ${x(cpuRatio(d))} CPU)` : '-',
          p.product.runs.map((r) => r.cpu.otherCores.toFixed(1)).join(', '),
          p.exact ? 'exact' : '**MISMATCH**',
        ]);
      }
    }
    if (rows.length > 0) out.push(...table(['experiment', 'settings', 'events', 'push-down', 'raw', 'product', 'product / raw', 'default product (/ raw)', 'other load, cores (product runs)', 'findings vs truth'], rows), '');
    const srows: string[][] = [];
    for (const s of exScale) for (const p of s.points) srows.push([`${s.label ?? '-'}`, settings(s), short(s.events), String(p.workers), sec(p.bestMs), sec(p.medianMs), x(p.speedup), p.exact ? 'exact' : '**MISMATCH**']);
    if (srows.length > 0) out.push(...table(['experiment', 'settings', 'events', 'workers', 'best', 'median', 'speed-up', 'findings vs truth'], srows), '');
    for (const l of exLive) {
      out.push(`Live, ${l.label ?? '-'} (${settings(l)}): p50 ${sec(l.latency.p50)}, p95 **${sec(l.latency.p95)}**, p99 ${sec(l.latency.p99)}, max ${sec(l.latency.max)} (n=${l.latency.n}, missing ${l.missing}; other load ${l.cpu?.otherCores ?? '?'} cores).`, '');
    }
  }

  if (rule !== undefined) {
    out.push('## Rule throughput (bench/rule.bench.ts)', '');
    out.push(`${int(rule.events)} command lines (${int(rule.curlEvents)} curl), ${rule.rounds} rounds x ${rule.passesPerRound} passes per contender, one process each, CPU time, node ${rule.node}.`, '');
    const rows = rule.results.flatMap((r) => ruleTimings(r).map(([k, t]) => [r.name, k === '' ? '-' : k, int(t.linesPerSecond), int(t.bestLinesPerSecond), t.medianMs.toFixed(1), int(r.matches)]));
    out.push(...table(['implementation', 'flavour', 'lines/s (median)', 'lines/s (best)', 'median ms', 'matches'], rows), '');
    out.push('Owned and documented by bench/rule.bench.ts (raw: bench/results/rule.json); `npm run bench` runs it and copies its table here.', '');
  }

  if (scaling !== undefined) {
    out.push('## Rule time vs command-line length (bench/rule-scaling.bench.ts)', '');
    out.push(`Hostile and normal command lines grown from ${kib(scaling.sizes[0])} to ${kib(scaling.sizes.at(-1))}; CPU time per event, median of ${scaling.repetitions} repetitions, one process per mode, node ${scaling.node}.`);
    out.push('"argv-parser" is argv mode with its prefilter off (the parser on every event, as `explain` runs it). A quadratic path would show a slope near 2; linear is 1, and');
    out.push('fixed per-event costs pull small inputs up and the slope below 1. The property tests run the same families at 1 MB under a timeout (test/unit/rule/properties.test.ts).', '');
    const rows = scaling.results.map((r) => [r.family, r.mode, ...scaling.sizes.map((size) => { const p = r.points.find((q) => q.size === size); return p === undefined ? '-' : p.nsPerByte.toFixed(1); }), r.slope.toFixed(2), r.slopeTop.toFixed(2)]);
    out.push(...table(['family', 'mode', ...scaling.sizes.map((s) => `ns/byte at ${kib(s)}`), 'slope (smallest -> largest)', 'slope (two largest)'], rows), '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function verdict(names: PushdownResult, none: PushdownResult): string {
  const faster = names.product.ms <= none.product.ms ? names : none;
  const slower = faster === names ? none : names;
  const rawFaster = names.raw.ms <= none.raw.ms ? 'names' : 'none';
  return `**${faster.pushdown}**: backfill ${x(slower.product.ms / faster.product.ms)} faster, raw scan ${rawFaster} ${x(Math.max(names.raw.ms, none.raw.ms) / Math.min(names.raw.ms, none.raw.ms))} faster; ${int(Math.abs(none.raw.hits - names.raw.hits))} fewer hits with names`;
}
