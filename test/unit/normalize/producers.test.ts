import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ecsToCim, type NormalizeOptions } from '../../../src/normalize/ecs-to-cim.js';
import { defaultFieldMap, type CimField, type SourceKind } from '../../../src/normalize/fields.js';
import { evaluate } from '../../../src/rule/curl-proxy.js';
import { loadProducerHit, producerFixtures, type ProducerFixture } from '../../fixtures/producers/index.js';

/** The schema default of source.maxCommandLineBytes. */
const DEFAULTS: NormalizeOptions = { fieldMap: defaultFieldMap, maxCommandLineBytes: 1_048_576 };

type Expected =
  | { exec: false }
  | { exec: true; kind: SourceKind; cim: Partial<Record<CimField, string>>; proxy: string };

/**
 * The producer matrix of docs/producers.md, one row per fixture, worked out by hand from the
 * fixture files (not from the code): is it an exec, which CIM values, which proxy.
 */
const matrix: Record<ProducerFixture, Expected> = {
  'defend-pre8.16-exec': {
    exec: true,
    kind: 'elastic_defend',
    cim: { dest: 'web-01', user: 'deploy', parent_process_name: 'bash', process_name: 'curl', process: 'curl -x socks5h://203.0.113.7:1080 https://example.com/', process_id: '4242', parent_process_id: '2201' },
    proxy: 'socks5h://203.0.113.7:1080',
  },
  'defend-8.16-fork-exec-end': {
    exec: true,
    kind: 'elastic_defend',
    cim: { dest: 'web-01', user: 'deploy', parent_process_name: 'bash', process_name: 'curl', process: 'curl -x socks5h://203.0.113.7:1080 https://example.com/', process_id: '4301', parent_process_id: '2201' },
    proxy: 'socks5h://203.0.113.7:1080',
  },
  'defend-8.16-exec-end': {
    exec: true,
    kind: 'elastic_defend',
    cim: { dest: 'web-01', user: 'deploy', parent_process_name: 'bash', process_name: 'curl', process: 'curl --proxy http://198.51.100.23:3128 https://example.org/status', process_id: '4310', parent_process_id: '2201' },
    proxy: 'http://198.51.100.23:3128',
  },
  'defend-8.16-fork-exec': {
    exec: true,
    kind: 'elastic_defend',
    cim: { dest: 'web-01', user: 'deploy', parent_process_name: 'bash', process_name: 'curl', process: 'curl -sSx socks5://203.0.113.9:1080 https://example.com/a', process_id: '4320', parent_process_id: '2201' },
    proxy: 'socks5://203.0.113.9:1080',
  },
  'defend-end-only': { exec: false },
  'defend-fork-only': { exec: false },
  'auditd-manager-execve-executed': {
    exec: true,
    kind: 'auditd_manager',
    cim: { dest: 'app-02', user: 'alice', process_name: 'curl', process: 'curl -x http://198.51.100.23:3128 https://example.org/', process_id: '5150', parent_process_id: '5100', process_path: '/usr/bin/curl' },
    proxy: 'http://198.51.100.23:3128',
  },
  'auditbeat-auditd-executed': {
    exec: true,
    kind: 'auditbeat',
    cim: { dest: 'build-07', user: 'bob', process_name: 'curl', process: 'curl --socks5-hostname 203.0.113.50:1080 https://example.com/', process_id: '7044', parent_process_id: '7001' },
    proxy: '203.0.113.50:1080',
  },
  'auditbeat-system-process-started': {
    exec: true,
    kind: 'auditbeat',
    cim: { dest: 'build-07', user: 'deploy', process_name: 'curl', process: 'curl --preproxy socks5://203.0.113.60:1080 https://example.org/', process_id: '7301', parent_process_id: '7290' },
    proxy: 'socks5://203.0.113.60:1080',
  },
  'auditbeat-system-process-ran': {
    exec: true,
    kind: 'auditbeat',
    cim: { dest: 'build-07', user: 'deploy', process_name: 'curl', process: 'curl -x socks4a://203.0.113.61:1080 https://example.com/', process_id: '7310', parent_process_id: '7290' },
    proxy: 'socks4a://203.0.113.61:1080',
  },
  'auditbeat-system-process-changed-image': {
    exec: true,
    kind: 'auditbeat',
    cim: { dest: 'build-07', user: 'deploy', process_name: 'curl', process: 'curl --proxy=http://198.51.100.40:8080 https://example.org/x', process_id: '7290', parent_process_id: '7001' },
    proxy: 'http://198.51.100.40:8080',
  },
  'auditbeat-legacy-process-started-ppid': {
    exec: true,
    kind: 'auditbeat',
    cim: { dest: 'legacy-09', user: 'elastic', process_name: 'curl', process: 'curl -x socks5h://203.0.113.70:9050 http://example.com/', process_id: '9086', parent_process_id: '9085' },
    proxy: 'socks5h://203.0.113.70:9050',
  },
  'sysmon-linux-event1-pipeline': {
    exec: true,
    kind: 'sysmon_linux',
    // process.name is "sysmon", user.name is absent, no parent name: all three repaired.
    cim: { dest: 'db-03', user: 'root', parent_process_name: 'bash', process_name: 'curl', process: 'curl --socks5 198.51.100.33:1080 https://example.com/', process_id: '6182', parent_process_id: '6140' },
    proxy: '198.51.100.33:1080',
  },
  'sysmon-linux-event5-null-image': { exec: false },
  'crowdstrike-fdr-processrollup2-linux': {
    exec: true,
    kind: 'crowdstrike_fdr',
    // No parent pid: process.parent.entity_id is CrowdStrike's own id, not a pid.
    cim: { dest: 'cs-lnx-04', user: 'svc-sync', parent_process_name: 'bash', process_name: 'curl', process: 'curl --proxy http://198.51.100.80:3128 https://example.org/upload', process_id: '24811' },
    proxy: 'http://198.51.100.80:3128',
  },
  'sentinelone-cloud-funnel-process-creation-linux': {
    exec: true,
    kind: 'sentinel_one_cloud_funnel',
    // No host.name and no user.name: host.hostname and process.user.name.
    cim: { dest: 's1-lnx-05', user: 'ops', parent_process_name: 'bash', process_name: 'curl', process: 'curl -x socks5h://203.0.113.90:1080 https://example.com/beacon', process_id: '30388', parent_process_id: '30210' },
    proxy: 'socks5h://203.0.113.90:1080',
  },
};

