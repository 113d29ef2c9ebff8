import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate } from '../src/rule/curl-proxy.js';
import { ANALYTIC_PATTERNS } from '../src/rule/splunk-analytic.js';
import type { RuleInput, RuleOptions } from '../src/rule/types.js';
import { generateMix } from './fixtures/rule-mix.js';

/**
 * `npm run bench:rule`: lines per second on one core, over the same deterministic mix, for
 * argv mode (with its prefilter, as the pipeline runs it), argv mode without the prefilter,
 * splunk mode, and the naive implementation of the analytic: seven case-insensitive regular
 * expressions applied when process_name is curl.
 *
 * Two regimes, timed in the same processes:
 * - pipeline: the mix is read page by page (PAGE events, the source's default page size), each
 *   page's strings read once just before the rule runs (untimed), as the worker's JSON decoding
 *   and normalize stage leave them: the rule is timed on fields that are in cache. This is the
 *   headline figure.
 * - cold: one timed loop over the whole mix (hundreds of MB of heap), so nearly every field the
 *   rule reads comes from main memory. It charges each implementation for the memory latency of
 *   every field it reads (argv mode reads process.executable and process.args, which the
 *   analytic ignores), which the pipeline never pays in the rule; kept as a second figure.
 *
 * Each contender runs in a child process of its own, as the pipeline would run one mode: in a
 * shared process the JIT would tune `evaluate` for three modes at once and penalise all of
 * them. ROUNDS rounds spawn every contender once (in rotating order, so a noisy moment on the
 * machine hits all alike). Each child builds the mix, then collects the garbage that building
 * it left (else the collector's background threads bill it to the first timed passes of
 * whichever contender happens to run then), warms up with WARMUP passes of each regime (until
 * the optimizing compiler, which also runs on background threads, has finished with the
 * rarer paths such as the parser), then times PASSES passes of each regime, alternating.
 * Time is CPU time (user + system) of the child, so other load on a shared machine does not
 * count; wall-clock times are kept in the JSON too. The median pass is reported; raw numbers
 * go to bench/results/rule.json.
 * BENCH_RULE_EVENTS, BENCH_RULE_PAGE, BENCH_RULE_ROUNDS, BENCH_RULE_WARMUP and
 * BENCH_RULE_PASSES override the sizes.
 */

const EVENTS = Number(process.env.BENCH_RULE_EVENTS ?? 300_000);
const PAGE = Number(process.env.BENCH_RULE_PAGE ?? 2_000);
const ROUNDS = Number(process.env.BENCH_RULE_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_RULE_WARMUP ?? 6);
const PASSES = Number(process.env.BENCH_RULE_PASSES ?? 7);
const SEED = 20240729;

/** The analytic as most people would first write it: wildcards turned into anchored regexes. */
function regexBaseline(): (input: RuleInput) => boolean {
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const regexes = ANALYTIC_PATTERNS.map((p) => new RegExp(`^${p.split('*').map(escape).join('[\\s\\S]*')}$`, 'i'));
  return (input) => {
    const name = input.processName;
    if (name === undefined || name.toLowerCase() !== 'curl') return false;
    const line = input.commandLine ?? '';
    return regexes.some((r) => r.test(line));
  };
}

interface Contender {
  name: string;
  /** Rules events[start, end); returns the number of matches. */
  pass: (events: readonly RuleInput[], start: number, end: number) => number;
}

function contenders(): Contender[] {
  const argv: RuleOptions = { mode: 'argv', noproxyStarDisables: true };
  const argvFull: RuleOptions = { ...argv, fastPath: false };
  const splunk: RuleOptions = { mode: 'splunk', noproxyStarDisables: true };
  const baselineMatch = regexBaseline();
  const byOptions = (options: RuleOptions) => (events: readonly RuleInput[], start: number, end: number) => {
    let matches = 0;
    for (let i = start; i < end; i++) if (evaluate(events[i] as RuleInput, options).match) matches++;
    return matches;
  };
  return [
    { name: 'argv mode (prefilter + parser)', pass: byOptions(argv) },
    { name: 'argv mode, parser only', pass: byOptions(argvFull) },
    { name: 'splunk mode', pass: byOptions(splunk) },
    {
      name: 'regex baseline (7 patterns)',
      pass: (events, start, end) => {
        let matches = 0;
        for (let i = start; i < end; i++) if (baselineMatch(events[i] as RuleInput)) matches++;
        return matches;
      },
    },
  ];
}

