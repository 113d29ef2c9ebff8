import type { EventGenerator, GeneratedEvent } from './generator.js';
import type { ChaosOptions } from './options.js';
import { seeded } from '../../test/support/random.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** The historical range: the `hours` before the start of the current UTC day. */
export function historyRange(hours: number, nowMs = Date.now()): { fromMs: number; toMs: number } {
  const dayStart = Math.floor(nowMs / 86_400_000) * 86_400_000;
  return { fromMs: dayStart - hours * 3_600_000, toMs: dayStart };
}

/** The historical events: spread evenly over the range, plus each malformed case `malformedPerCase` times. */
export function historyEvents(gen: EventGenerator, o: ChaosOptions, range: { fromMs: number; toMs: number }): GeneratedEvent[] {
  const out: GeneratedEvent[] = [];
  const span = range.toMs - range.fromMs;
  for (let i = 0; i < o.history.events; i++) out.push(gen.onTime('history', range.fromMs + Math.floor(((i + 0.5) * span) / o.history.events)));
  const r = seeded(o.seed + 7);
  for (const c of gen.cases) for (let k = 0; k < o.history.malformedPerCase; k++) out.push(gen.malformed(c, 'history', range.fromMs + r.int(0, span - 1)));
  return out;
}


/**
 * The live stream: on-time events at a steady rate (event time = now; the indexer stamps
 * event.ingested when it sends), late and very late events mixed in, and the malformed cases
 * at fixed moments. Keeps generating whatever Elasticsearch does; stops at `t0 + durationMs`.
 */
export async function runStream(
  gen: EventGenerator,
  sink: { push(events: readonly GeneratedEvent[]): void },
  o: ChaosOptions,
  t0: number,
  range: { fromMs: number; toMs: number },
  signal?: AbortSignal,
): Promise<void> {
  const r = seeded(o.seed + 13);
  const { durationMs, eventsPerSecond, lateRate, lateMaxAgoMs, veryLateRate, malformedPerCase } = o.stream;
  const schedule = gen.cases
    .flatMap((c) => Array.from({ length: malformedPerCase }, () => ({ atMs: r.int(Math.floor(durationMs * 0.05), Math.floor(durationMs * 0.9)), c })))
    .sort((a, b) => a.atMs - b.atMs);
  let emitted = 0;
  for (;;) {
    const now = Date.now();
    const elapsed = now - t0;
    if (elapsed >= durationMs || signal?.aborted === true) break;
    const batch: GeneratedEvent[] = [];
    const due = Math.floor((elapsed / 1000) * eventsPerSecond);
    for (; emitted < due; emitted++) {
      batch.push(gen.onTime('live', now));
      if (r.chance(lateRate)) batch.push(gen.late(now, r.int(60_000, lateMaxAgoMs)));
      if (r.chance(veryLateRate)) batch.push(gen.veryLate(r.int(range.fromMs, range.toMs - 1)));
    }
    while (schedule.length > 0 && (schedule[0]?.atMs ?? Infinity) <= elapsed) {
      const next = schedule.shift();
      if (next !== undefined) batch.push(gen.malformed(next.c, 'live', now));
    }
    sink.push(batch);
    await sleep(100);
  }
}