describe('each producer shape, from its published definitions, normalizes to the right CIM fields and verdict', () => {
  for (const name of producerFixtures) {
    const expected = matrix[name];
    it(`${name}: ${expected.exec ? `an exec of ${expected.kind} through ${expected.proxy}` : 'not an exec, skipped'}`, () => {
      const result = ecsToCim(loadProducerHit(name), DEFAULTS);
      if (!expected.exec) {
        assert.deepEqual(result, { ok: false, reason: 'not_exec_action' });
        return;
      }
      assert.ok(result.ok, JSON.stringify(result));
      const { event } = result;
      assert.equal(event.sourceKind, expected.kind);
      for (const [field, value] of Object.entries(expected.cim)) assert.equal(event.cim[field as CimField], value, field);
      if (expected.cim.parent_process_id === undefined) assert.equal(event.cim.parent_process_id, undefined, 'no parent pid is invented');
      const verdict = evaluate(
        { processName: event.cim.process_name, processPath: event.cim.process_path, commandLine: event.cim.process, args: event.args, envVars: event.envVars },
        { mode: 'argv', noproxyStarDisables: true },
      );
      assert.equal(verdict.match, true, verdict.reason);
      assert.ok(verdict.proxies.some((p) => p.url.endsWith(expected.proxy)), `${expected.proxy} in ${JSON.stringify(verdict.proxies.map((p) => p.url))}`);
    });
  }
});
