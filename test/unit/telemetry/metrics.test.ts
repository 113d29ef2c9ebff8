import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyStats, type RangeStats } from '../../../src/aggregate/processor.js';
import { createMetrics, jobDurationBuckets, type QueueDepth } from '../../../src/telemetry/metrics.js';
import { attributeNames as A, metricNames as M } from '../../../src/telemetry/names.js';
import { inMemoryMeter, pointsOf } from './in-memory.js';

function stats(partial: Partial<RangeStats>): RangeStats {
  return { ...emptyStats(), ...partial };
}

const sample = stats({
  scanned: 120,
  matched: 7,
  suppressed: 2,
  suppressedBy: { 'ci runners': 2 },
  skipped: 5,
  skippedBy: { no_timestamp: 1, not_exec_action: 3, no_process_fields: 1 },
  groups: 3,
  findingsWritten: 3,
  findingsSuperseded: 1,
  findingsDropped: 2,
  findingsUnchanged: 4,
});

describe('createMetrics records a processed range under the documented names, units and attributes', () => {
  it('adds each counter of a live range with cpd.job.kind=live and the unit of what it counts', async () => {
    const m = inMemoryMeter();
    createMetrics(m.meter).recordRange('live', sample);
    const points = await m.collect();
    const one = (name: string) => pointsOf(points, name).map((p) => ({ unit: p.unit, attributes: p.attributes, value: p.value }));
    const live = { [A.jobKind]: 'live' };
    assert.deepEqual(one(M.eventsScanned), [{ unit: '{event}', attributes: live, value: 120 }]);
    assert.deepEqual(one(M.eventsMatched), [{ unit: '{event}', attributes: live, value: 7 }]);
    assert.deepEqual(one(M.eventsSuppressed), [{ unit: '{event}', attributes: live, value: 2 }]);
    assert.deepEqual(one(M.findingsWritten), [{ unit: '{finding}', attributes: live, value: 3 }]);
    assert.deepEqual(one(M.findingsSuperseded), [{ unit: '{finding}', attributes: live, value: 1 }]);
    assert.deepEqual(one(M.findingsUnchanged), [{ unit: '{finding}', attributes: live, value: 4 }]);
    assert.deepEqual(one(M.findingsWriteFailures), [{ unit: '{finding}', attributes: { [A.failureReason]: 'dropped' }, value: 2 }]);
  });

  it('splits skipped events by cpd.skip.reason, one series per known reason', async () => {
    const m = inMemoryMeter();
    createMetrics(m.meter).recordRange('backfill', sample);
    const skipped = pointsOf(await m.collect(), M.eventsSkipped).map((p) => [p.attributes[A.skipReason], p.attributes[A.jobKind], p.value]);
    assert.deepEqual(skipped, [
      ['no_process_fields', 'backfill', 1],
      ['no_timestamp', 'backfill', 1],
      ['not_exec_action', 'backfill', 3],
    ]);
  });

  it('records an unknown skip reason, and skipped events missing from the breakdown, as other', async () => {
    const m = inMemoryMeter();
    const odd = stats({ skipped: 6, skippedBy: { no_timestamp: 1, 'a-new-reason': 2 } as RangeStats['skippedBy'] });
    createMetrics(m.meter).recordRange('live', odd);
    const skipped = pointsOf(await m.collect(), M.eventsSkipped).map((p) => [p.attributes[A.skipReason], p.value]);
    assert.deepEqual(skipped, [
      ['no_timestamp', 1],
      ['other', 5],
    ]);
  });

  it('never creates a series from a suppression reason (user text is not a bounded label)', async () => {
    const m = inMemoryMeter();
    createMetrics(m.meter).recordRange('live', sample);
    for (const p of await m.collect()) assert.ok(!Object.values(p.attributes).includes('ci runners'), `${p.name} carries the suppression reason`);
  });

  it('sums ranges into the same series and keeps live and backfill apart', async () => {
    const m = inMemoryMeter();
    const metrics = createMetrics(m.meter);
    metrics.recordRange('live', stats({ scanned: 10 }));
    metrics.recordRange('live', stats({ scanned: 5 }));
    metrics.recordRange('backfill', stats({ scanned: 1 }));
    const scanned = pointsOf(await m.collect(), M.eventsScanned).map((p) => [p.attributes[A.jobKind], p.value]);
    assert.deepEqual(scanned, [
      ['backfill', 1],
      ['live', 15],
    ]);
  });
});

describe('createMetrics counts write failures with a bounded cpd.failure.reason', () => {
  it('counts findings per reason and maps an unknown reason to other', async () => {
    const m = inMemoryMeter();
    const metrics = createMetrics(m.meter);
    metrics.recordWriteFailure('retry_exhausted', 4);
    metrics.recordWriteFailure('unavailable');
    metrics.recordWriteFailure('disk on fire' as never, 2);
    const failures = pointsOf(await m.collect(), M.findingsWriteFailures).map((p) => [p.attributes[A.failureReason], p.value]);
    assert.deepEqual(failures, [
      ['other', 2],
      ['retry_exhausted', 4],
      ['unavailable', 1],
    ]);
  });

  it('ignores negative and non-finite counts instead of corrupting a monotonic counter', async () => {
    const m = inMemoryMeter();
    const metrics = createMetrics(m.meter);
    metrics.recordWriteFailure('unavailable', -1);
    metrics.recordWriteFailure('unavailable', Number.NaN);
    assert.deepEqual(pointsOf(await m.collect(), M.findingsWriteFailures), []);
  });
});

