import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateMix, prng } from '../../../bench/fixtures/rule-mix.js';
import { evaluate } from '../../../src/rule/curl-proxy.js';
import { mayUseProxy } from '../../../src/rule/prefilter.js';
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

  it('says no for plain curl command lines, so the fast path is actually taken', () => {
    assert.equal(mayUseProxy({ commandLine: 'curl -s https://example.com' }), false);
    assert.equal(mayUseProxy({ commandLine: 'curl -X POST -H Content-Type:application/json https://a' }), false);
    assert.equal(mayUseProxy({ args: ['curl', '-sSL', 'https://a/proxy'] }), false);
  });

  it('says maybe for anything quoted or escaped, and for proxy variables', () => {
    assert.equal(mayUseProxy({ commandLine: `curl "-"x p https://a` }), true);
    assert.equal(mayUseProxy({ commandLine: 'curl -\\x p' }), true);
    assert.equal(mayUseProxy({ commandLine: 'curl https://a', envVars: ['ALL_PROXY=socks5://p'] }), true);
  });
});
