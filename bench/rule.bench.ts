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
 * Each contender runs in a child process of its own, as the pipeline would run one mode: in a
 * shared process the JIT would tune `evaluate` for three modes at once and penalise all of
 * them. ROUNDS rounds spawn every contender once (in rotating order, so a noisy moment on the
 * machine hits all alike); each child warms up with two passes, then times PASSES passes.
 * A pass is timed in CPU time (user + system) of its process, so other load on a shared
 * machine does not count; wall-clock times are kept in the JSON too. The median pass is
 * reported; raw numbers go to bench/results/rule.json.
 * BENCH_RULE_EVENTS, BENCH_RULE_ROUNDS and BENCH_RULE_PASSES override the sizes.
 */

const EVENTS = Number(process.env.BENCH_RULE_EVENTS ?? 300_000);
const ROUNDS = Number(process.env.BENCH_RULE_ROUNDS ?? 3);
const PASSES = Number(process.env.BENCH_RULE_PASSES ?? 5);
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
  /** One pass over the events; returns the number of matches. */
  pass: (events: readonly RuleInput[]) => number;
}

function contenders(): Contender[] {
  const argv: RuleOptions = { mode: 'argv', noproxyStarDisables: true };
  const argvFull: RuleOptions = { ...argv, fastPath: false };
  const splunk: RuleOptions = { mode: 'splunk', noproxyStarDisables: true };
  const baselineMatch = regexBaseline();
  const byOptions = (options: RuleOptions) => (events: readonly RuleInput[]) => {
    let matches = 0;
    for (const event of events) if (evaluate(event, options).match) matches++;
    return matches;
  };
  return [
    { name: 'argv mode (prefilter + parser)', pass: byOptions(argv) },
    { name: 'argv mode, parser only', pass: byOptions(argvFull) },
    { name: 'splunk mode', pass: byOptions(splunk) },
    {
      name: 'regex baseline (7 patterns)',
      pass: (events) => {
        let matches = 0;
        for (const event of events) if (baselineMatch(event)) matches++;
        return matches;
      },
    },
  ];
}

interface ChildResult {
  /** CPU time (user + system) of each pass: other load on the machine does not count. */
  runsMs: number[];
  /** Wall-clock time of each pass, for reference. */
  wallMs: number[];
  matches: number;
}

/** Child: time one contender and print its numbers as one JSON line. */
function runChild(index: number): void {
  const contender = contenders()[index] as Contender;
  const events = generateMix(EVENTS, SEED);
  for (let w = 0; w < 2; w++) contender.pass(events);
  const result: ChildResult = { runsMs: [], wallMs: [], matches: 0 };
  for (let p = 0; p < PASSES; p++) {
    const wall = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    result.matches = contender.pass(events);
    const used = process.cpuUsage(cpu);
    result.runsMs.push((used.user + used.system) / 1000);
    result.wallMs.push(Number(process.hrtime.bigint() - wall) / 1e6);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function spawnChild(index: number): ChildResult {
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [...process.execArgv, script], {
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
    `rule benchmark: ${EVENTS} events (${curlEvents} curl, ${(bytes / 1e6).toFixed(1)} MB of command lines), ` +
      `${ROUNDS} rounds x ${PASSES} passes per contender, one process each, CPU time, node ${process.version}\n`,
  );
  const runs = names.map(() => [] as number[]);
  const wall = names.map(() => [] as number[]);
  const matchCounts = names.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    for (let j = 0; j < names.length; j++) {
      const k = (j + round) % names.length;
      const result = spawnChild(k);
      (runs[k] as number[]).push(...result.runsMs);
      (wall[k] as number[]).push(...result.wallMs);
      matchCounts[k] = result.matches;
    }
  }
  const results = names.map((name, k) => {
    const ms = median(runs[k] as number[]);
    return {
      name,
      medianMs: Math.round(ms * 100) / 100,
      linesPerSecond: Math.round((EVENTS / ms) * 1000),
      bestLinesPerSecond: Math.round((EVENTS / Math.min(...(runs[k] as number[]))) * 1000),
      matches: matchCounts[k] as number,
      cpuMs: (runs[k] as number[]).map((v) => Math.round(v * 10) / 10),
      wallMs: (wall[k] as number[]).map((v) => Math.round(v * 10) / 10),
      wallMedianLinesPerSecond: Math.round((EVENTS / median(wall[k] as number[])) * 1000),
    };
  });
  const [argvResult, , splunkResult, baseline] = results;
  const ratio = (argvResult?.linesPerSecond ?? NaN) / (baseline?.linesPerSecond ?? NaN);
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  process.stdout.write(
    [
      row(['implementation'.padEnd(32), 'lines/s (median)'.padStart(16), 'lines/s (best)'.padStart(14), 'median ms'.padStart(9), 'matches'.padStart(7)]),
      row(['-'.repeat(32), '-'.repeat(16), '-'.repeat(14), '-'.repeat(9), '-'.repeat(7)]),
      ...results.map((r) =>
        row([
          r.name.padEnd(32),
          r.linesPerSecond.toLocaleString('en-US').padStart(16),
          r.bestLinesPerSecond.toLocaleString('en-US').padStart(14),
          r.medianMs.toFixed(1).padStart(9),
          String(r.matches).padStart(7),
        ]),
      ),
      '',
      `argv / regex baseline (medians): ${ratio.toFixed(2)}x`,
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
    rounds: ROUNDS,
    passesPerRound: PASSES,
    seed: SEED,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    results,
    argvOverBaseline: ratio,
  };
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`raw results: ${out}\n`);
}

const childIndex = process.env.BENCH_RULE_CHILD;
if (childIndex === undefined) runParent();
else runChild(Number(childIndex));
