import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate } from '../src/rule/curl-proxy.js';
import { redactCommandLine } from '../src/rule/redact.js';
import { HOSTILE_LINES } from '../test/unit/rule/hostile-lines.js';
import type { RuleInput, RuleOptions } from '../src/rule/types.js';
import { prng } from '../test/support/random.js';

/**
 * `npm run bench:rule-scaling`: does the rule stay linear on hostile input? For each
 * pathological family of command lines (the ones test/unit/rule/properties.test.ts guards with a
 * timeout) and for a normal proxied curl line padded with random arguments, the CPU time of one
 * evaluation at 1 KB, 16 KB, 256 KB and 1 MB, in each mode:
 * - argv: argv mode as the pipeline runs it (prefilter, then the parser when needed);
 * - argv-parser: argv mode without the prefilter (fastPath false), the parser on every input;
 * - splunk: the analytic's patterns.
 * It reports ns per byte at each size and the log-log slope of time per input against size,
 * between the smallest and the largest size (linear ≈ 1.0, quadratic ≈ 2.0; fixed per-call costs
 * pull it below 1 at small sizes), and between the two largest sizes (where a quadratic term
 * would dominate).
 *
 * Each mode runs in a child process of its own (as the pipeline runs one mode; in a shared
 * process the JIT would tune `evaluate` for all of them at once), with --expose-gc. The child
 * warms up on every family at the small sizes, then per family and size builds the input
 * (untimed), calibrates how many evaluations make a repetition of about TARGET_MS, and times
 * REPS repetitions, each after a minor garbage collection (a full one between families). Time
 * is CPU time (user + system) of the child, garbage collection included, so other load on a
 * shared machine counts only through shared caches and cores; the median repetition is
 * reported. Raw numbers go to bench/results/rule-scaling.json.
 * The same input is evaluated again and again; that caches little: the words split from a
 * command line are new strings on each evaluation. One V8 effect shows in the figures: V8
 * hashes a string's characters only up to 16,383 of them (a longer one gets a hash from its
 * length), so the parser's option-table lookups of one huge word ('--proxy' glued, dashes)
 * cost per byte below 16 KB and almost nothing per byte above.
 * A second table times redaction (src/rule/redact.ts, run on every match's command line) on
 * the hostile lines of test/unit/rule/hostile-lines.ts at 0.25, 0.5 and 1 MB, as CPU ms per
 * MB: a flat row is linear (a megabyte of '--proxy' glued took 338 s before the fix).
 * BENCH_RULE_SCALING_REPS, BENCH_RULE_SCALING_TARGET_MS and BENCH_RULE_SCALING_SIZES
 * (comma-separated characters) override the defaults; BENCH_RULE_SCALING_ONLY=redact runs only
 * the redaction table.
 */

const SIZES = (process.env.BENCH_RULE_SCALING_SIZES ?? '1024,16384,262144,1048576').split(',').map(Number);
const REPS = Number(process.env.BENCH_RULE_SCALING_REPS ?? 5);
const TARGET_MS = Number(process.env.BENCH_RULE_SCALING_TARGET_MS ?? 8);
const SEED = 20240807;

const MODES = {
  argv: { mode: 'argv', noproxyStarDisables: true },
  'argv-parser': { mode: 'argv', noproxyStarDisables: true, fastPath: false },
  splunk: { mode: 'splunk', noproxyStarDisables: true },
} as const satisfies Record<string, RuleOptions>;
type ModeName = keyof typeof MODES;

/** prefix + unit repeated + suffix, at most `size` characters (whole units) and at least the prefix and suffix. */
function fill(size: number, prefix: string, unit: string, suffix = ''): string {
  const room = Math.max(0, size - prefix.length - suffix.length);
  return `${prefix}${unit.repeat(Math.floor(room / unit.length))}${suffix}`;
}

