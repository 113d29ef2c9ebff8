import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Queue } from 'bullmq';
import { cursorLagSource, queueDepthSource, type CountingQueue } from '../../../src/telemetry/sources.js';

// Checked by the type-check `npm test` runs, not at run time: a BullMQ Queue is a
// CountingQueue, so app.ts can pass its queues as they are (this line fails to compile otherwise).
const queueIsCounting: Queue extends CountingQueue ? true : false = true;
void queueIsCounting;

describe('gauge sources', () => {

  it('reads waiting, active, delayed and failed of each queue, 0 for a state BullMQ leaves out', async () => {
    const asked: string[][] = [];
    const queue = (counts: Record<string, number>): CountingQueue => ({
      getJobCounts: async (...states) => {
        asked.push(states);
        return counts;
      },
    });
    const read = queueDepthSource({ live: queue({ waiting: 2, active: 1, delayed: 0, failed: 0 }), backfill: queue({ waiting: 40, active: 1, failed: 3 }) });
    assert.deepEqual(await read(), [
      { queue: 'live', state: 'waiting', count: 2 },
      { queue: 'live', state: 'active', count: 1 },
      { queue: 'live', state: 'delayed', count: 0 },
      { queue: 'live', state: 'failed', count: 0 },
      { queue: 'backfill', state: 'waiting', count: 40 },
      { queue: 'backfill', state: 'active', count: 1 },
      { queue: 'backfill', state: 'delayed', count: 0 },
      { queue: 'backfill', state: 'failed', count: 3 },
    ]);
    assert.deepEqual(asked, [
      ['waiting', 'active', 'delayed', 'failed'],
      ['waiting', 'active', 'delayed', 'failed'],
    ]);
  });

  it('turns the cursor into seconds behind now, and no cursor into no value', async () => {
    assert.equal(await cursorLagSource(async () => 1_000, () => 91_000)(), 90);
    assert.equal(await cursorLagSource(async () => undefined, () => 91_000)(), undefined);
  });
});
