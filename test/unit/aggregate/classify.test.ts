import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClassifier, type Classified, type Match } from '../../../src/aggregate/classify.js';
import { bucketStart, findingId } from '../../../src/aggregate/group.js';
import { loadConfig } from '../../../src/config/load.js';
import type { Suppression } from '../../../src/config/schema.js';
import { defaultFieldMap } from '../../../src/normalize/fields.js';
import { RULE_METADATA } from '../../../src/rule/metadata.js';
import { loadHit, patchHit, type EcsFixture } from '../../fixtures/ecs/index.js';
import { DEFEND_GROUP } from '../sink/finding-inputs.js';

const HOUR = 3_600_000;

function classifier(flags: Record<string, unknown> = {}) {
  return createClassifier(loadConfig({ env: {}, flags }), defaultFieldMap);
}

function mustMatch(result: Classified): Match {
  assert.equal(result.kind, 'match', JSON.stringify(result));
  return (result as Extract<Classified, { kind: 'match' }>).match;
}


describe('createClassifier turns a proxied curl event into a match', () => {
  const match = mustMatch(classifier().classify(loadHit('defend-exec')));

  it('puts the event in its hour bucket', () => {
    assert.equal(match.bucketStartMs, Date.UTC(2026, 10, 1, 10));
  });

  it('groups by the analytic\'s by-fields', () => {
    assert.deepEqual(match.group, DEFEND_GROUP);
  });

  it('gives the deterministic finding id of rule + group + bucket', () => {
    assert.equal(match.findingId, findingId(RULE_METADATA.id, DEFEND_GROUP, Date.UTC(2026, 10, 1, 10), HOUR));
    assert.equal(match.findingId, 'b054b3e5befedf368ff76e559f9676fc364b1d68');
  });

  it('references the source event by index and id', () => {
    assert.equal(match.refKey, '.ds-logs-endpoint.events.process-default-2026.11.01-000001|dGVzdC1kZWZlbmQtZXhlYw');
  });

  it('keeps the event time (@timestamp), not the ingest time', () => {
    assert.equal(match.time, Date.UTC(2026, 10, 1, 10, 15, 30, 123));
  });

  it('records the source kind, the mode and a reason naming the proxy', () => {
    assert.equal(match.meta.sourceKind, 'elastic_defend');
    assert.equal(match.meta.mode, 'argv');
    assert.match(match.meta.reason, /socks5h:\/\/10\.0\.0\.5:1080/);
  });

  it('records the proxies the rule found, without its internal segment number', () => {
    assert.deepEqual(match.meta.proxies, [
      { option: '-x', canonical: '--proxy', url: 'socks5h://10.0.0.5:1080', scheme: 'socks5h', host: '10.0.0.5', port: 1080, source: 'argv', evasion: null, refused: null },
    ]);
  });

  it('keeps the CIM fields the finding needs from outside the group (the group holds the rest)', () => {
    assert.deepEqual(match.meta.cim, { parent_process: '-bash', parent_process_path: '/usr/bin/bash', process_path: '/usr/bin/curl' });
    assert.equal(match.undecided, false);
  });

  it('caps a huge parent command line in the metadata, while the group keeps the whole command line', () => {
    const parent = `bash -c ${'y'.repeat(200_000)}`;
    const line = `curl -x socks5h://10.0.0.5:1080 https://example.com/${'z'.repeat(100_000)}`;
    const big = mustMatch(classifier().classify(patchHit('defend-exec', { 'process.parent.command_line': parent, 'process.command_line': line, 'process.args': undefined })));
    assert.equal(big.meta.cim.parent_process?.length, 32_768);
    assert.equal(big.group.process, line);
  });
});

