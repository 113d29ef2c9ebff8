import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateMix } from '../../../bench/fixtures/rule-mix.js';
import { prng } from '../../support/random.js';
import { evaluate } from '../../../src/rule/curl-proxy.js';
import { mayUseProxy } from '../../../src/rule/prefilter.js';
import { nameKind, surelyNotCurl } from '../../../src/rule/process-identity.js';
import type { RuleInput, Verdict } from '../../../src/rule/types.js';
import { RULE_CASES } from './cases.js';

const fast = (input: RuleInput): Verdict => evaluate(input, { mode: 'argv', noproxyStarDisables: true });
const full = (input: RuleInput): Verdict => evaluate(input, { mode: 'argv', noproxyStarDisables: true, fastPath: false });

/** The fast path may shorten the explanation of a non-match, never change a decision. */
function assertSameDecision(input: RuleInput): void {
  const a = fast(input);
  const b = full(input);
  const context = JSON.stringify(input).slice(0, 400);
  assert.equal(a.match, b.match, context);
  assert.equal(a.isCurl, b.isCurl, context);
  assert.deepEqual(a.proxies, b.proxies, context);
  // The prefilter only runs for processes named curl (env(1) wrappers take another check).
  if (input.processName === 'curl' && !mayUseProxy(input)) assert.equal(b.match, false, `prefilter said no but the parser matched: ${context}`);
}

/** Command lines made of the words that matter most to the prefilter, glued at random. */
function fuzzInputs(count: number, seed: number): RuleInput[] {
  const rand = prng(seed);
  const pieces = [
    '-x', '-X', 'x', '-sS', '-sSx', 'p:1', '--proxy', '--PrOxY', '--pre', '--preprox', '--socks5-h', '--sock', '--prox',
    '--proxy=', 'socks5h://u:p@h', '--noproxy', '*', '--', '--next', '-:', '-H', '-d', '--expand-proxy', '{{v}}',
    '--variable', 'v=socks5://q', "'", '"', '\\', ' ', '\t', '\0', 'https://a', 'ALL_PROXY=socks5://e', 'env', 'curl',
    '-K', 'f', '-V', '--no-proxy', '-U', '-p', 'é', '\uD800', '\uFFFD', '=', '-', '""', "''", '\\\n', 'X=1', '1x=2',
    'https_proxy=http://c:1', '/usr/bin/env', 'ENV', '-S', '"-x p"', "--p'r'e", '-"s"x', 'pre', 'sock',
    // No-proxy lists and URL hosts: they can only turn a match off, never on.
    'a,b', 'a b', '.a', 'http://a/', 'http://[::1]/', '10.0.0.0/8', 'http://10.1/', 'no_proxy=a', 'NO_PROXY=a', '-g', 'ftp://p', '--unix-socket',
  ];
  const inputs: RuleInput[] = [];
  for (let i = 0; i < count; i++) {
    const words = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => pieces[Math.floor(rand() * pieces.length)] as string);
    const joined = words.join(rand() < 0.7 ? ' ' : '');
    const env = rand() < 0.1 ? ['https_proxy=http://corp:1', 'no_proxy=*'].slice(0, 1 + Math.floor(rand() * 2)) : undefined;
    inputs.push({ processName: 'curl', commandLine: `curl ${joined}`, ...(env === undefined ? {} : { envVars: env }) });
    // No program word first: the pieces themselves decide what argv[0] and the assignments are.
    inputs.push({ processName: 'curl', commandLine: joined, ...(env === undefined ? {} : { envVars: env }) });
    inputs.push({ processName: 'curl', args: ['curl', ...words], ...(env === undefined ? {} : { envVars: env }) });
    inputs.push({ processName: 'curl', args: words });
    inputs.push({ processName: 'env', commandLine: `env ${joined}` });
  }
  return inputs;
}

/** Random text over the characters the prefilter's scans branch on, quoting included. */
function randomLines(count: number, seed: number): string[] {
  const rand = prng(seed);
  const alphabet = [
    '-', '-', '-', 'x', 'X', 'p', 'P', 'r', 'R', 'e', 'E', 'o', 'O', 's', 'S', 'c', 'k', 'K', 'n', 'N', 'v', 'V', 'y', 'Y',
    '_', '=', '/', ' ', ' ', '\t', '\n', '\0', "'", '"', '\\', '\\\n', 'a', 'é', '\uD800', 'curl ', 'env ', '_proxy=',
    '_PROXY=', '--', 'pre', 'prox', 'sock', '{{p}}', '--expand-proxy', '--variable', 'p=socks5://q',
  ];
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = '';
    for (let j = Math.floor(rand() * 24); j > 0; j--) text += alphabet[Math.floor(rand() * alphabet.length)];
    lines.push(text);
  }
  return lines;
}

