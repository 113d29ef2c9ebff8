import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BackfillRecord } from '../../../src/aggregate/backfill.js';
import { createdLine, describe as describeBackfill } from '../../../src/cli/commands/backfill.js';
import { progressLine } from '../../../src/cli/progress.js';

const stats = (matched: number) => ({ scanned: matched * 10, matched, suppressed: 0, skipped: 0, findingsWritten: matched, findingsDropped: 0 });
const record = (over: Partial<BackfillRecord> = {}): BackfillRecord => ({
  id: 'bf-0123456789ab',
  fromMs: Date.parse('2026-11-01T00:00:00Z'),
  toMs: Date.parse('2026-11-02T00:00:00Z'),
  indexPatterns: ['logs-*'],
  chunkMs: 3_600_000,
  chunks: 24,
  run: 1,
  chunksDone: 0,
  chunksQuarantined: 0,
  status: 'scheduled',
  createdAtMs: 0,
  startAtMs: 0,
  startedAtMs: undefined,
  finishedAtMs: undefined,
  stats: stats(0),
  previousRun: undefined,
  ...over,
});
const range = '2026-11-01T00:00:00.000Z .. 2026-11-02T00:00:00.000Z in 24 chunk(s)';

describe('backfill command lines', () => {
  it('says whether it created, rescanned or resumed the backfill', () => {
    assert.equal(createdLine(record(), 'created', 24, false), `created backfill bf-0123456789ab: ${range}, 24 queued`);
    const previousRun = { run: 1, chunksDone: 24, chunksQuarantined: 0, startedAtMs: 1, finishedAtMs: 2, stats: stats(6) };
    assert.equal(
      createdLine(record({ run: 2, previousRun }), 'rescanning', 24, false),
      `rescanning finished backfill bf-0123456789ab (run 2): ${range}, 24 queued; run 1 had 24 chunk(s) done, scanned 60, matches 6, findings 6`,
    );
    assert.equal(createdLine(record({ chunksDone: 20, chunksQuarantined: 1 }), 'resuming', 3, false), `resuming unfinished backfill bf-0123456789ab (run 1): ${range}, 3 queued, 20 done, 1 quarantined`);
    assert.equal(createdLine(record({ chunksDone: 5 }), 'resuming-cancelled', 19, false), `resuming cancelled backfill bf-0123456789ab (run 1): ${range}, 19 queued, 5 done`);
  });

  it('lists a rescanned backfill with its run and the previous run on a second line', () => {
    const previousRun = { run: 1, chunksDone: 24, chunksQuarantined: 2, startedAtMs: 1, finishedAtMs: Date.parse('2026-12-01T10:00:00Z'), stats: stats(6) };
    const text = describeBackfill(record({ run: 2, status: 'running', chunksDone: 3, stats: stats(1), previousRun }), 0);
    const [current, previous] = text.split('\n');
    assert.match(current ?? '', /^bf-0123456789ab {2}running {3}.* {2}run 2 {2}chunks 3\/24 {2}scanned 10 {2}matches 1 /);
    assert.equal(previous, '  previous run 1 finished 2026-12-01T10:00:00.000Z: chunks 24/24  quarantined 2  scanned 60  matches 6  suppressed 0  findings 6');
    assert.doesNotMatch(describeBackfill(record(), 0), /run 1|\n/, 'a first run shows no run number and no second line');
  });

  it('gives the run, and the previous run, in the JSON line', () => {
    const previousRun = { run: 1, chunksDone: 24, chunksQuarantined: 0, startedAtMs: 1, finishedAtMs: undefined, stats: stats(6) };
    const line = progressLine(record({ run: 2, previousRun }), 0);
    assert.equal(line.run, 2);
    assert.deepEqual(line.previous_run, { run: 1, finished: null, chunks_done: 24, chunks_quarantined: 0, scanned: 60, matched: 6, suppressed: 0, skipped: 0, findings: 6, dropped: 0 });
    assert.equal('previous_run' in progressLine(record(), 0), false);
  });
});