describe('createClassifier never lets one event fail the window, and never lets a limit hide a proxy', () => {
  it('reports an event that makes classifying throw as failed, with the error, instead of throwing', () => {
    const hit = loadHit('defend-exec');
    const source = hit.source as Record<string, unknown>;
    Object.defineProperty(source, 'process', { enumerable: true, get: () => { throw new RangeError('hostile getter'); } });
    assert.deepEqual(classifier().classify(hit), { kind: 'failed', error: 'RangeError: hostile getter' });
  });

  it('counts a curl event whose proxy lies past the command-line limit as an undecided match', () => {
    const line = `curl ${'-s '.repeat(600)}-x socks5h://10.0.0.5:1080 https://example.com/`;
    const hit = patchHit('defend-exec', { 'process.command_line': line, 'process.args': undefined });
    const cut = classifier({ 'source.maxCommandLineBytes': 1024 }).classify(hit);
    const m = mustMatch(cut);
    assert.equal(m.undecided, true);
    assert.deepEqual(m.meta.proxies, []);
    assert.match(m.meta.reason, /cut at a size limit/);
    // Read whole, the same event is an ordinary match with its proxy.
    const whole = mustMatch(classifier().classify(hit));
    assert.equal(whole.undecided, false);
    assert.equal(whole.meta.proxies[0]?.host, '10.0.0.5');
  });

  it('counts a curl event read only in part (too large for one response) as an undecided match', () => {
    const hit = loadHit('defend-exec');
    const source = hit.source as { process: Record<string, unknown> };
    delete source.process.command_line;
    delete source.process.args;
    const m = mustMatch(classifier().classify({ ...hit, partial: true }));
    assert.equal(m.undecided, true);
    assert.match(m.meta.reason, /larger than source\.maxResponseBytes/);
  });

  it('leaves a non-curl event read only in part alone', () => {
    const hit = patchHit('defend-exec', { 'process.name': 'ls', 'process.executable': '/usr/bin/ls', 'process.command_line': undefined, 'process.args': undefined });
    assert.deepEqual(classifier().classify({ ...hit, partial: true }), { kind: 'no_match' });
  });

  it('keeps an ordinary no-match a no-match when nothing was cut', () => {
    const hit = patchHit('defend-exec', { 'process.command_line': 'curl https://example.com/', 'process.args': ['curl', 'https://example.com/'] });
    assert.deepEqual(classifier().classify(hit), { kind: 'no_match' });
  });
});

describe('createClassifier decides each producer\'s fixture in both modes', () => {
  type Outcome = { kind: 'match'; hosts: (string | null)[]; options: string[] } | { kind: 'no_match' } | { kind: 'skipped'; reason: string };
  const cases: [fixture: EcsFixture, argv: Outcome, splunk: Outcome][] = [
    ['defend-exec', { kind: 'match', hosts: ['10.0.0.5'], options: ['-x'] }, { kind: 'match', hosts: [null, null], options: ['*-x *', '*socks5h://*'] }],
    ['defend-fork', { kind: 'skipped', reason: 'not_exec_action' }, { kind: 'skipped', reason: 'not_exec_action' }],
    ['auditd-manager-executed', { kind: 'match', hosts: ['proxy.corp'], options: ['-x'] }, { kind: 'match', hosts: [null], options: ['*-x *'] }],
    // The analytic has no pattern for --socks5-hostname: argv mode finds it, splunk mode (faithfully) misses it.
    ['auditbeat-executed', { kind: 'match', hosts: ['127.0.0.1'], options: ['--socks5-hostname'] }, { kind: 'no_match' }],
    [
      'sysmon-linux-event1',
      { kind: 'match', hosts: ['127.0.0.1', '10.1.1.1'], options: ['--preproxy', '-x'] },
      { kind: 'match', hosts: [null, null, null], options: ['*-x *', '*socks5://*', '*--preproxy *'] },
    ],
    ['sysmon-linux-event1-winlog-user', { kind: 'match', hosts: ['10.8.0.1'], options: ['--socks4a'] }, { kind: 'no_match' }],
    // "--proxy*" only matches a command line that starts with --proxy.
    ['generic-ecs', { kind: 'match', hosts: ['proxy.corp'], options: ['--proxy'] }, { kind: 'no_match' }],
    ['dotted-keys', { kind: 'match', hosts: ['192.0.2.7'], options: ['-x'] }, { kind: 'match', hosts: [null, null], options: ['*-x *', '*socks4://*'] }],
  ];
  const modes = { argv: classifier({ 'rule.mode': 'argv' }), splunk: classifier({ 'rule.mode': 'splunk' }) };
  for (const [fixture, argv, splunk] of cases) {
    for (const [mode, expected] of [['argv', argv], ['splunk', splunk]] as const) {
      it(`${mode} mode: ${fixture} is ${expected.kind}`, () => {
        const result = modes[mode].classify(loadHit(fixture));
        const outcome: Outcome =
          result.kind === 'match'
            ? { kind: 'match', hosts: result.match.meta.proxies.map((p) => p.host), options: result.match.meta.proxies.map((p) => p.option) }
            : result.kind === 'skipped'
              ? { kind: 'skipped', reason: result.reason }
              : result.kind === 'no_match'
                ? { kind: 'no_match' }
                : assert.fail(`unexpected ${JSON.stringify(result)}`);
        assert.deepEqual(outcome, expected);
        if (result.kind === 'match') assert.equal(result.match.meta.mode, mode);
      });
    }
  }

  it('sees through Sysmon\'s process.name "sysmon" in splunk mode (process_name=curl is required there)', () => {
    const match = mustMatch(modes.splunk.classify(loadHit('sysmon-linux-event1')));
    assert.equal(match.group.process_name, 'curl');
    assert.equal(match.group.user, 'root');
  });
});

