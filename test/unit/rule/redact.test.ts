import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClassifier, type Classified } from '../../../src/aggregate/classify.js';
import { loadConfig } from '../../../src/config/load.js';
import { defaultFieldMap } from '../../../src/normalize/fields.js';
import { evaluate } from '../../../src/rule/curl-proxy.js';
import { describeVerdict } from '../../../src/rule/describe.js';
import { redactCommandLine, redactEnv, redactUserinfo, redactWords } from '../../../src/rule/redact.js';
import { shellSplit } from '../../../src/rule/shell-split.js';
import { encodeFinding } from '../../../src/sink/encode.js';
import { safeError } from '../../../src/telemetry/logger.js';
import { patchHit } from '../../fixtures/ecs/index.js';

/** Every secret of the corpus contains this, so one search finds any leak. */
const SECRET = 'Zq9SECRET';

/**
 * Credential forms curl accepts, as they appear in command lines: user info with any
 * characters, -U/-u/--proxy-user/--user, -E, headers, bearer tokens, TLS passwords, cookies,
 * proxy and secret environment variables; quoted, attached, =value, abbreviated (curl < 8.6).
 */
const corpus: string[] = [
  `curl -x http://alice:${SECRET}@proxy.example:3128 https://a.example/`,
  `curl -x 'http://alice:${SECRET}/x#y?z@proxy.example:3128' https://a.example/`,
  `curl -x "socks5h://al@ice:p@${SECRET}@proxy.example:1080" https://a.example/`,
  `curl -x alice:${SECRET}@proxy.example:3128 https://a.example/`,
  `curl --proxy=http://alice:${SECRET}@p:3128 https://a.example/`,
  `curl -xhttp://alice:${SECRET}@p:3128 https://a.example/`,
  `curl --preproxy socks5://bob:${SECRET}@pp:1080 -x http://p:3128 https://a.example/`,
  `curl --socks5-hostname bob:${SECRET}@pp:1080 https://a.example/`,
  `curl -U alice:${SECRET} -x p:3128 https://a.example/`,
  `curl -sSUalice:${SECRET} -xp:3128 https://a.example/`,
  `curl --proxy-user alice:${SECRET} -x p:3128 https://a.example/`,
  `curl --proxy-user=alice:${SECRET} -x p:3128 https://a.example/`,
  `curl --PROXY-USER alice:${SECRET} -x p:3128 https://a.example/`,
  `curl --proxy-us "alice:${SECRET}" -x p:3128 https://a.example/`,
  `curl -u alice:${SECRET} -x p:3128 https://a.example/`,
  `curl -u'alice:${SECRET}' -x p:3128 https://a.example/`,
  `curl --user "alice:${SECRET} with space" -x p:3128 https://a.example/`,
  `curl -H 'Proxy-Authorization: Basic ${SECRET}' -x p:3128 https://a.example/`,
  `curl -H "Authorization: Bearer ${SECRET}" -x p:3128 https://a.example/`,
  `curl --proxy-header 'Proxy-Authorization: Basic ${SECRET}' -x p:3128 https://a.example/`,
  `curl -H 'X-Api-Key: ${SECRET}' -x p:3128 https://a.example/`,
  `curl --oauth2-bearer ${SECRET} -x p:3128 https://a.example/`,
  `curl --oauth2-bearer=${SECRET} -x p:3128 https://a.example/`,
  `curl -E client.pem:${SECRET} -x p:3128 https://a.example/`,
  `curl --proxy-tlspassword ${SECRET} -x https://p:443 https://a.example/`,
  `curl --pass ${SECRET} -x p:3128 https://a.example/`,
  `curl -b 'session=${SECRET}' -x p:3128 https://a.example/`,
  `curl -x p:3128 https://alice:${SECRET}@a.example/`,
  `curl -x p:3128 -- https://alice:${SECRET}@a.example/`,
  `https_proxy=http://alice:${SECRET}@p:3128 curl https://a.example/`,
  `ALL_PROXY=socks5h://alice:${SECRET}@p:1080 curl https://a.example/`,
  `env HTTPS_PROXY=http://alice:${SECRET}@p:3128 curl https://a.example/`,
  `env -u HOME http_proxy=alice:${SECRET}@p:3128 curl http://a.example/`,
  `API_TOKEN=${SECRET} curl -x p:3128 https://a.example/`,
];

/** The same, as exact argv (Elastic Defend style), where the shell words are known. */
const argvCorpus: string[][] = corpus.map((line) => shellSplit(line).tokens);

const argv = { mode: 'argv', noproxyStarDisables: true, fastPath: false } as const;
const splunk = { mode: 'splunk', noproxyStarDisables: true } as const;

function assertClean(what: string, text: string): void {
  assert.ok(!text.includes(SECRET), `${what} leaks the secret: ${text.slice(0, 400)}`);
}