/**
 * Reads every string of events[start, end) once (a character per 32), as decoding the page
 * and normalizing its events does in the worker before the rule runs. Returns a checksum so
 * the reads cannot be optimized away.
 */
function decodePage(events: readonly RuleInput[], start: number, end: number): number {
  let sum = 0;
  const read = (text: string | undefined): void => {
    if (text === undefined) return;
    for (let i = 0; i < text.length; i += 32) sum += text.charCodeAt(i);
  };
  for (let i = start; i < end; i++) {
    const event = events[i] as RuleInput;
    read(event.processName);
    read(event.processPath);
    read(event.commandLine);
    if (event.args !== undefined) for (const arg of event.args) read(arg);
    if (event.envVars !== undefined) for (const entry of event.envVars) read(entry);
  }
  return sum;
}

interface Timing {
  /** CPU time (user + system) of each pass: other load on the machine does not count. */
  cpuMs: number[];
  /** Wall-clock time of each pass, for reference. */
  wallMs: number[];
}

interface ChildResult {
  pipeline: Timing;
  cold: Timing;
  matches: number;
}

const cpuMicros = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

/** One pipeline pass: page by page, each page decoded (untimed) and then ruled (timed). */
function pipelinePass(contender: Contender, events: readonly RuleInput[], timing: Timing | null): number {
  let matches = 0;
  let cpu = 0;
  let wall = 0n;
  let checksum = 0;
  for (let start = 0; start < events.length; start += PAGE) {
    const end = Math.min(start + PAGE, events.length);
    checksum += decodePage(events, start, end);
    const wallStart = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    matches += contender.pass(events, start, end);
    cpu += cpuMicros(cpuStart);
    wall += process.hrtime.bigint() - wallStart;
  }
  if (checksum === -1) process.stdout.write(''); // keeps the checksum alive
  timing?.cpuMs.push(cpu / 1000);
  timing?.wallMs.push(Number(wall) / 1e6);
  return matches;
}

/** One cold pass: the whole mix in one timed loop. */
function coldPass(contender: Contender, events: readonly RuleInput[], timing: Timing | null): number {
  const wallStart = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const matches = contender.pass(events, 0, events.length);
  timing?.cpuMs.push(cpuMicros(cpuStart) / 1000);
  timing?.wallMs.push(Number(process.hrtime.bigint() - wallStart) / 1e6);
  return matches;
}