describe('createClassifier leaves other events out', () => {
  const argv = classifier();
  const cases: [name: string, hit: () => ReturnType<typeof loadHit>, expected: Classified][] = [
    [
      'wget through a proxy is not curl',
      () =>
        patchHit('defend-exec', {
          'process.name': 'wget',
          'process.executable': '/usr/bin/wget',
          'process.args': ['wget', '-e', 'https_proxy=http://10.0.0.5:3128', 'https://example.com/payload'],
          'process.command_line': 'wget -e https_proxy=http://10.0.0.5:3128 https://example.com/payload',
        }),
      { kind: 'no_match' },
    ],
    [
      'a shell whose command line runs a proxied curl is not the curl process',
      () =>
        patchHit('defend-exec', {
          'process.name': 'bash',
          'process.executable': '/usr/bin/bash',
          'process.args': ['bash', '-c', 'curl -x socks5h://10.0.0.5:1080 https://example.com'],
          'process.command_line': "bash -c 'curl -x socks5h://10.0.0.5:1080 https://example.com'",
        }),
      { kind: 'no_match' },
    ],
    [
      'curl without a proxy',
      () => patchHit('defend-exec', { 'process.args': ['curl', '-fsSL', 'https://example.com'], 'process.command_line': 'curl -fsSL https://example.com' }),
      { kind: 'no_match' },
    ],
    ['an event without @timestamp', () => patchHit('defend-exec', { '@timestamp': undefined }), { kind: 'skipped', reason: 'no_timestamp' }],
    ['an event without process fields', () => patchHit('defend-exec', { process: undefined }), { kind: 'skipped', reason: 'no_process_fields' }],
  ];
  for (const [name, hit, expected] of cases) {
    it(`${name} is ${expected.kind}`, () => {
      assert.deepEqual(argv.classify(hit()), expected);
    });
  }
});

describe('createClassifier applies the configured suppressions', () => {
  const cases: [name: string, suppressions: Suppression[], fixture: EcsFixture, suppressedBy: number | undefined][] = [
    ['a proxy host inside a suppressed CIDR block', [{ reason: 'corporate SOCKS gateway', proxyHost: '10.0.0.0/8' }], 'defend-exec', 0],
    ['a suppressed proxy host name, compared case-insensitively', [{ reason: 'corporate proxy', proxyHost: 'PROXY.corp' }], 'auditd-manager-executed', 0],
    ['a suppressed user, compared case-insensitively', [{ reason: 'backup account', user: 'SVC-BACKUP' }], 'sysmon-linux-event1-winlog-user', 0],
    ['a suppression whose every field applies', [{ reason: 'root on web-01', user: 'root', host: 'web-01' }], 'defend-exec', 0],
    ['the first of two applicable suppressions', [{ reason: 'first', user: 'root' }, { reason: 'second', proxyHost: '10.0.0.5' }], 'defend-exec', 0],
    ['the only applicable one of two suppressions', [{ reason: 'other user', user: 'alice' }, { reason: 'gateway', proxyHost: '10.0.0.5' }], 'defend-exec', 1],
    ['no suppression when only some of its fields apply', [{ reason: 'root on another host', user: 'root', host: 'web-02' }], 'defend-exec', undefined],
    ['no suppression for a proxy outside the block', [{ reason: 'corporate SOCKS gateway', proxyHost: '192.168.0.0/16' }], 'defend-exec', undefined],
    ['no suppression for another user', [{ reason: 'alice', user: 'alice' }], 'defend-exec', undefined],
  ];
  for (const [name, suppressions, fixture, suppressedBy] of cases) {
    it(`${suppressedBy === undefined ? 'matches' : 'suppresses'}: ${name}`, () => {
      const result = classifier({ 'rule.suppressions': suppressions }).classify(loadHit(fixture));
      if (suppressedBy === undefined) assert.equal(result.kind, 'match', JSON.stringify(result));
      else assert.deepEqual(result, { kind: 'suppressed', suppression: suppressions[suppressedBy] });
    });
  }

  it('does not suppress a non-match, which stays no_match', () => {
    const result = classifier({ 'rule.suppressions': [{ reason: 'root', user: 'root' }] }).classify(
      patchHit('defend-exec', { 'process.args': ['curl', 'https://example.com'], 'process.command_line': 'curl https://example.com' }),
    );
    assert.deepEqual(result, { kind: 'no_match' });
  });
});

