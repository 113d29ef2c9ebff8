import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordError, parseSysmonLine } from '../../../src/replay/sysmon-record.js';
import { sysmonToEcs } from '../../../src/replay/sysmon-to-ecs.js';
import { defaultHeader, sysmonLine, type LineSpec } from './sysmon-lines.js';

function convert(spec: LineSpec = {}): Record<string, any> {
  const line = sysmonLine(spec);
  return sysmonToEcs(parseSysmonLine(line), line, 'replay');
}

describe('sysmonToEcs writes an Event ID 1 record the way the Sysmon for Linux integration does', () => {
  const line = sysmonLine();
  const doc = sysmonToEcs(parseSysmonLine(line), line, 'replay') as Record<string, any>;
  const fields: [path: string, expected: unknown][] = [
    ['@timestamp', '2022-07-29T17:30:12.345Z'],
    ['data_stream', { type: 'logs', dataset: 'sysmon_linux.log', namespace: 'replay' }],
    ['event.action', 'log'],
    ['event.category', ['process']],
    ['event.type', ['start']],
    ['event.kind', 'event'],
    ['event.code', '1'],
    ['event.provider', 'Linux-Sysmon'],
    ['event.dataset', 'sysmon_linux.log'],
    ['event.module', 'sysmon_linux'],
    ['event.created', '2022-07-29T17:30:12.348Z'],
    ['event.original', line],
    ['event.ingested', undefined],
    ['tags', ['preserve_original_event']],
    ['message', line.slice(defaultHeader.length)],
    ['host.hostname', 'web-07'],
    ['host.name', 'web-07.example.com'],
    ['log.level', 'information'],
    ['process.name', 'sysmon'],
    ['process.executable', '/usr/bin/curl'],
    ['process.command_line', 'curl -x socks5h://203.0.113.5:1080 https://example.com/'],
    ['process.args', ['curl', '-x', 'socks5h://203.0.113.5:1080', 'https://example.com/']],
    ['process.args_count', 4],
    ['process.pid', 1234],
    ['process.entity_id', '{8ef76b8e-4906-6371-35c5-783f95550000}'],
    ['process.working_directory', '/root'],
    ['process.parent', { pid: 999, executable: '/usr/bin/bash', command_line: 'bash', args: ['bash'], args_count: 1, entity_id: '{8ef76b8e-3dbe-6371-d586-209f9c550000}' }],
    ['process.pe', undefined],
    ['process.hash', undefined],
    ['user', undefined],
    ['related', undefined],
    ['rule', undefined],
    ['winlog.computer_name', 'web-07.example.com'],
    ['winlog.channel', 'Linux-Sysmon/Operational'],
    ['winlog.event_id', '1'],
    ['winlog.provider_name', 'Linux-Sysmon'],
    ['winlog.provider_guid', '{ff032593-a8d3-4f13-b0d6-01fc615a0f97}'],
    ['winlog.record_id', '421210'],
    ['winlog.version', 5],
    ['winlog.opcode', 'Info'],
    ['winlog.process', { pid: 812, thread: { id: 813 } }],
    // What the pipeline leaves in event_data: not renamed, not removed, not "-".
    ['winlog.event_data', { LogonGuid: '{8ef76b8e-0000-0000-0000-000001000000}', LogonId: '0', TerminalSessionId: '3', IntegrityLevel: 'no level', ParentUser: 'root' }],
  ];
  for (const [path, expected] of fields) {
    it(`sets ${path} to ${JSON.stringify(expected) ?? 'nothing'}`, () => {
      const value = path.split('.').reduce<any>((node, key) => (node === undefined ? undefined : node[key]), doc);
      assert.deepEqual(value, expected);
    });
  }
});

describe('sysmonToEcs handles the user the way the integration does', () => {
  const cases: [name: string, user: string | undefined, expected: unknown, related: unknown][] = [
    ['leaves user.name unset for a plain Linux user (root)', 'root', undefined, undefined],
    ['sets user.name and user.domain for DOMAIN\\user', 'CORP\\carol', { domain: 'CORP', name: 'carol' }, { user: ['carol'] }],
    ['sets nothing when the name has more than one backslash', 'A\\B\\c', undefined, undefined],
    ['sets only the name when the domain part is empty', '\\svc', { name: 'svc' }, { user: ['svc'] }],
    ['sets nothing when User is "-"', '-', undefined, undefined],
    ['sets nothing when there is no User', undefined, undefined, undefined],
  ];
  for (const [name, user, expected, related] of cases) {
    it(name, () => {
      const doc = convert({ data: { User: user } });
      assert.deepEqual(doc.user, expected);
      assert.deepEqual(doc.related, related);
      assert.equal(doc.winlog.event_data?.User, undefined, 'the pipeline removes User from event_data');
    });
  }

  it('keeps the raw User in event.original, where the worker finds it', () => {
    assert.match(convert().event.original, /<Data Name="User">root<\/Data>/);
  });
});