describe('the argv prefilter never changes a decision', () => {
  it('agrees with the full parser on every case of the unit-test table', () => {
    for (const c of RULE_CASES) assertSameDecision(c.input);
  });

  it('agrees with the full parser over 60,000 events of the benchmark mix', () => {
    const mix = generateMix(60_000, 7);
    let curlEvents = 0;
    for (const input of mix) {
      assertSameDecision(input);
      if (input.processName === 'curl') curlEvents++;
    }
    assert.ok(curlEvents > 1000, 'the mix holds enough curl events to mean something');
  });

  it('agrees with the full parser over 100,000 random events built from tricky words', () => {
    for (const input of fuzzInputs(10_000, 99)) assertSameDecision(input);
    for (const input of fuzzInputs(10_000, 2024)) assertSameDecision(input);
  });

  it('agrees with the full parser over 100,000 random command lines full of quotes, backslashes and separators', () => {
    for (const text of randomLines(50_000, 7)) {
      assertSameDecision({ processName: 'curl', commandLine: text });
      assertSameDecision({ processName: 'curl', commandLine: `curl ${text}` });
    }
  });

  it('says no for plain curl command lines, so the fast path is actually taken', () => {
    assert.equal(mayUseProxy({ commandLine: 'curl -s https://example.com' }), false);
    assert.equal(mayUseProxy({ commandLine: 'curl -X POST -H Content-Type:application/json https://a' }), false);
    assert.equal(mayUseProxy({ args: ['curl', '-sSL', 'https://a/proxy'] }), false);
  });

  it('says no for quoted lines without a proxy-looking word, so quoting alone does not force the parser', () => {
    assert.equal(mayUseProxy({ commandLine: `curl -H "Content-Type: application/json" -d '{"proxy":false}' https://a` }), false);
    assert.equal(mayUseProxy({ commandLine: 'curl -s \\\n  https://a/x' }), false);
  });

  it('says maybe when quoting could hide an option, and for proxy variables', () => {
    assert.equal(mayUseProxy({ commandLine: `curl "-"x p https://a` }), true);
    assert.equal(mayUseProxy({ commandLine: 'curl -\\x p' }), true);
    assert.equal(mayUseProxy({ commandLine: `curl --p'r'oxy p https://a` }), true);
    assert.equal(mayUseProxy({ commandLine: `curl "a -sSx" p https://a` }), true);
    assert.equal(mayUseProxy({ commandLine: `A_PRO"XY"=p curl https://a` }), true);
    assert.equal(mayUseProxy({ commandLine: `"/usr/bin/e"nv curl https://a` }), true);
    assert.equal(mayUseProxy({ commandLine: 'curl --pr\\\neproxy p https://a' }), true);
    assert.equal(mayUseProxy({ commandLine: 'curl https://a', envVars: ['ALL_PROXY=socks5://p'] }), true);
  });
});

describe('the name pre-check', () => {
  const names = [undefined, '', 'curl', 'CURL', 'Curl', 'cur', 'curls', 'crul', 'env', 'ENV', 'Env', 'en', 'envy', 'bash', 'CRON', 'cat', 'e', 'c'];
  const paths = [undefined, '', '/usr/bin/curl', '/usr/bin/CURL', 'curl', '/x/xcurl', '/x/curl/', '/usr/bin/env', 'env', '/opt/ENV', '/bin/bash', '/usr/bin/kubectl', '/x/nv', '/'];

  it('is surely not curl exactly when neither name nor path can be curl or env', () => {
    for (const processName of names) {
      for (const processPath of paths) {
        const input: RuleInput = { processName, processPath };
        // nameKind 'other' is the only answer the pre-check may short-cut.
        if (surelyNotCurl(input)) assert.equal(nameKind(input), 'other', JSON.stringify(input));
      }
    }
  });

  it('settles the great majority of the other processes of the benchmark mix by itself', () => {
    const mix = generateMix(20_000, 3).filter((input) => nameKind(input) === 'other');
    const settled = mix.filter(surelyNotCurl).length;
    assert.ok(settled / mix.length > 0.85, `${settled} of ${mix.length}`);
  });
});
