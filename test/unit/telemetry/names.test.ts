import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attributeNames, boundLabel, labelValues, metricNames, spanNames } from '../../../src/telemetry/names.js';

describe('telemetry names', () => {
  it('prefixes every metric, attribute and span name with cpd.', () => {
    for (const name of [...Object.values(metricNames), ...Object.values(attributeNames), ...Object.values(spanNames)]) {
      assert.match(name, /^cpd\.[a-z_.]+$/, name);
    }
  });

  it('gives every metric a distinct name', () => {
    const names = Object.values(metricNames);
    assert.equal(new Set(names).size, names.length);
  });

  it('names the four spans of the issue', () => {
    assert.deepEqual(Object.values(spanNames).sort(), ['cpd.job', 'cpd.poll_window', 'cpd.process_range', 'cpd.write_findings']);
  });

  it('bounds the skip reasons to the SkipReason values of the normalizer', () => {
    assert.deepEqual([...labelValues.skipReason].sort(), ['classify_error', 'no_process_fields', 'no_timestamp', 'not_exec_action']);
  });

  const cases: [keyof typeof labelValues, string, string][] = [
    ['skipReason', 'no_timestamp', 'no_timestamp'],
    ['skipReason', 'toString', 'other'],
    ['skipReason', '', 'other'],
    ['failureReason', 'retry_exhausted', 'retry_exhausted'],
    ['failureReason', 'mapper_parsing_exception', 'other'],
    ['jobKind', 'live', 'live'],
    ['jobKind', 'replay', 'other'],
    ['queueState', 'completed', 'other'],
  ];
  for (const [attribute, value, expected] of cases) {
    it(`labels ${attribute} "${value}" as "${expected}"`, () => {
      assert.equal(boundLabel(attribute, value), expected);
    });
  }
});
