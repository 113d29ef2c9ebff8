import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { evaluate } from '../../../src/rule/curl-proxy.js';
import { ANALYTIC_PATTERNS } from '../../../src/rule/splunk-analytic.js';
import type { RuleInput, RuleMode, RuleOptions, Verdict } from '../../../src/rule/types.js';
import { seeded, type Random } from '../../support/random.js';
import { FAMILIES, MB, TRANSFER_FAMILIES, caseSeed, genFragmentInput, genInput, type Family } from '../../support/rule-generators.js';

/**
 * Property tests for the rule, over deterministic random and adversarial process events:
 * - the rule is total: in every mode it returns a well-formed verdict and never throws;
 * - splunk mode is exactly the analytic, checked against a reference written here from the
 *   analytic's text alone (no code shared with src/rule/glob.ts);
 * - the argv prefilter never changes a decision;
 * - megabyte-sized pathological command lines are decided in linear time. No wall clock here
 *   (timing belongs in bench/rule-scaling.bench.ts): each such case runs under node:test's
 *   per-test timeout, and a quadratic path over 1 MB (10^12 steps) would blow it by orders
 *   of magnitude while the linear one takes milliseconds. node:test cannot interrupt a
 *   synchronous test (a 2 s busy loop under a 200 ms timeout passes), so these cases run in
 *   a worker thread: the test awaits it, the timeout fires, and the worker is terminated.
 *
 * Reproducing a failure: every message names the base seed and the case number; rerun with
 *   PROPERTY_SEED=<seed> PROPERTY_ONLY=<case> npx tsx --test test/unit/rule/properties.test.ts
 * (PROPERTY_CASES=<n> changes how many cases each property draws).
 */

const BASE_SEED = envNumber('PROPERTY_SEED') ?? 0x5eed2024;
const ONLY = envNumber('PROPERTY_ONLY');
const CASES = envNumber('PROPERTY_CASES') ?? 25_000;
/** A verdict becomes a finding document: hostile input must not make it huge (as in robustness.test.ts). */
const MAX_VERDICT_JSON = 64 * 1024;

const ARGV: RuleOptions = { mode: 'argv', noproxyStarDisables: true };
const ARGV_FULL: RuleOptions = { mode: 'argv', noproxyStarDisables: true, fastPath: false };
const SPLUNK: RuleOptions = { mode: 'splunk', noproxyStarDisables: true };

