import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Queue } from 'bullmq';
import { rangeStatsOf, readJobOutcome } from '../../../src/aggregate/job-outcome.js';
import type { RangeJobData, RangeJobResult } from '../../../src/aggregate/jobs.js';
import { emptyStats } from '../../../src/aggregate/processor.js';

/** The two reads readJobOutcome makes, answered from fixed values, in the order they were made. */
function queueAnswering(state: string, job: { returnvalue?: unknown; failedReason?: string } | undefined) {
  const calls: string[] = [];
  const queue = {
    getJobState: async () => (calls.push('getJobState'), state),
    getJob: async () => (calls.push('getJob'), job),
  } as unknown as Queue<RangeJobData, RangeJobResult>;
  return { queue, calls };
}

describe('readJobOutcome', () => {
  const stats = { ...emptyStats(), scanned: 3 };
  const cases: [name: string, state: string, job: { returnvalue?: unknown; failedReason?: string } | undefined, expected: unknown][] = [
    ['a job no longer there is missing', 'unknown', undefined, 'missing'],
    ['a waiting job has no outcome yet', 'waiting', { returnvalue: null }, undefined],
    ['a running job has no outcome yet', 'active', { returnvalue: null }, undefined],
    ['a delayed (retrying) job has no outcome yet', 'delayed', { returnvalue: null }, undefined],
    ['a completed job gives its stats', 'completed', { returnvalue: stats }, { ok: true, stats }],
    ['a completed job whose return value reads null is done, with unknown stats', 'completed', { returnvalue: null }, { ok: true, stats: undefined }],
    ['a completed job removed in between is done, with unknown stats', 'completed', undefined, { ok: true, stats: undefined }],
    ['a failed job gives its reason', 'failed', { failedReason: 'CPD_ES_UNAVAILABLE: down' }, { ok: false, reason: 'CPD_ES_UNAVAILABLE: down', deterministic: false }],
    ['a failed job without a reason says so', 'failed', { failedReason: '' }, { ok: false, reason: 'unknown', deterministic: false }],
    ['a job that fails the same way every time says so (it is quarantined, not retried)', 'failed', { failedReason: 'deterministic: CPD_INPUT_INVALID: HTTP 400' }, { ok: false, reason: 'deterministic: CPD_INPUT_INVALID: HTTP 400', deterministic: true }],
    ['a stalled job is not deterministic (its worker died; it is retried)', 'failed', { failedReason: 'job stalled more than allowable limit' }, { ok: false, reason: 'job stalled more than allowable limit', deterministic: false }],
  ];
  for (const [name, state, job, expected] of cases) it(name, async () => assert.deepEqual(await readJobOutcome(queueAnswering(state, job).queue, 'live-1-2'), expected));

  it('reads the state before the job, never a job fetched before it finished', async () => {
    const { queue, calls } = queueAnswering('completed', { returnvalue: stats });
    await readJobOutcome(queue, 'live-1-2');
    assert.deepEqual(calls, ['getJobState', 'getJob']);
    const running = queueAnswering('active', { returnvalue: null });
    await readJobOutcome(running.queue, 'live-1-2');
    assert.deepEqual(running.calls, ['getJobState']);
  });
});

describe('rangeStatsOf', () => {
  it('keeps counters and refuses null, scalars and partial objects', () => {
    const stats = emptyStats();
    assert.equal(rangeStatsOf(stats), stats);
    for (const value of [null, undefined, 0, 'stats', { scanned: 1 }, { ...stats, matched: '2' }]) assert.equal(rangeStatsOf(value), undefined, JSON.stringify(value));
  });
});
