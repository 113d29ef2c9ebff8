import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { configSchema } from '../../../src/config/schema.js';
import { cursorCheck, elasticsearchCheck, redisCheck, workerReadinessChecks } from '../../../src/health/checks.js';
import { createElasticsearchClient } from '../../../src/clients/elasticsearch.js';

const minute = 60_000;

/** Runs a check and returns 'ok' or its error message. */
async function outcome(check: () => Promise<void>): Promise<string> {
  try {
    await check();
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('cursorCheck calls the live cursor stalled only when it is behind and not moving', () => {
  const stallAfterMs = 5 * minute;

  it('passes while the cursor follows now', async () => {
    let clock = 100 * minute;
    let cursor = clock - 5_000;
    const check = cursorCheck(async () => cursor, stallAfterMs, () => clock);
    for (let i = 0; i < 10; i++) {
      assert.equal(await outcome(check), 'ok');
      clock += minute;
      cursor = clock - 5_000;
    }
  });

  it('passes while catching up: far behind, but moving', async () => {
    let clock = 1_000 * minute;
    let cursor = clock - 24 * 60 * minute;
    const check = cursorCheck(async () => cursor, stallAfterMs, () => clock);
    for (let i = 0; i < 20; i++) {
      assert.equal(await outcome(check), 'ok');
      clock += minute;
      cursor += 15 * minute;
    }
  });

  it('gives a freshly started process stallAfterMs of grace before calling an old cursor stalled', async () => {
    let clock = 1_000 * minute;
    const cursor = clock - 60 * minute;
    const check = cursorCheck(async () => cursor, stallAfterMs, () => clock);
    assert.equal(await outcome(check), 'ok');
    clock += 4 * minute;
    assert.equal(await outcome(check), 'ok');
    clock += 2 * minute;
    assert.equal(await outcome(check), 'live cursor is 3960 s behind now and has not moved for 360 s (threshold 300 s)');
  });

  it('passes when the cursor has not moved but is within the threshold (a quiet poll interval)', async () => {
    let clock = 1_000 * minute;
    const cursor = clock - 2 * minute;
    const check = cursorCheck(async () => cursor, stallAfterMs, () => clock);
    await check();
    clock += 2 * minute;
    assert.equal(await outcome(check), 'ok');
  });

  it('recovers as soon as the cursor moves again', async () => {
    let clock = 1_000 * minute;
    let cursor = clock - 10 * minute;
    const check = cursorCheck(async () => cursor, stallAfterMs, () => clock);
    await check();
    clock += 6 * minute;
    assert.match(await outcome(check), /has not moved/);
    cursor = clock - 3_000;
    assert.equal(await outcome(check), 'ok');
  });

  it('fails when no cursor has appeared for stallAfterMs (no worker schedules live windows)', async () => {
    let clock = 1_000 * minute;
    const check = cursorCheck(async () => undefined, stallAfterMs, () => clock);
    assert.equal(await outcome(check), 'ok');
    clock += 6 * minute;
    assert.equal(await outcome(check), 'no live cursor after 360 s: no worker has started live scheduling');
  });

  it('fails with the read error when the cursor cannot be read', async () => {
    const check = cursorCheck(async () => Promise.reject(new Error('Connection is closed.')), stallAfterMs);
    assert.equal(await outcome(check), 'Connection is closed.');
  });
});

describe('redisCheck', () => {
  it('fails at once, without queueing a PING, while the connection is not ready', async () => {
    let pings = 0;
    const check = redisCheck({ status: 'reconnecting', ping: async () => String(++pings) });
    assert.equal(await outcome(check), 'connection is reconnecting');
    assert.equal(pings, 0);
  });

  it('passes when a ready connection answers PING', async () => {
    assert.equal(await outcome(redisCheck({ status: 'ready', ping: async () => 'PONG' })), 'ok');
  });

  it('fails on a Redis Cluster whose state is not ok, though its node answers PING', async () => {
    const cluster = (state: string) => ({ status: 'ready', isCluster: true, ping: async () => 'PONG', cluster: async () => `cluster_enabled:1\r\ncluster_state:${state}\r\n` });
    assert.equal(await outcome(redisCheck(cluster('fail'))), 'cluster_state is fail');
    assert.equal(await outcome(redisCheck(cluster('ok'))), 'ok');
  });
});

describe('workerReadinessChecks', () => {
  const config = configSchema.parse({});
  const es = createElasticsearchClient(config.elasticsearch);
  const redis = { status: 'ready', ping: async () => 'PONG' };

  it('checks elasticsearch, redis and the cursor in a process that polls live', () => {
    assert.deepEqual(Object.keys(workerReadinessChecks({ es, redis, readCursorMs: async () => Date.now(), health: config.health })), ['elasticsearch', 'redis', 'cursor']);
  });

  it('leaves the cursor out in a process that does not poll live', () => {
    assert.deepEqual(Object.keys(workerReadinessChecks({ es, redis, health: config.health })), ['elasticsearch', 'redis']);
  });
});

describe('elasticsearchCheck against a stub cluster', () => {
  const statuses: [number, string][] = [
    [200, 'ok'],
    [403, 'ok'],
    [401, 'HTTP 401 from GET /_cluster/health'],
    [503, 'HTTP 503 from GET /_cluster/health'],
  ];
  let server: Server;
  let status = 200;
  const paths: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      paths.push(`${req.method} ${req.url}`);
      res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      res.end(status === 200 ? '{"status":"green"}' : `{"error":{"type":"e","reason":"r"},"status":${status}}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  for (const [code, expected] of statuses) {
    it(`treats HTTP ${code} as ${expected === 'ok' ? 'reachable' : 'failing'}${code === 403 ? ' (a role without the monitor privilege)' : ''}, asking once without retries`, async () => {
      status = code;
      paths.length = 0;
      const config = configSchema.parse({ elasticsearch: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, maxRetries: 3 } });
      const es = createElasticsearchClient(config.elasticsearch);
      try {
        assert.equal(await outcome(elasticsearchCheck(es, 1_000)), expected);
        assert.deepEqual(paths, ['GET /_cluster/health']);
      } finally {
        await es.close();
      }
    });
  }
});
