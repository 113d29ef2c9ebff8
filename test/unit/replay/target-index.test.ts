import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { coveredBy, defaultIndices, indexForDocument, indexNameProblem, sysmonNamespaceFor } from '../../../src/replay/target-index.js';

describe('indexForDocument routes each document to a data stream the worker reads', () => {
  const cases: [name: string, doc: unknown, index: string][] = [
    ['uses data_stream type, dataset and namespace', { data_stream: { type: 'logs', dataset: 'endpoint.events.process', namespace: 'default' } }, 'logs-endpoint.events.process-default'],
    ['reads data_stream from dotted keys', { 'data_stream.type': 'logs', 'data_stream.dataset': 'auditd_manager.auditd', 'data_stream.namespace': 'lab' }, 'logs-auditd_manager.auditd-lab'],
    ['defaults a missing data_stream.type to logs', { data_stream: { dataset: 'sysmon_linux.log', namespace: 'x' } }, 'logs-sysmon_linux.log-x'],
    ['defaults a missing namespace to replay, never to a production namespace', { data_stream: { dataset: 'sysmon_linux.log' } }, 'logs-sysmon_linux.log-replay'],
    ['sends a Sysmon event without data_stream to the Sysmon replay stream', { event: { dataset: 'sysmon_linux.log' } }, defaultIndices.sysmonLinux],
    ['sends an Auditd Manager event without data_stream to its replay stream', { event: { dataset: 'auditd_manager.auditd', action: 'executed' } }, defaultIndices.auditdManager],
    ['sends a Defend event without data_stream to the Defend replay stream', { event: { dataset: 'endpoint.events.process', action: 'exec' } }, defaultIndices.elasticDefend],
    ['sends an Auditbeat event (agent.type) to auditbeat-replay', { agent: { type: 'auditbeat' }, event: { action: 'executed' } }, defaultIndices.auditbeat],
    ['sends an executed action without producer fields to auditbeat-replay', { event: { action: 'executed' } }, defaultIndices.auditbeat],
    ['sends a process_started action to auditbeat-replay', { event: { action: 'process_started' } }, defaultIndices.auditbeat],
    ['sends anything else to the Defend process stream', { process: { name: 'curl' } }, defaultIndices.elasticDefend],
  ];
  for (const [name, doc, index] of cases) it(name, () => assert.deepEqual(indexForDocument(doc), { ok: true, index }));

  it('refuses data_stream parts Elasticsearch would refuse', () => {
    for (const [doc, reason] of [
      [{ data_stream: { dataset: 'a b' } }, 'bad data_stream.dataset'],
      [{ data_stream: { dataset: 'a', namespace: 'x-y' } }, 'bad data_stream.namespace'],
      [{ data_stream: { type: 'Logs', dataset: 'a' } }, 'bad data_stream.type'],
      [{ data_stream: { dataset: 'a'.repeat(101) } }, 'bad data_stream.dataset'],
    ] as const) {
      const choice = indexForDocument(doc);
      assert.equal(choice.ok, false);
      assert.equal(choice.ok ? '' : choice.reason, reason);
    }
  });
});

describe('the default replay indices', () => {
  const patterns = loadConfig({ env: {} }).source.indexPatterns;
  for (const index of Object.values(defaultIndices)) {
    it(`${index} is read by the worker's default source.indexPatterns`, () => assert.ok(coveredBy(index, patterns)));
    it(`${index} is a valid index name`, () => assert.equal(indexNameProblem(index), undefined));
  }
});

describe('coveredBy matches index patterns with * wildcards', () => {
  const cases: [index: string, patterns: string[], expected: boolean][] = [
    ['logs-endpoint.events.process-replay', ['logs-endpoint.events.process-*'], true],
    ['logs-endpoint.events.process-replay', ['logs-endpoint.events.network-*'], false],
    ['auditbeat-replay', ['auditbeat-*'], true],
    ['auditbeat', ['auditbeat-*'], false],
    ['cpdt-x', ['cpdt-x'], true],
    ['cpdt-x', ['*'], true],
    ['a-b-c', ['a*c'], true],
    ['a-b-c', ['a*b*c'], true],
    ['abc', ['a*b*bc'], false],
    ['logs-x-y', ['logs-*-*'], true],
  ];
  for (const [index, patterns, expected] of cases) it(`${index} ${expected ? 'matches' : 'does not match'} ${patterns.join(',')}`, () => assert.equal(coveredBy(index, patterns), expected));
});

describe('indexNameProblem', () => {
  const bad: [name: string, fragment: RegExp][] = [
    ['', /non-empty/],
    ['..', /other than/],
    ['Logs', /lower-case/],
    ['_x', /not starting/],
    ['-x', /not starting/],
    ['a b', /without " "/],
    ['a*b', /without "\*"/],
    ['a:b', /without ":"/],
    ['a'.repeat(256), /255 bytes/],
  ];
  for (const [name, fragment] of bad) it(`refuses ${JSON.stringify(name.slice(0, 20))}`, () => assert.match(indexNameProblem(name) ?? '', fragment));
  it('accepts dotted data stream names', () => assert.equal(indexNameProblem('logs-sysmon_linux.log-replay'), undefined));
});

describe('sysmonNamespaceFor', () => {
  const cases: [index: string, ns: string][] = [
    ['logs-sysmon_linux.log-replay', 'replay'],
    ['logs-sysmon_linux.log-lab', 'lab'],
    ['logs-sysmon_linux.log-', 'replay'],
    ['cpdt-replay-x', 'replay'],
    ['logs-sysmon_linux.log-a-b', 'replay'],
  ];
  for (const [index, ns] of cases) it(`gives ${ns} for ${index}`, () => assert.equal(sysmonNamespaceFor(index), ns));
});
