import type { QueueDepth } from './metrics.js';
import type { QueueLabel, QueueState } from './names.js';

/** The part of a BullMQ Queue that queue depth reads. */
export interface CountingQueue {
  getJobCounts(...states: QueueState[]): Promise<Record<string, number>>;
}

const states: readonly QueueState[] = ['waiting', 'active', 'delayed', 'failed'];

/** Reads `cpd.queue.depth` from the BullMQ queues: one round trip per queue. */
export function queueDepthSource(queues: Readonly<Record<QueueLabel, CountingQueue>>): () => Promise<QueueDepth[]> {
  return async () => {
    const out: QueueDepth[] = [];
    for (const queue of Object.keys(queues) as QueueLabel[]) {
      const counts = await queues[queue].getJobCounts(...states);
      for (const state of states) out.push({ queue, state, count: counts[state] ?? 0 });
    }
    return out;
  };
}

/** Reads `cpd.cursor.lag`: seconds from the live cursor (epoch ms) to now; undefined without a cursor. */
export function cursorLagSource(readCursorMs: () => Promise<number | undefined>, now: () => number = Date.now): () => Promise<number | undefined> {
  return async () => {
    const cursor = await readCursorMs();
    return cursor === undefined ? undefined : (now() - cursor) / 1000;
  };
}
