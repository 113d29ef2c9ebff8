import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CurlVariables, MAX_EXPANDED_LENGTH } from '../../../src/rule/curl-variables.js';
import { evaluate } from '../../../src/rule/curl-proxy.js';

describe('CurlVariables expands {{variables}} within a bound', () => {
  it('expands a defined variable', () => {
    const vars = new CurlVariables(new Map());
    vars.define('p=socks5h://203.0.113.7:1080');
    assert.equal(vars.expand('{{p}}'), 'socks5h://203.0.113.7:1080');
  });

  it('gives "unknown" (null) instead of building an expansion longer than the bound', () => {
    const vars = new CurlVariables(new Map());
    vars.define(`a=${'x'.repeat(120_000)}`);
    // 26,000 references to 120 KB: 3 GB of text, from 250 KB of arguments.
    assert.equal(vars.expand('{{a}}'.repeat(26_000)), null);
    assert.equal(vars.expand('{{a}}'.repeat(8))?.length, 960_000, 'under the bound it still expands');
    assert.ok(960_000 <= MAX_EXPANDED_LENGTH);
  });

  it('bounds the literal text around the references too', () => {
    const vars = new CurlVariables(new Map());
    vars.define('a=b');
    assert.equal(vars.expand(`{{a}}${'y'.repeat(MAX_EXPANDED_LENGTH)}`), null);
  });
});

describe('the rule on an expansion bomb', () => {
  it('decides instead of throwing: an --expand-proxy whose value is too large to expand is a proxy with an unknown target', () => {
    const args = ['curl', '--variable', `a=${'x'.repeat(120_000)}`, '--expand-proxy', '{{a}}'.repeat(26_000), 'https://x.example'];
    const verdict = evaluate({ processName: 'curl', args }, { mode: 'argv', noproxyStarDisables: true });
    assert.equal(verdict.match, true);
    assert.equal(verdict.proxies[0]?.canonical, '--proxy');
    assert.equal(verdict.proxies[0]?.host, null);
  });
});
