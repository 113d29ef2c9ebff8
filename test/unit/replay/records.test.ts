import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLine, recordId, sniffFormat, type LineResult, type ParseOptions, type ReplayRecord, type SkippedLine } from '../../../src/replay/records.js';
import { sysmonLine } from './sysmon-lines.js';

const SYSMON: ParseOptions = { format: 'sysmon-linux', index: undefined };
const ECS: ParseOptions = { format: 'ecs-ndjson', index: undefined };

function record(result: LineResult): ReplayRecord {
  assert.equal(result.kind, 'record', `expected a record, got ${JSON.stringify(result)}`);
  return (result as { record: ReplayRecord }).record;
}

function skipped(result: LineResult): SkippedLine {
  assert.equal(result.kind, 'skipped', `expected a skipped line, got ${JSON.stringify(result).slice(0, 200)}`);
  return (result as { skipped: SkippedLine }).skipped;
}

describe('parseLine reads Sysmon for Linux lines in every header form', () => {
  const xml = sysmonLine({ header: '' });
  const cases: [name: string, line: string, hostname: string | undefined, processName: string | undefined][] = [
    ['an RFC 3164 header', `Jul 29 17:30:12 web-07 sysmon: ${xml}`, 'web-07', 'sysmon'],
    ['a space-padded day', `Nov  2 09:00:01 jump-01 sysmon: ${xml}`, 'jump-01', 'sysmon'],
    ['a syslog priority', `<134>Nov  2 09:00:01 jump-01 sysmon: ${xml}`, 'jump-01', 'sysmon'],
    ['an ISO timestamp (rsyslog high precision)', `2025-12-10T22:27:58.152234+09:00 x sysmon: ${xml}`, 'x', 'sysmon'],
    ['a pid in the tag', `Jul 29 17:30:12 web-07 sysmon[812]: ${xml}`, 'web-07', 'sysmon'],
    ['the XML alone', xml, undefined, undefined],
    ['the XML with surrounding whitespace', `  ${xml}  `, undefined, undefined],
  ];
  for (const [name, line, hostname, processName] of cases) {
    it(`reads ${name}`, () => {
      const r = record(parseLine(line, 3, SYSMON));
      const doc = r.document as Record<string, any>;
      assert.equal(r.line, 3);
      assert.equal(r.index, 'logs-sysmon_linux.log-replay');
      assert.equal(r.timeMs, Date.UTC(2022, 6, 29, 17, 30, 12, 345));
      assert.equal(doc.host.hostname, hostname);
      assert.equal(doc.process.name, processName);
      assert.equal(doc.process.executable, '/usr/bin/curl');
    });
  }

  it('sends every record to --index, with the namespace of a Sysmon data stream name', () => {
    assert.equal(record(parseLine(sysmonLine(), 1, { format: 'sysmon-linux', index: 'cpdt-x' })).index, 'cpdt-x');
    assert.equal((record(parseLine(sysmonLine(), 1, { format: 'sysmon-linux', index: 'cpdt-x' })).document as any).data_stream.namespace, 'replay');
    assert.equal((record(parseLine(sysmonLine(), 1, { format: 'sysmon-linux', index: 'logs-sysmon_linux.log-lab' })).document as any).data_stream.namespace, 'lab');
  });
});

