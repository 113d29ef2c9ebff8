import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { spawnCli, type ChildWorker } from '../helpers/child-worker.js';
import { defendEvent } from '../helpers/ecs-events.js';
import { expectedFromTruth, type TruthEvent } from '../helpers/ground-truth.js';
import { cleanup, createSourceIndex, indexDocs, readFindings, testConfig, testNames, waitFor } from '../helpers/pipeline.js';
import { comparable, day, expectedFindings, loadScenario, scenarioSuppressions } from '../helpers/scenario.js';
import { testEsClient, testRedis } from '../helpers/services.js';
import { setTimeout as sleep } from 'node:timers/promises';

// Worker processes (the built CLI in dist/) against the real Elasticsearch and Redis.


describe('a live worker killed with SIGKILL and started again', () => {
  const names = testNames('sigkill');
  let es: Client;
  let redis: Redis;
  const children: ChildWorker[] = [];

  before(async () => {
    es = testEsClient();
    redis = testRedis();
    await createSourceIndex(es, names.index('defend'));
  });
  after(async () => {
    for (const c of children) await c.kill('SIGKILL');
    await cleanup(es, redis, names);
    redis.disconnect();
    await es.close();
  });

  it('loses no event and duplicates no finding', { timeout: 180_000 }, async () => {
    const config = testConfig(names, { 'live.initialLookbackMs': 60_000 });
    const truth: TruthEvent[] = [];
    children.push(spawnCli(config, ['run']));
    let lastIngest = 0;
    for (let batch = 0; batch < 12; batch++) {
      if (batch === 5) {
        await children[0]?.kill('SIGKILL');
      }
      if (batch === 8) children.push(spawnCli(config, ['run']));
      const now = new Date();
      const docs = [];
      for (let i = 0; i < 8; i++) {
        // Per batch: one repeated group (same pid: its count grows), two new proxied processes, five benign.
        const proxied = i < 3;
        const pid = i === 0 ? 77 : 10_000 + batch * 10 + i;
        const commandLine = proxied ? `curl -x socks5h://198.51.100.${i}:1080 https://c2.example/${i === 0 ? 'beacon' : `b${batch}`}` : `curl -s https://ok.example/${batch}/${i}`;
        const spec = { time: now.toISOString(), ingested: now.toISOString(), host: `h${i % 2}`, user: 'mallory', commandLine, pid, ppid: 1 };
        truth.push({ ...spec, parent: 'bash', proxied });
        docs.push({ id: `b${batch}-e${i}`, doc: defendEvent(spec) });
      }
      await indexDocs(es, names.index('defend'), docs);
      lastIngest = now.getTime();
      await sleep(400);
    }
    await waitFor('the cursor to pass the last event', async () => Number(await redis.get(`${names.keyPrefix}:live:cursor`)), (c) => c > lastIngest, 120_000, 250);
    const findings = await readFindings(es, names.alias);
    assert.deepEqual(comparable(findings), expectedFromTruth(truth), children.map((c) => c.output()).join('\n---\n').slice(-4000));
    assert.equal(new Set(findings.map((f) => f.id)).size, findings.length);
  });
});

describe('two worker processes on one Redis', () => {
  const names = testNames('scaleout');
  let es: Client;
  let redis: Redis;
  let app: App;
  const children: ChildWorker[] = [];

  before(async () => {
    es = testEsClient();
    redis = testRedis();
    await loadScenario(es, names);
  });
  after(async () => {
    for (const c of children) await c.kill('SIGTERM');
    await app?.close();
    await cleanup(es, redis, names);
    redis.disconnect();
    await es.close();
  });

  it('share a backfill and produce exactly the findings one worker produces', { timeout: 180_000 }, async () => {
    const config = testConfig(names, { 'rule.suppressions': JSON.stringify(scenarioSuppressions), 'backfill.chunkMs': 1_800_000, 'backfill.chunkCandidates': 0, 'log.level': 'info' });
    children.push(spawnCli(config, ['run', '--no-live']), spawnCli(config, ['run', '--no-live']));
    // Both workers listen before any chunk is due, so the queue can hand chunks to either.
    for (const c of children) await waitFor('a worker to start', async () => c.output(), (out) => out.includes('worker-started'), 60_000, 100);
    app = createApp(config, silentLogger());
    const { record } = await app.backfills.create({ fromMs: Date.parse(`${day}T00:00:00Z`), toMs: Date.parse(`${day}T23:59:59Z`), indexPatterns: [...config.source.indexPatterns], atMs: Date.now() + 1_000 });
    await waitFor('the backfill to finish', () => app.backfills.get(record.id), (r) => r?.status === 'done', 120_000, 250);
    assert.deepEqual(comparable(await readFindings(es, names.alias)), expectedFindings);
    // A chunk is counted done inside its job, a moment before BullMQ moves the job to completed.
    const jobs = await waitFor('every chunk job to complete', () => app.backfillQueue.getJobs(['completed'], 0, 1000), (j) => j.length >= 48, 30_000, 100);
    const workers = new Set(jobs.map((j) => j.processedBy));
    assert.equal(jobs.length, 48);
    assert.equal(workers.size, 2, `chunks were processed by ${[...workers].join(', ')}`);
    // SIGTERM drains and exits cleanly.
    const codes = await Promise.all(children.map((c) => c.kill('SIGTERM')));
    assert.deepEqual(codes, [0, 0], children.map((c) => c.output()).join('\n---\n').slice(-3000));
  });
});
