import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnCli, type ChildWorker } from '../helpers/child-worker.js';
import { defendEvent } from '../helpers/ecs-events.js';
import { clusterClient, EsCluster } from '../helpers/es-cluster.js';
import { expectedFromTruth, type TruthEvent } from '../helpers/ground-truth.js';
import { cleanup, createSourceIndex, readFindings, testConfig, testNames, waitFor, type TestNames } from '../helpers/pipeline.js';
import { comparable } from '../helpers/scenario.js';
import { testRedis } from '../helpers/services.js';

// A three-node cluster of its own (scripts/es.sh ES_NODES=3 on ports 9280-9282, transport
// 9380-9382), so a node can die without disturbing the other tests. The source index has one
// replica and is kept off node 0, the node the worker talks to (the way a coordinating node or
// a load balancer would be used); the findings indices have one replica (the template's
// auto_expand_replicas 0-1) and may live on any node, the one killed included.

/** What the worker logged about failed attempts, for the test's diagnostics (what the node's loss cost). */
function retries(worker: ChildWorker): string {
  const failed = worker.output().split('\n').filter((l) => l.includes('"job-failed"'));
  const reasons = failed.map((l) => /"message":"([^"]{0,160})/.exec(l.slice(l.indexOf('"error"')))?.[1] ?? '?');
  return `${failed.length} failed job attempts${reasons.length > 0 ? `: ${[...new Set(reasons)].slice(0, 4).join(' | ')}` : ''}`;
}

const cluster = new EsCluster(Number(process.env.CPD_NODELOSS_ES_PORT ?? '9280'), 3);

