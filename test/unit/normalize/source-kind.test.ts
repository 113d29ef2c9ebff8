import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SourceKind } from '../../../src/normalize/fields.js';
import { detectSourceKind } from '../../../src/normalize/source-kind.js';
import { loadHit, type EcsFixture } from '../../fixtures/ecs/index.js';

describe('detectSourceKind recognises each producer from its own events', () => {
  const fixtures: [fixture: EcsFixture, expected: SourceKind][] = [
    ['defend-exec', 'elastic_defend'],
    ['defend-fork', 'elastic_defend'],
    // Auditd Manager runs an Auditbeat inside Elastic Agent: agent.type is "auditbeat", the dataset decides.
    ['auditd-manager-executed', 'auditd_manager'],
    ['auditbeat-executed', 'auditbeat'],
    ['sysmon-linux-event1', 'sysmon_linux'],
    ['sysmon-linux-event1-winlog-user', 'sysmon_linux'],
    ['generic-ecs', 'ecs'],
    ['dotted-keys', 'ecs'],
  ];
  for (const [fixture, expected] of fixtures) {
    it(`${fixture} is ${expected}`, () => {
      const hit = loadHit(fixture);
      assert.equal(detectSourceKind(hit.source, hit.index), expected);
    });
  }
});

describe('detectSourceKind reads the dataset first, then agent.type, then the index name', () => {
  const cases: [name: string, source: unknown, index: string, expected: SourceKind][] = [
    ['data_stream.dataset endpoint.events.process is Elastic Defend', { data_stream: { dataset: 'endpoint.events.process' } }, 'anything', 'elastic_defend'],
    ['data_stream.dataset auditd_manager.auditd is Auditd Manager', { data_stream: { dataset: 'auditd_manager.auditd' } }, 'anything', 'auditd_manager'],
    ['data_stream.dataset sysmon_linux.log is Sysmon for Linux', { data_stream: { dataset: 'sysmon_linux.log' } }, 'anything', 'sysmon_linux'],
    ['event.dataset is used when data_stream.dataset is absent', { event: { dataset: 'sysmon_linux.log' } }, 'anything', 'sysmon_linux'],
    [
      'data_stream.dataset wins over a conflicting event.dataset',
      { data_stream: { dataset: 'auditd_manager.auditd' }, event: { dataset: 'endpoint.events.process' } },
      'anything',
      'auditd_manager',
    ],
    ['a dotted data_stream.dataset key is read', { 'data_stream.dataset': 'endpoint.events.process' }, 'anything', 'elastic_defend'],
    ['a dataset held in an array is read', { data_stream: { dataset: ['sysmon_linux.log'] } }, 'anything', 'sysmon_linux'],
    [
      'the dataset wins over agent.type auditbeat',
      { data_stream: { dataset: 'auditd_manager.auditd' }, agent: { type: 'auditbeat' } },
      'auditbeat-8.15.3',
      'auditd_manager',
    ],
    ['agent.type auditbeat is Auditbeat whatever the index', { agent: { type: 'auditbeat' } }, 'archive-2026', 'auditbeat'],
    ['the dataset wins over the index name', { data_stream: { dataset: 'sysmon_linux.log' } }, 'logs-endpoint.events.process-default', 'sysmon_linux'],
    [
      'an unknown dataset falls through to the index name',
      { data_stream: { dataset: 'system.process' } },
      '.ds-logs-endpoint.events.process-default-2026.11.01-000001',
      'elastic_defend',
    ],
    ['a Defend backing index is Elastic Defend', {}, '.ds-logs-endpoint.events.process-default-2026.11.01-000001', 'elastic_defend'],
    ['a Defend data stream name is Elastic Defend', {}, 'logs-endpoint.events.process-default', 'elastic_defend'],
    ['an Auditd Manager backing index is Auditd Manager', {}, '.ds-logs-auditd_manager.auditd-default-2026.11.01-000001', 'auditd_manager'],
    ['a Sysmon for Linux backing index is Sysmon for Linux', {}, '.ds-logs-sysmon_linux.log-default-2026.11.01-000001', 'sysmon_linux'],
    ['an Auditbeat index is Auditbeat', {}, 'auditbeat-8.15.3-2026.11.01', 'auditbeat'],
    ['an Auditbeat backing index is Auditbeat', {}, '.ds-auditbeat-8.15.3-2026.11.01-000001', 'auditbeat'],
    ['an index that merely contains "auditbeat-" is generic ECS', {}, 'archive-auditbeat-2026', 'ecs'],
    ['Defend for Containers is generic ECS (no action filter)', { data_stream: { dataset: 'cloud_defend.process' } }, 'logs-cloud_defend.process-default', 'ecs'],
    ['an unknown index is generic ECS', {}, 'ecs-process-2026.11.01', 'ecs'],
    ['a null source falls back to the index name', null, 'logs-sysmon_linux.log-default', 'sysmon_linux'],
    ['a non-object source with an unknown index is generic ECS', 'garbage', 'x', 'ecs'],
  ];
  for (const [name, source, index, expected] of cases) {
    it(name, () => {
      assert.equal(detectSourceKind(source, index), expected);
    });
  }
});
