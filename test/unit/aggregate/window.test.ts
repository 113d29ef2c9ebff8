import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkCount, joinByCandidates, joinChunks, planChunks } from '../../../src/aggregate/window.js';

const hour = 3_600_000;

describe('chunkCount counts the chunks planChunks makes, without making them', () => {
  const cases: [name: string, fromMs: number, toMs: number, chunkMs: number, expected: number][] = [
    ['one aligned chunk', 0, hour, hour, 1],
    ['a range starting and ending mid-chunk', hour / 2, 2.5 * hour, hour, 3],
    ['a range inside one chunk', hour + 1, hour + 2, hour, 1],
    ['a range ending on a boundary', hour / 2, 2 * hour, hour, 2],
    ['times before 1970', -2.5 * hour, -hour / 2, hour, 3],
    ['an empty range', hour, hour, hour, 0],
    ['a reversed range', 2 * hour, hour, hour, 0],
  ];
  for (const [name, fromMs, toMs, chunkMs, expected] of cases) {
    it(name, () => {
      assert.equal(chunkCount(fromMs, toMs, chunkMs), expected);
      assert.equal(planChunks(fromMs, toMs, chunkMs).length, expected);
    });
  }

  it('agrees with planChunks on random ranges and chunk sizes', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2_000; i++) {
      const chunkMs = 1_000 + Math.floor(random() * 10 * hour);
      const fromMs = Math.floor((random() - 0.5) * 400 * hour);
      const toMs = fromMs + Math.floor(random() * 200 * chunkMs);
      assert.equal(chunkCount(fromMs, toMs, chunkMs), planChunks(fromMs, toMs, chunkMs).length, `${fromMs} .. ${toMs} by ${chunkMs}`);
    }
  });

  it('counts 1970 to 2100 in hours at once', () => {
    assert.equal(chunkCount(Date.parse('1970-01-01T00:00:00Z'), Date.parse('2100-01-01T00:00:00Z'), hour), 1_139_568);
  });
});

describe('joinByCandidates joins neighbouring chunks while their candidates stay within the target', () => {
  const counts = (byHour: Record<number, number>) => (startMs: number) => byHour[startMs / hour] ?? 0;
  const cases: [name: string, fromMs: number, toMs: number, byHour: Record<number, number>, target: number, expected: number[]][] = [
    ['a range with no candidates is one job', 0, 24 * hour, {}, 100, [24]],
    ['a few candidates per hour join into one job', 0, 24 * hour, Object.fromEntries(Array.from({ length: 24 }, (_, h) => [h, 4])), 100, [24]],
    ['jobs end before the hour that would pass the target', 0, 6 * hour, { 0: 40, 1: 40, 2: 40, 3: 40, 4: 40, 5: 40 }, 100, [2, 2, 2]],
    ['exactly the target still joins', 0, 4 * hour, { 0: 50, 1: 50, 2: 50, 3: 50 }, 100, [2, 2]],
    ['an hour over the target alone is a job of its own', 0, 5 * hour, { 0: 10, 1: 500, 2: 10, 3: 10 }, 100, [1, 1, 3]],
    ['a burst splits the quiet hours around it', 0, 6 * hour, { 2: 90, 3: 90 }, 100, [3, 3]],
    ['a target of 0 still makes a job of every hour with candidates', 0, 3 * hour, { 0: 1, 1: 1, 2: 1 }, 0, [1, 1, 1]],
    ['a range starting mid-hour counts the hour it starts in', hour / 2, 3 * hour, { 0: 60, 1: 60, 2: 10 }, 100, [1, 2]],
  ];
  for (const [name, fromMs, toMs, byHour, target, expected] of cases) {
    it(name, () => {
      const chunks = planChunks(fromMs, toMs, hour);
      const spans = joinByCandidates(chunks, hour, counts(byHour), target);
      assert.deepEqual(spans, expected);
      // The jobs cover the range exactly, contiguous, each on chunk boundaries.
      const jobs = joinChunks(chunks, spans);
      assert.equal(jobs[0]?.fromMs, fromMs);
      assert.equal(jobs.at(-1)?.toMs, toMs);
      for (let i = 1; i < jobs.length; i++) assert.equal(jobs[i]?.fromMs, jobs[i - 1]?.toMs);
    });
  }

  it('keeps every job within the target unless it is a single chunk, on random counts', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 500; i++) {
      const n = 1 + Math.floor(random() * 100);
      const byHour: Record<number, number> = {};
      for (let h = 0; h < n; h++) byHour[h] = Math.floor(random() ** 3 * 1_000);
      const target = Math.floor(random() * 2_000);
      const chunks = planChunks(0, n * hour, hour);
      const jobs = joinChunks(chunks, joinByCandidates(chunks, hour, counts(byHour), target));
      let total = 0;
      for (const job of jobs) {
        let sum = 0;
        for (let h = job.fromMs / hour; h < job.toMs / hour; h++) sum += byHour[h] ?? 0;
        total += sum;
        const hours = (job.toMs - job.fromMs) / hour;
        assert.ok(hours === 1 || sum <= target, `a job of ${hours} hours holds ${sum} candidates over the target ${target}`);
      }
      assert.equal(total, Object.values(byHour).reduce((a, b) => a + b, 0));
    }
  });
});

describe('joinChunks', () => {
  it('gives one job per chunk without spans', () => {
    const chunks = planChunks(0, 3 * hour, hour);
    assert.deepEqual(joinChunks(chunks, undefined), chunks);
  });

  it('refuses spans that do not add up to the plan (a stored plan of another chunk size)', () => {
    const chunks = planChunks(0, 3 * hour, hour);
    assert.throws(() => joinChunks(chunks, [2, 2]), /expected spans of whole chunks summing to 3, got 2 spans summing to 4/);
    assert.throws(() => joinChunks(chunks, [3, 0]), /summing to 3/);
  });
});
