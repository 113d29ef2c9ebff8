import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate } from '../../../src/rule/curl-proxy.js';
import type { RuleInput, RuleMode, Verdict } from '../../../src/rule/types.js';

const MB = 1024 * 1024;

function both(input: RuleInput): Record<RuleMode, Verdict> {
  const argv = evaluate(input, { mode: 'argv', noproxyStarDisables: true, fastPath: false });
  const splunk = evaluate(input, { mode: 'splunk', noproxyStarDisables: true });
  for (const verdict of [argv, splunk]) {
    assert.equal(typeof verdict.match, 'boolean');
    assert.ok(verdict.reason.length > 0);
    // Hostile input must not make a verdict (and so a finding) huge.
    assert.ok(JSON.stringify(verdict).length < 64 * 1024, `verdict of ${JSON.stringify(verdict).length} characters`);
  }
  return { argv, splunk };
}

/** Random printable ASCII plus spaces, deterministic. */
function noise(length: number): string {
  let seed = 12345;
  const chars: string[] = [];
  for (let i = 0; i < length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    chars.push(String.fromCharCode(32 + (seed % 95)));
  }
  return chars.join('');
}

describe('hostile and broken input is decided, never hangs or throws', () => {
  it('a 1 MB command line of random printable characters is decided', () => {
    const { argv, splunk } = both({ processName: 'curl', commandLine: `curl ${noise(MB)}` });
    assert.equal(typeof argv.match, 'boolean');
    assert.equal(typeof splunk.match, 'boolean');
  });

  it('a 1 MB command line of repeated -x options matches, with capped detail', () => {
    const { argv, splunk } = both({ processName: 'curl', commandLine: `curl ${'-x p:1 '.repeat(MB / 7)}https://a` });
    assert.equal(argv.match, true);
    assert.equal(argv.proxies.length, 1, 'the last -x wins');
    assert.ok(argv.nearMisses.length <= 51);
    assert.equal(splunk.match, true);
  });

  it('a 1 MB command line of -X options is no proxy in argv mode and a match for the analytic', () => {
    const { argv, splunk } = both({ processName: 'curl', commandLine: `curl ${'-X X '.repeat(MB / 5)}https://a` });
    assert.equal(argv.match, false);
    assert.equal(splunk.match, true);
  });

  it('200,000 transfers joined by --next list at most 100 proxies and say how many more', () => {
    const args = ['curl'];
    for (let i = 0; i < 200_000; i++) args.push('-x', `p${i}:1`, 'https://a', '--next');
    const { argv } = both({ processName: 'curl', args });
    assert.equal(argv.match, true);
    assert.equal(argv.proxies.length, 100);
    assert.ok(argv.notes.some((n) => n.includes('more proxies not listed')));
  });

  it('an unbalanced quote before a megabyte of text is decided and noted', () => {
    const { argv } = both({ processName: 'curl', commandLine: `curl -x 'socks5://p ${'a'.repeat(MB)}` });
    assert.equal(argv.match, true);
    assert.ok(argv.notes.some((n) => n.includes('unbalanced')));
  });

  it('a megabyte of quotes, backslashes or dashes is decided', () => {
    for (const text of [`'`.repeat(MB), '"'.repeat(MB), '\\'.repeat(MB), '-'.repeat(MB), '-'.repeat(MB - 1) + 'x', `--${'p'.repeat(MB)}`]) {
      const { argv } = both({ processName: 'curl', commandLine: `curl ${text}` });
      assert.equal(typeof argv.match, 'boolean');
    }
  });

  it('NUL bytes separate words, so a /proc cmdline still shows its proxy', () => {
    const { argv } = both({ processName: 'curl', commandLine: 'curl\0-x\0socks5://p:1\0https://a\0' });
    assert.equal(argv.match, true);
    assert.equal(argv.proxies[0]?.scheme, 'socks5');
  });

  it('lone surrogates and replacement characters (invalid UTF-8) are decided', () => {
    const { argv, splunk } = both({ processName: 'curl', commandLine: 'curl -x \uD800socks5://p\uDFFF \uFFFD\uFFFD https://a' });
    assert.equal(argv.match, true);
    assert.equal(splunk.match, true);
    const odd = both({ processName: 'cu\uD800rl', args: ['\uDFFF', '--pro\uFFFDxy', 'p'] });
    assert.equal(odd.argv.match, false);
  });

  it('deeply nested env -S strings stop at a fixed depth', () => {
    let command = 'curl -x p:1 https://a';
    // Each level quotes the one inside, so the text doubles: 12 levels are past the cap of 8.
    for (let i = 0; i < 12; i++) command = `-S ${JSON.stringify(command)}`;
    const { argv } = both({ processName: 'env', commandLine: `env ${command}` });
    assert.equal(typeof argv.match, 'boolean');
  });

  it('a huge environment snapshot is decided', () => {
    const envVars = Array.from({ length: 100_000 }, (_, i) => `VAR_${i}=${'v'.repeat(10)}`);
    envVars.push('ALL_PROXY=socks5h://p:1');
    const { argv } = both({ processName: 'curl', args: ['curl', 'https://a'], envVars });
    assert.equal(argv.match, true);
  });

  it('an empty event is decided', () => {
    assert.equal(both({}).argv.match, false);
    assert.equal(both({ processName: 'curl' }).argv.match, false);
    assert.equal(both({ processName: 'curl', args: [] }).argv.match, false);
  });
});