/** Child: time one contender and print its numbers as one JSON line. */
function runChild(index: number): void {
  const contender = contenders()[index] as Contender;
  const events = generateMix(EVENTS, SEED);
  (globalThis as { gc?: () => void }).gc?.(); // the child runs with --expose-gc
  for (let w = 0; w < WARMUP; w++) {
    pipelinePass(contender, events, null);
    coldPass(contender, events, null);
  }
  const result: ChildResult = { pipeline: { cpuMs: [], wallMs: [] }, cold: { cpuMs: [], wallMs: [] }, matches: 0 };
  for (let p = 0; p < PASSES; p++) {
    result.matches = pipelinePass(contender, events, result.pipeline);
    coldPass(contender, events, result.cold);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function spawnChild(index: number): ChildResult {
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', script], {
    env: { ...process.env, BENCH_RULE_CHILD: String(index) },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`benchmark child ${index} failed (${String(child.status)}): ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() as string) as ChildResult;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

function runParent(): void {
  const events = generateMix(EVENTS, SEED);
  const curlEvents = events.filter((e) => e.processName === 'curl').length;
  const bytes = events.reduce((sum, e) => sum + (e.commandLine?.length ?? 0), 0);
  const names = contenders().map((c) => c.name);
  process.stdout.write(
    `rule benchmark: ${EVENTS} events (${curlEvents} curl, ${(bytes / 1e6).toFixed(1)} MB of command lines), pages of ${PAGE}, ` +
      `${ROUNDS} rounds x ${PASSES} passes per regime and contender (after ${WARMUP} warm-up passes), one process each, CPU time, node ${process.version}\n`,
  );
  const pipeline = names.map((): Timing => ({ cpuMs: [], wallMs: [] }));
  const cold = names.map((): Timing => ({ cpuMs: [], wallMs: [] }));
  const matchCounts = names.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    for (let j = 0; j < names.length; j++) {
      const k = (j + round) % names.length;
      const result = spawnChild(k);
      for (const [into, from] of [
        [pipeline[k] as Timing, result.pipeline],
        [cold[k] as Timing, result.cold],
      ] as const) {
        into.cpuMs.push(...from.cpuMs);
        into.wallMs.push(...from.wallMs);
      }
      matchCounts[k] = result.matches;
    }
  }
  const summary = (timing: Timing) => {
    const ms = median(timing.cpuMs);
    return {
      medianMs: Math.round(ms * 100) / 100,
      linesPerSecond: Math.round((EVENTS / ms) * 1000),
      bestLinesPerSecond: Math.round((EVENTS / Math.min(...timing.cpuMs)) * 1000),
      cpuMs: timing.cpuMs.map((v) => Math.round(v * 10) / 10),
      wallMs: timing.wallMs.map((v) => Math.round(v * 10) / 10),
      wallMedianLinesPerSecond: Math.round((EVENTS / median(timing.wallMs)) * 1000),
    };
  };
  const results = names.map((name, k) => ({
    name,
    matches: matchCounts[k] as number,
    pipeline: summary(pipeline[k] as Timing),
    cold: summary(cold[k] as Timing),
  }));
  const [argvResult, , splunkResult, baseline] = results;
  const ratio = (regime: 'pipeline' | 'cold', r: (typeof results)[number] | undefined): number =>
    (r?.[regime].linesPerSecond ?? NaN) / (baseline?.[regime].linesPerSecond ?? NaN);
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const rate = (n: number): string => n.toLocaleString('en-US');
  process.stdout.write(
    [
      row(['implementation'.padEnd(32), 'pipeline lines/s (median)'.padStart(25), 'pipeline best'.padStart(13), 'cold lines/s (median)'.padStart(21), 'matches'.padStart(7)]),
      row(['-'.repeat(32), '-'.repeat(25), '-'.repeat(13), '-'.repeat(21), '-'.repeat(7)]),
      ...results.map((r) =>
        row([
          r.name.padEnd(32),
          rate(r.pipeline.linesPerSecond).padStart(25),
          rate(r.pipeline.bestLinesPerSecond).padStart(13),
          rate(r.cold.linesPerSecond).padStart(21),
          String(r.matches).padStart(7),
        ]),
      ),
      '',
      `argv / regex baseline (medians): ${ratio('pipeline', argvResult).toFixed(2)}x in the pipeline regime, ${ratio('cold', argvResult).toFixed(2)}x cold`,
      `splunk / regex baseline (medians): ${ratio('pipeline', splunkResult).toFixed(2)}x in the pipeline regime, ${ratio('cold', splunkResult).toFixed(2)}x cold`,
      `splunk mode and the regex baseline agree: ${splunkResult?.matches === baseline?.matches ? 'same match count' : 'NO, counts differ'}`,
      '',
    ].join('\n'),
  );
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'rule.json');
  mkdirSync(dirname(out), { recursive: true });
  const report = {
    events: EVENTS,
    curlEvents,
    commandLineBytes: bytes,
    pageSize: PAGE,
    rounds: ROUNDS,
    warmupPasses: WARMUP,
    passesPerRound: PASSES,
    seed: SEED,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    results,
    argvOverBaseline: { pipeline: ratio('pipeline', argvResult), cold: ratio('cold', argvResult) },
    splunkOverBaseline: { pipeline: ratio('pipeline', splunkResult), cold: ratio('cold', splunkResult) },
  };
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`raw results: ${out}\n`);
}

const childIndex = process.env.BENCH_RULE_CHILD;
if (childIndex === undefined) runParent();
else runChild(Number(childIndex));