describe('sysmonToEcs reproduces the integration\'s other quirks', () => {
  it('takes process.name from the syslog app name, even with a pid in the tag', () => {
    const doc = convert({ header: 'Jul 29 17:30:12 web-07 sysmon[812]: ' });
    assert.equal(doc.process.name, 'sysmon');
    assert.equal(doc.process.pid, 1234, 'ProcessId overrides the syslog pid');
  });

  it('keeps the syslog pid when ProcessId is missing', () => {
    assert.equal(convert({ header: 'Jul 29 17:30:12 web-07 sysmon[812]: ', data: { ProcessId: undefined } }).process.pid, 812);
  });

  it('sets no process.name for a record without a syslog header, and no host.hostname', () => {
    const doc = convert({ header: '' });
    assert.equal(doc.process.name, undefined);
    assert.equal(doc.host.hostname, undefined);
    assert.equal(doc.host.name, 'web-07.example.com');
    assert.equal(doc.event.original, doc.message);
  });

  it('names a process only from a Windows path, never from a Linux one', () => {
    const doc = convert({ header: '', data: { Image: 'C:\\Windows\\curl.exe', ParentImage: '/usr/bin/bash' } });
    assert.equal(doc.process.name, 'curl.exe');
    assert.equal(doc.process.parent.name, undefined);
  });

  it('splits process.args with Windows rules, so single quotes stay in the words', () => {
    const doc = convert({ data: { CommandLine: "curl --noproxy '*' -x p https://a" } });
    assert.deepEqual(doc.process.args, ['curl', '--noproxy', "'*'", '-x', 'p', 'https://a']);
  });

  it('decodes XML entities in the event data', () => {
    const doc = convert({ data: { CommandLine: 'curl -H &quot;A: &lt;b&gt;&quot; &apos;https://a/?x=1&amp;y=2&apos;' } });
    assert.equal(doc.process.command_line, `curl -H "A: <b>" 'https://a/?x=1&y=2'`);
    assert.deepEqual(doc.process.args, ['curl', '-H', 'A: <b>', "'https://a/?x=1&y=2'"]);
  });

  it('drops empty, "-" and zero-GUID values before mapping', () => {
    const doc = convert({ data: { CurrentDirectory: '', ParentCommandLine: '-', ParentProcessGuid: '{00000000-0000-0000-0000-000000000000}' } });
    assert.equal(doc.process.working_directory, undefined);
    assert.equal(doc.process.parent.command_line, undefined);
    assert.equal(doc.process.parent.args, undefined);
    assert.equal(doc.process.parent.entity_id, undefined);
  });

  it('maps RuleName, OriginalFileName, PE details and hashes when Sysmon filled them', () => {
    const doc = convert({ data: { RuleName: 'proxy-tools', OriginalFileName: 'curl', Company: 'curl', Hashes: 'SHA256=ABCDEF,MD5=00000000' } });
    assert.deepEqual(doc.rule, { name: 'proxy-tools' });
    assert.deepEqual(doc.process.pe, { original_file_name: 'curl', company: 'curl' });
    assert.deepEqual(doc.process.hash, { sha256: 'abcdef' });
    assert.deepEqual(doc.related.hash, ['abcdef']);
    assert.equal(doc.winlog.event_data.Company, 'curl', 'copied, not moved');
  });

  it('ignores a non-numeric ProcessId instead of failing', () => {
    assert.equal(convert({ data: { ProcessId: 'x' } }).process.pid, undefined);
  });

  it('puts the namespace it is given into data_stream', () => {
    const line = sysmonLine();
    assert.equal((sysmonToEcs(parseSysmonLine(line), line, 'prod').data_stream as { namespace: string }).namespace, 'prod');
  });
});

describe('sysmonToEcs refuses records it cannot load, with a reason', () => {
  const cases: [name: string, spec: LineSpec, reason: string, message: RegExp][] = [
    ['a network connection (Event ID 3)', { eventId: '3' }, 'event id 3 is not a process start', /^event id 3 is not a process start$/],
    ['a process end (Event ID 5)', { eventId: '5' }, 'event id 5 is not a process start', /^event id 5 is not a process start$/],
    ['a record without UtcTime', { data: { UtcTime: undefined } }, 'missing UtcTime', /expected a UtcTime like .*, got none/],
    ['a UtcTime in another format', { data: { UtcTime: '2022-07-29T17:30:12Z' } }, 'bad UtcTime', /got "2022-07-29T17:30:12Z"/],
    ['an impossible UtcTime', { data: { UtcTime: '2022-02-30 10:00:00.000' } }, 'bad UtcTime', /got "2022-02-30 10:00:00.000"/],
  ];
  for (const [name, spec, reason, message] of cases) {
    it(`skips ${name}`, () => {
      assert.throws(() => convert(spec), (err: unknown) => err instanceof RecordError && err.reason === reason && message.test(err.message));
    });
  }
});
