import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createClassifier } from '../../../src/aggregate/classify.js';
import { loadConfig } from '../../../src/config/load.js';
import { defaultFieldMap } from '../../../src/normalize/fields.js';
import { getPath } from '../../../src/normalize/values.js';
import { parseLine, type ReplayFormat, type ReplayRecord, type SkippedLine } from '../../../src/replay/records.js';
import { coveredBy } from '../../../src/replay/target-index.js';

const samples = new URL('../../../samples/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, samples), 'utf8').replace(/\n$/, '').split('\n');
const readme = readFileSync(new URL('README.md', samples), 'utf8');

function parseAll(lines: readonly string[], format: ReplayFormat): { records: ReplayRecord[]; skipped: SkippedLine[] } {
  const records: ReplayRecord[] = [];
  const skipped: SkippedLine[] = [];
  lines.forEach((text, i) => {
    const r = parseLine(text, i + 1, { format, index: undefined });
    if (r.kind === 'record') records.push(r.record);
    else if (r.kind === 'skipped') skipped.push(r.skipped);
  });
  return { records, skipped };
}

/** Distinct (group, hour) findings and matching events, with the product's classifier. */
function findings(records: readonly ReplayRecord[], mode: 'argv' | 'splunk'): { findings: number; matches: number } {
  const classifier = createClassifier(loadConfig({ env: {}, flags: { 'rule.mode': mode } }), defaultFieldMap);
  const ids = new Set<string>();
  let matches = 0;
  for (const r of records) {
    const c = classifier.classify({ index: r.index, id: r.id, source: r.document });
    if (c.kind === 'match') {
      matches += 1;
      ids.add(c.match.findingId);
    }
  }
  return { findings: ids.size, matches };
}

function stated(pattern: RegExp): { findings: number; matches: number } {
  const m = pattern.exec(readme);
  assert.ok(m !== null, `README.md does not state ${pattern}`);
  return { findings: Number(m[1]), matches: Number(m[2]) };
}

describe('samples/sample-events.ndjson', () => {
  const lines = read('sample-events.ndjson');
  const { records, skipped } = parseAll(lines, 'ecs-ndjson');

  it('holds 300 to 600 events and every line is a valid record', () => {
    assert.ok(lines.length >= 300 && lines.length <= 600, `${lines.length} lines`);
    assert.deepEqual(skipped, []);
    assert.equal(records.length, lines.length);
  });

  it('spans less than six hours, sorted by @timestamp', () => {
    const times = records.map((r) => r.timeMs);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    assert.ok((times.at(-1) as number) - (times[0] as number) < 6 * 3_600_000);
  });

  it('mixes the four producers, each in an index the worker reads by default', () => {
    const patterns = loadConfig({ env: {} }).source.indexPatterns;
    const indices = new Map<string, number>();
    for (const r of records) indices.set(r.index, (indices.get(r.index) ?? 0) + 1);
    assert.deepEqual([...indices.keys()].sort(), ['auditbeat-replay', 'logs-auditd_manager.auditd-replay', 'logs-endpoint.events.process-replay', 'logs-sysmon_linux.log-replay']);
    for (const [index, n] of indices) {
      assert.ok(coveredBy(index, patterns), `${index} is not read by default`);
      assert.ok(n >= 50, `${index} has only ${n} events`);
    }
  });

  it('has Sysmon events shaped as the integration writes them', () => {
    const sysmon = records.filter((r) => r.index === 'logs-sysmon_linux.log-replay');
    assert.ok(sysmon.every((r) => getPath(r.document, 'process.name') === 'sysmon' && getPath(r.document, 'user.name') === undefined && getPath(r.document, 'event.action') === 'log'));
    assert.ok(sysmon.every((r) => String(getPath(r.document, 'event.original')).includes('<Data Name="User">')));
  });

  it('uses only documentation IP ranges and example domains', () => {
    const text = lines.join('\n');
    for (const ip of text.match(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g) ?? []) {
      assert.match(ip, /^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+$/, `${ip} is not a documentation address`);
    }
    for (const host of text.match(/(?<=:\/\/(?:[^/@\s"]*@)?)[a-z0-9.-]+\.[a-z]{2,}(?=[:/"\s])/gi) ?? []) {
      assert.match(host, /(^|\.)example\.(com|org|net)$/, `${host} is not an example domain`);
    }
  });

  it('gives the numbers of findings README.md states, in both modes', () => {
    assert.deepEqual(findings(records, 'argv'), stated(/\*\*argv mode\*\* \(default\): \*\*(\d+) findings\*\* from (\d+) matching events/));
    assert.deepEqual(findings(records, 'splunk'), stated(/\*\*splunk mode\*\*: \*\*(\d+) findings\*\* from (\d+) matching events/));
  });

  it('has repeated executions that count more than once', () => {
    assert.ok(findings(records, 'argv').matches > findings(records, 'argv').findings);
  });
});

describe('samples/sysmon-linux.log', () => {
  const lines = read('sysmon-linux.log');
  const { records, skipped } = parseAll(lines, 'sysmon-linux');

  it('has about twenty lines, of which three are skipped with their reasons', () => {
    assert.equal(lines.length, 19);
    assert.equal(records.length, 16);
    assert.deepEqual(
      skipped.map((s) => [s.line, s.reason]),
      [
        [4, 'event id 3 is not a process start'],
        [5, 'event id 5 is not a process start'],
        [11, 'malformed XML'],
      ],
    );
  });

  it('gives the numbers of findings README.md states, in both modes', () => {
    assert.deepEqual(findings(records, 'argv'), stated(/\*\*argv mode (\d+) findings\*\* from (\d+) matching events/));
    assert.deepEqual(findings(records, 'splunk'), stated(/\*\*splunk mode (\d+) findings\*\* from (\d+) matching events/));
  });
});
