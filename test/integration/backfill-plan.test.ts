import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import { createApp, startWorker } from '../../src/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { defendEvent } from '../helpers/ecs-events.js';
import { cleanup, createSourceIndex, indexDocs, readFindings, testConfig, testNames, waitFor } from '../helpers/pipeline.js';
import { testEsClient, testRedis } from '../helpers/services.js';

// Needs: a real Elasticsearch and Redis. A backfill counts its candidates once (the run's own
// query, per one-hour chunk) and joins neighbouring chunks into jobs by that count: a small run
// is one job, a larger one is cut for the jobs a worker runs at once, and the jobs still cover
// the whole range, so the findings are exact whatever the plan.

const day = '2026-09-14';
const hour = 3_600_000;
const dayMs = Date.parse(`${day}T00:00:00Z`);

/** `proxiedPerHour` curl-through-a-proxy events and `benignPerHour` other processes in every hour of the day. */
function dayOfEvents(proxiedPerHour: number, benignPerHour: number): { id: string; doc: Record<string, unknown> }[] {
  const out: { id: string; doc: Record<string, unknown> }[] = [];
  for (let h = 0; h < 24; h++) {
    for (let i = 0; i < proxiedPerHour; i++) {
      const time = new Date(dayMs + h * hour + i * 1_000).toISOString();
      // One group per (hour, i): pid i, so every event is its own finding's only event.
      out.push({ id: `p-${h}-${i}`, doc: defendEvent({ time, host: `h${h}`, user: 'mallory', commandLine: `curl -x socks5h://198.51.100.${i % 200}:1080 https://c2.example/${h}`, pid: 10_000 + i, ppid: 1 }) });
    }
    for (let i = 0; i < benignPerHour; i++) {
      const time = new Date(dayMs + h * hour + 1_800_000 + i * 1_000).toISOString();
      out.push({ id: `b-${h}-${i}`, doc: defendEvent({ time, host: `h${h}`, user: 'mallory', commandLine: `ls -la /tmp/${i}`, pid: 50_000 + i, ppid: 1 }) });
    }
  }
  return out;
}

describe('a backfill plans its jobs from the candidates Elasticsearch counts', () => {
  const names = testNames('plan');
  const index = names.index('defend');
  let es: Client;
  let redis: Redis;

  before(async () => {
    es = testEsClient();
    redis = testRedis();
    await createSourceIndex(es, index);
  });
  after(async () => {
    await cleanup(es, redis, names);
    redis.disconnect();
    await es.close();
  });

  async function backfill(settings: Record<string, unknown>): Promise<{ chunks: number; spans: number[] | undefined; scanned: number; matched: number; findings: number }> {
    const app = createApp(testConfig(names, settings), silentLogger());
    const worker = await startWorker(app, { live: false, backfill: true });
    try {
      const { record } = await app.backfills.create({ fromMs: dayMs, toMs: dayMs + 24 * hour, indexPatterns: [names.sourcePattern] });
      const done = await waitFor('the backfill to be done', () => app.backfills.get(record.id), (r) => r?.status === 'done', 120_000);
      assert.ok(done !== undefined);
      return { chunks: done.chunks, spans: done.chunkSpans, scanned: done.stats.scanned, matched: done.stats.matched, findings: (await readFindings(es, names.alias)).length };
    } finally {
      await worker.stop();
      await app.close();
    }
  }

  it('joins the hours of a day into jobs of at most backfill.chunkCandidates candidates, and only candidates are read', async () => {
    await indexDocs(es, index, dayOfEvents(3, 5));
    // 3 candidates an hour (the argv push-down leaves out the 5 `ls` processes), 12 a job: 6 jobs of 4 hours.
    const r = await backfill({ 'backfill.chunkCandidates': 12, 'worker.backfillConcurrency': 2 });
    assert.deepEqual(r, { chunks: 6, spans: [4, 4, 4, 4, 4, 4], scanned: 72, matched: 72, findings: 72 });
  });

  it('keeps a run of fewer than 1,000 candidates in one job, and cuts a larger one for the jobs a worker runs at once', async () => {
    const small = await backfill({ 'worker.backfillConcurrency': 2 });
    assert.deepEqual([small.chunks, small.spans, small.matched], [1, [24], 72]);

    // 50 more an hour: 1,272 candidates, far under the default 20,000 but over 1,000: two jobs side by side.
    await indexDocs(es, index, dayOfEvents(53, 0).filter((e) => !/^p-\d+-[012]$/.test(e.id)));
    const large = await backfill({ 'worker.backfillConcurrency': 2 });
    assert.equal(large.matched, 1_272);
    assert.equal(large.findings, 1_272);
    // Cut in two at half the count: 12 hours of 53 each.
    assert.deepEqual([large.chunks, large.spans], [2, [12, 12]]);

    const oneAtATime = await backfill({ 'worker.backfillConcurrency': 1 });
    assert.deepEqual([oneAtATime.chunks, oneAtATime.matched], [1, 1_272]);
  });
});
