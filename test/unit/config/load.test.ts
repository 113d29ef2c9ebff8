import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';

const emptyDefaults = mkdtempSync(join(tmpdir(), 'cpd-defaults-'));

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cpd-config-')), name);
  writeFileSync(path, text);
  return path;
}

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the schema defaults when nothing else is given', () => {
    const config = loadConfig({ env: {}, defaultsDir: emptyDefaults });
    assert.equal(config.elasticsearch.url, 'http://127.0.0.1:9200');
    assert.equal(config.redis.url, 'redis://127.0.0.1:6379/0');
    assert.equal(config.rule.mode, 'argv');
    assert.deepEqual(config.rule.suppressions, []);
  });

  it('layers defaults file, config file, environment and flags in that order', () => {
    const defaultsDir = mkdtempSync(join(tmpdir(), 'cpd-defaults-'));
    writeFileSync(join(defaultsDir, 'default.yaml'), 'log:\n  level: debug\nredis:\n  keyPrefix: fromdefaults\nrule:\n  mode: splunk\n');
    const file = tempFile('c.yaml', 'redis:\n  keyPrefix: fromfile\nelasticsearch:\n  url: http://file:9200\n');
    const config = loadConfig({
      defaultsDir,
      configFile: file,
      env: { ELASTICSEARCH_URL: 'https://env:9200', REDIS_URL: 'redis://127.0.0.1:6379/9' },
      flags: { 'elasticsearch.url': 'http://flag:9200' },
    });
    assert.equal(config.log.level, 'debug', 'default.yaml beats the schema default');
    assert.equal(config.rule.mode, 'splunk', 'default.yaml value survives when nothing overrides it');
    assert.equal(config.redis.keyPrefix, 'fromfile', 'the --config file beats default.yaml');
    assert.equal(config.redis.url, 'redis://127.0.0.1:6379/9', 'environment beats the file');
    assert.equal(config.elasticsearch.url, 'http://flag:9200', 'flags beat the environment');
  });

  it('reads the config file from CPD_CONFIG when --config is absent', () => {
    const file = tempFile('c.json', JSON.stringify({ rule: { mode: 'splunk' } }));
    assert.equal(loadConfig({ env: { CPD_CONFIG: file }, defaultsDir: emptyDefaults }).rule.mode, 'splunk');
  });

  it('coerces strings from the environment and flags to the schema type', () => {
    const config = loadConfig({
      env: { CPD__ELASTICSEARCH__REQUEST_TIMEOUT_MS: '1500', CPD__RULE__NOPROXY_STAR_DISABLES: 'false' },
      flags: { 'elasticsearch.maxRetries': '7' },
      defaultsDir: emptyDefaults,
    });
    assert.equal(config.elasticsearch.requestTimeoutMs, 1500);
    assert.equal(config.rule.noproxyStarDisables, false);
    assert.equal(config.elasticsearch.maxRetries, 7);
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ env: {}, defaultsDir: emptyDefaults });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.elasticsearch));
    assert.ok(Object.isFrozen(config.rule.suppressions));
  });

  const bad: { name: string; options: Parameters<typeof loadConfig>[0]; expected: RegExp }[] = [
    {
      name: 'an enum value outside the allowed set',
      options: { env: { CPD_RULE_MODE: 'regex' } },
      expected: /^rule\.mode: expected one of "argv", "splunk", got "regex" \(from environment CPD_RULE_MODE\)$/,
    },
    {
      name: 'a number that is not a number',
      options: { flags: { 'elasticsearch.requestTimeoutMs': 'soon' } },
      expected: /^elasticsearch\.requestTimeoutMs: expected number, got "soon" \(from flag for elasticsearch\.requestTimeoutMs\)$/,
    },
    {
      name: 'a number below its minimum',
      options: { flags: { 'elasticsearch.requestTimeoutMs': 5 } },
      expected: /^elasticsearch\.requestTimeoutMs: expected >= 100, got 5/,
    },
    {
      name: 'a Redis URL of the wrong scheme',
      options: { env: { REDIS_URL: 'http://127.0.0.1:6379' } },
      expected: /^redis\.url: expected a redis:\/\/ or rediss:\/\/ URL, got "http:\/\/127\.0\.0\.1:6379"/,
    },
    {
      name: 'an unknown key given as a flag',
      options: { flags: { 'source.nope': 1 } },
      expected: /^source\.nope: expected a known configuration key, got an unknown one/,
    },
    {
      name: 'a suppression without any criterion',
      options: { flags: { 'rule.suppressions': '[{"reason":"corp proxy"}]' } },
      expected: /^rule\.suppressions\.0: a suppression needs at least one of/,
    },
  ];
  for (const c of bad) {
    it(`rejects ${c.name} with one line naming the key, the expectation and the value`, () => {
      const problems = problemsOf(() => loadConfig({ env: {}, defaultsDir: emptyDefaults, ...c.options }));
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0] ?? '', c.expected);
    });
  }

  it('names unknown keys found in a config file together with the file', () => {
    const file = tempFile('c.yaml', 'elasticsearch:\n  urll: http://x\n');
    const problems = problemsOf(() => loadConfig({ configFile: file, env: {}, defaultsDir: emptyDefaults }));
    assert.match(problems[0] ?? '', /^elasticsearch\.urll: expected a known configuration key, got an unknown one \(from .*c\.yaml\)/);
  });

  it('reports a missing config file and a YAML syntax error in one line each', () => {
    assert.match(problemsOf(() => loadConfig({ configFile: '/nonexistent/x.yaml', env: {} }))[0] ?? '', /config file .*x\.yaml: expected a readable YAML or JSON file, got ENOENT/);
    const broken = tempFile('b.yaml', 'rule: [unclosed\n');
    assert.match(problemsOf(() => loadConfig({ configFile: broken, env: {} }))[0] ?? '', /expected valid YAML, got a syntax error/);
  });

  it('never shows a secret in an error', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { REDIS_URL: 'redis://:hunter2@127.0.0.1:6379/x y', ELASTICSEARCH_PASSWORD: '' }, flags: { 'elasticsearch.password': 42 }, defaultsDir: emptyDefaults }),
    );
    const text = problems.join('\n');
    assert.doesNotMatch(text, /hunter2/);
    assert.match(text, /redis:\/\/\*\*\*@/);
  });
});
