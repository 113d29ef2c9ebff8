import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import { createApp, startWorker, type App } from '../../src/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { ensureFindingsIndex } from '../../src/sink/findings-index.js';
import { cleanup, readFindingDocs, readFindings, testConfig, testNames, waitFor, withoutWriteTime } from '../helpers/pipeline.js';
import { comparable, day, expectedFindings, loadScenario, scenarioSuppressions } from '../helpers/scenario.js';
import { testEsClient, testRedis } from '../helpers/services.js';
import { defendEvent } from '../helpers/ecs-events.js';
import { indexDocs, createSourceIndex } from '../helpers/pipeline.js';

// Needs: a real Elasticsearch (server core only: PIT, bulk, composable templates) and Redis.

/** Runs a backfill to the end; returns its counters. */
async function runBackfill(app: App, from: string, to: string) {
  const { record } = await app.backfills.create({ fromMs: Date.parse(from), toMs: Date.parse(to), indexPatterns: [...app.config.source.indexPatterns] });
  const worker = await startWorker(app, { live: false, backfill: true });
  try {
    const done = await waitFor('backfill done', () => app.backfills.get(record.id), (r) => r?.status === 'done', 120_000);
    return (done as NonNullable<typeof done>).stats;
  } finally {
    await worker.stop();
  }
}

describe('a backfill over events from every producer', () => {
  const names = testNames('backfill');
  let es: Client;
  let redis: Redis;
  let app: App;

  before(async () => {
    es = testEsClient();
    redis = testRedis();
    await loadScenario(es, names);
    app = createApp(testConfig(names, { 'rule.suppressions': JSON.stringify(scenarioSuppressions) }), silentLogger());
  });
  after(async () => {
    await app.close();
    await cleanup(es, redis, names);
    redis.disconnect();
    await es.close();
  });

  it('writes exactly the findings worked out by hand, with the analytic count, first and last time', async () => {
    await runBackfill(app, `${day}T00:00:00Z`, `${day}T23:59:59Z`);
    const findings = await readFindings(es, names.alias);
    assert.deepEqual(comparable(findings), expectedFindings);
    const [record] = await app.backfills.list();
    assert.ok(record !== undefined);
    assert.equal(record.stats.matched, 6, 'six matching events in five groups (the suppressed one is counted apart)');
    assert.equal(record.stats.suppressed, 1);
    assert.equal(record.stats.skipped, 0, 'the Defend fork-only event is not even fetched: the source query leaves it out');
  });

  it('fills every field a finding promises', async () => {
    const docs = await readFindingDocs(es, names.alias);
    const sysmon = [...docs.values()].map((d) => d.source).find((s) => (s.host as { name: string }).name === 'app-1') as Record<string, any>;
    assert.ok(sysmon !== undefined);
    assert.equal(sysmon['@timestamp'], `${day}T15:20:00.000Z`);
    assert.equal(sysmon.event.kind, 'alert');
    assert.equal(sysmon.event.start, `${day}T15:20:00.000Z`);
    assert.equal(sysmon.event.end, `${day}T15:20:00.000Z`);
    assert.equal(sysmon.event.risk_score, 56);
    assert.equal(sysmon.finding.count, 1);
    assert.deepEqual(sysmon.user, { name: 'root' }, 'the user comes from the raw Sysmon record');
    assert.equal(sysmon.process.name, 'curl', 'the name comes from the executable, not "sysmon"');
    assert.equal(sysmon.process.executable, '/usr/bin/curl');
    assert.equal(sysmon.process.pid, 999);
    assert.equal(sysmon.process.parent.pid, 900);
    assert.equal(sysmon.process.parent.name, 'python3');
    assert.equal(sysmon.process.parent.executable, '/usr/bin/python3');
    assert.equal(sysmon.rule.id, 'bd596c22-ad1e-44fc-b242-817253ce8b08');
    assert.equal(sysmon.rule.name, 'Linux Proxy Socks Curl');
    assert.equal(sysmon.threat.framework, 'MITRE ATT&CK');
    assert.deepEqual(sysmon.threat.tactic.id, ['TA0011']);
    assert.deepEqual(sysmon.threat.technique.id, ['T1090', 'T1095']);
    assert.equal(sysmon.message, 'An instance of curl was identified on endpoint app-1 by user root utilizing a proxy. Review activity for further details.');
    assert.deepEqual(
      sysmon.finding.proxies.map((p: { canonical: string; scheme: string; host: string; port: number }) => [p.canonical, p.scheme, p.host, p.port]),
      [
        ['--preproxy', 'socks5', '127.0.0.1', 9050],
        ['--proxy', 'http', '10.9.9.9', 3128],
      ],
    );
    assert.equal(sysmon.finding.mode, 'argv');
    assert.deepEqual(sysmon.finding.first_event, { index: names.index('sysmon'), id: 's1' });
    assert.deepEqual(sysmon.finding.events, [{ index: names.index('sysmon'), id: 's1' }]);
    assert.deepEqual(sysmon.finding.risk_objects.map((r: { type: string; value: string }) => [r.type, r.value]), [['system', 'app-1'], ['user', 'root']]);
    assert.deepEqual(sysmon.finding.threat_objects, [{ field: 'process_name', type: 'process_name', value: 'curl' }]);
    assert.deepEqual(sysmon.finding.annotations.nist, ['DE.CM']);
  });

  it('changes nothing when the same range is backfilled again', async () => {
    const before = await readFindingDocs(es, names.alias);
    // A different chunk size is a different backfill over the same events.
    const again = createApp(testConfig(names, { 'rule.suppressions': JSON.stringify(scenarioSuppressions), 'backfill.chunkMs': 7_200_000 }), silentLogger());
    try {
      await runBackfill(again, `${day}T00:00:00Z`, `${day}T23:59:59Z`);
    } finally {
      await again.close();
    }
    const afterDocs = await readFindingDocs(es, names.alias);
    assert.deepEqual([...afterDocs.keys()].sort(), [...before.keys()].sort());
    for (const [id, doc] of afterDocs) assert.deepEqual(withoutWriteTime(doc), withoutWriteTime(before.get(id)), `finding ${id} changed`);
  });

  it('rebuilds the same counts after the Redis state is lost, by merging with the stored findings', async () => {
    const before = await readFindingDocs(es, names.alias);
    const { deleteKeys } = await import('../helpers/services.js');
    await deleteKeys(redis, `${names.keyPrefix}:*`);
    const again = createApp(testConfig(names, { 'rule.suppressions': JSON.stringify(scenarioSuppressions), 'backfill.chunkMs': 1_800_000 }), silentLogger());
    try {
      // Only part of the day: the 10:00 group sees one of its two events again.
      const stats = await runBackfill(again, `${day}T10:30:00Z`, `${day}T12:00:00Z`);
      assert.ok(stats.matched >= 1, 'the partial range re-counts at least one stored group');
    } finally {
      await again.close();
    }
    const afterDocs = await readFindingDocs(es, names.alias);
    assert.deepEqual([...afterDocs.keys()].sort(), [...before.keys()].sort());
    for (const [id, doc] of afterDocs) assert.deepEqual(withoutWriteTime(doc), withoutWriteTime(before.get(id)), `finding ${id} changed`);
  });
});

