import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import { spawnCli, type ChildWorker } from '../helpers/child-worker.js';
import { defendEvent } from '../helpers/ecs-events.js';
import { expectedFromTruth, type TruthEvent } from '../helpers/ground-truth.js';
import { cleanup, createSourceIndex, indexDocs, readFindings, testConfig, testNames, waitFor } from '../helpers/pipeline.js';
import { testRedis } from '../helpers/services.js';

// Starts its own Elasticsearch (scripts/es.sh on another port) so it can stop it without
// disturbing the other tests. Needs the same artefacts as the main test cluster.

const port = process.env.CPD_OUTAGE_ES_PORT ?? '9250';
const url = `http://127.0.0.1:${port}`;

/** Starts or stops the test's own node; `wipe` empties its data first (never on a restart). */
function es(action: 'start' | 'stop', wipe = false): void {
  const r = spawnSync('bash', ['scripts/es.sh', action], { env: { ...process.env, ES_PORT: port, ES_WIPE_DATA: wipe ? '1' : '0' }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`es.sh ${action} failed: ${r.stderr}`);
}

describe('an Elasticsearch outage while the live worker runs', () => {
  const names = testNames('esdown');
  let client: Client;
  let redis: Redis;
  let worker: ChildWorker | undefined;

  before(() => {
    es('start', true);
    client = new Client({ node: url, requestTimeout: 30_000 });
    redis = testRedis();
  });
  after(async () => {
    await worker?.kill('SIGKILL');
    await cleanup(client, redis, names).catch(() => undefined);
    redis.disconnect();
    await client.close();
    es('stop');
  });

  it('keeps the worker alive, then catches up from its cursor with nothing lost or duplicated', { timeout: 240_000 }, async () => {
    await createSourceIndex(client, names.index('defend'));
    const config = testConfig(names, { 'elasticsearch.url': url, 'live.initialLookbackMs': 60_000, 'elasticsearch.requestTimeoutMs': 5_000, 'elasticsearch.maxRetries': 0 });
    worker = spawnCli(config, ['run']);
    const truth: TruthEvent[] = [];
    const batch = async (label: string) => {
      const now = new Date();
      const docs = [0, 1, 2, 3].map((i) => {
        const spec = { time: now.toISOString(), ingested: now.toISOString(), host: 'srv', user: 'op', commandLine: i < 2 ? `curl --socks5 192.0.2.${i}:1080 https://x.example/${label}` : `curl https://ok.example/${label}/${i}`, pid: 500 + i + (label === 'after' ? 100 : 0), ppid: 1 };
        truth.push({ ...spec, parent: 'bash', proxied: i < 2 });
        return { id: `${label}-${i}`, doc: defendEvent(spec) };
      });
      await indexDocs(client, names.index('defend'), docs);
      // When the documents became searchable, not when they were made: right after a restart
      // the bulk can take seconds, and a window that ended before it returned cannot have seen
      // them (the overlap re-reads them later). A cursor past this time has read them.
      return Date.now();
    };
    const cursor = async () => Number(await redis.get(`${names.keyPrefix}:live:cursor`));

    const t1 = await batch('before');
    await waitFor('the first batch', cursor, (c) => c > t1, 60_000);
    es('stop');
    await new Promise((r) => setTimeout(r, 12_000));
    assert.equal(worker.child.exitCode, null, `the worker exited during the outage:\n${worker.output().slice(-2000)}`);
    const stalled = await cursor();
    es('start');
    const t2 = await batch('after');
    await waitFor('the worker to catch up', cursor, (c) => c > t2, 120_000);
    assert.ok(stalled <= t2, 'the cursor did not run ahead while Elasticsearch was down');
    assert.deepEqual(
      (await readFindings(client, names.alias)).map(({ id: _i, version: _v, ...rest }) => rest),
      expectedFromTruth(truth),
    );
    assert.match(worker.output(), /retrying|failed/i, 'the outage was reported in the logs');
  });
});
