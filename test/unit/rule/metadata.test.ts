import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RULE_METADATA, renderMessage } from '../../../src/rule/metadata.js';

describe('rule metadata', () => {
  it('identifies the upstream analytic', () => {
    assert.equal(RULE_METADATA.id, 'bd596c22-ad1e-44fc-b242-817253ce8b08');
    assert.equal(RULE_METADATA.name, 'Linux Proxy Socks Curl');
    assert.equal(RULE_METADATA.version, 4);
    assert.deepEqual(RULE_METADATA.author, ['Michael Haag, Splunk']);
    assert.ok(RULE_METADATA.reference.includes('https://research.splunk.com/endpoint/bd596c22-ad1e-44fc-b242-817253ce8b08/'));
  });

  it('computes the risk score as impact times confidence over 100', () => {
    assert.equal(RULE_METADATA.riskScore, 56);
    assert.equal(RULE_METADATA.riskScore, (RULE_METADATA.impact * RULE_METADATA.confidence) / 100);
    assert.deepEqual([RULE_METADATA.severity, RULE_METADATA.severityNumeric], ['medium', 47]);
  });

  it('maps to ATT&CK command and control, T1090 and T1095', () => {
    assert.equal(RULE_METADATA.threat.framework, 'MITRE ATT&CK');
    assert.equal(RULE_METADATA.threat.tactic.id, 'TA0011');
    assert.deepEqual(RULE_METADATA.threat.techniques.map((t) => t.id), ['T1090', 'T1095']);
  });

  it('carries the analytic search with its seven patterns and filter macro', () => {
    assert.ok(RULE_METADATA.splunkSearch.includes('Processes.process_name=curl'));
    assert.ok(RULE_METADATA.splunkSearch.includes('"--proxy*"'));
    assert.ok(RULE_METADATA.splunkSearch.endsWith('`linux_proxy_socks_curl_filter`'));
  });

  it('is frozen all the way down', () => {
    assert.ok(Object.isFrozen(RULE_METADATA));
    assert.ok(Object.isFrozen(RULE_METADATA.threat.techniques[0]));
    assert.throws(() => {
      (RULE_METADATA.reference as unknown as string[]).push('x');
    });
  });

  it('renders the message with the event fields', () => {
    assert.equal(
      renderMessage({ process_name: 'curl', dest: 'web-01', user: 'root' }),
      'An instance of curl was identified on endpoint web-01 by user root utilizing a proxy. Review activity for further details.',
    );
  });

  it('renders a missing field as unknown and takes values literally', () => {
    assert.equal(renderMessage({ process_name: '$dest$ $&' }, '$process_name$ on $dest$'), '$dest$ $& on unknown');
  });
});
