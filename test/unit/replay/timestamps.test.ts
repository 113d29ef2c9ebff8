import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findSlot, parseDate, parseSysmonUtcTime, setField, shiftDelta, shiftDocument } from '../../../src/replay/timestamps.js';

describe('parseDate accepts what Elasticsearch\'s default date format accepts', () => {
  const ok: [input: unknown, ms: number][] = [
    ['2026-11-01T10:00:00Z', Date.UTC(2026, 10, 1, 10)],
    ['2026-11-01T10:00:00.123Z', Date.UTC(2026, 10, 1, 10, 0, 0, 123)],
    ['2026-11-01T10:00:00.123456789Z', Date.UTC(2026, 10, 1, 10, 0, 0, 123)],
    ['2026-11-01T10:00:00', Date.UTC(2026, 10, 1, 10)],
    ['2026-11-01T10:00', Date.UTC(2026, 10, 1, 10)],
    ['2026-11-01', Date.UTC(2026, 10, 1)],
    ['2026-11-01T12:00:00+02:00', Date.UTC(2026, 10, 1, 10)],
    ['2026-11-01T05:30:00-0430', Date.UTC(2026, 10, 1, 10)],
    ['2026-11-01T10', Date.UTC(2026, 10, 1, 10)],
    ['2026-11-01T10:00:00,5Z', Date.UTC(2026, 10, 1, 10, 0, 0, 500)],
    [1793610130250, 1793610130250],
  ];
  for (const [input, ms] of ok) it(`reads ${JSON.stringify(input)}`, () => assert.equal(parseDate(input), ms));

  const bad: unknown[] = ['yesterday', '2026-11-01t10:00:00z', 'Nov 28 10:00:00', '2026-02-30T00:00:00Z', '2026-11-01T24:61:00Z', '2026-11-01 10:00:00', '', NaN, Infinity, null, undefined, {}, '2026-11-01T10:00:00Z'.padEnd(80, ' ')];
  for (const input of bad) it(`refuses ${JSON.stringify(input) ?? String(input)}`, () => assert.equal(parseDate(input), undefined));
});

describe('parseSysmonUtcTime reads yyyy-MM-dd HH:mm:ss.SSS as UTC', () => {
  it('reads a UtcTime', () => assert.equal(parseSysmonUtcTime('2022-07-29 17:30:12.345'), Date.UTC(2022, 6, 29, 17, 30, 12, 345)));
  for (const bad of ['2022-07-29 17:30:12', '2022-07-29T17:30:12.345', '2022-07-29 17:30:12.3456', '2022-13-29 17:30:12.345', '']) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.equal(parseSysmonUtcTime(bad), undefined));
  }
});

describe('shiftDelta moves the latest event to now', () => {
  const cases: [latest: number | undefined, now: number, delta: number][] = [
    [Date.UTC(2022, 6, 29, 17), Date.UTC(2026, 10, 28, 12), Date.UTC(2026, 10, 28, 12) - Date.UTC(2022, 6, 29, 17)],
    [1_000, 1_000, 0],
    [5_000, 2_000, -3_000],
    [undefined, 2_000, 0],
  ];
  for (const [latest, now, delta] of cases) it(`gives ${delta} for latest ${latest} and now ${now}`, () => assert.equal(shiftDelta(latest, now), delta));

  it('shifts by whole hours with an alignment of one hour, so the latest event lands in the last hour and keeps its minute', () => {
    const hour = 3_600_000;
    const latest = Date.parse('2026-11-02T14:27:50.000Z');
    const now = Date.parse('2026-12-04T21:05:00.000Z');
    const delta = shiftDelta(latest, now, hour);
    assert.equal(delta % hour, 0);
    assert.equal(new Date(latest + delta).toISOString(), '2026-12-04T20:27:50.000Z');
    assert.equal(shiftDelta(latest, Date.parse('2026-12-04T21:27:50.000Z'), hour) % hour, 0);
    assert.equal(new Date(latest + shiftDelta(latest, Date.parse('2026-12-04T21:27:50.000Z'), hour)).toISOString(), '2026-12-04T21:27:50.000Z');
  });

  it('keeps the spacing of events: every event moves by the same delta', () => {
    const times = ['2022-07-29T17:00:00.000Z', '2022-07-29T17:30:12.345Z', '2022-07-29T18:59:59.999Z'];
    const now = Date.UTC(2026, 10, 28, 12);
    const delta = shiftDelta(Math.max(...times.map(Date.parse)), now);
    const shifted = times.map((t) => {
      const doc: Record<string, unknown> = { '@timestamp': t };
      shiftDocument(doc, delta);
      return Date.parse(doc['@timestamp'] as string);
    });
    assert.equal(shifted[2], now, 'the latest event lands on now');
    assert.deepEqual(shifted.map((t, i) => t - Date.parse(times[i] as string)), [delta, delta, delta]);
  });
});