describe('redaction: no credential of the corpus survives', () => {
  for (const line of corpus) {
    it(`the command line and its words: ${line.replace(SECRET, '<secret>')}`, () => {
      assertClean('redactCommandLine', redactCommandLine(line));
      assertClean('redactWords', redactWords(shellSplit(line).tokens).join(' '));
    });
  }

  it('keeps what is not a credential: options, hosts, ports, URLs and user names', () => {
    assert.equal(redactCommandLine('curl -x http://alice:pw@proxy.example:3128 https://a.example/p?q=1'), 'curl -x http://***@proxy.example:3128 https://a.example/p?q=1');
    assert.equal(redactCommandLine('curl -U alice:pw -sS https://a.example/'), 'curl -U alice:*** -sS https://a.example/');
    assert.equal(redactCommandLine(`curl -H 'Authorization: Bearer t0k' https://a`), `curl -H 'Authorization: ***' https://a`);
    assert.equal(redactCommandLine('curl -H "Accept: text/html" https://a'), 'curl -H "Accept: text/html" https://a');
    assert.equal(redactCommandLine('curl https://example.com/path?email=a@b.example'), 'curl https://example.com/path?email=a@b.example');
    assert.equal(redactCommandLine('curl -X POST -d a=b https://a.example/'), 'curl -X POST -d a=b https://a.example/');
    assert.equal(redactUserinfo('http://h/path@x'), 'http://h/path@x');
  });

  it('redacts a password up to the last @, whatever it holds', () => {
    assert.equal(redactUserinfo('http://u:p/a#s?s@w@host:1/x'), 'http://***@host:1/x');
  });

  it('hides secrets in captured environment variables', () => {
    const env = redactEnv([`HTTPS_PROXY=http://u:${SECRET}@p:1`, `GITHUB_TOKEN=${SECRET}`, 'LANG=C.UTF-8', `no_proxy=.corp`]);
    assertClean('redactEnv', env.join('\n'));
    assert.deepEqual(env.slice(2), ['LANG=C.UTF-8', 'no_proxy=.corp']);
  });

  it('hides an abbreviated --oauth2-bearer token on a line without @, : or = (the old pre-check let it through)', () => {
    assert.equal(redactCommandLine(`curl --oauth2 ${SECRET} https/a`), 'curl --oauth2 *** https/a');
  });

  it('is linear on a megabyte of hostile text', () => {
    const line = `curl ${'-U a:b@'.repeat(150_000)} ${'http://'.repeat(50_000)}`;
    const started = process.hrtime.bigint();
    redactCommandLine(line);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(ms < 5_000, `took ${ms} ms`);
  });
});

describe('redaction: no credential reaches a verdict, explain, a finding, Redis metadata or a log', () => {
  const classifier = { argv: createClassifier(loadConfig({ env: {}, flags: {} }), defaultFieldMap), splunk: createClassifier(loadConfig({ env: {}, flags: { 'rule.mode': 'splunk' } }), defaultFieldMap) };
  for (let k = 0; k < corpus.length; k++) {
    const line = corpus[k] as string;
    const words = argvCorpus[k] as string[];
    it(`everything that leaves the process: ${line.replace(SECRET, '<secret>')}`, () => {
      for (const input of [
        { processName: 'curl', processPath: '/usr/bin/curl', commandLine: line },
        { processName: 'curl', processPath: '/usr/bin/curl', commandLine: line, args: words },
        { processName: 'curl', processPath: '/usr/bin/curl', commandLine: line, args: words, envVars: [`https_proxy=http://u:${SECRET}@p:1`] },
      ]) {
        for (const options of [argv, splunk]) {
          const verdict = evaluate(input, options);
          const shown = { ...verdict, reason: verdict.reason };
          assertClean(`${options.mode} verdict`, JSON.stringify(shown));
          assertClean(`${options.mode} explain`, describeVerdict(verdict).join('\n'));
        }
      }
      for (const [mode, c] of Object.entries(classifier)) {
        const hit = patchHit('defend-exec', { 'process.command_line': line, 'process.args': words, 'process.parent.command_line': `bash -c '${line.replace(/'/g, `'\\''`)}'` });
        const result: Classified = c.classify(hit);
        if (result.kind !== 'match') continue; // splunk mode misses some forms by design
        const m = result.match;
        assertClean(`${mode} group`, JSON.stringify(m.group));
        assertClean(`${mode} Redis metadata`, JSON.stringify(m.meta));
        const doc = encodeFinding({
          state: { findingId: m.findingId, count: 1, firstMs: m.time, lastMs: m.time, meta: m.meta, seeded: true, index: undefined, firstRef: m.refKey, lastRef: m.refKey, writtenCount: undefined },
          group: m.group,
          bucketStartMs: m.bucketStartMs,
          bucketMs: 3_600_000,
          eventRefs: [m.refKey],
          maxEventRefs: 10,
          ingestedMs: m.time,
        } as unknown as Parameters<typeof encodeFinding>[0]);
        assertClean(`${mode} finding`, JSON.stringify(doc));
      }
    });
  }

  it('keeps the finding id on the raw command line: two passwords are two findings', () => {
    const c = classifier.argv;
    const a = c.classify(patchHit('defend-exec', { 'process.command_line': 'curl -x http://u:one@p:1 https://a', 'process.args': ['curl', '-x', 'http://u:one@p:1', 'https://a'] }));
    const b = c.classify(patchHit('defend-exec', { 'process.command_line': 'curl -x http://u:two@p:1 https://a', 'process.args': ['curl', '-x', 'http://u:two@p:1', 'https://a'] }));
    assert.ok(a.kind === 'match' && b.kind === 'match');
    assert.notEqual(a.match.findingId, b.match.findingId);
    assert.equal(a.match.group.process, b.match.group.process);
  });

  it('stores the raw command line when sink.redactCredentials is false, and only then', () => {
    const raw = createClassifier(loadConfig({ env: {}, flags: { 'sink.redactCredentials': false } }), defaultFieldMap);
    const line = `curl -U alice:${SECRET} -x p:3128 https://a.example/`;
    const result = raw.classify(patchHit('defend-exec', { 'process.command_line': line, 'process.args': shellSplit(line).tokens }));
    assert.ok(result.kind === 'match');
    assert.equal(result.match.group.process, line);
  });

  it('logs an Elasticsearch client error without the request it failed on, and without URL credentials', () => {
    const err = Object.assign(new Error(`connect ECONNREFUSED http://elastic:${SECRET}@es:9200`), { meta: { meta: { request: { params: { body: `{"process":{"command_line":"curl -U a:${SECRET}"}}` } } } } });
    assertClean('log', JSON.stringify(safeError(err)));
  });
});
