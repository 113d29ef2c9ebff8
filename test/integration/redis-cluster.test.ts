import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import type { App } from '../../src/app.js';
import { redisCheck } from '../../src/health/checks.js';
import { spawnCli, type ChildWorker } from '../helpers/child-worker.js';
import { expectedFromTruth } from '../helpers/ground-truth.js';
import { readFindings, testNames, type TestNames } from '../helpers/pipeline.js';
import { startRedisTopology, type RedisTopologyHandle } from '../helpers/redis-topologies.js';
import { comparable } from '../helpers/scenario.js';
import { testEsClient } from '../helpers/services.js';
import { backfillEvents, runBackfill, runLive, topologyConfig } from '../helpers/topology-runs.js';

// A Redis Cluster of three masters (real processes on loopback ports, scripts/redis.sh
// REDIS_TOPOLOGY=cluster) running the backfill and the live pipeline: exact findings, and our
// keys really spread over the masters while every script and transaction stays in one slot.

const clusterPort = 7410;

async function cleanupEs(es: Client, prefix: string): Promise<void> {
  await es.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true, expand_wildcards: 'all' }).catch(() => undefined);
  for (const name of [`${prefix}-findings`, `${prefix}-findings-alerts`]) await es.indices.deleteIndexTemplate({ name }, { ignore: [404] }).catch(() => undefined);
}

/** Our keys on each master (SCAN on each node: a cluster client's SCAN sees one node only). */
async function keysByNode(topology: RedisTopologyHandle, names: TestNames): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (const port of topology.serverPorts) {
    const node = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
    try {
      await node.connect();
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'MATCH', `*${names.keyPrefix}*`, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      out.set(port, keys);
    } finally {
      node.disconnect();
    }
  }
  return out;
}

function noCrossSlot(children: readonly ChildWorker[]): void {
  const output = children.map((c) => c.output()).join('\n');
  assert.doesNotMatch(output, /CROSSSLOT|All keys in the pipeline should belong to the same slot/, output.slice(-3000));
}

describe('the pipeline on a three-master Redis Cluster', () => {
  const children: ChildWorker[] = [];
  const apps: App[] = [];
  const prefixes: string[] = [];
  let es: Client;
  let topology: RedisTopologyHandle;

  before(() => {
    es = testEsClient();
    topology = startRedisTopology('cluster', { port: clusterPort }, { masters: 3 });
  });
  after(async () => {
    for (const c of children) await c.kill('SIGKILL');
    for (const app of apps) await app.close();
    topology.stop();
    for (const p of prefixes) await cleanupEs(es, p);
    await es.close();
  });

  it('backfills a day with exactly the findings of the day, its keys spread over the masters', { timeout: 300_000 }, async (t) => {
    const names = testNames('clusterbf');
    prefixes.push(names.prefix);
    const started = children.length;
    const run = await runBackfill({ es, names, topology, children });
    apps.push(run.app);
    const findings = await readFindings(es, names.alias);
    assert.deepEqual(comparable(findings), expectedFromTruth(backfillEvents().truth), children.map((c) => c.output()).join('\n---\n').slice(-4000));
    assert.equal(new Set(findings.map((f) => f.id)).size, findings.length);
    noCrossSlot(children.slice(started));

    const byNode = await keysByNode(topology, names);
    const groupNodes = [...byNode].filter(([, keys]) => keys.some((k) => k.includes(':agg:{'))).map(([port]) => port);
    assert.ok(groupNodes.length >= 2, `group keys on ${groupNodes.length} master(s) only`);
    // Each queue's keys share one slot, so they are on one master.
    const queueNodes = [...byNode].filter(([, keys]) => keys.some((k) => k.startsWith(`{${names.keyPrefix}:bull}:`))).map(([port]) => port);
    assert.equal(queueNodes.length, 1, `BullMQ keys on ${queueNodes.length} masters`);
    t.diagnostic(`keys per master: ${[...byNode].map(([port, keys]) => `${port}=${keys.length}`).join(', ')}`);
  });

  it('runs live mode with exact findings', { timeout: 300_000 }, async () => {
    const names = testNames('clusterlive');
    prefixes.push(names.prefix);
    const started = children.length;
    const run = await runLive({ es, names, topology, children });
    apps.push(run.app);
    const findings = await readFindings(es, names.alias);
    assert.deepEqual(comparable(findings), expectedFromTruth(run.truth), children.map((c) => c.output()).join('\n---\n').slice(-4000));
    assert.equal(new Set(findings.map((f) => f.id)).size, findings.length);
    noCrossSlot(children.slice(started));

    // What operators look at works on a cluster too: /readyz's Redis check and `status`.
    await redisCheck(run.app.redis)();
    const status = spawnCli(topologyConfig(names, topology), ['status'], topology.env);
    assert.equal(await status.exited, 0, status.output());
    assert.match(status.output(), /live cursor\s+\d{4}-/);
  });
});