describe('Elasticsearch loses the node holding the source primaries', () => {
  let es: Client;
  let redis: Redis;
  const children: ChildWorker[] = [];
  const allNames: TestNames[] = [];

  before(async () => {
    await cluster.start(true);
    es = clusterClient(cluster, 0);
    redis = testRedis();
  });
  after(async () => {
    for (const c of children) await c.kill('SIGKILL');
    if (es !== undefined) for (const names of allNames) await cleanup(es, redis, names).catch(() => undefined);
    redis?.disconnect();
    await es?.close();
    await cluster.stop();
  });

  /** The test's source index: one primary and one replica, on nodes 1 and 2 only. */
  async function sourceIndex(names: TestNames): Promise<string> {
    const index = names.index('defend');
    await createSourceIndex(es, index);
    await es.indices.putSettings({ index, settings: { number_of_replicas: 1, 'index.routing.allocation.exclude._name': cluster.nodeName(0) } });
    await es.cluster.health({ index, wait_for_status: 'green', timeout: '120s' });
    return index;
  }

  /**
   * Indexes documents made by `make` (called again on each attempt, so times are those of the
   * attempt that stored them): while a primary moves, a bulk may fail or time out.
   */
  async function indexRetrying(index: string, make: () => { id: string; doc: Record<string, unknown>; truth: TruthEvent }[]): Promise<TruthEvent[]> {
    for (let attempt = 0; ; attempt++) {
      const docs = make();
      try {
        const res = await es.bulk({ operations: docs.flatMap((d) => [{ index: { _index: index, _id: d.id } }, d.doc]), refresh: 'wait_for', timeout: '20s' }, { requestTimeout: 30_000 });
        if (!res.errors) return docs.map((d) => d.truth);
      } catch (err) {
        if (attempt >= 30) throw err;
      }
      await sleep(500);
    }
  }

  /**
   * Kills the node holding the source index's primary, preferably while it holds an open point
   * in time of the worker (a point in time reads either copy; waited for up to `waitMs`), so
   * the loss hits a scan in the middle. Says which node and whether a context was open on it.
   */
  async function killPrimaryHolder(names: TestNames, waitMs: number): Promise<{ victim: number; contexts: number }> {
    const victim = await cluster.primaryHolder(es, names.sourcePattern, [0]);
    assert.ok(victim !== undefined, `no started primary of ${names.sourcePattern}: ${JSON.stringify(await cluster.shards(es, names.sourcePattern))}`);
    let contexts = 0;
    for (const deadline = Date.now() + waitMs; contexts === 0 && Date.now() < deadline; ) contexts = (await cluster.openContexts(es)).get(victim) ?? 0;
    await cluster.kill(victim);
    return { victim, contexts };
  }

  /** One copy of every findings shard on each of two nodes: the findings survive a node too. */
  async function assertFindingsReplicated(names: TestNames): Promise<void> {
    await es.cluster.health({ index: `${names.alias}*`, wait_for_status: 'green', wait_for_no_relocating_shards: true, wait_for_no_initializing_shards: true, timeout: '120s', expand_wildcards: 'all' });
    const copies = await cluster.shards(es, `${names.alias}*`);
    assert.ok(copies.length > 0);
    assert.ok(
      copies.filter((c) => c.primary).every((p) => copies.some((r) => !r.primary && r.index === p.index && r.shard === p.shard && r.state === 'STARTED' && r.node !== p.node)),
      `findings shards without a started replica: ${JSON.stringify(copies)}`,
    );
  }

  it('finishes a backfill with exact findings when the node dies in the middle of it', { timeout: 420_000 }, async (t) => {
    const names = testNames('nodeloss-bf');
    allNames.push(names);
    const index = await sourceIndex(names);
    const day = '2026-03-01';
    // 24 hourly chunks of 240 events, read 10 hits a page: every chunk is many pages, so the
    // node dies while points in time are open and between pages.
    const truth = await indexRetrying(index, () => {
      const out: { id: string; doc: Record<string, unknown>; truth: TruthEvent }[] = [];
      for (let hour = 0; hour < 24; hour++) {
        for (let i = 0; i < 240; i++) {
          const time = new Date(Date.parse(`${day}T00:00:00Z`) + hour * 3_600_000 + i * 14_000).toISOString();
          const proxied = i % 4 === 0;
          const commandLine = proxied ? `curl -x http://198.51.100.${i % 5}:3128 https://c2.example/${i % 3}` : `curl -s https://ok.example/${hour}/${i}`;
          const spec = { time, ingested: time, host: `h${i % 3}`, user: 'mallory', commandLine, pid: proxied ? 4_000 + (i % 7) : 10_000 + i, ppid: 1 };
          out.push({ id: `e-${hour}-${i}`, doc: defendEvent(spec), truth: { ...spec, parent: 'bash', proxied } });
        }
      }
      return out;
    });
    const config = testConfig(names, { 'elasticsearch.url': cluster.url(0) });
    const worker = spawnCli(config, ['--set', 'source.pageSize=10', '--set', 'backfill.chunkMs=3600000', '--set', 'backfill.chunkCandidates=0', 'backfill', '--from', `${day}T00:00:00Z`, '--to', '2026-03-02T00:00:00Z', '--wait', '--json']);
    children.push(worker);
    const chunksDone = () =>
      Math.max(
        0,
        ...worker
          .output()
          .split('\n')
          .map((l) => Number(/"chunks_done":(\d+)/.exec(l)?.[1] ?? 0)),
      );
    await waitFor('two chunks to be done', async () => chunksDone(), (n) => n >= 2 || worker.child.exitCode !== null, 180_000, 50);
    assert.equal(worker.child.exitCode, null, `the backfill ended before the node could be killed:\n${worker.output().slice(-2000)}`);
    const { victim, contexts } = await killPrimaryHolder(names, 20_000);
    const killedAt = chunksDone();
    const killedAtMs = Date.now();
    // The timer is cancelled once the worker exits: a pending one would keep the test process alive.
    const timer = new AbortController();
    const code = await Promise.race([worker.exited, sleep(300_000, 'timeout', { signal: timer.signal }).catch(() => 'cancelled')]);
    timer.abort();
    t.diagnostic(`node ${victim} killed at chunk ${killedAt}/24 with ${contexts} search contexts open on it; the backfill ended ${Date.now() - killedAtMs} ms later; ${retries(worker)}`);
    assert.equal(code, 0, `the backfill did not finish:\n${worker.output().slice(-4000)}`);
    assert.ok(killedAt < 24, 'the node died before the backfill was done');
    assert.match(worker.output(), /"status":"done"/);
    const findings = await readFindings(es, names.alias);
    assert.deepEqual(comparable(findings), expectedFromTruth(truth), worker.output().slice(-4000));
    assert.equal(new Set(findings.map((f) => f.id)).size, findings.length, 'no finding twice');
    await cluster.startNode(victim);
    await assertFindingsReplicated(names);
  });

  it('keeps live findings exact when the node dies while events stream in and comes back', { timeout: 420_000 }, async (t) => {
    const names = testNames('nodeloss-live');
    allNames.push(names);
    const index = await sourceIndex(names);
    // At info the worker says when it has started: the node must die while it streams.
    const config = testConfig(names, { 'elasticsearch.url': cluster.url(0), 'live.initialLookbackMs': 60_000, 'log.level': 'info' });
    const worker = spawnCli(config, ['--set', 'source.pageSize=10', 'run']);
    children.push(worker);
    await waitFor('the worker to start', async () => worker.output(), (out) => out.includes('worker-started') || worker.child.exitCode !== null, 60_000, 100);
    const truth: TruthEvent[] = [];
    let lastIngest = 0;
    let victim: number | undefined;
    let contexts = 0;
    let restarted: Promise<void> | undefined;
    for (let batch = 0; batch < 16; batch++) {
      if (batch === 5) {
        ({ victim, contexts } = await killPrimaryHolder(names, 10_000));
        // The replica on the other data node becomes the primary; events go on from then.
        await es.cluster.health({ index, wait_for_status: 'yellow', timeout: '120s' });
      }
      if (batch === 9 && victim !== undefined) restarted = cluster.startNode(victim);
      truth.push(
        ...(await indexRetrying(index, () => {
          const now = new Date();
          lastIngest = now.getTime();
          return [0, 1, 2, 3, 4, 5, 6, 7].map((i) => {
            // Per batch: one group that keeps growing, two new proxied processes, five benign.
            const proxied = i < 3;
            const commandLine = proxied ? `curl --socks5-hostname 203.0.113.${i}:1080 https://c2.example/${i === 0 ? 'beacon' : `b${batch}`}` : `curl -s https://ok.example/${batch}/${i}`;
            const spec = { time: now.toISOString(), ingested: now.toISOString(), host: `h${i % 2}`, user: 'mallory', commandLine, pid: i === 0 ? 77 : 20_000 + batch * 10 + i, ppid: 1 };
            return { id: `b${batch}-e${i}`, doc: defendEvent(spec), truth: { ...spec, parent: 'bash', proxied } };
          });
        })),
      );
      await sleep(700);
    }
    await restarted;
    await waitFor('the cursor to pass the last event', async () => Number(await redis.get(`${names.keyPrefix}:live:cursor`)), (c) => c > lastIngest, 180_000, 250);
    assert.equal(worker.child.exitCode, null, `the worker exited:\n${worker.output().slice(-3000)}`);
    t.diagnostic(`node ${victim} killed with ${contexts} search contexts open on it, and restarted; ${retries(worker)}`);
    const findings = await readFindings(es, names.alias);
    assert.deepEqual(comparable(findings), expectedFromTruth(truth), worker.output().slice(-4000));
    assert.equal(new Set(findings.map((f) => f.id)).size, findings.length, 'no finding twice');
    await assertFindingsReplicated(names);
  });
});
