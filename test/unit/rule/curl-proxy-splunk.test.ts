import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate } from '../../../src/rule/curl-proxy.js';
import { ANALYTIC_PATTERNS } from '../../../src/rule/splunk-analytic.js';
import type { RuleOptions } from '../../../src/rule/types.js';
import { RULE_CASES, curlLine } from './cases.js';

const SPLUNK: RuleOptions = { mode: 'splunk', noproxyStarDisables: true };

describe('splunk mode reproduces the analytic, false positives and misses included', () => {
  for (const c of RULE_CASES) {
    it(c.name, () => {
      const verdict = evaluate(c.input, SPLUNK);
      const context = JSON.stringify(verdict, null, 1);
      assert.equal(verdict.mode, 'splunk');
      assert.equal(verdict.match, c.splunk.match, context);
      if (c.splunk.patterns !== undefined) assert.deepEqual(verdict.proxies.map((p) => p.option), c.splunk.patterns, context);
      for (const p of verdict.proxies) assert.deepEqual([p.scheme, p.host, p.port], [null, null, null]);
    });
  }
});

describe('splunk mode details', () => {
  it('uses the seven patterns of the analytic, in its order', () => {
    assert.deepEqual(ANALYTIC_PATTERNS, ['*-x *', '*socks4a://*', '*socks5h://*', '*socks4://*', '*socks5://*', '*--preproxy *', '--proxy*']);
  });

  it('needs process_name to be curl, whatever the executable path says', () => {
    const verdict = evaluate({ processName: 'sysmon', processPath: '/usr/bin/curl', commandLine: 'curl -x p https://a' }, SPLUNK);
    assert.equal(verdict.match, false);
    assert.equal(verdict.isCurl, false);
  });

  it('rebuilds the command line from args when the event has none, as CIM add-ons do', () => {
    const verdict = evaluate({ processName: 'curl', args: ['curl', '-x', 'p', 'https://a'] }, SPLUNK);
    assert.equal(verdict.match, true);
    assert.ok(verdict.notes.some((n) => n.includes('joined with spaces')));
  });

  it('does not match without a command line', () => {
    assert.equal(evaluate({ processName: 'curl' }, SPLUNK).match, false);
  });

  it('shows the word the pattern points at, with credentials redacted', () => {
    const verdict = evaluate(curlLine('curl -x socks5h://u:pw@h:1 https://a'), SPLUNK);
    assert.deepEqual(
      verdict.proxies.map((p) => [p.option, p.url]),
      [
        ['*-x *', 'socks5h://***@h:1'],
        ['*socks5h://*', 'socks5h://***@h:1'],
      ],
    );
  });

  it('a pattern matches the whole value: "--proxy*" needs the line to start with --proxy', () => {
    assert.equal(evaluate({ processName: 'curl', commandLine: ' --proxy p' }, SPLUNK).match, false);
    assert.equal(evaluate({ processName: 'curl', commandLine: '--PROXY p' }, SPLUNK).match, true);
  });
});
