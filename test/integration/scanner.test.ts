import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { scanHits } from '../../src/source/elasticsearch-scanner.js';
import { testEsClient, uniqueName } from '../helpers/services.js';

// Needs: a real Elasticsearch (point in time, search_after).

async function openContexts(es: Client): Promise<number> {
  const stats = await es.nodes.stats({ metric: 'indices', index_metric: 'search' });
  return Object.values(stats.nodes).reduce((n, node) => n + (node.indices?.search?.open_contexts ?? 0), 0);
}

describe('scanHits', () => {
  let es: Client;
  const index = uniqueName('cpd-scan');

  before(async () => {
    es = testEsClient();
    const operations = Array.from({ length: 25 }, (_, i) => [{ index: { _index: index, _id: `d${i}` } }, { n: i, keep: 'x', drop: 'y' }]).flat();
    await es.bulk({ operations, refresh: 'wait_for' });
  });
  after(async () => {
    await es.indices.delete({ index, ignore_unavailable: true });
    await es.close();
  });

  it('reads every matching document exactly once across pages, with only the requested fields', async () => {
    const pages: number[] = [];
    const seen: string[] = [];
    for await (const page of scanHits(es, { indexPatterns: [index, `${index}-missing-*`], query: { range: { n: { gte: 3 } } }, sourceIncludes: ['n', 'keep'], pageSize: 7, keepAlive: '1m' })) {
      pages.push(page.length);
      for (const h of page) {
        assert.deepEqual(Object.keys(h.source as object).sort(), ['keep', 'n']);
        seen.push(h.id);
      }
    }
    assert.deepEqual(pages, [7, 7, 7, 1]);
    assert.deepEqual(seen.sort(), Array.from({ length: 22 }, (_, i) => `d${i + 3}`).sort());
  });

  it('closes its point in time when the reader stops early, with a page still in flight', async () => {
    const before = await openContexts(es);
    for await (const page of scanHits(es, { indexPatterns: [index], query: { match_all: {} }, sourceIncludes: ['n'], pageSize: 5, keepAlive: '1m' })) {
      assert.equal(page.length, 5);
      assert.ok((await openContexts(es)) > before, 'the point in time is open while reading');
      break;
    }
    assert.equal(await openContexts(es), before);
  });

  it('still reads every document of a shard that holds one stored with invalid UTF-8', async () => {
    const bad = `${index}-utf8`;
    // An object that is not indexed is stored without being parsed, as some producers' raw fields are.
    await es.indices.create({ index: bad, settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: { properties: { raw: { type: 'object', enabled: false } } } });
    // Raw bytes ED A0 80 (a UTF-8-encoded surrogate): Elasticsearch stores them, but cannot
    // re-parse the source to filter it.
    const body = Buffer.concat([Buffer.from('{"n":1,"raw":{"x":"bad-'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}}')]);
    const { esUrl } = await import('../helpers/services.js');
    const res = await fetch(`${esUrl}/${bad}/_doc/raw?refresh=true`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
    assert.ok(res.ok, await res.text());
    await es.index({ index: bad, id: 'good', document: { n: 2, keep: 'fine' }, refresh: 'wait_for' });
    const ids: string[] = [];
    for await (const page of scanHits(es, { indexPatterns: [bad], query: { match_all: {} }, sourceIncludes: ['n', 'raw'], pageSize: 10, keepAlive: '1m' })) {
      for (const h of page) ids.push(h.id);
    }
    assert.deepEqual(ids.sort(), ['good', 'raw']);
  });

  it('shrinks its pages under maxResponseBytes and reads a document too large alone by its small fields, marked partial', async () => {
    const big = `${index}-big`;
    await es.indices.create({ index: big, settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: { properties: { line: { type: 'keyword', index: false, doc_values: false } } } });
    // 40 small documents and, in the middle, one whose line alone is over the limit.
    const docs = Array.from({ length: 41 }, (_, i) => ({ id: `s${String(i).padStart(2, '0')}`, doc: { n: i, line: i === 20 ? 'x'.repeat(300_000) : `curl ${i}` } }));
    await es.bulk({ operations: docs.flatMap((d) => [{ index: { _index: big, _id: d.id } }, d.doc]), refresh: 'wait_for' });
    const seen = new Map<string, { partial: boolean; keys: string[] }>();
    const pages: number[] = [];
    for await (const page of scanHits(es, {
      indexPatterns: [big],
      query: { match_all: {} },
      sourceIncludes: ['n', 'line'],
      fallbackIncludes: ['n'],
      maxResponseBytes: 100_000,
      pageSize: 16,
      keepAlive: '1m',
    })) {
      pages.push(page.length);
      for (const h of page) {
        assert.ok(!seen.has(h.id), `${h.id} read twice`);
        seen.set(h.id, { partial: h.partial === true, keys: Object.keys(h.source as object).sort() });
      }
    }
    assert.equal(seen.size, 41, 'every document read once, the huge one included');
    assert.deepEqual(seen.get('s20'), { partial: true, keys: ['n'] });
    for (const [id, v] of seen) if (id !== 's20') assert.deepEqual(v, { partial: false, keys: ['line', 'n'] }, id);
    assert.ok(pages.includes(1), `the huge document came alone: ${JSON.stringify(pages)}`);
    assert.ok(Math.max(...pages.slice(pages.indexOf(1) + 1)) > 1, `pages grew again after it: ${JSON.stringify(pages)}`);
  });

  it('treats index patterns that match nothing as an empty source, not an error', async () => {
    let pages = 0;
    for await (const _ of scanHits(es, { indexPatterns: [`${index}-nothing-*`], query: { match_all: {} }, sourceIncludes: ['n'], pageSize: 5, keepAlive: '1m' })) pages += 1;
    assert.equal(pages, 0);
  });
});