describe('createMetrics records job durations in seconds', () => {
  it('records cpd.job.duration as a histogram in s with kind and outcome, on the documented buckets', async () => {
    const m = inMemoryMeter();
    const metrics = createMetrics(m.meter);
    metrics.recordJob('live', 'ok', 0.2);
    metrics.recordJob('live', 'ok', 0.3);
    metrics.recordJob('backfill', 'error', 42);
    const points = pointsOf(await m.collect(), M.jobDuration);
    assert.deepEqual(
      points.map((p) => [p.unit, p.attributes[A.jobKind], p.attributes[A.jobOutcome]]),
      [
        ['s', 'backfill', 'error'],
        ['s', 'live', 'ok'],
      ],
    );
    const live = points[1]?.value as { count: number; sum: number; buckets: { boundaries: number[] } };
    assert.equal(live.count, 2);
    assert.ok(Math.abs(live.sum - 0.5) < 1e-9);
    assert.deepEqual(live.buckets.boundaries, jobDurationBuckets);
  });

  it('times a job with startJob and records it once, however often the end is reported', async () => {
    const m = inMemoryMeter();
    const done = createMetrics(m.meter).startJob('backfill');
    await new Promise((r) => setTimeout(r, 20));
    done('ok');
    done('error');
    const points = pointsOf(await m.collect(), M.jobDuration);
    assert.equal(points.length, 1);
    const h = points[0]?.value as { count: number; sum: number };
    assert.equal(h.count, 1);
    assert.ok(h.sum >= 0.015 && h.sum < 5, `duration ${h.sum} s`);
  });
});

describe('createMetrics observes the cursor lag and queue depth gauges', () => {
  const depths: QueueDepth[] = [
    { queue: 'live', state: 'waiting', count: 3 },
    { queue: 'backfill', state: 'failed', count: 1 },
  ];

  it('observes cpd.cursor.lag in s and cpd.queue.depth per queue and state', async () => {
    const m = inMemoryMeter();
    createMetrics(m.meter).observeGauges({ cursorLagSeconds: async () => 12.5, queueDepths: async () => depths });
    const points = await m.collect();
    assert.deepEqual(
      pointsOf(points, M.cursorLag).map((p) => [p.unit, p.value, p.attributes]),
      [['s', 12.5, {}]],
    );
    assert.deepEqual(
      pointsOf(points, M.queueDepth).map((p) => [p.unit, p.attributes, p.value]),
      [
        ['{job}', { [A.queue]: 'backfill', [A.queueState]: 'failed' }, 1],
        ['{job}', { [A.queue]: 'live', [A.queueState]: 'waiting' }, 3],
      ],
    );
  });

  it('leaves the lag out before the first live window (no cursor) and clamps a cursor ahead of now to 0', async () => {
    const m = inMemoryMeter();
    let lag: number | undefined;
    createMetrics(m.meter).observeGauges({ cursorLagSeconds: async () => lag, queueDepths: async () => [] }, { minRefreshMs: 0 });
    assert.deepEqual(pointsOf(await m.collect(), M.cursorLag), []);
    lag = -3;
    assert.deepEqual(pointsOf(await m.collect(), M.cursorLag).map((p) => p.value), [0]);
  });

  it('reuses a value read less than minRefreshMs ago, so two collections cost one read', async () => {
    const m = inMemoryMeter();
    let clock = 1_000;
    let reads = 0;
    createMetrics(m.meter).observeGauges(
      { cursorLagSeconds: async () => ++reads, queueDepths: async () => [] },
      { minRefreshMs: 5_000, now: () => clock },
    );
    assert.deepEqual(pointsOf(await m.collect(), M.cursorLag).map((p) => p.value), [1]);
    clock += 4_000;
    assert.deepEqual(pointsOf(await m.collect(), M.cursorLag).map((p) => p.value), [1]);
    clock += 2_000;
    assert.deepEqual(pointsOf(await m.collect(), M.cursorLag).map((p) => p.value), [2]);
    assert.equal(reads, 2);
  });

  it('skips a gauge whose read fails or hangs, reports why, and still observes the other', async () => {
    const m = inMemoryMeter();
    const errors: string[] = [];
    createMetrics(m.meter).observeGauges(
      { cursorLagSeconds: () => new Promise(() => undefined), queueDepths: async () => Promise.reject(new Error('redis down')) },
      { timeoutMs: 50, onError: (err, gauge) => errors.push(`${gauge}: ${(err as Error).message}`) },
    );
    const points = await m.collect();
    assert.deepEqual(pointsOf(points, M.cursorLag), []);
    assert.deepEqual(pointsOf(points, M.queueDepth), []);
    assert.deepEqual(errors.sort(), [`${M.cursorLag}: reading ${M.cursorLag} took longer than 50 ms`, `${M.queueDepth}: redis down`]);
  });

  it('stops reading the sources after stop()', async () => {
    const m = inMemoryMeter();
    let reads = 0;
    const gauges = createMetrics(m.meter).observeGauges({ cursorLagSeconds: async () => ++reads, queueDepths: async () => depths }, { minRefreshMs: 0 });
    await m.collect();
    gauges.stop();
    await m.collect();
    await m.collect();
    assert.equal(reads, 1);
  });
});

describe('createMetrics without an SDK', () => {
  it('records through the no-op global meter without throwing', () => {
    const metrics = createMetrics();
    metrics.recordRange('live', sample);
    metrics.recordJob('live', 'ok', 1);
    metrics.recordWriteFailure('unavailable');
    metrics.observeGauges({ cursorLagSeconds: async () => 1, queueDepths: async () => [] }).stop();
  });
});