interface Family {
  name: string;
  description: string;
  make: (size: number) => RuleInput;
  /** The modes that read this input (splunk mode never looks past a process_name that is not curl). */
  modes?: readonly ModeName[];
}

const curlLine = (commandLine: string): RuleInput => ({ processName: 'curl', processPath: '/usr/bin/curl', commandLine });

/** A normal proxied curl line, padded with the kind of arguments real scripts pass. */
function normalLine(size: number): RuleInput {
  const rand = prng(SEED);
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  const head = 'curl -sS --fail -x socks5h://proxy.corp.example:1080';
  const tail = ' https://api.example.com/v1/items';
  const extras = [
    () => ` -H 'X-Request-Id: ${hex(16)}'`,
    () => ` -H "Authorization: Bearer ${hex(32)}"`,
    () => ` -d 'field${hex(2)}=${hex(12)}'`,
    () => ' --compressed',
    () => ` -o /tmp/out-${hex(6)}.json`,
    () => ` --retry ${1 + Math.floor(rand() * 5)}`,
    () => ` https://cdn${hex(2)}.example.com/assets/${hex(10)}.js`,
    () => ` --user-agent "bench/${hex(4)} (linux)"`,
  ];
  let line = head;
  for (;;) {
    const next = (extras[Math.floor(rand() * extras.length)] as () => string)();
    if (line.length + next.length + tail.length > size) break;
    line += next;
  }
  return curlLine(line + tail);
}

/** Random printable ASCII, as robustness.test.ts's 1 MB case. */
function noiseLine(size: number): RuleInput {
  const rand = prng(SEED + 1);
  const chars: string[] = [];
  for (let i = 5; i < size; i++) chars.push(String.fromCharCode(32 + Math.floor(rand() * 95)));
  return curlLine(`curl ${chars.join('')}`);
}

const FAMILIES: readonly Family[] = [
  { name: 'normal', description: 'a proxied curl line padded with random headers, data, options and URLs', make: normalLine },
  { name: "'-x' glued", description: "curl -x-x-x... (one short-option cluster)", make: (n) => curlLine(fill(n, 'curl ', '-x')) },
  { name: "'-x ' spaced", description: 'curl -x -x -x ... (each -x takes the next as its value)', make: (n) => curlLine(fill(n, 'curl ', '-x ')) },
  { name: "'\"", description: 'curl \'"\'"\'"... (alternating quotes)', make: (n) => curlLine(fill(n, 'curl ', `'"`)) },
  { name: 'backslashes', description: 'curl \\\\\\\\... (escapes only)', make: (n) => curlLine(fill(n, 'curl ', '\\')) },
  { name: "'socks5:/'", description: "curl socks5:/socks5:/... (the analytic's pattern but one slash, everywhere)", make: (n) => curlLine(fill(n, 'curl ', 'socks5:/')) },
  { name: "'--proxy' glued", description: 'curl --proxy--proxy... (one unknown long option)', make: (n) => curlLine(fill(n, 'curl ', '--proxy')) },
  { name: 'dashes', description: 'curl ------... (one word of dashes)', make: (n) => curlLine(fill(n, 'curl ', '-')) },
  { name: "'curl -x '", description: 'curl -x curl -x curl -x ...', make: (n) => curlLine(fill(n, '', 'curl -x ')) },
  { name: 'unbalanced quote', description: "curl -x 'socks5://p aaaa... (the quote never closes)", make: (n) => curlLine(fill(n, "curl -x 'socks5://p ", 'a')) },
  { name: 'NUL words', description: 'curl\\0-x\\0p\\0-x\\0p... (/proc cmdline style)', make: (n) => curlLine(fill(n, 'curl', '\0-x\0p')) },
  {
    name: 'env -S',
    description: 'env -S -S -S ... curl -x p https://a (nested split strings; argv modes only: the analytic stops at process_name env)',
    make: (n) => ({ processName: 'env', commandLine: fill(n, 'env ', '-S ', 'curl -x p https://a') }),
    modes: ['argv', 'argv-parser'],
  },
  { name: '{{v}} expansion', description: 'curl --variable v=socks5://q --expand-proxy {{v}}{{v}}... https://a', make: (n) => curlLine(fill(n, 'curl --variable v=socks5://q --expand-proxy ', '{{v}}', ' https://a')) },
  { name: 'non-ASCII', description: 'curl KİẞKİẞ... -x h (Kelvin sign, İ, ẞ: lower-casing changes the length)', make: (n) => curlLine(fill(n, 'curl ', '\u212A\u0130\u1E9E ', '-x h')) },
  { name: 'noise', description: 'curl + random printable ASCII', make: noiseLine },
  {
    name: "args '-x'",
    description: "process.args of '-x' words, no command line",
    make: (n) => ({ processName: 'curl', processPath: '/usr/bin/curl', args: ['curl', ...Array<string>(Math.max(1, Math.floor((n - 5) / 3))).fill('-x')] }),
  },
];

