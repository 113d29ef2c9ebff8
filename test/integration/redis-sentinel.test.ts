import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import type { App } from '../../src/app.js';
import { redisCheck } from '../../src/health/checks.js';
import type { ChildWorker } from '../helpers/child-worker.js';
import { expectedFromTruth } from '../helpers/ground-truth.js';
import { readFindings, testNames } from '../helpers/pipeline.js';
import { startRedisTopology, type RedisTopologyHandle } from '../helpers/redis-topologies.js';
import { comparable } from '../helpers/scenario.js';
import { testEsClient } from '../helpers/services.js';
import { backfillEvents, runBackfill, runLive } from '../helpers/topology-runs.js';

// A Redis Sentinel set of real processes (master, one replica, three sentinels on loopback
// ports, scripts/redis.sh REDIS_TOPOLOGY=sentinel) whose master is SIGKILLed while workers run.
// redis.waitReplicas is 1: the state a finding is written from must be on the replica, so the
// killed master is started again after the failover (it comes back as the new master's replica)
// and the windows that could not reach a replica meanwhile are retried.

async function cleanupEs(es: Client, prefix: string): Promise<void> {
  await es.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true, expand_wildcards: 'all' }).catch(() => undefined);
  for (const name of [`${prefix}-findings`, `${prefix}-findings-alerts`]) await es.indices.deleteIndexTemplate({ name }, { ignore: [404] }).catch(() => undefined);
}

/** How often the workers logged a window that did not reach a replica in time (redis.waitReplicas). */
function waitRetries(children: readonly ChildWorker[]): number {
  return children.reduce((n, c) => n + (c.output().match(/replica\(s\) within/g)?.length ?? 0), 0);
}

interface Failover {
  from: number;
  to: number;
  /** From the kill until the sentinels name the new master. */
  seconds: number;
  /** From the kill until the old master, started again, is a replica once more (in the background). */
  replicaAgain: Promise<number | undefined>;
}

/** Kills the master, waits for the sentinels to promote the replica, starts the old master again. */
async function failover(topology: RedisTopologyHandle): Promise<Failover> {
  const from = topology.masterPort();
  assert.ok(from !== undefined, 'the sentinels name no master');
  const t0 = Date.now();
  topology.kill(from);
  const to = await topology.waitForFailover(from);
  const seconds = (Date.now() - t0) / 1000;
  topology.restart(from);
  const replicaAgain = (async () => {
    const node = new Redis({ host: '127.0.0.1', port: from, maxRetriesPerRequest: 1 });
    node.on('error', () => undefined);
    try {
      for (let i = 0; i < 600; i++) {
        const role = (await node.role().catch(() => [])) as unknown[];
        if (role[0] === 'slave' && role[3] === 'connected') return (Date.now() - t0) / 1000;
        await sleep(100);
      }
      return undefined;
    } finally {
      node.disconnect();
    }
  })();
  return { from, to, seconds, replicaAgain };
}

describe('a Sentinel failover during a backfill', () => {
  const names = testNames('sentinelbf');
  const children: ChildWorker[] = [];
  let es: Client;
  let topology: RedisTopologyHandle;
  let app: App | undefined;

  before(() => {
    es = testEsClient();
    topology = startRedisTopology('sentinel', { port: 7400, sentinelPort: 26400 });
  });
  after(async () => {
    for (const c of children) await c.kill('SIGKILL');
    await app?.close();
    topology.stop();
    await cleanupEs(es, names.prefix);
    await es.close();
  });

  it('finishes with exactly the findings of the day, nothing lost or counted twice', { timeout: 360_000 }, async (t) => {
    let moved: Failover | undefined;
    const run = await runBackfill({
      es,
      names,
      topology,
      children,
      flags: { 'redis.waitReplicas': 1 },
      atChunks: 12,
      disturb: async () => void (moved = await failover(topology)),
    });
    app = run.app;
    assert.ok(run.disturbedAt !== undefined && run.disturbedAt < run.chunks, `the master was not killed during the backfill (at ${String(run.disturbedAt)} of ${run.chunks} chunks)`);
    assert.ok(moved !== undefined && moved.to !== moved.from);
    const findings = await readFindings(es, names.alias);
    assert.deepEqual(comparable(findings), expectedFromTruth(backfillEvents().truth), children.map((c) => c.output()).join('\n---\n').slice(-4000));
    assert.equal(new Set(findings.map((f) => f.id)).size, findings.length);
    const record = await app.backfills.get((await app.backfills.list(1))[0]?.id ?? '');
    assert.equal(record?.chunksDone, run.chunks);
    t.diagnostic(`master ${moved.from} killed at chunk ${run.disturbedAt} of ${run.chunks}; port ${moved.to} promoted after ${moved.seconds.toFixed(1)} s; done ${((run.msAfterDisturbance ?? 0) / 1000).toFixed(1)} s after the kill; a replica again after ${String(await moved.replicaAgain)} s; ${waitRetries(children)} window(s) retried waiting for a replica`);
  });
});

describe('a Sentinel failover in live mode', () => {
  const names = testNames('sentinellive');
  const children: ChildWorker[] = [];
  let es: Client;
  let topology: RedisTopologyHandle;
  let app: App | undefined;

  before(() => {
    es = testEsClient();
    topology = startRedisTopology('sentinel', { port: 7402, sentinelPort: 26403 });
  });
  after(async () => {
    for (const c of children) await c.kill('SIGKILL');
    await app?.close();
    topology.stop();
    await cleanupEs(es, names.prefix);
    await es.close();
  });

  it('loses no event and duplicates no finding', { timeout: 360_000 }, async (t) => {
    let moved: Failover | undefined;
    const run = await runLive({
      es,
      names,
      topology,
      children,
      flags: { 'redis.waitReplicas': 1 },
      disturb: async (batch) => {
        if (batch === 5) moved = await failover(topology);
      },
    });
    app = run.app;
    const findings = await readFindings(es, names.alias);
    assert.deepEqual(comparable(findings), expectedFromTruth(run.truth), children.map((c) => c.output()).join('\n---\n').slice(-4000));
    assert.equal(new Set(findings.map((f) => f.id)).size, findings.length);
    assert.equal(children[0]?.child.exitCode, null, 'the worker exited');
    assert.ok(moved !== undefined);
    // After the failover the connection follows the new master: /readyz's Redis check passes.
    await redisCheck(app.redis)();
    t.diagnostic(`master ${moved.from} killed before batch 5 of 12; port ${moved.to} promoted after ${moved.seconds.toFixed(1)} s; a replica again after ${String(await moved.replicaAgain)} s; ${waitRetries(children)} window(s) retried waiting for a replica`);
  });
});