describe('shiftDocument moves @timestamp, event.created, event.start and event.end', () => {
  it('moves every date field present, nested or dotted, and keeps numbers as numbers', () => {
    const doc: Record<string, unknown> = {
      '@timestamp': '2026-11-01T10:00:00Z',
      event: { created: '2026-11-01T10:00:01.500Z', start: 1793527200000, ingested: '2026-11-01T10:00:02Z', original: '2026-11-01T10:00:00Z' },
      'event.end': '2026-11-01T11:00:00+01:00',
      process: { start: '2026-11-01T09:00:00Z' },
    };
    shiftDocument(doc, 3_600_000);
    assert.deepEqual(doc, {
      '@timestamp': '2026-11-01T11:00:00.000Z',
      event: { created: '2026-11-01T11:00:01.500Z', start: 1793530800000, ingested: '2026-11-01T10:00:02Z', original: '2026-11-01T10:00:00Z' },
      'event.end': '2026-11-01T11:00:00.000Z',
      process: { start: '2026-11-01T09:00:00Z' },
    });
  });

  it('leaves values that are not dates alone', () => {
    const doc: Record<string, unknown> = { '@timestamp': '2026-11-01T10:00:00Z', event: { created: 'soon' } };
    shiftDocument(doc, -1_000);
    assert.deepEqual(doc, { '@timestamp': '2026-11-01T09:59:59.000Z', event: { created: 'soon' } });
  });

  it('changes nothing for a zero delta', () => {
    const doc = { '@timestamp': '2026-11-01T10:00:00Z' };
    shiftDocument(doc, 0);
    assert.deepEqual(doc, { '@timestamp': '2026-11-01T10:00:00Z' });
  });
});

describe('setField writes where the document keeps the field', () => {
  const cases: [name: string, doc: Record<string, unknown>, expected: Record<string, unknown>][] = [
    ['creates nested objects', {}, { event: { ingested: 'now' } }],
    ['adds to an existing object', { event: { action: 'exec' } }, { event: { action: 'exec', ingested: 'now' } }],
    ['replaces an existing nested value', { event: { ingested: 'old' } }, { event: { ingested: 'now' } }],
    ['replaces an existing dotted key', { 'event.ingested': 'old', event: { action: 'x' } }, { 'event.ingested': 'now', event: { action: 'x' } }],
    ['uses a dotted key when a scalar sits in the way', { event: 'x' }, { event: 'x', 'event.ingested': 'now' }],
  ];
  for (const [name, doc, expected] of cases) {
    it(name, () => {
      setField(doc, 'event.ingested', 'now');
      assert.deepEqual(doc, expected);
    });
  }

  it('findSlot finds a value under a dotted prefix key', () => {
    const doc = { 'event.x': { ingested: 1 } };
    assert.deepEqual(findSlot({ event: { ingested: 1 } }, 'event.ingested')?.key, 'ingested');
    assert.equal(findSlot(doc, 'event.x.ingested')?.container, doc['event.x']);
  });
});