/** Characters and UTF-8 bytes of what the rule reads (the command line, or the args joined). */
function sizeOf(input: RuleInput): { chars: number; bytes: number } {
  const text = input.commandLine ?? input.args?.join(' ') ?? '';
  return { chars: text.length, bytes: Buffer.byteLength(text, 'utf8') };
}

interface Point {
  /** The size asked for, in characters. */
  size: number;
  /** The input's real size: characters, and UTF-8 bytes (the same for every family but non-ASCII). */
  chars: number;
  bytes: number;
  /** Evaluations per timed repetition. */
  iterations: number;
  /** CPU time per evaluation, one per repetition, in ns. */
  nsPerInput: number[];
  medianNsPerInput: number;
  minNsPerInput: number;
  /** medianNsPerInput / bytes. */
  nsPerByte: number;
  match: boolean;
}

interface FamilyResult {
  family: string;
  description: string;
  mode: ModeName;
  points: Point[];
  /** log(time per input) against log(bytes), between the smallest and the largest size. */
  slope: number;
  /** The same between the two largest sizes. */
  slopeTop: number;
}

const cpuNs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) * 1000;
};

type Gc = (options?: { type: 'major' | 'minor' }) => void;
const gc = (type: 'major' | 'minor'): void => (globalThis as { gc?: Gc }).gc?.({ type });

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const slopeBetween = (a: Point | undefined, b: Point | undefined): number =>
  a === undefined || b === undefined || a === b ? NaN : Math.log(b.medianNsPerInput / a.medianNsPerInput) / Math.log(b.bytes / a.bytes);

/** Makes (String.prototype.repeat builds ropes) and flattens a family's input at one size, untimed. */
function build(family: Family, size: number): RuleInput {
  const input = family.make(size);
  if (input.commandLine !== undefined) input.commandLine.indexOf('\u0001');
  return input;
}

/** Times one input: calibration, then REPS repetitions of about TARGET_MS. */
function measure(input: RuleInput, size: number, options: RuleOptions): Point {
  let sink = 0;
  // Calibration: double the count until a run takes 1 ms of CPU or more (cpuUsage counts
  // microseconds), then scale it to TARGET_MS. Its first evaluation also gives the decision.
  let match = false;
  let count = 1;
  let spent = 0;
  for (;;) {
    gc('minor');
    const start = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      const verdict = evaluate(input, options);
      match ||= verdict.match;
      sink += verdict.proxies.length;
    }
    spent = cpuNs(start);
    if (spent >= 1e6 || count >= 1 << 20) break;
    count *= 2;
  }
  const iterations = Math.max(1, Math.round((count * TARGET_MS * 1e6) / Math.max(spent, 1)));
  const nsPerInput: number[] = [];
  for (let r = 0; r < REPS; r++) {
    gc('minor'); // each repetition starts with an empty young generation
    const t0 = process.cpuUsage();
    for (let i = 0; i < iterations; i++) sink += evaluate(input, options).proxies.length;
    nsPerInput.push(cpuNs(t0) / iterations);
  }
  if (sink === -1) process.stderr.write(''); // keeps the work observable
  const { chars, bytes } = sizeOf(input);
  const mid = median(nsPerInput);
  return {
    size,
    chars,
    bytes,
    iterations,
    nsPerInput: nsPerInput.map((v) => Math.round(v)),
    medianNsPerInput: Math.round(mid),
    minNsPerInput: Math.round(Math.min(...nsPerInput)),
    nsPerByte: mid / bytes,
    match,
  };
}

