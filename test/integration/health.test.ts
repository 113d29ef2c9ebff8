import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { LiveCursor } from '../../src/aggregate/cursor.js';
import { createElasticsearchClient } from '../../src/clients/elasticsearch.js';
import { createRedis, type RedisConnection } from '../../src/clients/redis.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import { cursorCheck, workerReadinessChecks } from '../../src/health/checks.js';
import { startHealthServer, type HealthServer, type ReadinessCheck, type ReadinessReport } from '../../src/health/server.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { esUrl, redisUrl, uniqueName } from '../helpers/services.js';

function configFor(overrides: { esUrl?: string; redisUrl?: string } = {}): Config {
  return configSchema.parse({
    elasticsearch: { url: overrides.esUrl ?? esUrl },
    redis: { url: overrides.redisUrl ?? redisUrl },
    health: { port: 0, host: '127.0.0.1', checkTimeoutMs: 2_000 },
  });
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

async function readyz(server: HealthServer): Promise<{ status: number; body: ReadinessReport }> {
  const res = await fetch(`http://127.0.0.1:${server.port}/readyz`);
  return { status: res.status, body: (await res.json()) as ReadinessReport };
}

/** Waits until a worker-style connection is ready (or fails the test after 10 s). */
async function ready(redis: RedisConnection): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`redis not ready: ${redis.status}`)), 10_000);
    redis.once('ready', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

describe('/readyz against the real Elasticsearch and Redis', () => {
  const closers: (() => Promise<unknown> | void)[] = [];
  let es: Client;
  let redis: RedisConnection;
  let cursor: LiveCursor;
  const cursorKey = uniqueName('cpd-test-health-cursor');

  async function serve(checks: Record<string, ReadinessCheck>, checkTimeoutMs = 2_000): Promise<HealthServer> {
    const server = await startHealthServer({ port: 0, host: '127.0.0.1', checks, logger: silentLogger(), checkTimeoutMs });
    closers.push(() => server.close());
    return server;
  }

  before(async () => {
    const config = configFor();
    es = createElasticsearchClient(config.elasticsearch);
    closers.push(() => es.close());
    redis = createRedis(config.redis, 'worker');
    closers.push(() => void redis.disconnect());
    await ready(redis);
    closers.push(() => redis.del(cursorKey));
    cursor = new LiveCursor(redis, cursorKey);
  });

  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('answers 200 when Elasticsearch answers, Redis answers PING and the live cursor follows now', async () => {
    const config = configFor();
    await cursor.advance(Date.now() - 5_000);
    const server = await serve(workerReadinessChecks({ es, redis, readCursorMs: () => cursor.get(), health: config.health }));
    assert.deepEqual(await readyz(server), {
      status: 200,
      body: { status: 'ok', failing: [], checks: { elasticsearch: { status: 'ok' }, redis: { status: 'ok' }, cursor: { status: 'ok' } } },
    });
  });

  it('answers 503 naming elasticsearch when Elasticsearch is on a closed port, within the check timeout', async () => {
    const config = configFor({ esUrl: `http://127.0.0.1:${await closedPort()}` });
    const deadEs = createElasticsearchClient(config.elasticsearch);
    closers.push(() => deadEs.close());
    const server = await serve(workerReadinessChecks({ es: deadEs, redis, health: config.health }));
    const started = Date.now();
    const { status, body } = await readyz(server);
    assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
    assert.equal(status, 503);
    assert.deepEqual(body.failing, ['elasticsearch']);
    assert.equal(body.checks.redis?.status, 'ok');
    const esResult = body.checks.elasticsearch;
    assert.ok(esResult?.status === 'fail' && /ECONNREFUSED|connect/i.test(esResult.error), JSON.stringify(esResult));
  });

  it('answers 503 naming redis when Redis is on a closed port', async () => {
    const config = configFor({ redisUrl: `redis://127.0.0.1:${await closedPort()}/9` });
    const deadRedis = createRedis(config.redis, 'worker');
    deadRedis.on('error', () => undefined);
    closers.push(() => void deadRedis.disconnect());
    const server = await serve(workerReadinessChecks({ es, redis: deadRedis, health: config.health }));
    const { status, body } = await readyz(server);
    assert.equal(status, 503);
    assert.deepEqual(body.failing, ['redis']);
    const r = body.checks.redis;
    assert.ok(r?.status === 'fail' && /^connection is (connecting|reconnecting|connect|close|end|wait)$/.test(r.error), JSON.stringify(r));
  });

  it('answers 503 naming cursor when the cursor in Redis is behind and stops moving, and 200 once it moves', async () => {
    const stallAfterMs = 1_000;
    await redis.set(cursorKey, String(Date.now() - 60_000));
    const server = await serve({ redis: workerReadinessChecks({ es, redis, health: configFor().health }).redis as ReadinessCheck, cursor: cursorCheck(() => cursor.get(), stallAfterMs) });
    assert.equal((await readyz(server)).status, 200, 'a process that just started gets stallAfterMs of grace');
    await new Promise((r) => setTimeout(r, stallAfterMs + 200));
    const stalled = await readyz(server);
    assert.equal(stalled.status, 503);
    assert.deepEqual(stalled.body.failing, ['cursor']);
    assert.match(stalled.body.checks.cursor?.status === 'fail' ? stalled.body.checks.cursor.error : '', /^live cursor is \d+ s behind now and has not moved for 1 s \(threshold 1 s\)$/);
    await cursor.advance(Date.now());
    assert.equal((await readyz(server)).status, 200);
  });
});
