import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';

const emptyDefaults = mkdtempSync(join(tmpdir(), 'cpd-defaults-'));
const load = (flags: Record<string, string>) => loadConfig({ env: {}, defaultsDir: emptyDefaults, flags });

describe('source.pushdown', () => {
  const cases: { name: string; flags: Record<string, string>; expected: string }[] = [
    { name: 'auto is the default and means argv in argv mode', flags: {}, expected: 'argv' },
    { name: 'auto means names in splunk mode', flags: { 'rule.mode': 'splunk' }, expected: 'names' },
    { name: 'an explicit auto in argv mode is argv', flags: { 'source.pushdown': 'auto', 'rule.mode': 'argv' }, expected: 'argv' },
    { name: 'an explicit names stays names in argv mode', flags: { 'source.pushdown': 'names' }, expected: 'names' },
    { name: 'an explicit none stays none in splunk mode', flags: { 'source.pushdown': 'none', 'rule.mode': 'splunk' }, expected: 'none' },
    { name: 'an explicit names stays names in splunk mode', flags: { 'source.pushdown': 'names', 'rule.mode': 'splunk' }, expected: 'names' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(load(c.flags).source.pushdown, c.expected));
  }

  it('refuses argv with splunk mode, naming the key, the value and why', () => {
    let problems: readonly string[] = [];
    try {
      load({ 'source.pushdown': 'argv', 'rule.mode': 'splunk' });
    } catch (err) {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      problems = err.problems;
    }
    assert.equal(problems.length, 1, `expected one problem, got ${JSON.stringify(problems)}`);
    assert.match(problems[0] ?? '', /^source\.pushdown: .*rule\.mode "splunk".*got "argv"/);
  });
});
