import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { Queue, QueueEvents, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { deleteKeys, redisUrl, testEsClient, testRedis, uniqueName } from '../helpers/services.js';

// Proves the harness: a real Elasticsearch and a real Redis answer the official clients.
// Needs only server-core features (no wildcard type, ILM, painless or data-stream APIs).

describe('the real Elasticsearch started for the tests', () => {
  let es: Client;
  const index = uniqueName('cpd-harness');
  const template = uniqueName('cpd-harness-tpl');

  before(() => {
    es = testEsClient();
  });
  after(async () => {
    await es.indices.delete({ index: `${index}*`, ignore_unavailable: true, allow_no_indices: true });
    await es.indices.deleteIndexTemplate({ name: template }, { ignore: [404] });
    await es.close();
  });

  it('answers with the Elasticsearch product header so the official client accepts it', async () => {
    const health = await es.cluster.health({ wait_for_status: 'yellow', timeout: '30s' });
    assert.ok(['green', 'yellow'].includes(health.status), `status ${health.status}`);
  });

  it('indexes documents and finds them with a term query', async () => {
    const operations = Array.from({ length: 25 }, (_, i) => [
      { index: { _index: index, _id: `doc-${i}` } },
      { '@timestamp': new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), process: { name: i % 5 === 0 ? 'curl' : 'bash' }, n: i },
    ]).flat();
    const bulk = await es.bulk({ operations, refresh: 'wait_for' });
    assert.equal(bulk.errors, false);
    const found = await es.search({ index, query: { term: { 'process.name': 'curl' } }, size: 100, sort: [{ n: 'asc' }] });
    assert.deepEqual(found.hits.hits.map((h) => h._id), ['doc-0', 'doc-5', 'doc-10', 'doc-15', 'doc-20']);
  });

  it('pages every document once with a point in time and search_after', async () => {
    const pit = await es.openPointInTime({ index, keep_alive: '1m' });
    const seen: number[] = [];
    let searchAfter: (string | number | null)[] | undefined;
    let pages = 0;
    try {
      for (;;) {
        const page = await es.search<{ n: number }>({
          pit: { id: pit.id, keep_alive: '1m' },
          size: 7,
          sort: [{ n: 'asc' }, { _shard_doc: 'asc' }],
          ...(searchAfter !== undefined ? { search_after: searchAfter } : {}),
        });
        const hits = page.hits.hits;
        if (hits.length === 0) break;
        pages += 1;
        for (const h of hits) seen.push(h._source?.n ?? -1);
        searchAfter = hits[hits.length - 1]?.sort as (string | number | null)[];
      }
    } finally {
      await es.closePointInTime({ id: pit.id });
    }
    assert.equal(pages, 4, '25 documents in pages of 7');
    assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => i));
  });

  it('applies a composable index template to a new index', async () => {
    await es.indices.putIndexTemplate({
      name: template,
      index_patterns: [`${index}-tpl-*`],
      priority: 500,
      template: { settings: { number_of_replicas: 0 }, mappings: { properties: { 'process.command_line': { type: 'keyword' }, marker: { type: 'keyword' } } } },
    });
    const target = `${index}-tpl-1`;
    await es.index({ index: target, document: { marker: 'x', process: { command_line: 'curl -x p https://a' } }, refresh: 'wait_for' });
    const mapping = await es.indices.getMapping({ index: target });
    const props = mapping[target]?.mappings.properties;
    assert.equal((props?.marker as { type?: string } | undefined)?.type, 'keyword');
    const processProps = (props?.process as { properties?: Record<string, { type?: string }> } | undefined)?.properties;
    assert.equal(processProps?.command_line?.type, 'keyword');
  });
});

describe('the real Redis with BullMQ', () => {
  let redis: Redis;
  const prefix = uniqueName('cpd-harness');

  before(() => {
    redis = testRedis();
  });
  after(async () => {
    await deleteKeys(redis, `${prefix}:*`);
    redis.disconnect();
  });

  it('uses the database number from REDIS_URL', async () => {
    const expected = Number(new URL(redisUrl).pathname.slice(1) || '0');
    const info = await redis.client('INFO');
    assert.match(String(info), new RegExp(`\\bdb=${expected}\\b`));
  });

  it('enqueues a job and a worker processes it exactly once', async () => {
    const name = 'harness';
    // BullMQ does not close connections it was given, so the test owns and closes them.
    const connections = [testRedis(), testRedis(), testRedis()] as const;
    const queue = new Queue(name, { connection: connections[0], prefix });
    const events = new QueueEvents(name, { connection: connections[1], prefix });
    const processed: number[] = [];
    const worker = new Worker<{ value: number }, number>(
      name,
      async (job) => {
        processed.push(job.data.value);
        return job.data.value * 2;
      },
      { connection: connections[2], prefix },
    );
    try {
      await events.waitUntilReady();
      const job = await queue.add('double', { value: 21 }, { jobId: 'the-one' });
      const duplicate = await queue.add('double', { value: 99 }, { jobId: 'the-one' });
      assert.equal(duplicate.id, job.id, 'a second add with the same jobId is the same job');
      const result: unknown = await job.waitUntilFinished(events, 30_000);
      assert.equal(result, 42);
      assert.deepEqual(processed, [21]);
    } finally {
      await worker.close();
      await events.close();
      await queue.close();
      for (const c of connections) c.disconnect();
    }
  });
});
