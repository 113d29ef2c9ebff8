import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MISSING } from '../../../src/aggregate/group.js';
import { RULE_METADATA } from '../../../src/rule/metadata.js';
import { encodeFinding, type FindingDocument, type FindingInput } from '../../../src/sink/encode.js';
import { BARE_INPUT, DEFEND_INDEX, DEFEND_INPUT, FULL_INPUT, SPLUNK_INPUT } from './finding-inputs.js';

/** Reads a nested field of a finding document (test helper; the document is plain JSON). */
function field(doc: FindingDocument, path: string): unknown {
  let node: unknown = doc;
  for (const part of path.split('.')) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  return node;
}

/** Paths of every `undefined` or non-finite number in a document (JSON would drop or null them). */
function unserializable(value: unknown, path = ''): string[] {
  if (value === undefined) return [path];
  if (typeof value === 'number' && !Number.isFinite(value)) return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => unserializable(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => unserializable(v, path === '' ? k : `${path}.${k}`));
  return [];
}

describe('encodeFinding renders a group as the ECS finding the issue specifies', () => {
  const doc = encodeFinding(DEFEND_INPUT);

  it('renders the whole Elastic Defend finding exactly', () => {
    assert.deepEqual(doc, {
      '@timestamp': '2026-11-01T10:15:30.123Z',
      message: 'An instance of curl was identified on endpoint web-01 by user root utilizing a proxy. Review activity for further details.',
      ecs: { version: '8.17.0' },
      event: {
        kind: 'alert',
        category: ['process'],
        type: ['start'],
        start: '2026-11-01T10:15:30.123Z',
        end: '2026-11-01T10:48:02.005Z',
        ingested: '2026-11-01T10:48:03.250Z',
        risk_score: 56,
        risk_score_norm: 56,
        severity: 47,
        module: 'curl_proxy_detector',
        dataset: 'curl_proxy_detector.finding',
      },
      host: { name: 'web-01' },
      user: { name: 'root' },
      process: {
        name: 'curl',
        command_line: 'curl -x socks5h://10.0.0.5:1080 https://example.com/payload',
        pid: 4242,
        executable: '/usr/bin/curl',
        parent: { name: 'bash', pid: 2201, executable: '/usr/bin/bash', command_line: '-bash' },
      },
      related: { hosts: ['web-01'], user: ['root'], ip: ['10.0.0.5'] },
      rule: {
        id: 'bd596c22-ad1e-44fc-b242-817253ce8b08',
        uuid: 'bd596c22-ad1e-44fc-b242-817253ce8b08',
        name: 'Linux Proxy Socks Curl',
        version: String(RULE_METADATA.version),
        description: RULE_METADATA.description,
        reference: [...RULE_METADATA.reference],
        author: [...RULE_METADATA.author],
        ruleset: 'curl-proxy-detector',
        category: 'TTP',
      },
      threat: {
        framework: 'MITRE ATT&CK',
        tactic: { id: ['TA0011'], name: ['Command and Control'], reference: ['https://attack.mitre.org/tactics/TA0011/'] },
        technique: {
          id: ['T1090', 'T1095'],
          name: ['Proxy', 'Non-Application Layer Protocol'],
          reference: ['https://attack.mitre.org/techniques/T1090/', 'https://attack.mitre.org/techniques/T1095/'],
        },
      },
      finding: {
        id: 'b054b3e5befedf368ff76e559f9676fc364b1d68',
        count: 3,
        first_time: '2026-11-01T10:15:30.123Z',
        last_time: '2026-11-01T10:48:02.005Z',
        bucket: { start: '2026-11-01T10:00:00.000Z', end: '2026-11-01T11:00:00.000Z', span_ms: 3_600_000 },
        group: {
          dest: 'web-01',
          user: 'root',
          parent_process_name: 'bash',
          process_name: 'curl',
          process: 'curl -x socks5h://10.0.0.5:1080 https://example.com/payload',
          process_id: '4242',
          parent_process_id: '2201',
        },
        mode: 'argv',
        reason: 'curl uses a proxy: -x socks5h://10.0.0.5:1080.',
        source_kind: 'elastic_defend',
        proxies: [{ option: '-x', canonical: '--proxy', url: 'socks5h://10.0.0.5:1080', scheme: 'socks5h', host: '10.0.0.5', port: 1080, source: 'argv' }],
        first_event: { index: DEFEND_INDEX, id: 'dGVzdC1kZWZlbmQtZXhlYw' },
        last_event: { index: DEFEND_INDEX, id: 'ZXZlbnQtMw' },
        events: [
          { index: DEFEND_INDEX, id: 'dGVzdC1kZWZlbmQtZXhlYw' },
          { index: DEFEND_INDEX, id: 'ZXZlbnQtMg' },
          { index: DEFEND_INDEX, id: 'ZXZlbnQtMw' },
        ],
        events_truncated: false,
        risk_score: 56,
        impact: 70,
        confidence: 80,
        risk_objects: [
          { field: 'dest', type: 'system', value: 'web-01', score: 56 },
          { field: 'user', type: 'user', value: 'root', score: 56 },
        ],
        threat_objects: [{ field: 'process_name', type: 'process_name', value: 'curl' }],
        annotations: {
          mitre_attack: ['T1090', 'T1095'],
          kill_chain_phases: ['Command and Control'],
          nist: ['DE.CM'],
          cis20: ['CIS 10'],
        },
      },
    });
  });

  // The same facts, one by one, as the issue lists them: a failure names the broken field.
  const required: [path: string, expected: unknown][] = [
    ['event.kind', 'alert'],
    ['event.ingested', '2026-11-01T10:48:03.250Z'],
    ['ecs.version', '8.17.0'],
    ['related.hosts', ['web-01']],
    ['related.user', ['root']],
    ['related.ip', ['10.0.0.5']],
    ['rule.reference', [
      'https://research.splunk.com/endpoint/bd596c22-ad1e-44fc-b242-817253ce8b08/',
      'https://curl.se/docs/manpage.html#-x',
      'https://curl.se/docs/manpage.html#--preproxy',
      'https://curl.se/docs/manpage.html#--socks5-hostname',
    ]],
    ['event.start', '2026-11-01T10:15:30.123Z'],
    ['event.end', '2026-11-01T10:48:02.005Z'],
    ['finding.count', 3],
    ['host.name', 'web-01'],
    ['user.name', 'root'],
    ['process.parent.name', 'bash'],
    ['process.name', 'curl'],
    ['process.command_line', 'curl -x socks5h://10.0.0.5:1080 https://example.com/payload'],
    ['process.pid', 4242],
    ['process.parent.pid', 2201],
    ['process.executable', '/usr/bin/curl'],
    ['process.parent.executable', '/usr/bin/bash'],
    ['process.parent.command_line', '-bash'],
    ['rule.id', 'bd596c22-ad1e-44fc-b242-817253ce8b08'],
    ['rule.name', 'Linux Proxy Socks Curl'],
    ['rule.ruleset', 'curl-proxy-detector'],
    ['threat.framework', 'MITRE ATT&CK'],
    ['threat.tactic.id', ['TA0011']],
    ['threat.tactic.name', ['Command and Control']],
    ['threat.technique.id', ['T1090', 'T1095']],
    ['threat.technique.name', ['Proxy', 'Non-Application Layer Protocol']],
    ['event.risk_score', 56],
    ['finding.mode', 'argv'],
    ['finding.annotations.nist', ['DE.CM']],
    ['finding.annotations.cis20', ['CIS 10']],
    ['finding.annotations.kill_chain_phases', ['Command and Control']],
  ];
  for (const [path, expected] of required) {
    it(`sets ${path} to ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(field(doc, path), expected);
    });
  }

  it('has a risk score of impact × confidence / 100', () => {
    assert.equal(field(doc, 'event.risk_score'), (Number(field(doc, 'finding.impact')) * Number(field(doc, 'finding.confidence'))) / 100);
  });

  it('renders the analytic\'s message with dest, user and process name', () => {
    assert.equal(doc['message'], 'An instance of curl was identified on endpoint web-01 by user root utilizing a proxy. Review activity for further details.');
  });

  it('names dest as the system and user as the user risk objects, and process_name as the threat object', () => {
    assert.deepEqual(
      (field(doc, 'finding.risk_objects') as { field: string; type: string; value: string }[]).map((o) => [o.field, o.type, o.value]),
      [
        ['dest', 'system', 'web-01'],
        ['user', 'user', 'root'],
      ],
    );
    assert.deepEqual(field(doc, 'finding.threat_objects'), [{ field: 'process_name', type: 'process_name', value: 'curl' }]);
  });

  it('contains no undefined value and no non-finite number', () => {
    for (const input of [DEFEND_INPUT, FULL_INPUT, SPLUNK_INPUT, BARE_INPUT]) assert.deepEqual(unserializable(encodeFinding(input)), []);
  });
});

describe('encodeFinding is deterministic', () => {
  const inputs: [name: string, input: FindingInput][] = [
    ['an Elastic Defend group', DEFEND_INPUT],
    ['a group with every optional field', FULL_INPUT],
    ['a splunk-mode group', SPLUNK_INPUT],
    ['a group with nothing known', BARE_INPUT],
  ];
  for (const [name, input] of inputs) {
    it(`renders ${name} identically every time, key order included`, () => {
      const a = encodeFinding(input);
      const b = encodeFinding(structuredClone(input));
      assert.deepEqual(a, b);
      assert.equal(JSON.stringify(a), JSON.stringify(b));
    });
  }

  it('does not depend on the seeded flag or the known index of the state', () => {
    const a = encodeFinding(DEFEND_INPUT);
    const b = encodeFinding({ ...DEFEND_INPUT, state: { ...DEFEND_INPUT.state, seeded: true, index: 'curl-proxy-findings-000002' } });
    assert.deepEqual(a, b);
  });

  it('does not change its input', () => {
    const before = structuredClone(FULL_INPUT);
    encodeFinding(FULL_INPUT);
    assert.deepEqual(FULL_INPUT, before);
  });

  it('copies the group, so changing the document leaves the caller\'s group alone', () => {
    const input = structuredClone(DEFEND_INPUT);
    const doc = encodeFinding(input);
    (field(doc, 'finding.group') as Record<string, string>)['dest'] = 'changed';
    assert.equal(input.group.dest, 'web-01');
  });
});

describe('encodeFinding renders optional and odd fields', () => {
  it('writes process.pe.original_file_name when the event had one', () => {
    assert.deepEqual(field(encodeFinding(FULL_INPUT), 'process.pe'), { original_file_name: 'curl.exe' });
  });

  it('leaves process.pe out when the event had no original file name', () => {
    assert.equal(field(encodeFinding(DEFEND_INPUT), 'process.pe'), undefined);
    assert.ok(!Object.hasOwn(field(encodeFinding(DEFEND_INPUT), 'process') as object, 'pe'));
  });

  it('writes a proxy\'s evasion when the rule saw one, and why curl refuses a proxy when it does', () => {
    assert.deepEqual(field(encodeFinding(FULL_INPUT), 'finding.proxies'), [
      { option: '--socks5-host', canonical: '--socks5-hostname', url: '127.0.0.1:9050', scheme: 'socks5h', host: '127.0.0.1', port: 9050, source: 'argv', evasion: 'abbreviated option name' },
      { option: '-x', canonical: '--proxy', url: 'ftp://10.0.0.9:21', host: '10.0.0.9', port: 21, source: 'argv', refused: 'curl rejects the unsupported proxy scheme ftp://' },
    ]);
  });

  it('leaves out the null scheme, host and port of splunk-mode proxies', () => {
    assert.deepEqual(field(encodeFinding(SPLUNK_INPUT), 'finding.proxies'), [
      { option: '*-x *', canonical: '*-x *', url: 'socks5h://10.0.0.5:1080', source: 'command_line' },
      { option: '*socks5h://*', canonical: '*socks5h://*', url: 'socks5h://10.0.0.5:1080', source: 'command_line' },
    ]);
    assert.equal(field(encodeFinding(SPLUNK_INPUT), 'finding.mode'), 'splunk');
  });

  it('splits event ids that contain "|" at the first "|" only', () => {
    const doc = encodeFinding(FULL_INPUT);
    assert.deepEqual(field(doc, 'finding.first_event'), { index: 'ecs-process-2026.11.01', id: 'a|1' });
    assert.deepEqual(field(doc, 'finding.events'), [
      { index: 'ecs-process-2026.11.01', id: 'a|1' },
      { index: 'ecs-process-2026.11.01', id: 'b|2' },
    ]);
  });

  it('marks the event list truncated when the group counted more events than it lists', () => {
    const doc = encodeFinding({ ...DEFEND_INPUT, state: { ...DEFEND_INPUT.state, count: 1_500 }, eventRefs: DEFEND_INPUT.eventRefs.slice(0, 2) });
    assert.equal(field(doc, 'finding.events_truncated'), true);
    assert.equal(field(doc, 'finding.count'), 1_500);
    assert.equal((field(doc, 'finding.events') as unknown[]).length, 2);
  });

  it('leaves out every value a group with nothing known did not have: no host, user, process, related or risk object, no "unknown"', () => {
    const doc = encodeFinding(BARE_INPUT);
    for (const path of ['host', 'user', 'process', 'related']) assert.equal(Object.hasOwn(doc, path), false, `${path} is left out`);
    assert.deepEqual(field(doc, 'finding.group'), {});
    assert.deepEqual(field(doc, 'finding.risk_objects'), []);
    assert.deepEqual(field(doc, 'finding.threat_objects'), []);
    assert.equal(doc['message'], 'An instance of (not recorded) was identified on endpoint (not recorded) by user (not recorded) utilizing a proxy. Review activity for further details.');
    assert.equal(field(doc, 'finding.mode'), 'argv');
    assert.equal(field(doc, 'finding.reason'), '');
    assert.equal(field(doc, 'finding.source_kind'), 'ecs');
    assert.deepEqual(field(doc, 'finding.proxies'), []);
    assert.doesNotMatch(JSON.stringify(doc), /"unknown"/);
  });

  it('leaves out only the missing user: no user.name, no user risk object, no related.user, and the message says so', () => {
    const doc = encodeFinding({ ...DEFEND_INPUT, group: { ...DEFEND_INPUT.group, user: MISSING } });
    assert.equal(Object.hasOwn(doc, 'user'), false);
    assert.deepEqual(field(doc, 'host'), { name: 'web-01' });
    assert.deepEqual(field(doc, 'related'), { hosts: ['web-01'], ip: ['10.0.0.5'] });
    assert.deepEqual((field(doc, 'finding.risk_objects') as { field: string }[]).map((o) => o.field), ['dest']);
    assert.equal(Object.hasOwn(field(doc, 'finding.group') as object, 'user'), false);
    assert.equal(doc['message'], 'An instance of curl was identified on endpoint web-01 by user (not recorded) utilizing a proxy. Review activity for further details.');
  });

  it('leaves out a missing parent name but keeps what the event told of the parent', () => {
    const doc = encodeFinding({ ...DEFEND_INPUT, group: { ...DEFEND_INPUT.group, parent_process_name: MISSING } });
    assert.deepEqual(field(doc, 'process.parent'), { pid: 2201, executable: '/usr/bin/bash', command_line: '-bash' });
  });

  it('keeps a real value "unknown" as written: it is what the source said', () => {
    const doc = encodeFinding({ ...DEFEND_INPUT, group: { ...DEFEND_INPUT.group, user: 'unknown' } });
    assert.deepEqual(field(doc, 'user'), { name: 'unknown' });
  });

  it('puts proxy addresses in related.ip (IPv6 without brackets) and proxy names in related.hosts, each once', () => {
    const meta = DEFEND_INPUT.state.meta as NonNullable<FindingInput['state']['meta']>;
    const proxy = meta.proxies[0] as (typeof meta.proxies)[number];
    const proxies = [
      { ...proxy, host: '10.0.0.5' },
      { ...proxy, host: '[2001:db8::7]' },
      { ...proxy, host: 'proxy.example.net' },
      { ...proxy, host: '10.0.0.5' },
      { ...proxy, host: null },
    ];
    const doc = encodeFinding({ ...DEFEND_INPUT, state: { ...DEFEND_INPUT.state, meta: { ...meta, proxies } } });
    assert.deepEqual(field(doc, 'related'), { hosts: ['web-01', 'proxy.example.net'], user: ['root'], ip: ['10.0.0.5', '2001:db8::7'] });
  });

  it('writes the time of this write as event.ingested, and nothing else of the write time', () => {
    const a = encodeFinding(DEFEND_INPUT);
    const b = encodeFinding({ ...DEFEND_INPUT, ingestedMs: DEFEND_INPUT.ingestedMs + 60_000 });
    assert.equal(field(b, 'event.ingested'), '2026-11-01T10:49:03.250Z');
    assert.deepEqual({ ...b, event: { ...(b['event'] as object), ingested: field(a, 'event.ingested') } }, a);
  });

  const pids: [processId: string, pid: number | undefined][] = [
    ['4242', 4242],
    ['0', 0],
    ['007', 7],
    ['999999999999999', 999_999_999_999_999],
    ['1234567890123456', undefined],
    ['-1', undefined],
    ['12a', undefined],
    ['1.5', undefined],
    ['0x10', undefined],
    [' 42', undefined],
    ['unknown', undefined],
    [MISSING, undefined],
  ];
  for (const [processId, pid] of pids) {
    it(`${pid === undefined ? 'leaves out' : `writes ${pid} as`} process.pid for the CIM process_id ${JSON.stringify(processId)}`, () => {
      const doc = encodeFinding({ ...DEFEND_INPUT, group: { ...DEFEND_INPUT.group, process_id: processId } });
      assert.equal(field(doc, 'process.pid'), pid);
      assert.equal(field(doc, 'finding.group.process_id'), processId === MISSING ? undefined : processId);
    });
  }

  it('spans the bucket by bucketMs', () => {
    const doc = encodeFinding({ ...DEFEND_INPUT, bucketStartMs: Date.UTC(2026, 10, 1), bucketMs: 86_400_000 });
    assert.deepEqual(field(doc, 'finding.bucket'), { start: '2026-11-01T00:00:00.000Z', end: '2026-11-02T00:00:00.000Z', span_ms: 86_400_000 });
  });
});
