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

  it('never shows a secret given as a number, a boolean, a list or a mapping', () => {
    const secrets: [key: string, value: unknown][] = [
      ['elasticsearch.password', 987654321],
      ['elasticsearch.apiKey', { id: 'key-id', api_key: 'hunter2-apikey' }],
      ['kibana.password', ['hunter2-in-a-list']],
      ['kibana.apiKey', true],
    ];
    for (const [key, value] of secrets) {
      const problems = problemsOf(() => loadConfig({ env: {}, defaultsDir: emptyDefaults, flags: { [key]: value } }));
      assert.equal(problems.length, 1, problems.join('\n'));
      const text = problems[0] ?? '';
      assert.match(text, new RegExp(`^${key.replace('.', '\\.')}: expected string, got \\*\\*\\* \\(a (number|mapping|list|boolean)\\)`));
      for (const leak of ['987654321', 'hunter2', 'key-id', 'true']) assert.ok(!text.includes(leak), `${key} leaked in: ${text}`);
    }
  });

  it('never shows a secret nested in a value given for a whole section', () => {
    const file = tempFile('c.yaml', 'elasticsearch:\n  - password: hunter2-nested\n    url: http://u:pw-in-url@h:9200\n');
    const text = problemsOf(() => loadConfig({ configFile: file, env: {}, defaultsDir: emptyDefaults })).join('\n');
    assert.match(text, /^elasticsearch: expected object, got \[\{"password":"\*\*\*","url":"http:\/\/\*\*\*@h:9200"\}\]/);
    assert.doesNotMatch(text, /hunter2|pw-in-url/);
  });

  it('never shows a numeric password from a YAML file (YAML reads 123456 as a number)', () => {
    const file = tempFile('c.yaml', 'elasticsearch:\n  username: elastic\n  password: 20251231\n');
    const text = problemsOf(() => loadConfig({ configFile: file, env: {}, defaultsDir: emptyDefaults })).join('\n');
    assert.match(text, /^elasticsearch\.password: expected string, got \*\*\* \(a number\) \(from .*c\.yaml\)$/);
    assert.doesNotMatch(text, /20251231/);
  });

  it('does not show the content of a config file that is not a mapping (--config pointed at a secret file)', () => {
    for (const name of ['secret.yaml', 'secret.txt']) {
      const file = tempFile(name, 'hunter2-the-password\n');
      const text = problemsOf(() => loadConfig({ configFile: file, env: {}, defaultsDir: emptyDefaults })).join('\n');
      assert.match(text, /expected a mapping of keys at the top level, got a string$/);
      assert.doesNotMatch(text, /hunter2/);
    }
  });

  it('reports where a JSON or YAML syntax error is without quoting the file', () => {
    const json = tempFile('c.json', '{\n  "elasticsearch": {"password": "hunter2-json" ,}\n}\n');
    const bare = tempFile('d.json', 'hunter2-bare');
    const yaml = tempFile('c.yaml', 'elasticsearch:\n  password: hunter2-yaml\n   url: [x\n');
    const shown = [json, bare, yaml].map((f) => problemsOf(() => loadConfig({ configFile: f, env: {}, defaultsDir: emptyDefaults })).join('\n'));
    assert.match(shown[0] ?? '', /c\.json: expected valid JSON, got a syntax error at line 2, column 49$/);
    assert.match(shown[1] ?? '', /d\.json: expected valid JSON, got a syntax error$/);
    assert.match(shown[2] ?? '', /c\.yaml: expected valid YAML, got a syntax error at line \d+, column \d+$/);
    for (const text of shown) assert.doesNotMatch(text, /hunter2/);
  });

  it('hides the whole password of a URL, also when the password holds an @', () => {
    const text = problemsOf(() => loadConfig({ env: { REDIS_URL: 'redis://:p@ss@w0rd@127.0.0.1:6379/x y' }, defaultsDir: emptyDefaults })).join('\n');
    assert.match(text, /got "redis:\/\/\*\*\*@127\.0\.0\.1:6379\/x y"/);
    assert.doesNotMatch(text, /p@ss|ss@|w0rd/);
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

describe('loadConfig and keys named after Object members', () => {
  const pollution = () => Object.keys(Object.prototype).concat(['polluted'].filter((k) => k in {}));

  it('treats __proto__ in a YAML or JSON config file as an unknown key and leaves Object.prototype alone', () => {
    const files = [
      tempFile('p.yaml', '__proto__:\n  polluted: yes\nelasticsearch:\n  __proto__:\n    polluted: yes\n'),
      tempFile('p.json', '{"__proto__": {"polluted": true}, "rule": {"__proto__": {"polluted": true}}}'),
      tempFile('c.yaml', 'constructor:\n  prototype:\n    polluted: yes\n'),
    ];
    for (const file of files) {
      const problems = problemsOf(() => loadConfig({ configFile: file, env: {}, defaultsDir: emptyDefaults }));
      assert.ok(problems.some((p) => /^(__proto__|constructor)(, \S+)*: expected a known configuration key/.test(p) || /\.__proto__: expected a known configuration key/.test(p)), problems.join('\n'));
      assert.deepEqual(pollution(), [], 'Object.prototype gained a property');
    }
  });

  it('merges a layer holding __proto__ over defaults without reaching Object.prototype', () => {
    const defaultsDir = mkdtempSync(join(tmpdir(), 'cpd-defaults-'));
    writeFileSync(join(defaultsDir, 'default.yaml'), 'log:\n  level: warn\n');
    const file = tempFile('p.yaml', 'log:\n  __proto__:\n    polluted: yes\n');
    const problems = problemsOf(() => loadConfig({ defaultsDir, configFile: file, env: {} }));
    assert.match(problems.join('\n'), /^log\.__proto__: expected a known configuration key/);
    assert.deepEqual(pollution(), []);
  });

  it('ignores environment variables named constructor, __proto__, toString or hasOwnProperty', () => {
    const env: NodeJS.ProcessEnv = { constructor: '1', toString: 'x', hasOwnProperty: 'y', valueOf: 'z' };
    Object.defineProperty(env, '__proto__', { value: 'p', enumerable: true });
    const config = loadConfig({ env, defaultsDir: emptyDefaults });
    assert.equal(config.elasticsearch.url, 'http://127.0.0.1:9200');
  });

  it('names CPD__CONSTRUCTOR and a --set __proto__ flag as unknown keys', () => {
    assert.match(problemsOf(() => loadConfig({ env: { CPD__CONSTRUCTOR: '1' }, defaultsDir: emptyDefaults }))[0] ?? '', /^constructor: expected a known configuration key, got an unknown one \(from environment CPD__CONSTRUCTOR\)/);
    const flags = Object.create(null) as Record<string, unknown>;
    flags.__proto__ = '1';
    flags['rule.constructor'] = '1';
    const problems = problemsOf(() => loadConfig({ env: {}, defaultsDir: emptyDefaults, flags }));
    assert.deepEqual(problems.map((p) => p.split(':')[0]), ['__proto__', 'rule.constructor']);
  });

  it('hands out ordinary objects once validated', () => {
    const file = tempFile('c.yaml', 'rule:\n  suppressions:\n    - reason: corp\n      proxyHost: proxy.corp\n');
    const config = loadConfig({ configFile: file, env: {}, defaultsDir: emptyDefaults });
    assert.equal(Object.getPrototypeOf(config), Object.prototype);
    assert.equal(Object.getPrototypeOf(config.rule), Object.prototype);
    assert.deepEqual(config.rule.suppressions, [{ reason: 'corp', proxyHost: 'proxy.corp' }]);
  });
});
