import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redisKeys } from '../../../src/aggregate/redis-keys.js';

/** The part of a key Redis Cluster hashes: the first non-empty `{...}`, else the whole key. */
function hashPart(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('redisKeys', () => {
  it('keeps the names of earlier releases on a single Redis, so an upgrade finds its state in flight', () => {
    const k = redisKeys('cpd');
    assert.equal(k.bullPrefix, 'cpd:bull');
    assert.equal(k.backfill('bf-1'), 'cpd:backfill:bf-1');
    assert.equal(k.groupState('f1'), 'cpd:agg:{f1}');
    assert.equal(k.groupEvents('f1'), 'cpd:agg:{f1}:ev');
    assert.equal(k.liveCursor, 'cpd:live:cursor');
  });

  it('puts the keys each script takes together in one cluster slot', () => {
    const k = redisKeys('cpd', { cluster: true });
    assert.equal(hashPart(k.groupState('f1')), hashPart(k.groupEvents('f1')));
    const hash = k.backfill('bf-1');
    assert.equal(hashPart(hash), 'bf-1');
    assert.equal(hashPart(`${hash}:done`), hashPart(hash));
    assert.equal(hashPart(`${hash}:quarantined`), hashPart(hash));
    // BullMQ builds `<prefix>:<queue>:<suffix>`: one tag for every key of every queue.
    assert.equal(hashPart(`${k.bullPrefix}:live-windows:wait`), hashPart(`${k.bullPrefix}:live-windows:active`));
    assert.equal(hashPart(`${k.bullPrefix}:live-windows:wait`), 'cpd:bull');
  });

  it('spreads different groups and backfills over slots on a cluster', () => {
    const k = redisKeys('cpd', { cluster: true });
    assert.notEqual(hashPart(k.groupState('f1')), hashPart(k.groupState('f2')));
    assert.notEqual(hashPart(k.backfill('a')), hashPart(k.backfill('b')));
  });
});
