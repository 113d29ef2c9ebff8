import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkCount, planChunks } from '../../../src/aggregate/window.js';

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
