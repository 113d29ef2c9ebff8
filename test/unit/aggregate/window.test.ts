import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkCount, joinByCandidates, joinChunks, minJobCandidates, planChunks, planJobs } from '../../../src/aggregate/window.js';

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

describe('planJobs cuts a run into as many jobs as a worker runs at once, unless it is small', () => {
  const counts = (byHour: Record<number, number>) => (startMs: number) => byHour[startMs / hour] ?? 0;
  const even = (perHour: number) => Object.fromEntries(Array.from({ length: 24 }, (_, h) => [h, perHour]));
  const day = planChunks(0, 24 * hour, hour);
  const plan = (byHour: Record<number, number>, chunkCandidates: number, parallel: number) => planJobs(day, hour, counts(byHour), chunkCandidates, parallel);

  it('halves a day of 2,640 candidates (110 an hour) for two jobs at a time, and quarters it for four', () => {
    assert.deepEqual(plan(even(110), 20_000, 2), [12, 12]);
    assert.deepEqual(plan(even(110), 20_000, 4), [6, 6, 6, 6]);
  });

  it('cuts uneven counts where each job reaches its share', () => {
    // 100 an hour, but 1,000 in hour 3: 3,300 in all, 1,650 a job; the first job ends with hour 7 (1,700).
    assert.deepEqual(plan({ ...even(100), 3: 1_000 }, 20_000, 2), [8, 16]);
    // Everything in one hour: that hour ends the first job, the rest is the second.
    assert.deepEqual(plan({ 5: 5_000 }, 20_000, 2), [6, 18]);
    assert.deepEqual(plan({ 23: 5_000 }, 20_000, 3), [22, 1, 1]);
  });

  it('leaves a run of at most 1,000 candidates as joinByCandidates made it', () => {
    assert.equal(minJobCandidates, 1_000);
    assert.deepEqual(plan(even(40), 20_000, 2), [24]); // 960 candidates
    assert.deepEqual(plan({}, 20_000, 2), [24]);
  });

  it('keeps the jobs of backfill.chunkCandidates when they are already enough', () => {
    assert.deepEqual(plan(even(1_000), 5_000, 2), [5, 5, 5, 5, 4]);
    assert.deepEqual(plan(even(110), 20_000, 1), [24]);
  });

  it('never makes more jobs than chunks, and covers every chunk once, on random counts', () => {
    let seed = 11;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 500; i++) {
      const n = 1 + Math.floor(random() * 60);
      const byHour: Record<number, number> = {};
      for (let h = 0; h < n; h++) byHour[h] = Math.floor(random() ** 3 * 3_000);
      const parallel = 1 + Math.floor(random() * 8);
      const chunks = planChunks(0, n * hour, hour);
      const spans = planJobs(chunks, hour, counts(byHour), 20_000, parallel);
      assert.equal(spans.reduce((a, b) => a + b, 0), n);
      assert.ok(spans.every((s) => s >= 1));
      const total = Object.values(byHour).reduce((a, b) => a + b, 0);
      const joined = joinByCandidates(chunks, hour, counts(byHour), 20_000);
      // As many jobs as run at once, or the jobs of backfill.chunkCandidates when they are more.
      const expected = total > minJobCandidates ? Math.max(joined.length, Math.min(parallel, n)) : joined.length;
      assert.equal(spans.length, expected, `${total} candidates in ${n} hours, ${parallel} at a time: ${spans.join(',')}`);
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
