import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GroupEvent } from '../../../src/aggregate/group-store.js';
import { metaFromFinding, seedEventsFromFinding, unlistedEventCount } from '../../../src/aggregate/seed.js';
import { encodeFinding, type FindingInput } from '../../../src/sink/encode.js';
import { BARE_INPUT, DEFEND_INPUT, DEFEND_REFS, FULL_INPUT, SPLUNK_INPUT } from '../sink/finding-inputs.js';

/** A finding as Elasticsearch returns it: the encoded document through JSON. */
function stored(input: FindingInput): unknown {
  return JSON.parse(JSON.stringify(encodeFinding(input)));
}

const inputs: [name: string, input: FindingInput][] = [
  ['an Elastic Defend finding', DEFEND_INPUT],
  ['a finding with every optional field', FULL_INPUT],
  ['a splunk-mode finding', SPLUNK_INPUT],
  ['a finding with nothing known', BARE_INPUT],
];

describe('seedEventsFromFinding rebuilds a group\'s events from its stored finding', () => {
  it('gives the earliest event with its time and metadata, the latest with its time, then every listed ref', () => {
    const doc = stored(DEFEND_INPUT);
    const expected: GroupEvent[] = [
      { refKey: DEFEND_REFS[0], time: DEFEND_INPUT.state.firstMs, metaJson: JSON.stringify(metaFromFinding(doc)) },
      { refKey: DEFEND_REFS[2], time: DEFEND_INPUT.state.lastMs, metaJson: '' },
      { refKey: DEFEND_REFS[0], time: '', metaJson: '' },
      { refKey: DEFEND_REFS[1], time: '', metaJson: '' },
      { refKey: DEFEND_REFS[2], time: '', metaJson: '' },
    ];
    assert.deepEqual(seedEventsFromFinding(doc), expected);
  });

  for (const [name, input] of inputs) {
    it(`round-trips the first and last refs and times of ${name}`, () => {
      const events = seedEventsFromFinding(stored(input));
      const timed = events.filter((e) => e.time !== '');
      assert.deepEqual(
        timed.map((e) => [e.refKey, e.time]),
        [
          [input.state.firstRef, input.state.firstMs],
          [input.state.lastRef, input.state.lastMs],
        ],
      );
    });

    it(`counts every listed ref of ${name}`, () => {
      const refs = new Set(seedEventsFromFinding(stored(input)).map((e) => e.refKey));
      assert.deepEqual([...refs].sort(), [...new Set([input.state.firstRef, input.state.lastRef, ...input.eventRefs])].sort());
    });
  }

  it('puts the metadata only on the earliest event', () => {
    const events = seedEventsFromFinding(stored(FULL_INPUT));
    assert.notEqual(events[0]?.metaJson, '');
    assert.deepEqual(events.slice(1).map((e) => e.metaJson), events.slice(1).map(() => ''));
  });

  const odd: [name: string, doc: unknown, expected: GroupEvent[]][] = [
    ['nothing for undefined', undefined, []],
    ['nothing for null', null, []],
    ['nothing for a document without finding', { event: { kind: 'alert' } }, []],
    ['nothing for an empty finding', { finding: {} }, []],
    [
      'only the listed refs when the first and last events are missing',
      { finding: { events: [{ index: 'i', id: 'a' }] } },
      [{ refKey: 'i|a', time: '', metaJson: '' }],
    ],
    [
      'no timed event when the times are not dates',
      { finding: { first_event: { index: 'i', id: 'a' }, last_event: { index: 'i', id: 'b' }, first_time: 'soon', last_time: 42 } },
      [],
    ],
    [
      'no event for refs whose index or id is not a string',
      { finding: { events: [{ index: 'i' }, { id: 'x' }, { index: 1, id: 'y' }, null, 'i|z', { index: 'i', id: 'ok' }] } },
      [{ refKey: 'i|ok', time: '', metaJson: '' }],
    ],
    ['no listed refs when events is not an array', { finding: { events: { index: 'i', id: 'a' } } }, []],
  ];
  for (const [name, doc, expected] of odd) {
    it(`gives ${name}`, () => {
      assert.deepEqual(seedEventsFromFinding(doc), expected);
    });
  }

  // Regression (fixed; src/aggregate/seed.ts seedEventsFromFinding, unlistedEventCount, with processor.ts): the count of the stored
  // finding is not carried over: a group re-seeded from a finding whose event list was cut at
  // aggregate.maxEventRefs (events_truncated: true) restarts at (listed refs + first/last), not
  // at finding.count. Its next write then has a lower version than the stored document and is
  // rejected as 409 superseded, so late events of a busy group are lost from the finding.
  it('keeps the stored count when the finding\'s event list was truncated', () => {
    const input: FindingInput = { ...DEFEND_INPUT, state: { ...DEFEND_INPUT.state, count: 1_500 }, eventRefs: DEFEND_REFS.slice(0, 2) };
    const doc = stored(input);
    const listed = new Set(seedEventsFromFinding(doc).map((e) => e.refKey)).size;
    assert.equal(listed + unlistedEventCount(doc), 1_500, `seeding lists ${listed} refs and carries ${unlistedEventCount(doc)} unlisted ones; the finding says 1500`);
  });
});

describe('metaFromFinding recovers the metadata the finding was written with', () => {
  for (const [name, input] of inputs) {
    it(`re-encodes ${name} to an identical document`, () => {
      const doc = stored(input);
      const again = encodeFinding({ ...input, state: { ...input.state, meta: metaFromFinding(doc) } });
      assert.deepEqual(again, encodeFinding(input));
    });

    it(`survives the JSON round trip through the seed metadata of ${name}`, () => {
      const doc = stored(input);
      const first = seedEventsFromFinding(doc)[0];
      assert.ok(first !== undefined && first.metaJson !== '');
      assert.deepEqual(JSON.parse(first.metaJson), metaFromFinding(doc));
    });
  }

  it('recovers the mode, reason, source kind and proxies of an argv-mode finding', () => {
    const meta = metaFromFinding(stored(DEFEND_INPUT));
    assert.equal(meta.mode, 'argv');
    assert.equal(meta.reason, 'curl uses a proxy: -x socks5h://10.0.0.5:1080.');
    assert.equal(meta.sourceKind, 'elastic_defend');
    assert.deepEqual(meta.proxies, DEFEND_INPUT.state.meta?.proxies);
  });

  it('recovers null scheme, host and port for splunk-mode proxies', () => {
    const meta = metaFromFinding(stored(SPLUNK_INPUT));
    assert.equal(meta.mode, 'splunk');
    assert.deepEqual(meta.proxies, SPLUNK_INPUT.state.meta?.proxies);
  });

  it('recovers the CIM fields the document carries: the group, both paths, the parent command line and the original file name', () => {
    assert.deepEqual(metaFromFinding(stored(FULL_INPUT)).cim, FULL_INPUT.state.meta?.cim);
  });

  it('falls back to argv mode, an empty reason and the ecs source kind for a bare document', () => {
    assert.deepEqual(metaFromFinding({}), { cim: {}, sourceKind: 'ecs', mode: 'argv', reason: '', proxies: [] });
  });

  it('reads an unknown mode as argv', () => {
    assert.equal(metaFromFinding({ finding: { mode: 'regex' } }).mode, 'argv');
  });
});
