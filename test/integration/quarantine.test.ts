import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import { createApp, startWorker, type App } from '../../src/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { cleanup, createSourceIndex, testConfig, testNames, waitFor } from '../helpers/pipeline.js';
import { testEsClient, testRedis } from '../helpers/services.js';

// Needs: a real Elasticsearch and Redis. A range whose search fails the same way every time
// (here an index pattern Elasticsearch refuses with 400) is quarantined: recorded, logged and
// counted, never retried forever, and the live cursor moves on.

describe('ranges that fail deterministically', () => {
  const names = testNames('quarantine');
  let es: Client;
  let redis: Redis;
  let app: App;

  before(async () => {
    es = testEsClient();
    redis = testRedis();
    await createSourceIndex(es, names.index('defend'));
    app = createApp(testConfig(names, { 'source.indexPatterns': [names.sourcePattern, '_refused'], 'live.initialLookbackMs': 5_000, 'worker.jobAttempts': 2 }), silentLogger());
  });
  after(async () => {
    await app.close();
    await cleanup(es, redis, names);
    redis.disconnect();
    await es.close();
  });

  it('quarantines a live window instead of retrying it forever, and the cursor moves on', async () => {
    const worker = await startWorker(app, { live: true, backfill: false });
    try {
      const start = Date.now();
      const quarantined = await waitFor('a quarantined window', () => redis.hgetall(`${names.keyPrefix}:live:quarantine`), (h) => Object.keys(h).length > 0, 30_000);
      const entry = JSON.parse(Object.values(quarantined)[0] as string) as { reason: string; from: string; to: string };
      assert.match(entry.reason, /^deterministic: .*invalid_index_name_exception/);
      await waitFor('the cursor to move past the start', async () => Number(await redis.get(`${names.keyPrefix}:live:cursor`)), (c) => c > start - 5_000, 30_000);
      const errors = await redis.lrange(`${names.keyPrefix}:errors`, 0, -1);
      assert.ok(errors.some((e) => e.includes('quarantined')), 'visible in status');
    } finally {
      await worker.stop();
    }
  });

  it('quarantines backfill chunks that fail deterministically and finishes the backfill, saying so', async () => {
    const { record } = await app.backfills.create({ fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: Date.parse('2026-11-01T02:00:00Z'), indexPatterns: ['_refused'] });
    const worker = await startWorker(app, { live: false, backfill: true });
    try {
      const done = await waitFor('the backfill to finish', () => app.backfills.get(record.id), (r) => r?.status === 'done', 60_000);
      assert.equal(done?.chunksQuarantined, done?.chunks);
      assert.equal(done?.chunksDone, 0);
    } finally {
      await worker.stop();
    }
  });
});
