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

  it('treats index patterns that match nothing as an empty source, not an error', async () => {
    let pages = 0;
    for await (const _ of scanHits(es, { indexPatterns: [`${index}-nothing-*`], query: { match_all: {} }, sourceIncludes: ['n'], pageSize: 5, keepAlive: '1m' })) pages += 1;
    assert.equal(pages, 0);
  });
});
