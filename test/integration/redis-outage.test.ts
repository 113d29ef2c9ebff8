import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { spawnCli, type ChildWorker } from '../helpers/child-worker.js';
import { defendEvent } from '../helpers/ecs-events.js';
import { expectedFromTruth, type TruthEvent } from '../helpers/ground-truth.js';
import { cleanup, createSourceIndex, indexDocs, readFindings, testConfig, testNames, waitFor } from '../helpers/pipeline.js';
import { testEsClient } from '../helpers/services.js';

// Starts its own Redis (scripts/redis.sh on another port, AOF on) so it can restart it without
// disturbing the other tests.

const port = process.env.CPD_OUTAGE_REDIS_PORT ?? '6391';
const url = `redis://127.0.0.1:${port}/0`;

function redis(action: 'start' | 'stop'): void {
  const r = spawnSync('bash', ['scripts/redis.sh', action], { env: { ...process.env, REDIS_PORT: port }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`redis.sh ${action} failed: ${r.stderr}`);
}

describe('a Redis restart while the live worker runs', () => {
  const names = testNames('redisdown');
  let es: Client;
  let client: Redis;
  let worker: ChildWorker | undefined;

  before(() => {
    redis('start');
    es = testEsClient();
    client = new Redis(url, { maxRetriesPerRequest: null });
    client.on('error', () => undefined); // the outage is on purpose; commands wait for the reconnect
  });
  after(async () => {
    await worker?.kill('SIGKILL');
    await cleanup(es, client, names).catch(() => undefined);
    client.disconnect();
    await es.close();
    redis('stop');
  });

  it('loses no event and duplicates no finding once Redis is back', { timeout: 240_000 }, async () => {
    await createSourceIndex(es, names.index('defend'));
    const config = testConfig(names, { 'redis.url': url, 'live.initialLookbackMs': 60_000 });
    worker = spawnCli(config, ['run']);
    const truth: TruthEvent[] = [];
    const batch = async (label: string) => {
      const now = new Date();
      const docs = [0, 1, 2].map((i) => {
        const spec = { time: now.toISOString(), ingested: now.toISOString(), host: 'cache-host', user: 'svc', commandLine: i < 2 ? `curl --proxy socks5h://203.0.113.${i}:1080 https://y.example/${label}` : `curl https://ok.example/${label}`, pid: 700 + i + (label === 'during' ? 10 : label === 'after' ? 20 : 0), ppid: 1 };
        truth.push({ ...spec, parent: 'bash', proxied: i < 2 });
        return { id: `${label}-${i}`, doc: defendEvent(spec) };
      });
      await indexDocs(es, names.index('defend'), docs);
      return now.getTime();
    };
    const cursor = async () => Number(await client.get(`${names.keyPrefix}:live:cursor`));

    const t1 = await batch('before');
    await waitFor('the first batch', cursor, (c) => c > t1, 60_000);
    redis('stop');
    // Events keep arriving in Elasticsearch while Redis is down.
    await batch('during');
    await new Promise((r) => setTimeout(r, 8_000));
    assert.equal(worker.child.exitCode, null, `the worker exited during the outage:\n${worker.output().slice(-2000)}`);
    redis('start');
    const t3 = await batch('after');
    await waitFor('the worker to catch up', cursor, (c) => c > t3, 120_000);
    assert.deepEqual(
      (await readFindings(es, names.alias)).map(({ id: _i, version: _v, ...rest }) => rest),
      expectedFromTruth(truth),
      worker.output().slice(-3000),
    );
  });
});