describe('createClassifier follows rule.mode on "curl -X POST https://a"', () => {
  // -X is --request; the analytic's "*-x *" is compared case-insensitively, so Splunk counts it as a proxy.
  const hit = () => patchHit('defend-exec', { 'process.args': ['curl', '-X', 'POST', 'https://a'], 'process.command_line': 'curl -X POST https://a' });

  it('splunk mode matches on the "*-x *" pattern, as the analytic does', () => {
    const match = mustMatch(classifier({ 'rule.mode': 'splunk' }).classify(hit()));
    assert.equal(match.meta.mode, 'splunk');
    assert.deepEqual(
      match.meta.proxies.map((p) => [p.option, p.source, p.host]),
      [['*-x *', 'command_line', null]],
    );
    assert.equal(match.group.process, 'curl -X POST https://a');
  });

  it('argv mode does not match: -X takes a request method, not a proxy', () => {
    assert.deepEqual(classifier({ 'rule.mode': 'argv' }).classify(hit()), { kind: 'no_match' });
  });
});

describe('createClassifier buckets and groups by config', () => {
  it('puts events one millisecond apart across the hour into different findings of the same group', () => {
    const argv = classifier();
    const before = mustMatch(argv.classify(patchHit('defend-exec', { '@timestamp': '2026-11-01T10:59:59.999Z' })));
    const after = mustMatch(argv.classify(patchHit('defend-exec', { '@timestamp': '2026-11-01T11:00:00.000Z' })));
    assert.deepEqual(before.group, after.group);
    assert.equal(before.bucketStartMs, Date.UTC(2026, 10, 1, 10));
    assert.equal(after.bucketStartMs, Date.UTC(2026, 10, 1, 11));
    assert.notEqual(before.findingId, after.findingId);
  });

  it('puts two events of the same group and hour into the same finding with different refs', () => {
    const argv = classifier();
    const first = mustMatch(argv.classify(loadHit('defend-exec')));
    const second = loadHit('defend-exec');
    second.id = 'another-event';
    (second.source as { '@timestamp': string })['@timestamp'] = '2026-11-01T10:45:00.000Z';
    const other = mustMatch(argv.classify(second));
    assert.equal(other.findingId, first.findingId);
    assert.notEqual(other.refKey, first.refKey);
  });

  it('uses aggregate.bucketMs from config', () => {
    const match = mustMatch(classifier({ 'aggregate.bucketMs': 86_400_000 }).classify(loadHit('defend-exec')));
    assert.equal(match.bucketStartMs, Date.UTC(2026, 10, 1));
    assert.equal(match.findingId, findingId(RULE_METADATA.id, DEFEND_GROUP, Date.UTC(2026, 10, 1), 86_400_000));
    assert.equal(match.bucketStartMs, bucketStart(match.time, 86_400_000));
  });

  it('uses source.maxCommandLineBytes from config to cut the grouped command line', () => {
    const long = `curl -x socks5h://10.0.0.5:1080 https://example.com/${'p'.repeat(3_000)}`;
    const match = mustMatch(
      classifier({ 'source.maxCommandLineBytes': 1_024 }).classify(patchHit('defend-exec', { 'process.command_line': long, 'process.args': long.split(' ') })),
    );
    assert.equal(match.group.process, long.slice(0, 1_024));
  });

  it('uses the field map it is given', () => {
    const match = mustMatch(createClassifier(loadConfig({ env: {}, flags: {} }), { ...defaultFieldMap, dest: ['host.id'] }).classify(loadHit('defend-exec')));
    assert.equal(match.group.dest, '7b3c1d0e9f8a4b6c8d2e1f0a9b8c7d6e');
  });
});

describe('createClassifier is pure', () => {
  it('gives the same result for the same hit every time', () => {
    const argv = classifier();
    assert.deepEqual(mustMatch(argv.classify(loadHit('sysmon-linux-event1'))), mustMatch(argv.classify(loadHit('sysmon-linux-event1'))));
  });

  it('does not change the hit it classifies', () => {
    const hit = loadHit('sysmon-linux-event1');
    const before = JSON.stringify(hit);
    classifier().classify(hit);
    assert.equal(JSON.stringify(hit), before);
  });
});
