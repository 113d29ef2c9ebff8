import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';

const emptyDefaults = mkdtempSync(join(tmpdir(), 'cpd-defaults-'));
const load = (flags: Record<string, string>, file?: Record<string, unknown>) => {
  let configFile: string | undefined;
  if (file !== undefined) {
    configFile = join(mkdtempSync(join(tmpdir(), 'cpd-config-')), 'config.json');
    writeFileSync(configFile, JSON.stringify(file));
  }
  return loadConfig({ env: {}, defaultsDir: emptyDefaults, flags, configFile });
};

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
  return [];
}

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

  describe('with normalize.fields moving what a push-down searches', () => {
    const fields = (f: Record<string, string[]>) => ({ normalize: { fields: f } });
    const overrides: { name: string; file: Record<string, unknown>; flags: Record<string, string>; expected: string }[] = [
      { name: 'auto is none in argv mode when process_name is read elsewhere', file: fields({ process_name: ['process.title'] }), flags: {}, expected: 'none' },
      { name: 'auto is none in argv mode when process_path is read elsewhere', file: fields({ process_path: ['process.image'] }), flags: {}, expected: 'none' },
      { name: 'auto is none in argv mode when a fallback path is added after the default', file: fields({ process_name: ['process.name', 'process.title'] }), flags: {}, expected: 'none' },
      { name: 'auto is none in splunk mode when process_name is read elsewhere', file: fields({ process_name: ['process.title'] }), flags: { 'rule.mode': 'splunk' }, expected: 'none' },
      { name: 'auto stays names in splunk mode when only process_path moves (names does not search it)', file: fields({ process_path: ['process.image'] }), flags: { 'rule.mode': 'splunk' }, expected: 'names' },
      { name: 'auto stays argv when the override repeats the default paths', file: fields({ process_name: ['process.name'], process_path: ['process.executable'] }), flags: {}, expected: 'argv' },
      { name: 'auto stays argv when only fields no push-down searches move', file: fields({ dest: ['host.hostname'], user: ['user.id'], process: ['process.title'] }), flags: {}, expected: 'argv' },
      { name: 'an explicit none stays none', file: fields({ process_name: ['process.title'] }), flags: { 'source.pushdown': 'none' }, expected: 'none' },
      { name: 'an explicit names stays names when only process_path moves', file: fields({ process_path: ['process.image'] }), flags: { 'source.pushdown': 'names' }, expected: 'names' },
    ];
    for (const c of overrides) {
      it(c.name, () => assert.equal(load(c.flags, c.file).source.pushdown, c.expected));
    }

    it('refuses an explicit argv, naming the override and the paths the push-down searches', () => {
      const problems = problemsOf(() => load({ 'source.pushdown': 'argv' }, fields({ process_path: ['process.image'] })));
      assert.equal(problems.length, 1, `expected one problem, got ${JSON.stringify(problems)}`);
      assert.match(problems[0] ?? '', /^source\.pushdown: expected "auto" or "none" while normalize\.fields\.process_path is set \(the argv push-down searches process\.executable only.*got "argv"/);
    });

    it('refuses an explicit names when process_name moves', () => {
      const problems = problemsOf(() => load({ 'source.pushdown': 'names' }, fields({ process_name: ['process.title'] })));
      assert.equal(problems.length, 1, `expected one problem, got ${JSON.stringify(problems)}`);
      assert.match(problems[0] ?? '', /normalize\.fields\.process_name is set \(the names push-down searches process\.name only/);
    });
  });
});