describe('parseLine skips bad lines with their line number and what was expected', () => {
  const cases: [name: string, line: string, options: ParseOptions, reason: string, message: RegExp][] = [
    ['a Sysmon network event', sysmonLine({ eventId: '3' }), SYSMON, 'event id 3 is not a process start', /^line 17: event id 3 is not a process start$/],
    ['a line without <Event>', 'Jul 29 17:30:12 web-07 systemd[1]: Started Sysmon.', SYSMON, 'not a Sysmon record', /^line 17: expected a Sysmon <Event> XML record .*, got "Jul 29/],
    ['a cut-off record', sysmonLine().slice(0, 400), SYSMON, 'malformed XML', /^line 17: expected well-formed <Event> XML: expected .+ at offset \d+, got end of input$/],
    ['XML without an EventID', sysmonLine({ system: '<Provider Name="Linux-Sysmon"/><Computer>h</Computer>' }), SYSMON, 'no EventID', /^line 17: expected an <EventID> in <System>, got none$/],
    ['a non-numeric EventID', sysmonLine({ system: '<EventID>one</EventID>' }), SYSMON, 'bad EventID', /^line 17: expected <EventID> to be a number, got "one"$/],
    ['XML without a System block', `h sysmon: <Event><EventData></EventData></Event>`, SYSMON, 'no System block', /^line 17: expected a <System> element in <Event>, got none$/],
    ['a header without a tag', `Jul 29 17:30:12 web-07 ${sysmonLine({ header: '' })}`, SYSMON, 'bad syslog header', /^line 17: expected a syslog header ending in "<host> <app>:" before <Event>, got "Jul 29 17:30:12 web-07"$/],
    ['a bad syslog priority', `<x1>Jul 29 h sysmon: ${sysmonLine({ header: '' })}`, SYSMON, 'bad syslog header', /expected a syslog priority like <134>/],
    ['a record without UtcTime', sysmonLine({ data: { UtcTime: undefined } }), SYSMON, 'missing UtcTime', /^line 17: expected a UtcTime like "2022-07-29 17:30:12.345" in the event data, got none$/],
    ['invalid JSON', '{"@timestamp": "2026-11-01T00:00:00Z",', ECS, 'invalid JSON', /^line 17: expected a JSON object, got invalid JSON \(.+\)$/],
    ['a JSON array', '[1,2]', ECS, 'not a JSON object', /^line 17: expected a JSON object, got an array$/],
    ['a JSON string', '"x"', ECS, 'not a JSON object', /^line 17: expected a JSON object, got a string$/],
    ['JSON null', 'null', ECS, 'not a JSON object', /^line 17: expected a JSON object, got null$/],
    ['a document without @timestamp', '{"process":{"name":"curl"}}', ECS, 'missing @timestamp', /^line 17: expected an @timestamp \(ISO-8601 or epoch ms\), got none$/],
    ['an unparseable @timestamp', '{"@timestamp":"yesterday"}', ECS, 'bad @timestamp', /^line 17: expected @timestamp to be ISO-8601 .*, got "yesterday"$/],
    ['an impossible date', '{"@timestamp":"2026-02-30T00:00:00Z"}', ECS, 'bad @timestamp', /got "2026-02-30T00:00:00Z"$/],
    ['an array @timestamp', '{"@timestamp":["2026-11-01T00:00:00Z"]}', ECS, 'bad @timestamp', /expected @timestamp to be ISO-8601/],
    ['a data_stream.dataset with a dash', '{"@timestamp":"2026-11-01T00:00:00Z","data_stream":{"dataset":"a-b","namespace":"x"}}', ECS, 'bad data_stream.dataset', /^line 17: expected data_stream.dataset to be a name without '-', got "a-b"$/],
    ['an upper-case data_stream.namespace', '{"@timestamp":"2026-11-01T00:00:00Z","data_stream":{"dataset":"a","namespace":"Prod"}}', ECS, 'bad data_stream.namespace', /expected data_stream.namespace to be a lower-case name/],
  ];
  for (const [name, line, options, reason, message] of cases) {
    it(`skips ${name}`, () => {
      const s = skipped(parseLine(line, 17, options));
      assert.equal(s.line, 17);
      assert.equal(s.reason, reason);
      assert.match(s.message, message);
    });
  }

  it('ignores blank and whitespace-only lines in both formats', () => {
    for (const line of ['', '   ', '\t', '\r']) {
      assert.equal(parseLine(line, 1, ECS).kind, 'blank');
      assert.equal(parseLine(line, 1, SYSMON).kind, 'blank');
    }
  });
});

describe('parseLine reads ECS NDJSON documents', () => {
  it('keeps the document as it is and derives the index from data_stream', () => {
    const doc = { '@timestamp': '2026-11-01T10:00:00.123Z', data_stream: { type: 'logs', dataset: 'endpoint.events.process', namespace: 'default' }, process: { name: 'curl' } };
    const r = record(parseLine(JSON.stringify(doc), 4, ECS));
    assert.deepEqual(r.document, doc);
    assert.equal(r.index, 'logs-endpoint.events.process-default');
    assert.equal(r.timeMs, Date.UTC(2026, 10, 1, 10, 0, 0, 123));
  });

  it('reads @timestamp from a dotted key and from epoch milliseconds', () => {
    assert.equal(record(parseLine('{"@timestamp": 1793610130250}', 1, ECS)).timeMs, 1793610130250);
  });

  it('replays the _source of a search hit or export line', () => {
    const r = record(parseLine(JSON.stringify({ _index: 'x', _id: 'y', _source: { '@timestamp': '2026-11-01T00:00:00Z', agent: { type: 'auditbeat' } } }), 1, ECS));
    assert.deepEqual(r.document, { '@timestamp': '2026-11-01T00:00:00Z', agent: { type: 'auditbeat' } });
    assert.equal(r.index, 'auditbeat-replay');
  });

  it('sends every document to --index when given', () => {
    const line = JSON.stringify({ '@timestamp': '2026-11-01T00:00:00Z', data_stream: { dataset: 'a', namespace: 'b' } });
    assert.equal(record(parseLine(line, 1, { format: 'ecs-ndjson', index: 'cpdt-one' })).index, 'cpdt-one');
  });

  it('ignores a trailing carriage return (CRLF files)', () => {
    const line = '{"@timestamp":"2026-11-01T00:00:00Z"}';
    assert.equal(record(parseLine(`${line}\r`, 1, ECS)).id, record(parseLine(line, 1, ECS)).id);
  });
});

describe('recordId', () => {
  it('is the first 40 hex digits of the sha256 of the line', () => {
    assert.equal(recordId('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'.slice(0, 40));
  });

  it('gives the same id to the same line and different ids to different lines', () => {
    const a = sysmonLine();
    assert.equal(record(parseLine(a, 1, SYSMON)).id, record(parseLine(a, 99, SYSMON)).id);
    assert.notEqual(record(parseLine(a, 1, SYSMON)).id, record(parseLine(sysmonLine({ data: { ProcessId: '1235' } }), 1, SYSMON)).id);
  });

  it('does not depend on --index or --shift-to-now, so a replay is recognized whatever the flags', () => {
    assert.equal(record(parseLine(sysmonLine(), 1, SYSMON)).id, record(parseLine(sysmonLine(), 1, { format: 'sysmon-linux', index: 'other' })).id);
  });
});

describe('sniffFormat guesses the format from the first line', () => {
  const cases: [line: string, expected: string | undefined][] = [
    ['{"@timestamp":"2026-11-01T00:00:00Z"}', 'ecs-ndjson'],
    ['  {"a":1}', 'ecs-ndjson'],
    [sysmonLine(), 'sysmon-linux'],
    [sysmonLine({ header: '' }), 'sysmon-linux'],
    ['time,host,cmd', undefined],
    ['<Events>', undefined],
  ];
  for (const [line, expected] of cases) it(`reads ${JSON.stringify(line.slice(0, 30))} as ${expected ?? 'unknown'}`, () => assert.equal(sniffFormat(line), expected));
});