/** Child: time every family and size in one mode; prints the results as one JSON line. */
function runChild(mode: ModeName): void {
  const options = MODES[mode];
  const families = FAMILIES.filter((family) => family.modes === undefined || family.modes.includes(mode));
  // Warm-up: every family at the two smallest sizes, so the optimizing compiler has seen all paths.
  const small = families.flatMap((family) => SIZES.slice(0, 2).map((size) => build(family, size)));
  let sink = 0;
  for (let w = 0; w < 60; w++) for (const input of small) sink += evaluate(input, options).proxies.length;
  if (sink === -1) process.stderr.write('');
  const results: FamilyResult[] = [];
  for (const family of families) {
    gc('major'); // the previous family's inputs are garbage now
    const points = SIZES.map((size) => measure(build(family, size), size, options));
    results.push({
      family: family.name,
      description: family.description,
      mode,
      points,
      slope: slopeBetween(points[0], points[points.length - 1]),
      slopeTop: slopeBetween(points[points.length - 2], points[points.length - 1]),
    });
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

function spawnChild(mode: ModeName): FamilyResult[] {
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', script], {
    env: { ...process.env, BENCH_RULE_SCALING_CHILD: mode },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`benchmark child for ${mode} failed (${String(child.status ?? child.signal)}): ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() as string) as FamilyResult[];
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

function runParent(): void {
  const modes = Object.keys(MODES) as ModeName[];
  const sizeLabel = (size: number): string => (size >= 1024 * 1024 ? `${size / (1024 * 1024)}M` : size >= 1024 ? `${size / 1024}K` : String(size));
  process.stdout.write(
    `rule scaling benchmark: ${FAMILIES.length} families x ${SIZES.length} sizes (${SIZES.map(sizeLabel).join(', ')}) x ${modes.length} modes, ` +
      `${REPS} repetitions of ~${TARGET_MS} ms each, median, CPU time, one process per mode, node ${process.version}\n`,
  );
  const startedAt = new Date().toISOString();
  const wallStart = process.hrtime.bigint();
  const byMode = new Map(modes.map((mode) => [mode, spawnChild(mode)]));
  const results = FAMILIES.flatMap((family) =>
    modes.flatMap((mode) => (byMode.get(mode) ?? []).filter((r) => r.family === family.name)),
  );
  for (const r of results) {
    r.slope = round(r.slope, 3);
    r.slopeTop = round(r.slopeTop, 3);
    for (const p of r.points) p.nsPerByte = round(p.nsPerByte, 3);
  }

  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const widths = [18, 11, ...SIZES.map(() => 10), 10, 14, 5];
  const pad = (cells: string[]): string[] => cells.map((c, k) => (k < 2 ? c.padEnd(widths[k] as number) : c.padStart(widths[k] as number)));
  const lines = [
    row(pad(['family', 'mode', ...SIZES.map((s) => `ns/B ${sizeLabel(s)}`), 'slope', 'slope top 2', 'match'])),
    row(widths.map((w) => '-'.repeat(w))),
    ...results.map((r) =>
      row(
        pad([
          r.family,
          r.mode,
          ...r.points.map((p) => (p.nsPerByte >= 100 ? p.nsPerByte.toFixed(0) : p.nsPerByte >= 10 ? p.nsPerByte.toFixed(1) : p.nsPerByte.toFixed(2))),
          r.slope.toFixed(2),
          r.slopeTop.toFixed(2),
          r.points.every((p) => p.match) ? 'yes' : r.points.some((p) => p.match) ? 'some' : 'no',
        ]),
      ),
    ),
  ];
  const worst = results.reduce((a, b) => (b.slope > a.slope ? b : a));
  const worstTop = results.reduce((a, b) => (b.slopeTop > a.slopeTop ? b : a));
  lines.push(
    '',
    `slope = d log(time per input) / d log(size), ${sizeLabel(SIZES[0] as number)} to ${sizeLabel(SIZES[SIZES.length - 1] as number)}: linear ≈ 1.0, quadratic ≈ 2.0`,
    `steepest slope: ${worst.slope.toFixed(2)} (${worst.family}, ${worst.mode}); steepest between the two largest sizes: ${worstTop.slopeTop.toFixed(2)} (${worstTop.family}, ${worstTop.mode})`,
    '',
  );
  process.stdout.write(lines.join('\n'));

  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'rule-scaling.json');
  mkdirSync(dirname(out), { recursive: true });
  const report = {
    startedAt,
    wallSeconds: round(Number(process.hrtime.bigint() - wallStart) / 1e9, 1),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    sizes: SIZES,
    repetitions: REPS,
    targetMsPerRepetition: TARGET_MS,
    seed: SEED,
    modes,
    results,
    maxSlope: { value: worst.slope, family: worst.family, mode: worst.mode },
    maxSlopeTop: { value: worstTop.slopeTop, family: worstTop.family, mode: worstTop.mode },
  };
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`raw results: ${out}\n`);
}

const REDACT_SIZES = [262_144, 524_288, 1_048_576];

/** Redaction of each hostile line at 0.25/0.5/1 MB: CPU ms per MB (median of REPS), in this process. */
function runRedaction(): void {
  const rows: string[] = [`| ${'hostile line (redactCommandLine)'.padEnd(44)} | ${REDACT_SIZES.map((s) => `ms/MB ${s / 1_048_576}M`.padStart(10)).join(' | ')} |`];
  rows.push(`| ${'-'.repeat(44)} | ${REDACT_SIZES.map(() => '-'.repeat(10)).join(' | ')} |`);
  const results: { line: string; msPerMb: number[] }[] = [];
  for (const family of HOSTILE_LINES) {
    const msPerMb = REDACT_SIZES.map((size) => {
      const line = family.make(size);
      line.indexOf('\u0001'); // flatten the rope, untimed
      redactCommandLine(line); // warm-up
      const times: number[] = [];
      for (let r = 0; r < REPS; r++) {
        gc('minor');
        const t0 = process.cpuUsage();
        redactCommandLine(line);
        times.push(cpuNs(t0) / 1e6);
      }
      return (median(times) * 1_048_576) / line.length;
    });
    results.push({ line: family.name, msPerMb: msPerMb.map((v) => round(v, 2)) });
    rows.push(`| ${family.name.padEnd(44)} | ${msPerMb.map((v) => v.toFixed(1).padStart(10)).join(' | ')} |`);
  }
  process.stdout.write(`\n${rows.join('\n')}\n`);
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'rule-scaling-redact.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ startedAt: new Date().toISOString(), node: process.version, sizes: REDACT_SIZES, repetitions: REPS, results }, null, 2)}\n`);
  process.stdout.write(`raw results: ${out}\n`);
}

const childMode = process.env.BENCH_RULE_SCALING_CHILD;
if (childMode === 'redact') runRedaction();
else if (childMode === undefined) {
  if (process.env.BENCH_RULE_SCALING_ONLY !== 'redact') runParent();
  // Redaction in a child of its own too, with --expose-gc, as the modes.
  const child = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_RULE_SCALING_CHILD: 'redact' },
    encoding: 'utf8',
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`redaction benchmark child failed (${String(child.status ?? child.signal)})`);
} else runChild(childMode as ModeName);