describe('the live worker', () => {
  const names = testNames('live');
  let es: Client;
  let redis: Redis;
  let app: App;

  before(async () => {
    es = testEsClient();
    redis = testRedis();
    await createSourceIndex(es, names.index('defend'));
    app = createApp(testConfig(names, { 'live.initialLookbackMs': 60_000 }), silentLogger());
  });
  after(async () => {
    await app.close();
    await cleanup(es, redis, names);
    redis.disconnect();
    await es.close();
  });

  it('turns a freshly ingested event into a finding within seconds, and advances its cursor', async () => {
    const worker = await startWorker(app, { live: true, backfill: false });
    try {
      const now = new Date();
      await indexDocs(es, names.index('defend'), [
        { id: 'live-1', doc: defendEvent({ time: now.toISOString(), ingested: now.toISOString(), host: 'live-host', user: 'eve', commandLine: 'curl -x socks5://203.0.113.9:1080 https://c2.example', pid: 31337, ppid: 1 }) },
        { id: 'live-2', doc: defendEvent({ time: now.toISOString(), ingested: now.toISOString(), host: 'live-host', user: 'eve', commandLine: 'curl https://benign.example', pid: 31338, ppid: 1 }) },
      ]);
      const findings = await waitFor('a live finding', () => readFindings(es, names.alias), (f) => f.length > 0, 30_000);
      const delayMs = Date.now() - now.getTime();
      process.stdout.write(`# live: ingest-to-finding delay ${delayMs} ms\n`);
      assert.equal(findings.length, 1);
      assert.equal(findings[0]?.commandLine, 'curl -x socks5://203.0.113.9:1080 https://c2.example');
      // The cursor moves once the window's job completed, i.e. after its findings were written.
      await waitFor('the cursor to pass the event', async () => Number(await redis.get(`${names.keyPrefix}:live:cursor`)), (c) => c > now.getTime(), 10_000);

      // Every window for the next live.overlapMs re-reads the event; none may rewrite its finding.
      const seqNo = async () => {
        await es.indices.refresh({ index: `${names.alias}*` });
        const res = await es.search({ index: `${names.alias}*`, seq_no_primary_term: true, query: { match_all: {} } });
        return res.hits.hits.map((h) => h._seq_no);
      };
      const written = await seqNo();
      const overlapEnd = now.getTime() + app.config.live.overlapMs + app.config.live.pollIntervalMs;
      await waitFor('the cursor to pass the overlap', async () => Number(await redis.get(`${names.keyPrefix}:live:cursor`)), (c) => c > overlapEnd, 20_000);
      assert.deepEqual(await seqNo(), written, 'the overlapping windows left the unchanged finding alone');
    } finally {
      await worker.stop();
    }
  });
});

