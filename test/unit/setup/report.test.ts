import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatStep, formatSummary } from '../../../src/setup/report.js';
import { noIlmNotice, type SetupReport, type SetupStep } from '../../../src/setup/setup.js';

describe('setup output', () => {
  const lines: [SetupStep, RegExp][] = [
    [{ step: 'ilm-policy', name: 'curl-proxy-findings', status: 'created', operationMode: 'RUNNING' }, /^ILM policy +curl-proxy-findings +created$/],
    [{ step: 'ilm-policy', name: 'p', status: 'unchanged', operationMode: 'STOPPED' }, /unchanged \(ILM is STOPPED on this cluster\)$/],
    [{ step: 'template', name: 'a', pattern: 'a-*', status: 'updated' }, /^index template +a \(for a-\*\) +updated$/],
    [{ step: 'write-index', alias: 'a', index: 'a-000001', status: 'unchanged' }, /^write index +a-000001 behind alias a +exists, unchanged$/],
    [{ step: 'ilm-absent', notice: noIlmNotice('a-000001') }, /^notice: ILM is not available on this cluster: findings go to a-000001 without rollover; rotate manually or add ILM$/],
    [{ step: 'kibana-object', kibana: 'http://k', space: 'default', object: { type: 'lens', id: 'x', title: 'X', status: 'created', destinationId: 'y' } }, /^Kibana +lens x +created \(stored as y: the id exists in another space\)$/],
    [{ step: 'kibana-skipped', reason: 'no Kibana URL given' }, /^Kibana +saved objects and rule +skipped: no Kibana URL given$/],
    [{ step: 'field-types', wildcard: false, matchOnlyText: false }, /^field types +process\.command_line, message +keyword \(no wildcard here\), text \(no match_only_text here\)$/],
    [{ step: 'field-types', wildcard: true, matchOnlyText: true }, /^field types +process\.command_line, message +wildcard, match_only_text$/],
    [{ step: 'alerts-template', name: 'a-alerts', pattern: 'a-alerts', status: 'created' }, /^index template +a-alerts \(alert sources\) +created$/],
    [{ step: 'alerts-index', index: 'a-alerts', status: 'created' }, /^alert sources +a-alerts \(hidden\) +created$/],
    [{ step: 'kibana-rule', kibana: 'k', space: 'default', rule: { ruleId: 'r', name: 'N', status: 'created', version: 1, enabled: true } }, /^Kibana +rule r v1 +created, enabled$/],
    [{ step: 'kibana-rule', kibana: 'k', space: 'default', rule: { ruleId: 'r', name: 'N', status: 'updated', version: 2, installedVersion: 1, enabled: false } }, /^Kibana +rule r v2 +updated, disabled \(left as you set it\)$/],
    [{ step: 'kibana-rule', kibana: 'k', space: 'default', rule: { ruleId: 'r', name: 'N', status: 'unchanged', version: 1, installedVersion: 3, enabled: true } }, /unchanged, enabled \(installed version 3 is newer, left as it is\)$/],
  ];
  for (const [step, pattern] of lines) {
    it(`prints one line for a ${step.step} step`, () => assert.match(formatStep(step), pattern));
  }

  it('says plainly when a run changed nothing, and counts otherwise', () => {
    const unchanged: SetupReport = {
      alias: 'a',
      ilm: { available: false },
      fieldTypes: { wildcard: false, matchOnlyText: false },
      steps: [
        { step: 'template', name: 'a', pattern: 'a-*', status: 'unchanged' },
        { step: 'ilm-absent', notice: 'n' },
      ],
      changed: false,
    };
    assert.equal(formatSummary(unchanged), 'setup: everything was already in place; nothing changed');
    const changed: SetupReport = {
      ...unchanged,
      steps: [
        { step: 'template', name: 'a', pattern: 'a-*', status: 'created' },
        { step: 'write-index', alias: 'a', index: 'a-000001', status: 'created' },
        { step: 'kibana-object', kibana: 'k', space: 'default', object: { type: 'lens', id: 'x', title: 'X', status: 'updated' } },
        { step: 'kibana-object', kibana: 'k', space: 'default', object: { type: 'lens', id: 'z', title: 'Z', status: 'unchanged' } },
        { step: 'kibana-rule', kibana: 'k', space: 'default', rule: { ruleId: 'r', name: 'N', status: 'created', version: 1, enabled: true } },
        { step: 'field-types', wildcard: false, matchOnlyText: false },
      ],
      changed: true,
    };
    assert.equal(formatSummary(changed), 'setup: done (3 created, 1 updated, 1 unchanged)');
  });
});
