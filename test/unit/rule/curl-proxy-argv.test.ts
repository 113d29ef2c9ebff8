import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate } from '../../../src/rule/curl-proxy.js';
import type { ProxyUse, RuleOptions, UrlRoute } from '../../../src/rule/types.js';
import { RULE_CASES, curlLine } from './cases.js';

const FULL: RuleOptions = { mode: 'argv', noproxyStarDisables: true, fastPath: false };

function pick(proxy: ProxyUse, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, proxy[k as keyof ProxyUse]]));
}

describe('argv mode follows curl\'s option grammar', () => {
  for (const c of RULE_CASES) {
    it(c.name, () => {
      const verdict = evaluate(c.input, FULL);
      const context = JSON.stringify(verdict, null, 1);
      assert.equal(verdict.mode, 'argv');
      assert.equal(verdict.match, c.argv.match, context);
      assert.equal(verdict.match, verdict.proxies.length > 0, 'a match always lists its proxies');
      if (c.argv.isCurl !== undefined) assert.equal(verdict.isCurl, c.argv.isCurl, context);
      if (c.argv.proxies !== undefined) {
        assert.equal(verdict.proxies.length, c.argv.proxies.length, context);
        c.argv.proxies.forEach((expected, i) => {
          const actual = verdict.proxies[i] as ProxyUse;
          assert.deepEqual(pick(actual, Object.keys(expected)), expected, context);
        });
      }
      if (c.argv.routes !== undefined) {
        assert.equal(verdict.routes.length, c.argv.routes.length, context);
        c.argv.routes.forEach((expected, i) => {
          const actual = verdict.routes[i] as UrlRoute;
          assert.deepEqual(Object.fromEntries(Object.keys(expected).map((k) => [k, actual[k as keyof UrlRoute]])), expected, context);
        });
      }
      if (c.argv.nearMiss !== undefined) {
        const wanted = c.argv.nearMiss;
        assert.ok(verdict.nearMisses.some((m) => m.token.includes(wanted) || m.reason.includes(wanted)), context);
      }
      if (c.argv.reason !== undefined) assert.ok(verdict.reason.includes(c.argv.reason), context);
      if (c.argv.note !== undefined) {
        const wanted = c.argv.note;
        assert.ok(verdict.notes.some((n) => n.includes(wanted)), context);
      }
    });
  }
});

describe('argv mode verdicts explain themselves', () => {
  it('every verdict of the table has a one-sentence reason ending with a period', () => {
    for (const c of RULE_CASES) {
      const { reason } = evaluate(c.input, FULL);
      assert.ok(reason.length > 10 && reason.endsWith('.'), `${c.name}: ${reason}`);
    }
  });

  it('the reason of a match names the option and the redacted URL', () => {
    const verdict = evaluate(curlLine('curl -x socks5h://u:p@h:1080 https://a'), FULL);
    assert.equal(verdict.reason, 'curl uses a proxy: -x socks5h://***@h:1080.');
  });

  it('credentials never appear anywhere in a verdict', () => {
    const verdict = evaluate(curlLine('curl -x socks5h://alice:TopSecret@h:1 -x http://bob:Hunter2@q:2 https://a'), FULL);
    const text = JSON.stringify(verdict);
    assert.ok(!text.includes('TopSecret') && !text.includes('Hunter2'), text);
  });
});

describe('--noproxy "*" follows rule.noproxyStarDisables', () => {
  const input = curlLine("curl --noproxy '*' -x socks5://p https://a");

  it('with the default (true) the proxy is turned off and reported as a near-miss', () => {
    const verdict = evaluate(input, FULL);
    assert.equal(verdict.match, false);
    assert.match(verdict.nearMisses[0]?.reason ?? '', /turns every proxy off/);
  });

  it('with false the proxy still counts and a note says why', () => {
    const verdict = evaluate(input, { ...FULL, noproxyStarDisables: false });
    assert.equal(verdict.match, true);
    assert.ok(verdict.notes.some((n) => n.includes('noproxyStarDisables is false')));
  });

  it('a list that merely contains * among hosts is not the wildcard', () => {
    assert.equal(evaluate(curlLine("curl --noproxy '*,example.com' -x p https://a"), FULL).match, true);
  });
});

describe('argv verdict notes stay bounded', () => {
  it('keeps 20 distinct notes and one count of every note left out, the parser\'s own count included', () => {
    const transfers = Array.from({ length: 30 }, (_, i) => `-x p${i}:1 --noproxy h${i} https://a${i}`).join(' --next ');
    const unknown = Array.from({ length: 25 }, (_, i) => `--bogus${i}`).join(' ');
    const v = evaluate({ processName: 'curl', commandLine: `curl ${unknown} ${transfers}` }, { mode: 'argv', noproxyStarDisables: true, fastPath: false });
    // 1 splitting note + 25 unknown options (the parser keeps 20 and counts 6) + 30 --noproxy notes = 56 notes.
    assert.equal(v.notes.length, 21);
    assert.equal(v.notes[20], '36 more notes not listed');
    assert.equal(new Set(v.notes).size, 21, 'no note twice');
  });

  it('lists a note repeated by every transfer once', () => {
    const transfers = Array.from({ length: 50 }, () => `-x p:1 --noproxy h https://a`).join(' --next ');
    const v = evaluate({ processName: 'curl', commandLine: `curl ${transfers}` }, { mode: 'argv', noproxyStarDisables: true, fastPath: false });
    assert.equal(v.notes.filter((n) => n.includes('exempts only the hosts listed')).length, 1);
    assert.ok(!v.notes.some((n) => n.endsWith('more notes not listed')));
  });
});