describe('overlapping ranges', () => {
  const names = testNames('overlap');
  let es: Client;
  let redis: Redis;
  let app: App;
  const t0 = Date.parse('2026-11-02T09:00:00Z');
  const at = (s: number) => new Date(t0 + s * 1_000).toISOString();
  const event = (pid: number, s: number) =>
    defendEvent({ time: at(s), ingested: at(s), host: 'overlap-host', user: 'eve', commandLine: `curl -x socks5://203.0.113.9:1080 https://c2.example/${pid}`, pid, ppid: 1 });
  const live = { fromMs: t0, toMs: t0 + 60_000, basis: 'ingested' as const };

  before(async () => {
    es = testEsClient();
    redis = testRedis();
    await createSourceIndex(es, names.index('defend'));
    app = createApp(testConfig(names), silentLogger());
    // What a worker does before it processes anything (these tests call processRange directly).
    await ensureFindingsIndex(es, names.alias);
    await indexDocs(es, names.index('defend'), [
      { id: 'a1', doc: event(100, 1) },
      { id: 'a2', doc: event(100, 2) },
      { id: 'b1', doc: event(200, 3) },
    ]);
  });
  after(async () => {
    await app.close();
    await cleanup(es, redis, names);
    redis.disconnect();
    await es.close();
  });

  it('a live window that re-reads unchanged groups leaves their findings alone, and rewrites a group that grew', async () => {
    const { processRange } = await import('../../src/aggregate/processor.js');
    const patterns = [...app.config.source.indexPatterns];
    const first = await processRange(app.pipelineDeps(), live, patterns, { skipUnchanged: true });
    assert.deepEqual([first.matched, first.findingsWritten, first.findingsUnchanged], [3, 2, 0]);
    const stored = await readFindingDocs(es, names.alias);

    const again = await processRange(app.pipelineDeps(), live, patterns, { skipUnchanged: true });
    assert.deepEqual([again.matched, again.findingsWritten, again.findingsUnchanged], [3, 0, 2], 'nothing new: no write at all');
    assert.deepEqual(await readFindingDocs(es, names.alias), stored);

    await indexDocs(es, names.index('defend'), [{ id: 'a3', doc: event(100, 4) }]);
    const grown = await processRange(app.pipelineDeps(), live, patterns, { skipUnchanged: true });
    assert.deepEqual([grown.matched, grown.findingsWritten, grown.findingsUnchanged], [4, 1, 1], 'only the group with a new event is written');
    const counts = [...(await readFindings(es, names.alias))].map((f) => f.count).sort();
    assert.deepEqual(counts, [1, 3]);
  });

  it('a backfill over the same range rewrites every finding, so it restores findings whose index was deleted', async () => {
    const { processRange } = await import('../../src/aggregate/processor.js');
    const before = await readFindingDocs(es, names.alias);
    const concrete = Object.keys(await es.indices.get({ index: `${names.alias}*` }));
    await es.indices.delete({ index: concrete });
    assert.equal((await readFindingDocs(es, names.alias)).size, 0);
    const stats = await processRange(app.pipelineDeps(), { fromMs: t0, toMs: t0 + 60_000, basis: 'event' }, [...app.config.source.indexPatterns]);
    assert.deepEqual([stats.findingsWritten, stats.findingsUnchanged], [2, 0]);
    assert.deepEqual(new Map([...(await readFindingDocs(es, names.alias))].map(([id, d]) => [id, withoutWriteTime(d)])), new Map([...before].map(([id, d]) => [id, withoutWriteTime(d)])));
  });
});