function envNumber(name: string): number | undefined {
  const text = process.env[name];
  return text === undefined || text === '' ? undefined : Number(text);
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness


/** The generators (test/support/rule-generators.ts) draw from the shared seeded PRNG (test/support/random.ts). */
type Gen = Random;

/** Where a check runs, for its failure message; built only when a check fails. */
type Where = () => string;

/**
 * Runs `check` over `count` generated cases (or only case PROPERTY_ONLY); a failure names the
 * seed and the case, and shows the input.
 */
function forAll<T>(label: string, count: number, generate: (g: Gen) => T, check: (value: T, where: Where) => void, seed = BASE_SEED): number {
  const indexes = ONLY === undefined ? Array.from({ length: count }, (_, i) => i) : [ONLY];
  for (const index of indexes) {
    const value = generate(seeded(caseSeed(seed, index)));
    const where: Where = () => `${label}: PROPERTY_SEED=${seed} PROPERTY_ONLY=${index}, input ${show(value)}`;
    try {
      check(value, where);
    } catch (error) {
      if (error instanceof assert.AssertionError && error.message.includes('PROPERTY_SEED=')) throw error;
      throw new assert.AssertionError({ message: `${where()}\n  ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` });
    }
  }
  return indexes.length;
}

/** assert.ok with a message built only on failure (a verdict can be megabytes of JSON). */
function expect(condition: boolean, message: () => string): void {
  if (!condition) throw new assert.AssertionError({ message: message() });
}

/**
 * JSON of a value, cut, with every non-ASCII character escaped (a Kelvin sign looks like K,
 * U+0130 like I): the text can be pasted back into a test as it is.
 */
function show(value: unknown): string {
  const text = (JSON.stringify(value) ?? String(value)).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return text.length <= 600 ? text : `${text.slice(0, 600)}…(${text.length - 600} more characters)`;
}

// ---------------------------------------------------------------------------------------------
// Well-formed verdicts

const SCHEMES = new Set([null, 'http', 'https', 'socks4', 'socks4a', 'socks5', 'socks5h']);
const SOURCES = new Set(['argv', 'command_line', 'env']);

function assertWellFormed(verdict: Verdict, mode: RuleMode, where: Where): void {
  const at = (what: string) => (): string => `${where()}\n  ${what}\n  verdict ${show(verdict)}`;
  expect(typeof verdict === 'object' && verdict !== null, at('the verdict is an object'));
  expect(verdict.mode === mode, at(`mode is not ${mode}`));
  expect(typeof verdict.match === 'boolean', at('match is not a boolean'));
  expect(typeof verdict.isCurl === 'boolean', at('isCurl is not a boolean'));
  expect(typeof verdict.reason === 'string' && verdict.reason.length > 0, at('reason is not a non-empty string'));
  expect(Array.isArray(verdict.proxies), at('proxies is not an array'));
  expect(Array.isArray(verdict.nearMisses), at('nearMisses is not an array'));
  expect(Array.isArray(verdict.notes), at('notes is not an array'));
  expect(verdict.match === verdict.proxies.length > 0, at('a match must list its proxies, a non-match none'));
  expect(!verdict.match || verdict.isCurl, at('only curl may match'));
  for (const p of verdict.proxies) {
    expect(typeof p.option === 'string' && p.option.length > 0, at('proxy.option'));
    expect(typeof p.canonical === 'string', at('proxy.canonical'));
    expect(typeof p.url === 'string', at('proxy.url'));
    expect(SCHEMES.has(p.scheme), at('proxy.scheme'));
    expect(p.host === null || typeof p.host === 'string', at('proxy.host'));
    expect(p.port === null || (Number.isInteger(p.port) && p.port >= 0 && p.port <= 65535), at('proxy.port'));
    expect(SOURCES.has(p.source), at('proxy.source'));
    expect(p.evasion === null || typeof p.evasion === 'string', at('proxy.evasion'));
    expect(Number.isInteger(p.segment) && p.segment >= 1, at('proxy.segment'));
    if (mode === 'splunk') {
      expect((REFERENCE_PATTERNS as readonly string[]).includes(p.option) && p.canonical === p.option, at('a splunk proxy names its pattern'));
      expect(
        p.scheme === null && p.host === null && p.port === null && p.source === 'command_line' && p.evasion === null && p.segment === 1,
        at('a splunk proxy has no scheme, host or port, source command_line, segment 1'),
      );
    }
  }
  for (const p of verdict.proxies) expect(p.refused === null || (mode === 'argv' && typeof p.refused === 'string' && p.refused.length > 0), at('proxy.refused'));
  expect(Array.isArray(verdict.routes) && verdict.routes.length <= 100, at('routes is an array of at most 100'));
  if (mode === 'splunk' || !verdict.isCurl) expect(verdict.routes.length === 0, at('only argv mode on curl lists routes'));
  for (const r of verdict.routes) {
    expect(Number.isInteger(r.segment) && r.segment >= 1 && typeof r.url === 'string' && typeof r.reason === 'string' && r.reason.length > 0, at('route'));
    expect(r.host === null || typeof r.host === 'string', at('route.host'));
    expect(r.route === 'proxy' || r.route === 'direct' || r.route === 'unknown', at('route.route'));
    expect((r.route === 'proxy') === (r.firstHop !== null), at('a route has a first hop exactly when it goes through a proxy'));
  }
  // A match is exactly "some URL goes (or may go) through a proxy", or a transfer without URLs that names a proxy.
  if (mode === 'argv' && verdict.routes.some((r) => r.route !== 'direct')) expect(verdict.match, at('a proxied route makes a match'));
  for (const m of verdict.nearMisses) expect(typeof m.token === 'string' && typeof m.reason === 'string' && m.reason.length > 0, at('near-miss'));
  for (const n of verdict.notes) expect(typeof n === 'string', at('note'));
  const size = JSON.stringify(verdict).length;
  expect(size < MAX_VERDICT_JSON, at(`verdict JSON of ${size} characters (bound ${MAX_VERDICT_JSON})`));
}

// ---------------------------------------------------------------------------------------------
// The analytic, written again from its text (independent of src/rule/glob.ts)

/**
 * The analytic: `Processes.process_name=curl Processes.process IN (<patterns>)`.
 * - A Splunk wildcard value matches the WHOLE field: `*` is any run of characters (empty too,
 *   newlines and NULs included), every other character is literal. Here each pattern becomes an
 *   anchored regular expression.
 * - Case-insensitive, defined here as: String.prototype.toLowerCase() of the text equals the
 *   pattern's toLowerCase() under that expression (so a Kelvin sign in the text counts as k).
 * - The name: process_name.toLowerCase() === 'curl'. The product's equalsIgnoreCase folds ASCII
 *   letters only; the two definitions agree on every string, because no non-ASCII character
 *   lower-cases into c, u, r or l (checked below over all of Unicode).
 * - The field `process` is commandLine when the event has one (an empty string is one), else
 *   process.args joined with single spaces when args is non-empty, else absent (no match).
 */
const REFERENCE_PATTERNS = ['*-x *', '*socks4a://*', '*socks5h://*', '*socks4://*', '*socks5://*', '*--preproxy *', '--proxy*'] as const;

const REFERENCE_REGEXES = REFERENCE_PATTERNS.map(
  (pattern) => new RegExp(`^${pattern.toLowerCase().split('*').map((literal) => literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('[\\s\\S]*')}$`),
);

function referenceIsCurl(name: string | undefined): boolean {
  return name !== undefined && name.toLowerCase() === 'curl';
}

function referenceText(input: RuleInput): string | undefined {
  if (input.commandLine !== undefined) return input.commandLine;
  if (input.args !== undefined && input.args.length > 0) return input.args.join(' ');
  return undefined;
}

/** The patterns that hit, in the analytic's order. */
function referencePatterns(input: RuleInput): string[] {
  if (!referenceIsCurl(input.processName)) return [];
  const text = referenceText(input);
  if (text === undefined) return [];
  const lower = text.toLowerCase();
  return REFERENCE_PATTERNS.filter((_, k) => (REFERENCE_REGEXES[k] as RegExp).test(lower));
}

function assertSplunkIsReference(input: RuleInput, verdict: Verdict, where: Where): void {
  const expected = referencePatterns(input);
  const options = verdict.proxies.map((p) => p.option);
  const at = (what: string) => (): string =>
    `${where()}\n  ${what}\n  reference patterns ${JSON.stringify(expected)}, product patterns ${JSON.stringify(options)}\n  verdict ${show(verdict)}`;
  expect(verdict.isCurl === referenceIsCurl(input.processName), at('isCurl differs from the reference'));
  expect(verdict.match === expected.length > 0, at('match differs from the reference'));
  expect(new Set(options).size === options.length && options.every((o) => expected.includes(o)) && expected.every((o) => options.includes(o)), at('the matched patterns differ from the reference'));
  expect(options.join('\n') === expected.join('\n'), at("one entry per matched pattern, in the analytic's order"));
}

// ---------------------------------------------------------------------------------------------
// Properties over random input

/** Evaluates; an exception becomes a failure that names the input. */
function run(input: RuleInput, options: RuleOptions, where: Where): Verdict {
  try {
    return evaluate(input, options);
  } catch (error) {
    const what = error instanceof Error ? (error.stack ?? error.message) : String(error);
    throw new assert.AssertionError({ message: `${where()}\n  evaluate threw in ${options.mode} mode (fastPath ${String(options.fastPath)}): ${what}` });
  }
}

function registerPropertyTests(): void {
  describe('properties of the rule over random and adversarial events', () => {
    it(`every mode returns a well-formed verdict and never throws (${CASES} events per mode)`, () => {
      const counts = { curlNamed: 0, splunkMatches: 0, argvMatches: 0, argsOnly: 0 };
      forAll('well-formed', CASES, genInput, (input, where) => {
        const argv = run(input, ARGV, where);
        assertWellFormed(argv, 'argv', where);
        assertWellFormed(run(input, ARGV_FULL, where), 'argv', where);
        const splunk = run(input, SPLUNK, where);
        assertWellFormed(splunk, 'splunk', where);
        if (referenceIsCurl(input.processName)) counts.curlNamed++;
        if (splunk.match) counts.splunkMatches++;
        if (argv.match) counts.argvMatches++;
        if (input.commandLine === undefined && input.args !== undefined && input.args.length > 0) counts.argsOnly++;
      });
      if (ONLY === undefined) {
        // The generator must reach the interesting regions, or the property says little.
        assert.ok(counts.curlNamed > CASES / 5, `curl-named events: ${counts.curlNamed}`);
        assert.ok(counts.splunkMatches > CASES / 20, `splunk matches: ${counts.splunkMatches}`);
        assert.ok(counts.argvMatches > CASES / 50, `argv matches: ${counts.argvMatches}`);
        assert.ok(counts.argsOnly > CASES / 10, `args-only events: ${counts.argsOnly}`);
      }
    });

    it(`splunk mode equals the reference analytic (${CASES} events, then ${CASES} dense pattern-fragment lines)`, () => {
      forAll('splunk = reference', CASES, genInput, (input, where) => assertSplunkIsReference(input, run(input, SPLUNK, where), where));
      let matches = 0;
      const fragmentSeed = (BASE_SEED ^ 0x51ab) >>> 0;
      forAll(
        'splunk = reference (fragments)',
        CASES,
        genFragmentInput,
        (input, where) => {
          const verdict = run(input, SPLUNK, where);
          assertSplunkIsReference(input, verdict, where);
          if (verdict.match) matches++;
        },
        fragmentSeed,
      );
      if (ONLY === undefined) assert.ok(matches > CASES / 20, `fragment lines that match: ${matches}`);
    });

    it(`the argv prefilter never changes a decision (${CASES} events)`, () => {
      forAll('prefilter', CASES, genInput, (input, where) => {
        const fast = run(input, ARGV, where);
        const full = run(input, ARGV_FULL, where);
        expect(fast.match === full.match && fast.isCurl === full.isCurl, () => `${where()}\n  fast path ${show(fast)}\n  full parser ${show(full)}`);
        expect(JSON.stringify(fast.proxies) === JSON.stringify(full.proxies), () => `${where()}\n  proxies differ: ${show(fast.proxies)} vs ${show(full.proxies)}`);
      });
    });

    // Found by this file with other seeds: the parser once lower-cased option names with
    // toLowerCase(), which turns a Kelvin sign (U+212A) into an ASCII k; curl folds ASCII only.
    it(
      'the parser folds option names like curl (ASCII only): a Kelvin sign is not a k',
      () => {
        for (const commandLine of ['curl --soc\u212As5-hostname h https://a', 'curl --SOC\u212AS5 h https://a', 'curl --soc\u212As5-h h https://a']) {
          const input: RuleInput = { processName: 'curl', commandLine };
          const fast = evaluate(input, ARGV);
          const full = evaluate(input, ARGV_FULL);
          assert.equal(fast.match, full.match, `${show(commandLine)}: pipeline ${show(fast)}, parser ${show(full)}`);
          assert.equal(full.match, false, `${show(commandLine)}: curl knows no such option: ${show(full)}`);
        }
      },
    );

    it(`the same event always gets the same verdict, memoised and frozen ones included (${Math.ceil(CASES / 10)} events)`, () => {
      forAll('deterministic', Math.ceil(CASES / 10), genInput, (input, where) => {
        for (const options of [ARGV, ARGV_FULL, SPLUNK]) {
          const first = JSON.stringify(run(input, options, where));
          const second = JSON.stringify(run(input, options, where));
          expect(first === second, () => `${where()}\n  ${options.mode} (fastPath ${String(options.fastPath)}): ${show(first)} then ${show(second)}`);
        }
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The reference on hand-picked inputs

/** [what, input, patterns the analytic matches (written by hand)] */
/** [what, input, patterns the analytic matches (written by hand)] */
const ADVERSARIAL: readonly [string, RuleInput, string[]][] = [
  ['-X (the HTTP method) is -x to a case-insensitive analytic', { processName: 'curl', commandLine: 'curl -X POST https://a' }, ['*-x *']],
  ['-x at the very end has no space after it', { processName: 'curl', commandLine: 'curl -x' }, []],
  ['double spaces around -x', { processName: 'curl', commandLine: 'curl  -x  h' }, ['*-x *']],
  ['--proxy* needs the value to start with --proxy', { processName: 'curl', commandLine: '--proxy http://h curl' }, ['--proxy*']],
  ['--proxy later in the line is no hit', { processName: 'curl', commandLine: 'curl --proxy http://h' }, []],
  ['--proxy alone', { processName: 'curl', commandLine: '--proxy' }, ['--proxy*']],
  ['--PROXY in capitals at the start', { processName: 'curl', commandLine: '--PROXY=h' }, ['--proxy*']],
  ['a leading space defeats --proxy*', { processName: 'curl', commandLine: ' --proxy h' }, []],
  ['--PREPROXY in capitals', { processName: 'curl', commandLine: 'curl --PREPROXY h' }, ['*--preproxy *']],
  ['--preproxy at the end has no space after it', { processName: 'curl', commandLine: 'curl --preproxy' }, []],
  ['--preproxy= is not "--preproxy "', { processName: 'curl', commandLine: 'curl --preproxy=h https://a' }, []],
  ['scheme in capitals', { processName: 'CURL', commandLine: 'CURL SOCKS5H://H' }, ['*socks5h://*']],
  ['-x glued to its value', { processName: 'curl', commandLine: 'curl -xh:1 ' }, []],
  ['-x after a cluster letter is still "-x "', { processName: 'curl', commandLine: 'curl ---x h' }, ['*-x *']],
  ['tab after -x is not a space', { processName: 'curl', commandLine: 'curl -x\th' }, []],
  ['newline after -x is not a space', { processName: 'curl', commandLine: 'curl -x\nh' }, []],
  ['NUL-separated words', { processName: 'curl', commandLine: 'curl\0-x\0h' }, []],
  ['socks4a:// is not socks4://', { processName: 'curl', commandLine: 'curl socks4a://h' }, ['*socks4a://*']],
  ['two schemes, two hits, in the analytic order', { processName: 'curl', commandLine: 'curl socks5://a socks5h://b -x c' }, ['*-x *', '*socks5h://*', '*socks5://*']],
  ['every pattern at once', { processName: 'curl', commandLine: '--proxy -x socks4a://a socks5h://b socks4://c socks5://d --preproxy e' }, [...REFERENCE_PATTERNS]],
  ['socks5:/ with one slash', { processName: 'curl', commandLine: 'curl socks5:/ /h' }, []],
  ['socks:// (SOCKS4 to curl) is no pattern', { processName: 'curl', commandLine: 'curl -xsocks://h https://a' }, []],
  ['Kelvin sign lower-cases to k', { processName: 'curl', commandLine: 'curl soc\u212As5://h' }, ['*socks5://*']],
  ['long s does not lower-case to s', { processName: 'curl', commandLine: 'curl \u017Focks5://h' }, []],
  ['İ makes the lower-cased text longer', { processName: 'curl', commandLine: '\u0130\u0130 curl -x \u0130' }, ['*-x *']],
  ['a lone surrogate next to the pattern', { processName: 'curl', commandLine: 'curl -x \uD800' }, ['*-x *']],
  ['credentials in the value', { processName: 'curl', commandLine: 'curl -x socks5h://u:p@h' }, ['*-x *', '*socks5h://*']],
  ['--noproxy is no pattern', { processName: 'curl', commandLine: "curl --noproxy '*' https://a" }, []],
  ['a pattern inside quotes still hits (no shell parsing)', { processName: 'curl', commandLine: `curl -H "X: -x y" https://a` }, ['*-x *']],
  ['args joined with spaces when there is no command line', { processName: 'curl', args: ['curl', '-x', 'h'] }, ['*-x *']],
  ['one arg holding "-x h" joins the same way', { processName: 'curl', args: ['curl', '-x h'] }, ['*-x *']],
  ['args that start with --proxy', { processName: 'curl', args: ['--proxy', 'h'] }, ['--proxy*']],
  ['args with a trailing empty word give "-x "', { processName: 'curl', args: ['curl', '-x', ''] }, ['*-x *']],
  ['an empty command line is a command line: args are not used', { processName: 'curl', commandLine: '', args: ['curl', '-x', 'h'] }, []],
  ['the command line wins over args', { processName: 'curl', commandLine: 'curl https://a', args: ['curl', '-x', 'h'] }, []],
  ['no command line and empty args', { processName: 'curl', args: [] }, []],
  ['no command line at all', { processName: 'curl', commandLine: undefined }, []],
  ['process_name in capitals', { processName: 'CURL', commandLine: 'curl -x h' }, ['*-x *']],
  ['process_name with a trailing space', { processName: 'curl ', commandLine: 'curl -x h' }, []],
  ['process_name is a path', { processName: '/usr/bin/curl', commandLine: 'curl -x h' }, []],
  ['no process_name, curl path', { processPath: '/usr/bin/curl', commandLine: 'curl -x h' }, []],
  ['process_name with a dotless i look-alike is not curl', { processName: 'cur\u0131', commandLine: 'curl -x h' }, []],
  ['process_name ﬂ ligature is not curl', { processName: 'cur\uFB02', commandLine: 'curl -x h' }, []],
];

function registerReferenceTests(): void {
  describe('splunk mode and the reference on hand-picked inputs', () => {
    it("the reference states the analytic's own seven patterns", () => {
      assert.deepEqual([...REFERENCE_PATTERNS], [...ANALYTIC_PATTERNS]);
    });

    for (const [what, input, patterns] of ADVERSARIAL) {
      it(what, () => {
        const where: Where = () => `${what}: ${show(input)}`;
        assert.deepEqual(referencePatterns(input), patterns, 'the hand-written expectation and the reference agree');
        const verdict = evaluate(input, SPLUNK);
        assertWellFormed(verdict, 'splunk', where);
        assertSplunkIsReference(input, verdict, where);
      });
    }

    it('ASCII-only and Unicode lower-casing agree on whether a name is curl, for every code point', () => {
      // Only a character that lower- or upper-cases into c, u, r or l could make the two differ.
      const suspects: number[] = [];
      for (let cp = 0; cp <= 0x10ffff; cp++) {
        if (cp >= 0xd800 && cp <= 0xdfff) continue;
        const c = String.fromCodePoint(cp);
        if (/[curl]/i.test(c.toLowerCase()) || /[curl]/i.test(c.toUpperCase())) suspects.push(cp);
      }
      suspects.push(0xd800, 0xdfff, 0x212a, 0x0130, 0x0131, 0x017f);
      for (const cp of suspects) {
        for (let k = 0; k < 4; k++) {
          const name = `${'curl'.slice(0, k)}${String.fromCodePoint(cp)}${'curl'.slice(k + 1)}`;
          const input: RuleInput = { processName: name, commandLine: 'curl -x h' };
          assertSplunkIsReference(input, evaluate(input, SPLUNK), () => `name ${JSON.stringify(name)}`);
        }
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Linear time on megabyte inputs, guarded by the per-test timeout (no wall clock)

/** Far above the milliseconds a linear pass over 1 MB takes, far below a quadratic one. */
const LINEAR_TIMEOUT_MS = 20_000;


/** Runs every mode on one big event: well-formed verdicts, the prefilter, the reference, the argv decision. */
function checkFamily(family: Family): void {
  const input = family.make();
  const size = (input.commandLine?.length ?? 0) + (input.args?.reduce((sum, a) => sum + a.length + 1, 0) ?? 0);
  assert.ok(size >= MB / 2, `${family.name}: the input is ${size} characters, not about a megabyte`);
  const where: Where = () => `${family.name}: ${show(input)}`;
  const argv = run(input, { ...ARGV, ...family.options }, where);
  const argvFull = run(input, { ...ARGV_FULL, ...family.options }, where);
  const splunk = run(input, SPLUNK, where);
  assertWellFormed(argv, 'argv', where);
  assertWellFormed(argvFull, 'argv', where);
  assertWellFormed(splunk, 'splunk', where);
  assert.equal(argv.match, argvFull.match, `${family.name}: the prefilter changed the decision`);
  assertSplunkIsReference(input, splunk, where);
  if (family.argv !== undefined) assert.equal(argv.match, family.argv, `${family.name}: argv decision`);
}

/** The worker's side: checks the families it is asked for, one at a time, and says how it went. */
type LinearRequest = { list: 'families' | 'transfers'; index: number };
type LinearReply = { ok: true } | { ok: false; message: string };
const WORKER_ROLE = 'properties.test.ts linear-time worker';

function serveLinearChecks(): void {
  parentPort?.on('message', ({ list, index }: LinearRequest) => {
    const family = (list === 'families' ? FAMILIES : TRANSFER_FAMILIES)[index] as Family;
    let reply: LinearReply;
    try {
      checkFamily(family);
      reply = { ok: true };
    } catch (error) {
      const message = error instanceof assert.AssertionError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
      reply = { ok: false, message };
    }
    parentPort?.postMessage(reply);
  });
}

/**
 * The test's side: one worker thread (this file again, with tsx's loader registered) checks
 * the families in turn. When a test times out, node:test aborts its signal and the worker is
 * terminated (a stuck loop included); the next test starts a fresh one.
 */
let linearWorker: Worker | null = null;

function checkInWorker(request: LinearRequest, signal: AbortSignal): Promise<void> {
  const worker = (linearWorker ??= new Worker(
    `const { workerData } = require('node:worker_threads');
     import(workerData.tsxApi).then((api) => { api.register(); return import(workerData.file); });`,
    { eval: true, workerData: { role: WORKER_ROLE, tsxApi: import.meta.resolve('tsx/esm/api'), file: import.meta.url } },
  ));
  return new Promise<void>((resolve, reject) => {
    const finish = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      signal.removeEventListener('abort', onAbort);
    };
    const drop = (): void => {
      finish();
      if (linearWorker === worker) linearWorker = null;
      void worker.terminate();
    };
    const onMessage = (reply: LinearReply): void => {
      finish();
      if (reply.ok) resolve();
      else reject(new assert.AssertionError({ message: reply.message }));
    };
    const onError = (error: Error): void => {
      drop();
      reject(error);
    };
    const onExit = (code: number): void => {
      drop();
      reject(new Error(`the linear-time worker exited (code ${code}) before it answered`));
    };
    const onAbort = (): void => {
      drop(); // timed out: stop the work, whatever it is doing
      reject(new Error('aborted (timed out)'));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    signal.addEventListener('abort', onAbort);
    worker.postMessage(request);
  });
}

function registerLinearTests(): void {
  describe('megabyte-sized pathological events are decided in linear time (guard: per-test timeout, in a worker)', () => {
    after(() => linearWorker?.terminate());
    FAMILIES.forEach((family, index) => {
      it(family.name, { timeout: LINEAR_TIMEOUT_MS }, (t) => checkInWorker({ list: 'families', index }, t.signal));
    });
    TRANSFER_FAMILIES.forEach((family, index) => {
      it(family.name, { timeout: LINEAR_TIMEOUT_MS }, (t) => checkInWorker({ list: 'transfers', index }, t.signal));
    });
  });
}

if (!isMainThread && (workerData as { role?: unknown } | null)?.role === WORKER_ROLE) {
  serveLinearChecks();
} else {
  registerPropertyTests();
  registerReferenceTests();
  registerLinearTests();
}
